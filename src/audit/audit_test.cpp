#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/command.hpp"
#include "store/testing.hpp"

using namespace riverlink;
using core::Json;

namespace {
struct Fixture : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::from_unix_ms(1795766400000)};
  audit::CommandRunner runner{t.db(), clock};
  void SetUp() override {
    auto m = audit::migrations();
    m.push_back({"t", 1, "things", "CREATE TABLE t_things (id TEXT PRIMARY KEY, v BIGINT NOT NULL)", ""});
    ASSERT_TRUE(store::migrate(t.db(), m).ok());
  }
  Result<audit::CommandOutcome> put(const std::string& key, const std::string& id, int64_t v) {
    Json payload = {{"id", id}, {"v", v}};
    return runner.run({"user:u1", key}, "t", "put", payload, [&](store::Tx& tx) -> Result<Json> {
      if (v < 0) return Error::field("t.negative", "v", "must not be negative");
      tx.exec("INSERT INTO t_things (id, v) VALUES (?, ?)", {id, v});
      return Json{{"id", id}, {"stored", v}};
    });
  }
  int64_t count(const char* table) {
    auto tx = t.db().begin(store::TxKind::read);
    return tx->query_one(std::string("SELECT COUNT(*) FROM ") + table)->i64(0);
  }
};
}  // namespace

TEST_F(Fixture, CommandsChainAndVerify) {
  for (int i = 0; i < 5; ++i) {
    auto r = put("k" + std::to_string(i), "id" + std::to_string(i), i);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->audit_seq, i + 1);
    clock.advance(std::chrono::seconds(1));
  }
  auto rep = audit::verify(t.db());
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok);
  EXPECT_EQ(rep->entries, 5);
  auto tx = t.db().begin(store::TxKind::read);
  auto page = audit::list(*tx, std::nullopt, 2);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].seq, 5);
  EXPECT_EQ(page.next_cursor, 4);
  EXPECT_EQ(page.items[0].prev_hash, audit::list(*tx, 5, 1).items[0].hash);
}

TEST_F(Fixture, SameKeySamePayloadReplays) {
  auto a = put("same", "x", 1);
  auto b = put("same", "x", 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->replayed);
  EXPECT_TRUE(b->replayed);
  EXPECT_EQ(a->result, b->result);
  EXPECT_EQ(a->audit_seq, b->audit_seq);
  EXPECT_EQ(count("t_things"), 1);
  EXPECT_EQ(count("audit_log"), 1);
}

TEST_F(Fixture, SameKeyDifferentPayloadIsRefused) {
  ASSERT_TRUE(put("k", "x", 1).ok());
  auto b = put("k", "x", 2);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "idempotency.mismatch");
  EXPECT_EQ(count("audit_log"), 1);
}

TEST_F(Fixture, FailedCommandLeavesNoTrace) {
  auto r = put("neg", "x", -1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields.at(0).field, "v");
  EXPECT_EQ(count("t_things"), 0);
  EXPECT_EQ(count("audit_log"), 0);
  EXPECT_EQ(count("idempotency_keys"), 0);
  ASSERT_FALSE(put("", "x", 1).ok());  // a key is required
}

TEST_F(Fixture, VerifyNamesFirstTamperedEntry) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(put("k" + std::to_string(i), "i" + std::to_string(i), i).ok());
  {
    auto tx = t.db().begin(store::TxKind::write);
    tx->exec("UPDATE audit_log SET payload = ? WHERE seq = 3", {R"({"id":"i2","v":999})"});
    tx->commit();
  }
  auto rep = audit::verify(t.db());
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 3);
  EXPECT_NE(rep->problem.find("digest"), std::string::npos);
}

TEST_F(Fixture, VerifyDetectsRewrittenHashAndDeletion) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(put("k" + std::to_string(i), "i" + std::to_string(i), i).ok());
  {
    auto tx = t.db().begin(store::TxKind::write);
    // A forger who recomputes the digest of entry 2 still breaks the chain at entry 2's hash.
    tx->exec("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2");
    tx->commit();
  }
  auto rep = audit::verify(t.db());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->first_bad_seq, 2);
  {
    auto tx = t.db().begin(store::TxKind::write);
    tx->exec("UPDATE audit_log SET actor = 'user:u1' WHERE seq = 2");
    tx->exec("DELETE FROM audit_log WHERE seq = 3");
    tx->commit();
  }
  rep = audit::verify(t.db());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->first_bad_seq, 4);
  EXPECT_NE(rep->problem.find("gap"), std::string::npos);
}

TEST_F(Fixture, VerifyCanBeCancelled) {
  ASSERT_TRUE(put("k", "x", 1).ok());
  auto rep = audit::verify(t.db(), [](int64_t, int64_t) { return false; });
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().code, "audit.verify_cancelled");
}
