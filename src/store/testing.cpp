#include "store/testing.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <unistd.h>

namespace riverlink::store::testdb {
namespace {
std::string unique_suffix() {
  static std::atomic<int> n{0};
  std::random_device rd;
  return std::to_string(getpid()) + "_" + std::to_string(n++) + "_" + std::to_string(rd() % 100000);
}
}  // namespace

bool using_postgres() {
  const char* pg = std::getenv("RIVERLINK_TEST_PG_URL");
  return pg && *pg;
}

TestDb::TestDb() {
  if (using_postgres()) {
    base_url_ = std::getenv("RIVERLINK_TEST_PG_URL");
    schema_ = "t_" + unique_suffix();
    {
      auto admin = Database::open(base_url_, {.pool_size = 1});
      auto tx = admin->begin(TxKind::write);
      tx->exec_script("CREATE SCHEMA " + schema_);
      tx->commit();
    }
    url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_;
  } else {
    auto base = std::filesystem::temp_directory_path() / ("riverlink_test_" + unique_suffix());
    std::filesystem::create_directories(base);
    dir_ = base.string();
    url_ = "sqlite:" + (base / "test.db").string();
  }
  db_ = Database::open(url_);
}

TestDb::~TestDb() {
  db_.reset();
  if (!schema_.empty()) {
    try {
      auto admin = Database::open(base_url_, {.pool_size = 1});
      auto tx = admin->begin(TxKind::write);
      tx->exec_script("DROP SCHEMA " + schema_ + " CASCADE");
      tx->commit();
    } catch (...) {
      // a leftover schema in a temporary test cluster is harmless
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::unique_ptr<Database> TestDb::reopen(const OpenOptions& o) const { return Database::open(url_, o); }

void TestDb::restart() {
  db_.reset();
  db_ = Database::open(url_);
}

}  // namespace riverlink::store::testdb
