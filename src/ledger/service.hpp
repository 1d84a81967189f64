// Ledger service: the double-entry engine behind every amount riverlink moves.
//
// Commands (create_accounts, create_transfers, tick) run through one in-process writer
// (TigerBeetle's single-writer state machine): concurrent callers' batches are coalesced
// into one database transaction (group commit), each batch gets one result per event, and
// one audit entry records its digest. Balances live in an in-memory cache that is checked
// against the database's ledger version at the start of every commit and dropped on any
// failure, so several processes may share one database safely (PostgreSQL writers are
// serialised by an advisory lock, SQLite's by its write lock).
//
// Queries read committed state from the database and may run on any thread.
// Thread-safety: all members are thread-safe. The database and clock must outlive the service.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "ledger/types.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"

namespace riverlink::ledger {

// The ledger's migrations (generated from src/ledger/migrations).
std::vector<store::Migration> migrations();
// audit::migrations() followed by ledger::migrations(): what a ledger database needs.
std::vector<store::Migration> all_migrations();

struct Options {
  size_t max_batch_events = 8190;  // per create_transfers / create_accounts call
  size_t max_group_events = 8190;  // per database transaction when batches are coalesced
  size_t max_cached_accounts = 1'000'000;
  int max_attempts = 8;            // retries of a commit that failed with a retryable error
};

struct TransferResult {
  CreateTransferResult result = CreateTransferResult::ok;
  int64_t timestamp = 0;  // the transfer's ledger timestamp for ok and exists, else 0
};

struct TransferBatchReply {
  std::vector<TransferResult> results;  // one per event, in order
  int64_t commit = 0;     // the ledger version this batch was committed in
  int64_t order = 0;      // the batch's position within that commit (group commit)
  int64_t timestamp = 0;  // the commit's ledger time: pendings due by then were expired first
  int64_t audit_seq = 0;  // the audit entry recording this batch
};

struct AccountBatchReply {
  std::vector<CreateAccountResult> results;
  int64_t commit = 0;
  int64_t timestamp = 0;  // the commit's ledger time (the first new account's timestamp)
  int64_t audit_seq = 0;
};

struct AccountFilter {
  std::optional<uint32_t> ledger;
  std::optional<uint16_t> code;
  std::optional<std::string> owner;
  // A GB/T 2260 code: accounts whose division lies within it (province, prefecture, county).
  std::optional<std::string> division_scope;
  std::optional<int64_t> cursor;  // opaque: from AccountPage::next_cursor
  int limit = 100;                // 1..500
};

struct AccountPage {
  std::vector<Account> items;
  std::optional<int64_t> next_cursor;
};

struct BalanceView {
  Account account;          // balances are those as of `as_of` when given
  int64_t as_of = 0;        // ns; 0 for "now"
  int64_t last_change = 0;  // ts of the last journal row at or before as_of (0: none)
};

// One row of an account's history: a balance change seen from that account.
struct HistoryEntry {
  int64_t timestamp = 0;
  EntryKind kind = EntryKind::single;
  Id128 transfer_id;  // zero for an expiry
  Id128 pending_id;   // post, void, expire
  bool debit = false; // the account is the debit side
  Id128 counterparty;
  int64_t amount = 0;
  uint32_t ledger = 0;
  uint16_t code = 0;
  uint16_t flags = 0;
  Id128 user_data_128;
  int64_t user_data_64 = 0;
  uint32_t user_data_32 = 0;
  Balances balances_after;
};

struct HistoryQuery {
  std::optional<int64_t> from_ts;  // inclusive, ns
  std::optional<int64_t> to_ts;    // inclusive, ns
  std::optional<int64_t> cursor;   // from HistoryPage::next_cursor
  int limit = 100;                 // 1..1000
  bool descending = false;
};

struct HistoryPage {
  std::vector<HistoryEntry> items;
  std::optional<int64_t> next_cursor;
};

// A journal row, as stored: the effective transfer (accounts, ledger and code of a post or
// void are the pending transfer's) with both accounts' balances after it.
struct JournalEntry {
  EntryKind kind = EntryKind::single;
  Transfer transfer;  // timestamp = the row's ts; id zero for an expiry
  int64_t expires_at = 0;
  Balances debit_after;
  Balances credit_after;
  int64_t audit_seq = 0;
};

// Limits on exports and pages.
inline constexpr int kMaxStatementRows = 200'000;

class Service {
 public:
  Service(store::Database& db, const core::Clock& clock, Options opts = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Commands. The Result's error is an infrastructure failure (database down, batch too
  // large); then nothing from the batch was committed and the same batch may be retried.
  Result<AccountBatchReply> create_accounts(std::span<const Account> batch,
                                            std::string_view actor = "system");
  Result<TransferBatchReply> create_transfers(std::span<const Transfer> batch,
                                              std::string_view actor = "system");
  // Expires pending transfers whose timeout has passed (every commit does this first).
  Result<TransferBatchReply> tick();

  // Point lookups; missing ids are left out.
  Result<std::vector<Account>> lookup_accounts(std::span<const Id128> ids);
  Result<std::vector<Transfer>> lookup_transfers(std::span<const Id128> ids);

  Result<AccountPage> list_accounts(const AccountFilter& f);
  Result<BalanceView> balances(Id128 account, std::optional<int64_t> as_of_ns = std::nullopt);
  Result<HistoryPage> history(Id128 account, const HistoryQuery& q);
  // CSV statement of an account's history in [from, to]; at most kMaxStatementRows rows.
  Result<std::string> statement_csv(Id128 account, std::optional<int64_t> from_ts,
                                    std::optional<int64_t> to_ts);
  // Journal rows with ts > after_ts in ledger order (replication, auditing, the simulator).
  Result<std::vector<JournalEntry>> journal(int64_t after_ts, int limit);

  // Forgets the in-memory state; the next commit reloads it (tests, operations).
  void drop_cache();
  store::Database& db();
  const core::Clock& clock() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Ledger time: ns since the Unix epoch. ISO 8601 helpers at millisecond precision.
int64_t to_ledger_ns(core::TimePoint t);
std::string format_ledger_ts(int64_t ns);

}  // namespace riverlink::ledger
