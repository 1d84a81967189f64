// A throw-away ledger database for tools and tests: a temporary SQLite file, or a fresh
// schema on a PostgreSQL server. Migrated on creation, removed on destruction.
#pragma once
#include <string>

namespace riverlink::ledger {

class ScratchDb {
 public:
  // base: "" -> temporary SQLite file; "sqlite:PATH" -> that file (kept); "postgresql://..."
  // -> a new schema, dropped afterwards. Throws std::runtime_error when it cannot be set up.
  explicit ScratchDb(const std::string& base);
  ~ScratchDb();
  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string url_, base_, schema_, dir_;
};

}  // namespace riverlink::ledger
