#include "core/divisions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace riverlink::core {
namespace {

const Divisions& yrd() { return Divisions::yrd(); }

int count_in(const std::vector<const Division*>& v, std::string_view province_prefix) {
  return static_cast<int>(std::count_if(v.begin(), v.end(), [&](const Division* d) {
    return d->code.substr(0, 2) == province_prefix;
  }));
}

TEST(Divisions, YrdCountsPerLevel) {
  const auto& t = yrd();
  EXPECT_EQ(t.at_level(DivisionLevel::province).size(), 4u);
  EXPECT_EQ(t.at_level(DivisionLevel::prefecture).size(), 41u);
  EXPECT_EQ(t.at_level(DivisionLevel::county).size(), 305u);
  EXPECT_EQ(t.all().size(), 4u + 41u + 305u);
}

TEST(Divisions, YrdCountsPerProvince) {
  const auto& t = yrd();
  const auto prefectures = t.at_level(DivisionLevel::prefecture);
  EXPECT_EQ(count_in(prefectures, "31"), 1);
  EXPECT_EQ(count_in(prefectures, "32"), 13);
  EXPECT_EQ(count_in(prefectures, "33"), 11);
  EXPECT_EQ(count_in(prefectures, "34"), 16);
  // children() of a province are exactly its prefectures.
  EXPECT_EQ(t.children("310000").size(), 1u);
  EXPECT_EQ(t.children("320000").size(), 13u);
  EXPECT_EQ(t.children("330000").size(), 11u);
  EXPECT_EQ(t.children("340000").size(), 16u);

  const auto counties = t.at_level(DivisionLevel::county);
  EXPECT_EQ(count_in(counties, "31"), 16);
  EXPECT_EQ(count_in(counties, "32"), 95);
  EXPECT_EQ(count_in(counties, "33"), 90);
  EXPECT_EQ(count_in(counties, "34"), 104);
}

TEST(Divisions, YrdProvinces) {
  const auto provinces = yrd().at_level(DivisionLevel::province);
  ASSERT_EQ(provinces.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"310000", "Shanghai"}, {"320000", "Jiangsu"}, {"330000", "Zhejiang"}, {"340000", "Anhui"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(provinces[i]->code, want[i].first);
    EXPECT_EQ(provinces[i]->name_en, want[i].second);
    EXPECT_EQ(provinces[i]->parent_code, "");
  }
  EXPECT_EQ(yrd().find("320000")->name_zh, "江苏省");
}

TEST(Divisions, YrdTableIsConsistent) {
  const auto& t = yrd();
  std::string prev;
  for (const Division& d : t.all()) {
    EXPECT_LT(prev, d.code) << "not sorted/unique at " << d.code;
    prev = d.code;
    EXPECT_EQ(d.code.size(), 6u);
    EXPECT_FALSE(d.name_zh.empty()) << d.code;
    EXPECT_FALSE(d.name_en.empty()) << d.code;
    EXPECT_EQ(t.find(d.code), &d);
    if (d.level == DivisionLevel::province) {
      EXPECT_TRUE(d.parent_code.empty());
      continue;
    }
    const Division* parent = t.find(d.parent_code);
    ASSERT_NE(parent, nullptr) << d.code;
    EXPECT_EQ(static_cast<int>(parent->level), static_cast<int>(d.level) - 1) << d.code;
    // Every prefecture has counties under it (Shanghai's 310100 included).
    if (d.level == DivisionLevel::prefecture) {
      EXPECT_FALSE(t.children(d.code).empty()) << d.code;
    }
  }
}

TEST(Divisions, YrdLookups) {
  const auto& t = yrd();
  const Division* suzhou = t.find("320500");
  ASSERT_NE(suzhou, nullptr);
  EXPECT_EQ(suzhou->name_zh, "苏州市");
  EXPECT_EQ(suzhou->name_en, "Suzhou");
  EXPECT_EQ(suzhou->level, DivisionLevel::prefecture);
  EXPECT_EQ(suzhou->parent_code, "320000");

  const Division* suqian = t.find("321300");
  ASSERT_NE(suqian, nullptr);
  EXPECT_EQ(suqian->name_zh, "宿迁市");
  EXPECT_EQ(suqian->name_en, "Suqian");
  EXPECT_EQ(suqian->level, DivisionLevel::prefecture);

  const Division* yixing = t.find("320282");
  ASSERT_NE(yixing, nullptr);
  EXPECT_EQ(yixing->name_zh, "宜兴市");
  EXPECT_EQ(yixing->name_en, "Yixing");  // county-level city: bare name
  EXPECT_EQ(yixing->level, DivisionLevel::county);
  EXPECT_EQ(yixing->parent_code, "320200");

  const Division* deqing = t.find("330521");
  ASSERT_NE(deqing, nullptr);
  EXPECT_EQ(deqing->name_zh, "德清县");
  EXPECT_EQ(deqing->name_en, "Deqing County");
  EXPECT_EQ(deqing->parent_code, "330500");

  const Division* wujiang = t.find("320509");
  ASSERT_NE(wujiang, nullptr);
  EXPECT_EQ(wujiang->name_en, "Wujiang District");

  // Polyphones and irregular romanisations.
  const std::map<std::string, std::string> names = {
      {"340300", "Bengbu"},           {"341500", "Lu'an"},
      {"341600", "Bozhou"},           {"331000", "Taizhou"},
      {"331100", "Lishui"},           {"320117", "Lishui District"},
      {"330382", "Yueqing"},          {"341021", "She County"},
      {"341023", "Yi County"},        {"341823", "Jing County"},
      {"330522", "Changxing County"}, {"310112", "Minhang District"},
      {"341621", "Guoyang County"},   {"320116", "Luhe District"},
      {"340500", "Ma'anshan"},        {"310115", "Pudong New Area"},
      {"320830", "Xuyi County"},      {"321322", "Shuyang County"},
  };
  for (const auto& [code, en] : names) {
    const Division* d = t.find(code);
    ASSERT_NE(d, nullptr) << code;
    EXPECT_EQ(d->name_en, en) << code;
  }
}

TEST(Divisions, ShanghaiHasOnePrefecture) {
  const auto& t = yrd();
  const Division* sh = t.find("310100");
  ASSERT_NE(sh, nullptr);
  EXPECT_EQ(sh->name_zh, "上海市");
  EXPECT_EQ(sh->name_en, "Shanghai");
  EXPECT_EQ(sh->level, DivisionLevel::prefecture);
  EXPECT_EQ(sh->parent_code, "310000");
  const auto districts = t.children("310100");
  EXPECT_EQ(districts.size(), 16u);
  EXPECT_EQ(districts.front()->code, "310101");  // children come sorted by code
  EXPECT_EQ(districts.front()->name_en, "Huangpu District");
}

TEST(Divisions, FindMisses) {
  const auto& t = yrd();
  EXPECT_EQ(t.find(""), nullptr);
  EXPECT_EQ(t.find("3205"), nullptr);
  EXPECT_EQ(t.find("999999"), nullptr);
  EXPECT_EQ(t.find("110000"), nullptr);  // Beijing is not in the delta table
  EXPECT_EQ(t.find("320576"), nullptr);  // statistics-only functional zone, not GB/T 2260
  EXPECT_TRUE(t.children("320506").empty());
  EXPECT_TRUE(t.children("").empty());
}

TEST(Divisions, ProvinceOf) {
  const auto& t = yrd();
  ASSERT_NE(t.province_of("320506"), nullptr);
  EXPECT_EQ(t.province_of("320506")->code, "320000");
  EXPECT_EQ(t.province_of("320500")->code, "320000");
  EXPECT_EQ(t.province_of("320000")->code, "320000");
  EXPECT_EQ(t.province_of("310115")->code, "310000");
  EXPECT_EQ(t.province_of("341823")->name_en, "Anhui");
  EXPECT_EQ(t.province_of("330521")->name_zh, "浙江省");
  EXPECT_EQ(t.province_of("999999"), nullptr);
  EXPECT_EQ(t.province_of(""), nullptr);
}

TEST(Divisions, Within) {
  const auto& t = yrd();
  // A county is within itself, its prefecture and its province.
  EXPECT_TRUE(t.within("320506", "320506"));
  EXPECT_TRUE(t.within("320506", "320500"));
  EXPECT_TRUE(t.within("320506", "320000"));
  EXPECT_TRUE(t.within("320500", "320000"));
  EXPECT_TRUE(t.within("320000", "320000"));
  EXPECT_TRUE(t.within("310115", "310100"));
  EXPECT_TRUE(t.within("310115", "310000"));
  // Not upwards, not sideways, not across provinces.
  EXPECT_FALSE(t.within("320500", "320506"));
  EXPECT_FALSE(t.within("320000", "320500"));
  EXPECT_FALSE(t.within("320282", "320500"));  // Yixing is in Wuxi, not Suzhou
  EXPECT_FALSE(t.within("320506", "330000"));
  EXPECT_FALSE(t.within("341302", "320500"));  // Anhui's Suzhou is not Jiangsu's
  EXPECT_FALSE(t.within("341302", "320000"));
  // Unknown codes are within nothing; unknown scopes contain nothing.
  EXPECT_FALSE(t.within("999999", "999999"));
  EXPECT_FALSE(t.within("320599", "320500"));
  EXPECT_FALSE(t.within("320506", "329900"));
  EXPECT_FALSE(t.within("320506", ""));
  EXPECT_FALSE(t.within("", ""));
}

TEST(Divisions, YrdIsParsedOnce) { EXPECT_EQ(&Divisions::yrd(), &Divisions::yrd()); }

TEST(Divisions, LevelName) {
  EXPECT_EQ(level_name(DivisionLevel::province), "province");
  EXPECT_EQ(level_name(DivisionLevel::prefecture), "prefecture");
  EXPECT_EQ(level_name(DivisionLevel::county), "county");
}

// ---- parse() on hand-made input ----

const std::string kHeaderLine = "code,name_zh,name_en,level,parent_code\n";
const std::string kGood = kHeaderLine +
                          "320000,江苏省,Jiangsu,province,\n"                // line 2
                          "320500,苏州市,Suzhou,prefecture,320000\n"         // line 3
                          "320506,吴中区,Wuzhong District,county,320500\n";  // line 4

TEST(DivisionsParse, AcceptsMinimalTable) {
  const auto t = Divisions::parse(kGood, "good.csv");
  ASSERT_EQ(t.all().size(), 3u);
  EXPECT_EQ(t.find("320506")->name_en, "Wuzhong District");
  EXPECT_TRUE(t.within("320506", "320000"));
}

TEST(DivisionsParse, AcceptsMissingFinalNewlineAndCrlf) {
  std::string no_final = kGood.substr(0, kGood.size() - 1);
  EXPECT_EQ(Divisions::parse(no_final, "x.csv").all().size(), 3u);
  std::string crlf;
  for (char c : kGood) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const auto t = Divisions::parse(crlf, "crlf.csv");
  ASSERT_EQ(t.all().size(), 3u);
  EXPECT_EQ(t.find("320000")->parent_code, "");
  EXPECT_EQ(t.find("320506")->parent_code, "320500");
}

TEST(DivisionsParse, SortsUnorderedInput) {
  const auto t = Divisions::parse(kHeaderLine +
                                      "320506,吴中区,Wuzhong District,county,320500\n"
                                      "320500,苏州市,Suzhou,prefecture,320000\n"
                                      "320000,江苏省,Jiangsu,province,\n",
                                  "x.csv");
  ASSERT_EQ(t.all().size(), 3u);
  EXPECT_EQ(t.all()[0].code, "320000");
  EXPECT_EQ(t.all()[2].code, "320506");
}

TEST(DivisionsParse, HandlesQuotedFields) {
  const auto t =
      Divisions::parse(kHeaderLine +
                           "\"340000\",安徽省,Anhui,province,\"\"\n"
                           "341500,六安市,\"Lu'an, \"\"Six Peace\"\"\",prefecture,340000\n"
                           "341502,金安区,\"Jin'an\nDistrict\",county,\"341500\"\n"
                           "341503,裕安区,Yu'an District,county,341500\n",
                       "q.csv");
  ASSERT_EQ(t.all().size(), 4u);
  EXPECT_EQ(t.find("340000")->parent_code, "");
  EXPECT_EQ(t.find("341500")->name_en, "Lu'an, \"Six Peace\"");
  EXPECT_EQ(t.find("341502")->name_en, "Jin'an\nDistrict");
  EXPECT_EQ(t.find("341502")->parent_code, "341500");
  EXPECT_EQ(t.find("341503")->name_en, "Yu'an District");
}

// Parses `csv` expecting failure; returns the message.
std::string parse_error(const std::string& csv) {
  try {
    Divisions::parse(csv, "bad.csv");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception for:\n" << csv;
  return {};
}

void expect_error(const std::string& csv, int line, std::string_view field,
                  std::string_view detail) {
  const std::string msg = parse_error(csv);
  const std::string where = "bad.csv:" + std::to_string(line) + ":";
  EXPECT_EQ(msg.rfind(where, 0), 0u) << "want prefix " << where << " in: " << msg;
  if (!field.empty()) {
    EXPECT_NE(msg.find("field " + std::string(field) + ":"), std::string::npos)
        << "want field " << field << " in: " << msg;
  }
  EXPECT_NE(msg.find(detail), std::string::npos) << "want '" << detail << "' in: " << msg;
}

TEST(DivisionsParseErrors, WrongHeader) {
  expect_error("", 1, "", "missing header");
  expect_error("code,name,name_en,level,parent_code\n320000,江苏省,Jiangsu,province,\n", 1, "",
               "wrong header");
  expect_error("code,name_zh,name_en,level\n", 1, "", "wrong header");
  expect_error("\xEF\xBB\xBF" + kGood, 1, "", "byte order mark");
  expect_error("320000,江苏省,Jiangsu,province,\n", 1, "", "wrong header");
}

TEST(DivisionsParseErrors, WrongColumnCount) {
  expect_error(kGood + "320583,昆山市,Kunshan,county\n", 5, "", "expected 5 fields, got 4");
  expect_error(kGood + "320583,昆山市,Kunshan,county,320500,x\n", 5, "",
               "expected 5 fields, got 6");
  expect_error(
      kHeaderLine + "320000,江苏省,Jiangsu,province,\n\n320500,苏州市,Suzhou,prefecture,320000\n",
      3, "", "expected 5 fields, got 1");  // blank line
  expect_error(kHeaderLine + "320000,\"江苏省,Jiangsu,province,\n", 2, "name_zh", "unterminated");
  expect_error(kHeaderLine + "320000,江苏省,\"Jiang\"su,province,\n", 2, "name_en",
               "after closing quote");
  expect_error(kHeaderLine + "320000,江苏省,Jiang\"su,province,\n", 2, "name_en", "double quote");
}

TEST(DivisionsParseErrors, CodeNotSixDigits) {
  expect_error(kGood + "32058,昆山市,Kunshan,county,320500\n", 5, "code", "not a 6-digit code");
  expect_error(kGood + "3205830,昆山市,Kunshan,county,320500\n", 5, "code", "not a 6-digit code");
  expect_error(kGood + "32058a,昆山市,Kunshan,county,320500\n", 5, "code", "not a 6-digit code");
  expect_error(kGood + " 320583,昆山市,Kunshan,county,320500\n", 5, "code", "not a 6-digit code");
  expect_error(kGood + ",昆山市,Kunshan,county,320500\n", 5, "code", "not a 6-digit code");
  expect_error(kGood + "320583,昆山市,Kunshan,county,32050\n", 5, "parent_code",
               "not a 6-digit code");
}

TEST(DivisionsParseErrors, CodeShapeDoesNotFitLevel) {
  expect_error(kGood + "320583,昆山市,Kunshan,prefecture,320000\n", 5, "code", "prefecture code");
  expect_error(kGood + "320600,南通市,Nantong,county,320500\n", 5, "code", "county code");
  expect_error(kGood + "330100,杭州市,Hangzhou,province,\n", 5, "code", "province code");
}

TEST(DivisionsParseErrors, EmptyNames) {
  expect_error(kGood + "320583,,Kunshan,county,320500\n", 5, "name_zh", "empty");
  expect_error(kGood + "320583,昆山市,,county,320500\n", 5, "name_en", "empty");
}

TEST(DivisionsParseErrors, UnknownLevel) {
  expect_error(kGood + "320583,昆山市,Kunshan,city,320500\n", 5, "level", "unknown level \"city\"");
  expect_error(kGood + "320583,昆山市,Kunshan,County,320500\n", 5, "level", "unknown level");
  expect_error(kGood + "320583,昆山市,Kunshan,,320500\n", 5, "level", "unknown level");
}

TEST(DivisionsParseErrors, ParentMissing) {
  expect_error(kGood + "320583,昆山市,Kunshan,county,\n", 5, "parent_code", "missing for a county");
  expect_error(kHeaderLine + "320000,江苏省,Jiangsu,province,\n320500,苏州市,Suzhou,prefecture,\n",
               3, "parent_code", "missing for a prefecture");
  expect_error(kHeaderLine + "320000,江苏省,Jiangsu,province,310000\n", 2, "parent_code",
               "must be empty for a province");
}

TEST(DivisionsParseErrors, ParentUnknown) {
  expect_error(kGood + "320583,昆山市,Kunshan,county,320600\n", 5, "parent_code",
               "unknown parent 320600");
  expect_error(kGood + "330100,杭州市,Hangzhou,prefecture,330000\n", 5, "parent_code",
               "unknown parent 330000");
}

TEST(DivisionsParseErrors, ParentAtWrongLevel) {
  expect_error(kGood + "320583,昆山市,Kunshan,county,320000\n", 5, "parent_code",
               "parent 320000 is a province, but a county's parent must be a prefecture");
  expect_error(kGood + "320600,南通市,Nantong,prefecture,320500\n", 5, "parent_code",
               "parent 320500 is a prefecture, but a prefecture's parent must be a province");
}

TEST(DivisionsParseErrors, ParentDoesNotContainCode) {
  expect_error(kGood + "330000,浙江省,Zhejiang,province,\n330583,昆山市,Kunshan,county,320500\n", 6,
               "parent_code", "does not contain code 330583");
}

TEST(DivisionsParseErrors, DuplicateCode) {
  expect_error(kGood + "320500,苏州市,Suzhou,prefecture,320000\n", 5, "code",
               "duplicate code 320500 (first on line 3)");
}

TEST(DivisionsParseErrors, LineNumbersCountQuotedLineBreaks) {
  // The quoted name spans lines 3-4, so the bad record starts on line 5.
  expect_error(kHeaderLine +
                   "320000,江苏省,Jiangsu,province,\n"
                   "320500,苏州市,\"Su\nzhou\",prefecture,320000\n"
                   "320506,吴中区,Wuzhong District,town,320500\n",
               5, "level", "unknown level");
}

TEST(DivisionsParseErrors, NamesTheSource) {
  try {
    Divisions::parse("nope\n", "data/divisions/custom.csv");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("data/divisions/custom.csv:1:", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace riverlink::core
