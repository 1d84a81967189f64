// Test support: a fresh, empty database per test. SQLite in a temporary folder by default;
// when RIVERLINK_TEST_PG_URL is set (the harness starts a server), a fresh schema on PostgreSQL.
#pragma once
#include <memory>
#include <string>

#include "store/db.hpp"

namespace riverlink::store::testdb {

class TestDb {
 public:
  TestDb();
  ~TestDb();
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  Database& db() { return *db_; }
  const std::string& url() const { return url_; }
  // Opens another handle on the same database (a second process would do the same).
  std::unique_ptr<Database> reopen(const OpenOptions& o = {}) const;
  // Closes the main handle (and reopens it), e.g. to simulate a restart.
  void restart();
  Backend backend() const { return db_->backend(); }

 private:
  std::string url_;
  std::string dir_;     // sqlite temp folder
  std::string schema_;  // postgres schema
  std::string base_url_;
  std::unique_ptr<Database> db_;
};

// True when the PostgreSQL backend is selected for this run.
bool using_postgres();

}  // namespace riverlink::store::testdb
