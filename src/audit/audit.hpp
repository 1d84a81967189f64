// Audit: an append-only, hash-chained log. Every state-changing command appends one entry
// inside its own transaction; verify() walks the chain and names the first bad entry.
// hash(n) = SHA-256(hash(n-1) || canonical JSON of entry n without its hash); hash(0) = 64 zeros.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"

namespace riverlink::audit {

std::vector<store::Migration> migrations();

struct Entry {
  int64_t seq = 0;
  std::string at;  // UTC ISO 8601
  std::string actor;
  std::string module;
  std::string command;
  std::optional<std::string> idempotency_key;
  std::string payload;  // canonical JSON
  std::string payload_digest;
  std::string prev_hash;
  std::string hash;
};

core::Json to_json(const Entry& e, bool with_payload);

struct NewEntry {
  std::string actor;
  std::string module;
  std::string command;
  std::optional<std::string> idempotency_key;
  core::Json payload;
};

// Appends inside the caller's write transaction; returns the new entry.
Entry append(store::Tx& tx, core::TimePoint at, const NewEntry& e);

// The hash an entry must carry given its fields and prev_hash.
std::string entry_hash(const Entry& e);

struct Page {
  std::vector<Entry> items;
  std::optional<int64_t> next_cursor;
};
// Newest first when descending; cursor is a seq (exclusive).
Page list(store::Tx& tx, std::optional<int64_t> cursor, int limit, bool descending = true,
          std::optional<std::string> module = std::nullopt);

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;
  std::optional<int64_t> first_bad_seq;
  std::string problem;
  std::string head_hash;
};
// Walks the chain in pages; progress(done, total) may return false to cancel.
Result<VerifyReport> verify(store::Database& db,
                            const std::function<bool(int64_t, int64_t)>& progress = {});

}  // namespace riverlink::audit
