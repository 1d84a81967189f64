// The reference model: a slow, simple, in-memory ledger written straight from the rules
// (spec ledger.md §3-§7, result precedence in types.hpp). The simulator feeds it every
// committed batch in commit order and compares its predicted replies and balances with
// the real service's. It shares no code with the engine beyond the value types.
#pragma once
#include <map>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "ledger/service.hpp"
#include "ledger/types.hpp"

namespace riverlink::ledger::sim {

class Model {
 public:
  struct Stored {
    Transfer t;  // effective, timestamp set
    EntryKind kind = EntryKind::single;
    int64_t expires_at = 0;
  };

  // A new commit at ledger time `base`: expire what is due (transfer commits only), then
  // hand out timestamps from there.
  void begin_commit(int64_t base, bool expire = true);
  std::vector<CreateAccountResult> create_accounts(std::span<const Account> batch);
  std::vector<TransferResult> create_transfers(std::span<const Transfer> batch);

  const std::map<Id128, Account>& accounts() const { return accounts_; }
  const Stored* find(const Id128& id) const;
  int64_t expired() const { return expired_; }
  // Pending transfers that are still open (for the workload generator).
  const std::map<Id128, bool>& open_pendings() const { return open_; }
  bool resolved(const Id128& pending_id) const { return resolution_.count(pending_id) > 0; }

 private:
  struct Snapshot {
    std::map<Id128, Account> accounts;
    std::map<Id128, bool> open;
    std::set<std::tuple<int64_t, int64_t, Id128>> timed;
    std::vector<Id128> added;
    std::vector<Id128> resolved;
    int64_t next_ts;
  };
  CreateTransferResult apply(const Transfer& t, int64_t& ts_out);
  CreateTransferResult apply_resolving(const Transfer& t);
  CreateTransferResult apply_plain(const Transfer& t);
  void release(const Stored& p, EntryKind how, const Transfer* post, int64_t amount);
  void add(Stored s);
  static std::string request(const Transfer& t);
  static CreateTransferResult validate(const Transfer& t);
  static bool header_ok(const Transfer& t);

  std::map<Id128, Account> accounts_;
  std::unordered_map<Id128, Stored> transfers_;
  std::unordered_map<Id128, EntryKind> resolution_;  // pending id -> post/void/expire
  std::unordered_map<Id128, std::pair<CreateTransferResult, std::string>> failures_;
  std::set<std::tuple<int64_t, int64_t, Id128>> timed_;  // open pendings with timeout
  std::map<Id128, bool> open_;                            // open pendings (value: has timeout)
  Snapshot* snap_ = nullptr;                               // set while a chain runs
  int64_t next_ts_ = 0;
  int64_t expired_ = 0;
};

}  // namespace riverlink::ledger::sim
