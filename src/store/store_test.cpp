// Runs on SQLite and, when the harness sets RIVERLINK_TEST_PG_URL, on PostgreSQL.
#include <gtest/gtest.h>

#include <thread>

#include "store/db.hpp"
#include "store/migrate.hpp"
#include "store/testing.hpp"

using namespace riverlink;
using namespace riverlink::store;

namespace {
std::vector<Migration> demo_migrations() {
  return {
      {"demo", 1, "init",
       "CREATE TABLE demo_items (id TEXT PRIMARY KEY, qty BIGINT NOT NULL, price DOUBLE PRECISION, "
       "note TEXT); CREATE INDEX demo_items_qty ON demo_items (qty);",
       ""},
      {"demo", 2, "counter", "CREATE TABLE demo_counter (k TEXT PRIMARY KEY, n BIGINT NOT NULL);", ""},
  };
}
}  // namespace

TEST(Store, MigratesOnceAndRecordsVersions) {
  testdb::TestDb t;
  auto first = migrate(t.db(), demo_migrations());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->size(), 2u);
  auto second = migrate(t.db(), demo_migrations());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->empty());
  auto tx = t.db().begin(TxKind::read);
  auto rows = tx->query("SELECT module, version, name FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].str(2), "counter");
}

TEST(Store, EditedMigrationIsRefused) {
  testdb::TestDb t;
  ASSERT_TRUE(migrate(t.db(), demo_migrations()).ok());
  auto changed = demo_migrations();
  changed[0].sql += " ";
  auto r = migrate(t.db(), changed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "store.migration_edited");
}

TEST(Store, FailedMigrationLeavesNothing) {
  testdb::TestDb t;
  auto bad = demo_migrations();
  bad.push_back({"demo", 3, "broken", "CREATE TABLE demo_ok (x INTEGER); CREATE TABLE (oops;", ""});
  auto r = migrate(t.db(), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "store.migration_failed");
  auto tx = t.db().begin(TxKind::read);
  EXPECT_THROW(tx->query("SELECT COUNT(*) FROM demo_items"), DbError);
}

TEST(Store, TypesRoundTripIncludingNullsAndUnicode) {
  testdb::TestDb t;
  ASSERT_TRUE(migrate(t.db(), demo_migrations()).ok());
  {
    auto tx = t.db().begin(TxKind::write);
    tx->exec("INSERT INTO demo_items (id, qty, price, note) VALUES (?, ?, ?, ?)",
             {"a", int64_t{9007199254740993}, 1.5, "苏州 'quoted' ?"});
    tx->exec("INSERT INTO demo_items (id, qty, price, note) VALUES (?, ?, ?, ?)",
             {"b", -3, std::nullopt, std::optional<std::string>{}});
    tx->commit();
  }
  auto tx = t.db().begin(TxKind::read);
  auto rows = tx->query("SELECT id, qty, price, note FROM demo_items ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].i64(1), 9007199254740993);  // beyond double precision
  EXPECT_DOUBLE_EQ(rows[0].f64(2), 1.5);
  EXPECT_EQ(rows[0].str(3), "苏州 'quoted' ?");
  EXPECT_TRUE(rows[1].is_null(2));
  EXPECT_FALSE(rows[1].opt_str(3).has_value());
  auto sum = tx->query_one("SELECT SUM(qty) FROM demo_items WHERE note LIKE '%?%'");
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->i64(0), 9007199254740993);
}

TEST(Store, UncommittedTxRollsBack) {
  testdb::TestDb t;
  ASSERT_TRUE(migrate(t.db(), demo_migrations()).ok());
  {
    auto tx = t.db().begin(TxKind::write);
    tx->exec("INSERT INTO demo_counter (k, n) VALUES ('x', 1)");
  }
  auto tx = t.db().begin(TxKind::read);
  EXPECT_EQ(tx->query_one("SELECT COUNT(*) FROM demo_counter")->i64(0), 0);
}

TEST(Store, TransactCommitsOnOkAndRollsBackOnError) {
  testdb::TestDb t;
  ASSERT_TRUE(migrate(t.db(), demo_migrations()).ok());
  auto ok = transact(t.db(), TxKind::write, [](Tx& tx) -> Result<int> {
    tx.exec("INSERT INTO demo_counter (k, n) VALUES ('a', 1)");
    return 1;
  });
  ASSERT_TRUE(ok.ok());
  auto err = transact(t.db(), TxKind::write, [](Tx& tx) -> Result<int> {
    tx.exec("INSERT INTO demo_counter (k, n) VALUES ('b', 1)");
    return Error::make(ErrorKind::conflict, "test.no", "refused");
  });
  ASSERT_FALSE(err.ok());
  auto dup = transact(t.db(), TxKind::write, [](Tx& tx) -> Result<int> {
    tx.exec("INSERT INTO demo_counter (k, n) VALUES ('c', 1)");
    tx.exec("INSERT INTO demo_counter (k, n) VALUES ('a', 2)");  // unique violation
    return 1;
  });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "store.duplicate");
  auto tx = t.db().begin(TxKind::read);
  auto rows = tx->query("SELECT k FROM demo_counter ORDER BY k");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].str(0), "a");
}

TEST(Store, ConcurrentIncrementsAreSerialisable) {
  testdb::TestDb t;
  ASSERT_TRUE(migrate(t.db(), demo_migrations()).ok());
  {
    auto tx = t.db().begin(TxKind::write);
    tx->exec("INSERT INTO demo_counter (k, n) VALUES ('c', 0)");
    tx->commit();
  }
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kEach; ++j) {
        auto r = transact(t.db(), TxKind::write, [](Tx& tx) -> Result<int> {
          tx.lock("demo_counter:c");
          auto n = tx.query_one("SELECT n FROM demo_counter WHERE k = 'c'")->i64(0);
          tx.exec("UPDATE demo_counter SET n = ? WHERE k = 'c'", {n + 1});
          return 0;
        });
        ASSERT_TRUE(r.ok()) << r.error().message;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto tx = t.db().begin(TxKind::read);
  EXPECT_EQ(tx->query_one("SELECT n FROM demo_counter WHERE k = 'c'")->i64(0), kThreads * kEach);
}

TEST(Store, DataSurvivesReopen) {
  testdb::TestDb t;
  ASSERT_TRUE(migrate(t.db(), demo_migrations()).ok());
  {
    auto tx = t.db().begin(TxKind::write);
    tx->exec("INSERT INTO demo_counter (k, n) VALUES ('p', 7)");
    tx->commit();
  }
  t.restart();
  auto tx = t.db().begin(TxKind::read);
  EXPECT_EQ(tx->query_one("SELECT n FROM demo_counter WHERE k = 'p'")->i64(0), 7);
}

TEST(Store, BadUrlsAreClearErrors) {
  EXPECT_THROW(Database::open("mysql://x"), std::invalid_argument);
  EXPECT_THROW(Database::open("sqlite:"), std::invalid_argument);
}
