#include "core/json.hpp"

#include <gtest/gtest.h>

using namespace riverlink;
using namespace riverlink::core;

TEST(Json, CanonicalSortsKeys) {
  auto j = Json::parse(R"({"b":1,"a":{"z":true,"c":"中"}})");
  EXPECT_EQ(canonical(j), R"({"a":{"c":"中","z":true},"b":1})");
}

TEST(Json, MalformedNamesPosition) {
  auto r = parse_json(R"({"a": 1,,})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::bad_request);
  EXPECT_NE(r.error().message.find("byte 9"), std::string::npos) << r.error().message;
}

TEST(Json, ShapeRejectsUnknownMissingAndWrongTypes) {
  Shape s{{"username", JsonType::string}, {"age", JsonType::integer, false}};
  EXPECT_TRUE(s.validate(Json::parse(R"({"username":"a"})")).ok());
  auto r = s.validate(Json::parse(R"({"age":"x","extra":1})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  ASSERT_EQ(r.error().fields.size(), 3u);
  EXPECT_EQ(r.error().fields[0].field, "extra");
  EXPECT_EQ(r.error().fields[1].field, "username");
  EXPECT_EQ(r.error().fields[2].field, "age");
  EXPECT_FALSE(s.validate(Json::array()).ok());
  auto schema = s.to_schema();
  EXPECT_EQ(schema["required"], Json::array({"username"}));
  EXPECT_EQ(schema["properties"]["age"]["type"], "integer");
}
