// Internal: the ledger state machine. Executes batches inside a caller's write transaction
// against an in-memory cache of committed state plus a per-commit overlay, then writes the
// journal rows, recorded failures, touched balances and the version row in bulk.
// Not thread-safe: the Service runs it from one writer at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/service.hpp"
#include "store/db.hpp"

namespace riverlink::ledger::detail {

// A transfer as stored in the journal (effective fields; timestamp = ts).
struct StoredTransfer {
  Transfer t;
  EntryKind kind = EntryKind::single;
  int64_t debit_no = 0;
  int64_t credit_no = 0;
  int64_t expires_at = 0;  // 0: no timeout
};

struct TransferJob {
  std::span<const Transfer> events;
  std::string actor;
  TransferBatchReply reply;
};

struct AccountJob {
  std::span<const Account> events;
  std::string actor;
  AccountBatchReply reply;
};

struct TimedKey {
  int64_t expires_at;
  int64_t ts;
  Id128 id;
  auto operator<=>(const TimedKey&) const = default;
};

// Committed state, valid for `version` of the database.
struct Cache {
  int64_t version = -1;  // -1: not loaded
  std::unordered_map<Id128, int64_t> no_by_id;
  std::unordered_map<int64_t, Account> by_no;
  std::set<TimedKey> timed;  // open pending transfers with a timeout, by (expires_at, ts)
  std::unordered_map<Id128, StoredTransfer> timed_info;

  void clear();
};

struct Staged;  // a commit's overlay, published after the transaction commits

class Engine {
 public:
  explicit Engine(const Options& opts);
  ~Engine();

  // Both run inside `tx` (a write transaction holding the ledger lock) and throw
  // store::DbError on database failures. On success call publish() after the commit;
  // on any failure call discard().
  void execute_transfers(store::Tx& tx, std::span<TransferJob* const> jobs, core::TimePoint now);
  void execute_accounts(store::Tx& tx, AccountJob& job, core::TimePoint now);
  void publish();
  void discard();
  void drop_cache();

 private:
  void sync(store::Tx& tx, int64_t version);
  const Options& opts_;
  Cache cache_;
  std::unique_ptr<Staged> staged_;
};

// Shared SQL fragments and row decoding for the engine and the queries.
extern const char* const kAccountCols;
extern const char* const kTransferCols;  // t.* joined with debit/credit account ids
extern const char* const kTransferFrom;
Account account_from_row(const store::Row& r, int64_t* no = nullptr);
StoredTransfer transfer_from_row(const store::Row& r);  // kTransferCols order
std::string placeholders(size_t n);
Id128 id_from(const store::Row& r, size_t i);

}  // namespace riverlink::ledger::detail
