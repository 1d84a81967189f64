#include "ledger/scratch.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "ledger/service.hpp"
#include "store/migrate.hpp"

namespace riverlink::ledger {

namespace {
std::string suffix() {
  static std::atomic<int> n{0};
  std::random_device rd;
  return std::to_string(getpid()) + "_" + std::to_string(n++) + "_" + std::to_string(rd() % 100000);
}
}  // namespace

ScratchDb::ScratchDb(const std::string& base) : base_(base) {
  if (base.rfind("postgres", 0) == 0) {
    schema_ = "ledger_scratch_" + suffix();
    auto admin = store::Database::open(base, {.pool_size = 1});
    auto tx = admin->begin(store::TxKind::write);
    tx->exec_script("CREATE SCHEMA " + schema_);
    tx->commit();
    url_ = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  } else if (base.empty()) {
    auto dir = std::filesystem::temp_directory_path() / ("riverlink_ledger_" + suffix());
    std::filesystem::create_directories(dir);
    dir_ = dir.string();
    url_ = "sqlite:" + (dir / "ledger.db").string();
  } else {
    url_ = base;
  }
  auto db = store::Database::open(url_, {.pool_size = 1});
  auto m = store::migrate(*db, all_migrations());
  if (!m.ok()) throw std::runtime_error("cannot migrate " + url_ + ": " + m.error().message);
}

ScratchDb::~ScratchDb() {
  if (!schema_.empty()) {
    try {
      auto admin = store::Database::open(base_, {.pool_size = 1});
      auto tx = admin->begin(store::TxKind::write);
      tx->exec_script("DROP SCHEMA " + schema_ + " CASCADE");
      tx->commit();
    } catch (...) {
      // a leftover schema on a scratch server is harmless
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace riverlink::ledger
