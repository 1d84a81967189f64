// Catalogue search: the one place that knows the two full-text engines.
// SQLite: FTS5 with the trigram tokenizer (queries of 3+ characters use the index, ranked by
// bm25; shorter ones fall back to LIKE). PostgreSQL: pg_trgm, ILIKE on the GIN trigram index,
// ranked by similarity.
#include <algorithm>

#include "core/divisions.hpp"
#include "vouchers/service.hpp"

namespace riverlink::vouchers {

namespace {
size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}
std::string like_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') o.push_back('\\');
    o.push_back(ch);
  }
  return o;
}
}  // namespace

Result<J> Service::search(const SearchQuery& q) {
  if (q.limit < 1 || q.limit > 100) return Error::field("vouchers.bad_limit", "limit", "must be 1..100");
  if (q.text.size() > 200) return Error::field("vouchers.bad_query", "q", "at most 200 bytes");
  if (q.division && !core::Divisions::yrd().find(*q.division)) return Error::field("vouchers.bad_division", "division", "unknown division");
  return store::transact(db_, store::TxKind::read, [&](store::Tx& tx) -> Result<J> {
    const bool pg = tx.backend() == store::Backend::postgres;
    const std::string body = "(s.name || ' ' || s.description || ' ' || s.provider_name || ' ' || s.category)";
    std::string sql = "SELECT s.id, s.provider_id, s.provider_name, s.kind, s.name, s.description, s.category, s.price_fen, "
                      "s.division_code, s.available, ";
    store::Params prm;
    std::string where = " WHERE 1=1";
    std::string text = q.text;
    text.erase(std::remove(text.begin(), text.end(), '"'), text.end());
    const bool has_text = !text.empty();
    if (!has_text) {
      sql += "0.0 AS rank FROM vch_services s";
    } else if (pg) {
      sql += "public.similarity(" + body + ", ?) AS rank FROM vch_services s";
      prm.push(text);
      where += " AND " + body + " ILIKE ? ESCAPE '\\'";
      prm.push("%" + like_escape(text) + "%");
    } else if (utf8_chars(text) >= 3) {
      sql += "-bm25(vch_services_fts) AS rank FROM vch_services_fts JOIN vch_services s ON s.id = vch_services_fts.service_id";
      where += " AND vch_services_fts MATCH ?";
      prm.push("\"" + text + "\"");
    } else {
      sql += "1.0 AS rank FROM vch_services s";
      where += " AND " + body + " LIKE ? ESCAPE '\\'";
      prm.push("%" + like_escape(text) + "%");
    }
    if (q.category) { where += " AND s.category = ?"; prm.push(*q.category); }
    if (q.kind) { where += " AND s.kind = ?"; prm.push(*q.kind); }
    if (q.max_price_fen) { where += " AND s.price_fen <= ?"; prm.push(*q.max_price_fen); }
    if (q.division) {
      // A prefix of the division code: province "32", prefecture "3205", county "320506".
      std::string d = *q.division;
      while (d.size() > 2 && d.substr(d.size() - 2) == "00") d.resize(d.size() - 2);
      where += " AND substr(s.division_code, 1, " + std::to_string(d.size()) + ") = ?";
      prm.push(d);
    }
    if (q.recognised_by) {
      where += " AND s.provider_id IN (SELECT provider_id FROM vch_recognitions WHERE issuer_code = ? AND state = 'active')";
      prm.push(*q.recognised_by);
    }
    sql += where + " ORDER BY rank DESC, s.price_fen, s.id LIMIT " + std::to_string(q.limit);
    J items = J::array();
    for (auto& r : tx.query(sql, prm)) {
      items.push_back({{"id", r.str(0)}, {"provider_id", r.str(1)}, {"provider_name", r.str(2)}, {"kind", r.str(3)},
                       {"name", r.str(4)}, {"description", r.str(5)}, {"category", r.str(6)}, {"price_fen", r.i64(7)},
                       {"division_code", r.str(8)}, {"available", r.i64(9) != 0}, {"rank", r.f64(10)}});
    }
    return J{{"items", items}, {"engine", pg ? "pg_trgm" : "fts5_trigram"}};
  });
}

}  // namespace riverlink::vouchers
