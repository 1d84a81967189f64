#include "audit/audit.hpp"

#include "core/hash.hpp"

namespace riverlink::audit {

namespace {
const std::string kGenesis(64, '0');

Entry from_row(const store::Row& r) {
  Entry e;
  e.seq = r.i64(0);
  e.at = r.str(1);
  e.actor = r.str(2);
  e.module = r.str(3);
  e.command = r.str(4);
  e.idempotency_key = r.opt_str(5);
  e.payload = r.str(6);
  e.payload_digest = r.str(7);
  e.prev_hash = r.str(8);
  e.hash = r.str(9);
  return e;
}
constexpr const char* kCols =
    "seq, at, actor, module, command, idempotency_key, payload, payload_digest, prev_hash, hash";
}  // namespace

std::string entry_hash(const Entry& e) {
  core::Json body = {{"seq", e.seq},
                     {"at", e.at},
                     {"actor", e.actor},
                     {"module", e.module},
                     {"command", e.command},
                     {"idempotency_key", e.idempotency_key ? core::Json(*e.idempotency_key) : core::Json()},
                     {"payload_digest", e.payload_digest}};
  return core::sha256_hex(e.prev_hash + core::canonical(body));
}

core::Json to_json(const Entry& e, bool with_payload) {
  core::Json j = {{"seq", e.seq},
                  {"at", e.at},
                  {"actor", e.actor},
                  {"module", e.module},
                  {"command", e.command},
                  {"idempotency_key", e.idempotency_key ? core::Json(*e.idempotency_key) : core::Json()},
                  {"payload_digest", e.payload_digest},
                  {"prev_hash", e.prev_hash},
                  {"hash", e.hash}};
  if (with_payload) j["payload"] = core::Json::parse(e.payload);
  return j;
}

Entry append(store::Tx& tx, core::TimePoint at, const NewEntry& n) {
  tx.lock("audit_log");
  auto head = tx.query_one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  Entry e;
  e.seq = head ? head->i64(0) + 1 : 1;
  e.prev_hash = head ? head->str(1) : kGenesis;
  e.at = core::format_utc(at);
  e.actor = n.actor;
  e.module = n.module;
  e.command = n.command;
  e.idempotency_key = n.idempotency_key;
  e.payload = core::canonical(n.payload);
  e.payload_digest = core::sha256_hex(e.payload);
  e.hash = entry_hash(e);
  tx.exec(std::string("INSERT INTO audit_log (") + kCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {e.seq, e.at, e.actor, e.module, e.command, e.idempotency_key, e.payload, e.payload_digest,
           e.prev_hash, e.hash});
  return e;
}

Page list(store::Tx& tx, std::optional<int64_t> cursor, int limit, bool descending,
          std::optional<std::string> module) {
  std::string sql = std::string("SELECT ") + kCols + " FROM audit_log WHERE 1=1";
  store::Params p;
  if (cursor) {
    sql += descending ? " AND seq < ?" : " AND seq > ?";
    p.push(*cursor);
  }
  if (module) {
    sql += " AND module = ?";
    p.push(*module);
  }
  sql += descending ? " ORDER BY seq DESC" : " ORDER BY seq ASC";
  sql += " LIMIT ?";
  p.push(int64_t{limit + 1});
  auto rows = tx.query(sql, p);
  Page page;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
    page.items.push_back(from_row(rows[i]));
  }
  if (static_cast<int>(rows.size()) > limit && !page.items.empty()) {
    page.next_cursor = page.items.back().seq;
  }
  return page;
}

Result<VerifyReport> verify(store::Database& db, const std::function<bool(int64_t, int64_t)>& progress) {
  constexpr int kPage = 2000;
  VerifyReport rep;
  std::string prev = kGenesis;
  int64_t expected_seq = 1;
  int64_t total = 0;
  {
    auto tx = db.begin(store::TxKind::read);
    total = tx->query_one("SELECT COUNT(*) FROM audit_log")->i64(0);
  }
  std::optional<int64_t> cursor = 0;
  for (;;) {
    Page page;
    {
      auto tx = db.begin(store::TxKind::read);
      page = list(*tx, cursor, kPage, false);
    }
    for (const auto& e : page.items) {
      auto fail = [&](std::string why) {
        rep.ok = false;
        rep.first_bad_seq = e.seq;
        rep.problem = std::move(why);
      };
      if (e.seq != expected_seq) fail("sequence gap: expected seq " + std::to_string(expected_seq));
      else if (e.prev_hash != prev) fail("prev_hash does not match the previous entry's hash");
      else if (core::sha256_hex(e.payload) != e.payload_digest) fail("payload does not match its digest");
      else if (entry_hash(e) != e.hash) fail("hash does not match the entry's contents");
      if (!rep.ok) return rep;
      prev = e.hash;
      ++expected_seq;
      ++rep.entries;
    }
    if (progress && !progress(rep.entries, total)) {
      return Error::make(ErrorKind::conflict, "audit.verify_cancelled", "verification was cancelled");
    }
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  rep.head_hash = prev;
  return rep;
}

}  // namespace riverlink::audit
