#include "ledger/engine.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <functional>
#include <optional>
#include <unordered_set>

#include "audit/audit.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"

namespace riverlink::ledger::detail {

using R = CreateTransferResult;
namespace tf = transfer_flags;
namespace af = account_flags;

const char* const kAccountCols =
    "no, id, ledger, code, flags, owner, division_code, user_data_128, user_data_64, "
    "user_data_32, debits_pending, debits_posted, credits_pending, credits_posted, ts";
const char* const kTransferCols =
    "t.ts, t.id, t.kind, da.id, ca.id, t.amount, t.pending_id, t.user_data_128, t.user_data_64, "
    "t.user_data_32, t.timeout, t.ledger, t.code, t.flags, t.expires_at, t.debit_no, t.credit_no";
const char* const kTransferFrom =
    " FROM ledger_transfers t JOIN ledger_accounts da ON da.no = t.debit_no"
    " JOIN ledger_accounts ca ON ca.no = t.credit_no";

namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerS = 1'000'000'000;

store::Value id_value(const Id128& id) {
  if (id.is_zero()) return store::null_value;
  return id.str();
}

bool add_overflows(int64_t a, int64_t b, int64_t* out = nullptr) {
  int64_t r;
  bool o = __builtin_add_overflow(a, b, &r);
  if (out) *out = r;
  return o;
}

// The request fields of a transfer event, as recorded against a failed id.
std::string encode_request(const Transfer& t) {
  std::string s;
  s.reserve(200);
  s += std::to_string(t.flags) + "|" + t.pending_id.str() + "|" + std::to_string(t.timeout_s) +
       "|" + t.debit_account_id.str() + "|" + t.credit_account_id.str() + "|" +
       std::to_string(t.amount) + "|" + t.user_data_128.str() + "|" +
       std::to_string(t.user_data_64) + "|" + std::to_string(t.user_data_32) + "|" +
       std::to_string(t.ledger) + "|" + std::to_string(t.code);
  return s;
}

void encode_balances(std::string& s, const Balances& b) {
  s += std::to_string(b.debits_pending) + "," + std::to_string(b.debits_posted) + "," +
       std::to_string(b.credits_pending) + "," + std::to_string(b.credits_posted);
}

// Chunked `IN (...)` lookups with a few fixed statement shapes (the store caches statements).
template <class Key, class F>
void for_chunks(const std::vector<Key>& keys, F&& f) {
  static constexpr size_t kSizes[] = {1, 4, 16, 64, 256};
  size_t i = 0;
  while (i < keys.size()) {
    size_t left = keys.size() - i;
    size_t n = 256;
    for (size_t s : kSizes) {
      if (s >= left) {
        n = s;
        break;
      }
    }
    store::Params p;
    for (size_t k = 0; k < n; ++k) {
      const Key& key = keys[std::min(i + k, keys.size() - 1)];
      if constexpr (std::is_same_v<Key, Id128>) p.push(key.str());
      else p.push(key);
    }
    f(n, p);
    i += std::min(n, left);
  }
}

int64_t to_ns(core::TimePoint t) { return core::to_unix_ms(t) * kNsPerMs; }

struct Row {
  StoredTransfer s;
  Balances dr, cr;
  int job = -1;  // -1: an expiry
  int64_t audit_seq = 0;
};

struct FailureRec {
  R result;
  std::string request;
};

struct NewFailure {
  Id128 id;
  FailureRec rec;
  int job;
  int64_t audit_seq = 0;
};

}  // namespace

void Cache::clear() {
  version = -1;
  no_by_id.clear();
  by_no.clear();
  timed.clear();
  timed_info.clear();
}

std::string placeholders(size_t n) {
  std::string s;
  s.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

Id128 id_from(const store::Row& r, size_t i) {
  if (r.is_null(i)) return {};
  auto v = Id128::parse(r.str(i));
  return v ? *v : Id128{};
}

Account account_from_row(const store::Row& r, int64_t* no) {
  Account a;
  if (no) *no = r.i64(0);
  a.id = id_from(r, 1);
  a.ledger = static_cast<uint32_t>(r.i64(2));
  a.code = static_cast<uint16_t>(r.i64(3));
  a.flags = static_cast<uint16_t>(r.i64(4));
  a.owner = r.str(5);
  a.division_code = r.str(6);
  a.user_data_128 = id_from(r, 7);
  a.user_data_64 = r.i64(8);
  a.user_data_32 = static_cast<uint32_t>(r.i64(9));
  a.balances = {r.i64(10), r.i64(11), r.i64(12), r.i64(13)};
  a.timestamp = r.i64(14);
  return a;
}

StoredTransfer transfer_from_row(const store::Row& r) {
  StoredTransfer s;
  s.t.timestamp = r.i64(0);
  s.t.id = id_from(r, 1);
  s.kind = static_cast<EntryKind>(r.i64(2));
  s.t.debit_account_id = id_from(r, 3);
  s.t.credit_account_id = id_from(r, 4);
  s.t.amount = r.i64(5);
  s.t.pending_id = id_from(r, 6);
  s.t.user_data_128 = id_from(r, 7);
  s.t.user_data_64 = r.i64(8);
  s.t.user_data_32 = static_cast<uint32_t>(r.i64(9));
  s.t.timeout_s = static_cast<uint32_t>(r.i64(10));
  s.t.ledger = static_cast<uint32_t>(r.i64(11));
  s.t.code = static_cast<uint16_t>(r.i64(12));
  s.t.flags = static_cast<uint16_t>(r.i64(13));
  s.expires_at = r.opt_i64(14).value_or(0);
  s.debit_no = r.i64(15);
  s.credit_no = r.i64(16);
  return s;
}


// ---------------------------------------------------------------------------------------
// The overlay of one commit: everything the commit changes, applied to the cache only after
// the database transaction has committed.
struct Staged {
  int64_t version = 0;
  int64_t next_ts = 0;
  std::unordered_map<int64_t, Account> accounts;  // touched, by no
  std::vector<std::pair<int64_t, Account>> new_accounts;
  std::vector<Row> rows;
  std::vector<NewFailure> failures;
  std::vector<Id128> timed_removed;
  std::vector<StoredTransfer> timed_added;
};

namespace {

// Executes transfer events against cache + overlay. All checks precede all mutations of a
// single event, so only linked chains need the undo log.
class TransferBatch {
 public:
  TransferBatch(Cache& cache, Staged& st) : cache_(cache), st_(st) {}

  // Prefetched database state.
  std::unordered_map<Id128, StoredTransfer> db_transfers;
  std::unordered_map<Id128, FailureRec> db_failures;
  std::unordered_map<Id128, EntryKind> db_resolutions;

  void expire_due(int64_t now) {
    for (const TimedKey& k : cache_.timed) {
      if (k.expires_at > now) break;
      const StoredTransfer& p = cache_.timed_info.at(k.id);
      resolve(p, EntryKind::expire, Transfer{}, p.t.amount);
    }
  }

  void run_job(TransferJob& job, int job_index) {
    job_ = job_index;
    auto events = job.events;
    auto& out = job.reply.results;
    out.assign(events.size(), TransferResult{});
    size_t i = 0;
    while (i < events.size()) {
      size_t j = i;
      while (j + 1 < events.size() && (events[j].flags & tf::linked)) ++j;
      if (events[j].flags & tf::linked) {  // the batch ends inside a chain
        for (size_t k = i; k < j; ++k) out[k].result = R::linked_event_failed;
        out[j].result = R::linked_event_chain_open;
        i = j + 1;
        continue;
      }
      if (i == j) {
        out[i] = apply(events[i]);
        if (is_state_dependent(out[i].result)) record_failure(events[i], out[i].result);
        i = j + 1;
        continue;
      }
      run_chain(events, out, i, j);
      i = j + 1;
    }
  }

 private:
  void run_chain(std::span<const Transfer> events, std::vector<TransferResult>& out, size_t i,
                 size_t j) {
    chain_ = true;
    undo_.clear();
    const int64_t ts0 = st_.next_ts;
    size_t failed = j + 1;
    for (size_t k = i; k <= j; ++k) {
      out[k] = apply(events[k]);
      if (!succeeded(out[k].result)) {
        failed = k;
        break;
      }
    }
    chain_ = false;
    if (failed > j) return;
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
    undo_.clear();
    st_.next_ts = ts0;
    const R code = out[failed].result;
    // The first failure keeps its result; the others report linked_event_failed, except
    // later events whose id already has a recorded outcome: a replayed chain gets the
    // same replies as the first time.
    for (size_t k = i; k <= j; ++k) {
      if (k == failed) continue;
      out[k] = {R::linked_event_failed, 0};
      if (k < failed) continue;
      const Transfer& t = events[k];
      if (t.timestamp != 0 || (t.flags & ~tf::all) || t.id.is_zero() || t.id.is_max()) continue;
      if (find_transfer(t.id)) continue;
      if (const FailureRec* f = find_failure(t.id); f && f->request == encode_request(t)) {
        out[k].result = f->result;
      }
    }
    if (!is_state_dependent(code)) return;
    // The chain failed on ledger state: its fresh ids are decided, like the failing one.
    for (size_t k = i; k <= j; ++k) {
      const Transfer& t = events[k];
      if (k == failed) {
        record_failure(t, code);
        continue;
      }
      if (t.timestamp != 0 || (t.flags & ~tf::all) || t.id.is_zero() || t.id.is_max()) continue;
      if (find_transfer(t.id) || find_failure(t.id)) continue;
      if (check_static(t) != R::ok) continue;
      record_failure(t, R::linked_event_failed);
    }
  }

  void record_failure(const Transfer& t, R code) {
    if (find_failure(t.id)) return;  // the same id twice in one chain
    failure_index_[t.id] = st_.failures.size();
    st_.failures.push_back({t.id, {code, encode_request(t)}, job_});
  }

  const StoredTransfer* find_transfer(const Id128& id) const {
    if (auto it = new_transfers_.find(id); it != new_transfers_.end()) return &st_.rows[it->second].s;
    if (auto it = db_transfers.find(id); it != db_transfers.end()) return &it->second;
    return nullptr;
  }
  const FailureRec* find_failure(const Id128& id) const {
    if (auto it = failure_index_.find(id); it != failure_index_.end()) {
      return &st_.failures[it->second].rec;
    }
    if (auto it = db_failures.find(id); it != db_failures.end()) return &it->second;
    return nullptr;
  }
  std::optional<EntryKind> find_resolution(const Id128& pending_id) const {
    if (auto it = new_resolutions_.find(pending_id); it != new_resolutions_.end()) return it->second;
    if (auto it = db_resolutions.find(pending_id); it != db_resolutions.end()) return it->second;
    return std::nullopt;
  }
  int64_t find_no(const Id128& id) const {
    auto it = cache_.no_by_id.find(id);
    return it == cache_.no_by_id.end() ? 0 : it->second;
  }
  const Account& view(int64_t no) const {
    if (auto it = st_.accounts.find(no); it != st_.accounts.end()) return it->second;
    return cache_.by_no.at(no);
  }
  Account& mut(int64_t no) {
    auto it = st_.accounts.find(no);
    if (chain_) {
      std::optional<Account> prev;
      if (it != st_.accounts.end()) prev = it->second;
      undo_.push_back([this, no, prev = std::move(prev)] {
        if (prev) st_.accounts[no] = *prev;
        else st_.accounts.erase(no);
      });
    }
    if (it == st_.accounts.end()) it = st_.accounts.emplace(no, cache_.by_no.at(no)).first;
    return it->second;
  }

  static R compare_existing(const Transfer& t, const StoredTransfer& e) {
    const Transfer& s = e.t;
    const bool resolving = t.flags & (tf::post_pending_transfer | tf::void_pending_transfer);
    if (t.flags != s.flags) return R::exists_with_different_flags;
    if (t.pending_id != s.pending_id) return R::exists_with_different_pending_id;
    if (t.timeout_s != s.timeout_s) return R::exists_with_different_timeout;
    auto differs = [&](const Id128& a, const Id128& b) {
      return resolving ? (!a.is_zero() && a != b) : a != b;
    };
    if (differs(t.debit_account_id, s.debit_account_id)) return R::exists_with_different_debit_account_id;
    if (differs(t.credit_account_id, s.credit_account_id)) {
      return R::exists_with_different_credit_account_id;
    }
    bool void_ = t.flags & tf::void_pending_transfer;
    if (void_ ? (t.amount != 0 && t.amount != s.amount) : t.amount != s.amount) {
      return R::exists_with_different_amount;
    }
    if (t.user_data_128 != s.user_data_128) return R::exists_with_different_user_data_128;
    if (t.user_data_64 != s.user_data_64) return R::exists_with_different_user_data_64;
    if (t.user_data_32 != s.user_data_32) return R::exists_with_different_user_data_32;
    if (resolving ? (t.ledger != 0 && t.ledger != s.ledger) : t.ledger != s.ledger) {
      return R::exists_with_different_ledger;
    }
    if (resolving ? (t.code != 0 && t.code != s.code) : t.code != s.code) {
      return R::exists_with_different_code;
    }
    return R::exists;
  }

 public:
  static R check_static(const Transfer& t) {
    const bool pending = t.flags & tf::pending;
    const bool post = t.flags & tf::post_pending_transfer;
    const bool void_ = t.flags & tf::void_pending_transfer;
    const bool closing = t.flags & (tf::closing_debit | tf::closing_credit);
    if (int(pending) + int(post) + int(void_) > 1) return R::flags_are_mutually_exclusive;
    if (!post && !void_) {
      if (t.debit_account_id.is_zero()) return R::debit_account_id_must_not_be_zero;
      if (t.debit_account_id.is_max()) return R::debit_account_id_must_not_be_int_max;
      if (t.credit_account_id.is_zero()) return R::credit_account_id_must_not_be_zero;
      if (t.credit_account_id.is_max()) return R::credit_account_id_must_not_be_int_max;
      if (t.debit_account_id == t.credit_account_id) return R::accounts_must_be_different;
      if (!t.pending_id.is_zero()) return R::pending_id_must_be_zero;
      if (t.timeout_s != 0 && !pending) return R::timeout_reserved_for_pending_transfer;
      if (closing && !pending) return R::closing_transfer_must_be_pending;
      if (t.amount < 0) return R::amount_must_not_be_negative;
      if (t.amount == 0) return R::amount_must_not_be_zero;
      if (t.ledger == 0) return R::ledger_must_not_be_zero;
      if (t.code == 0) return R::code_must_not_be_zero;
      return R::ok;
    }
    if (t.debit_account_id.is_max()) return R::debit_account_id_must_not_be_int_max;
    if (t.credit_account_id.is_max()) return R::credit_account_id_must_not_be_int_max;
    if (!t.debit_account_id.is_zero() && t.debit_account_id == t.credit_account_id) {
      return R::accounts_must_be_different;
    }
    if (t.pending_id.is_zero()) return R::pending_id_must_not_be_zero;
    if (t.pending_id.is_max()) return R::pending_id_must_not_be_int_max;
    if (t.pending_id == t.id) return R::pending_id_must_be_different;
    if (t.timeout_s != 0) return R::timeout_reserved_for_pending_transfer;
    if (closing) return R::closing_transfer_must_be_pending;
    if (t.amount < 0) return R::amount_must_not_be_negative;
    if (post && t.amount == 0) return R::amount_must_not_be_zero;
    return R::ok;
  }

 private:
  TransferResult apply(const Transfer& t) {
    if (t.timestamp != 0) return {R::timestamp_must_be_zero, 0};
    if (t.flags & ~tf::all) return {R::reserved_flag, 0};
    if (t.id.is_zero()) return {R::id_must_not_be_zero, 0};
    if (t.id.is_max()) return {R::id_must_not_be_int_max, 0};
    if (const StoredTransfer* e = find_transfer(t.id)) {
      R r = compare_existing(t, *e);
      return {r, r == R::exists ? e->t.timestamp : 0};
    }
    if (const FailureRec* f = find_failure(t.id)) {
      return {f->request == encode_request(t) ? f->result : R::id_already_failed, 0};
    }
    if (R r = check_static(t); r != R::ok) return {r, 0};
    R r = (t.flags & (tf::post_pending_transfer | tf::void_pending_transfer)) ? apply_resolve(t)
                                                                              : apply_new(t);
    return {r, r == R::ok ? st_.next_ts - 1 : 0};
  }

  R apply_new(const Transfer& t) {
    const int64_t dno = find_no(t.debit_account_id);
    if (dno == 0) return R::debit_account_not_found;
    const int64_t cno = find_no(t.credit_account_id);
    if (cno == 0) return R::credit_account_not_found;
    const Account& dr = view(dno);
    const Account& cr = view(cno);
    if (dr.ledger != cr.ledger) return R::accounts_must_have_the_same_ledger;
    if (t.ledger != dr.ledger) return R::transfer_must_have_the_same_ledger_as_accounts;
    if (dr.flags & af::closed) return R::debit_account_already_closed;
    if (cr.flags & af::closed) return R::credit_account_already_closed;
    const bool pending = t.flags & tf::pending;
    const int64_t a = t.amount;
    const Balances& d = dr.balances;
    const Balances& c = cr.balances;
    if (pending && add_overflows(d.debits_pending, a)) return R::overflows_debits_pending;
    if (pending && add_overflows(c.credits_pending, a)) return R::overflows_credits_pending;
    if (!pending && add_overflows(d.debits_posted, a)) return R::overflows_debits_posted;
    if (!pending && add_overflows(c.credits_posted, a)) return R::overflows_credits_posted;
    int64_t d_total = 0, c_total = 0;
    if (add_overflows(d.debits_pending, d.debits_posted, &d_total) || add_overflows(d_total, a, &d_total)) {
      return R::overflows_debits;
    }
    if (add_overflows(c.credits_pending, c.credits_posted, &c_total) || add_overflows(c_total, a, &c_total)) {
      return R::overflows_credits;
    }
    if ((dr.flags & af::debits_must_not_exceed_credits) && d_total > d.credits_posted) {
      return R::exceeds_credits;
    }
    if ((cr.flags & af::credits_must_not_exceed_debits) && c_total > c.debits_posted) {
      return R::exceeds_debits;
    }
    const int64_t ts = st_.next_ts;
    Account& mdr = mut(dno);
    Account& mcr = mut(cno);
    if (pending) {
      mdr.balances.debits_pending += a;
      mcr.balances.credits_pending += a;
      if (t.flags & tf::closing_debit) mdr.flags |= af::closed;
      if (t.flags & tf::closing_credit) mcr.flags |= af::closed;
    } else {
      mdr.balances.debits_posted += a;
      mcr.balances.credits_posted += a;
    }
    StoredTransfer s;
    s.t = t;
    s.t.timestamp = ts;
    s.kind = pending ? EntryKind::pending : EntryKind::single;
    s.debit_no = dno;
    s.credit_no = cno;
    if (pending && t.timeout_s > 0) s.expires_at = ts + int64_t{t.timeout_s} * kNsPerS;
    push_row(s, mdr.balances, mcr.balances);
    if (s.expires_at) {
      st_.timed_added.push_back(s);
      if (chain_) undo_.push_back([this] { st_.timed_added.pop_back(); });
    }
    return R::ok;
  }

  R apply_resolve(const Transfer& t) {
    const StoredTransfer* found = find_transfer(t.pending_id);
    if (!found) return R::pending_transfer_not_found;
    const StoredTransfer p = *found;  // rows may grow below
    const bool post = t.flags & tf::post_pending_transfer;
    if (p.kind != EntryKind::pending) return R::pending_transfer_not_pending;
    if (!t.debit_account_id.is_zero() && t.debit_account_id != p.t.debit_account_id) {
      return R::pending_transfer_has_different_debit_account_id;
    }
    if (!t.credit_account_id.is_zero() && t.credit_account_id != p.t.credit_account_id) {
      return R::pending_transfer_has_different_credit_account_id;
    }
    if (t.ledger != 0 && t.ledger != p.t.ledger) return R::pending_transfer_has_different_ledger;
    if (t.code != 0 && t.code != p.t.code) return R::pending_transfer_has_different_code;
    if (post && t.amount > p.t.amount) return R::exceeds_pending_transfer_amount;
    if (!post && t.amount != 0 && t.amount != p.t.amount) {
      return R::pending_transfer_has_different_amount;
    }
    if (auto res = find_resolution(t.pending_id)) {
      if (*res == EntryKind::post) return R::pending_transfer_already_posted;
      if (*res == EntryKind::void_) return R::pending_transfer_already_voided;
      return R::pending_transfer_expired;
    }
    if (p.expires_at != 0 && p.expires_at <= st_.next_ts) return R::pending_transfer_expired;
    const int64_t amount = post ? t.amount : p.t.amount;
    if (post) {
      if (add_overflows(view(p.debit_no).balances.debits_posted, amount)) {
        return R::overflows_debits_posted;
      }
      if (add_overflows(view(p.credit_no).balances.credits_posted, amount)) {
        return R::overflows_credits_posted;
      }
    }
    resolve(p, post ? EntryKind::post : EntryKind::void_, t, amount);
    return R::ok;
  }

  // Releases a pending transfer's reservation and posts `amount` of it (post), or nothing
  // (void, expire), writing the journal row.
  void resolve(const StoredTransfer& p, EntryKind kind, const Transfer& t, int64_t amount) {
    Account& dr = mut(p.debit_no);
    Account& cr = mut(p.credit_no);
    dr.balances.debits_pending -= p.t.amount;
    cr.balances.credits_pending -= p.t.amount;
    assert(dr.balances.debits_pending >= 0 && cr.balances.credits_pending >= 0);
    if (kind == EntryKind::post) {
      dr.balances.debits_posted += amount;
      cr.balances.credits_posted += amount;
    } else {
      if (p.t.flags & tf::closing_debit) dr.flags &= static_cast<uint16_t>(~af::closed);
      if (p.t.flags & tf::closing_credit) cr.flags &= static_cast<uint16_t>(~af::closed);
    }
    StoredTransfer s;
    s.t = kind == EntryKind::expire ? Transfer{} : t;
    s.t.debit_account_id = p.t.debit_account_id;
    s.t.credit_account_id = p.t.credit_account_id;
    s.t.ledger = p.t.ledger;
    s.t.code = p.t.code;
    s.t.pending_id = p.t.id;
    s.t.amount = amount;
    s.t.timestamp = st_.next_ts;
    s.kind = kind;
    s.debit_no = p.debit_no;
    s.credit_no = p.credit_no;
    push_row(s, dr.balances, cr.balances);
    new_resolutions_[p.t.id] = kind;
    if (chain_) undo_.push_back([this, id = p.t.id] { new_resolutions_.erase(id); });
    if (p.expires_at) {
      st_.timed_removed.push_back(p.t.id);
      if (chain_) undo_.push_back([this] { st_.timed_removed.pop_back(); });
    }
  }

  void push_row(const StoredTransfer& s, const Balances& dr, const Balances& cr) {
    st_.rows.push_back(Row{s, dr, cr, s.kind == EntryKind::expire ? -1 : job_, 0});
    ++st_.next_ts;
    if (!s.t.id.is_zero()) new_transfers_[s.t.id] = st_.rows.size() - 1;
    if (chain_) {
      undo_.push_back([this] {
        const Row& r = st_.rows.back();
        if (!r.s.t.id.is_zero()) new_transfers_.erase(r.s.t.id);
        st_.rows.pop_back();
      });
    }
  }

  Cache& cache_;
  Staged& st_;
  int job_ = 0;
  bool chain_ = false;
  std::vector<std::function<void()>> undo_;
  std::unordered_map<Id128, size_t> new_transfers_;
  std::unordered_map<Id128, EntryKind> new_resolutions_;
  std::unordered_map<Id128, size_t> failure_index_;
};

struct Meta {
  int64_t version, last_ts, last_account_no;
};

Meta read_meta(store::Tx& tx) {
  auto r = tx.query_one("SELECT version, last_ts, last_account_no FROM ledger_meta WHERE id = 1");
  if (!r) throw store::DbError(store::DbError::Kind::other, "ledger_meta row missing: run migrations");
  return {r->i64(0), r->i64(1), r->i64(2)};
}

void load_accounts(store::Tx& tx, Cache& cache, const std::vector<Id128>& ids) {
  std::vector<Id128> missing;
  for (const auto& id : ids) {
    if (!cache.no_by_id.count(id)) missing.push_back(id);
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  for_chunks(missing, [&](size_t n, const store::Params& p) {
    auto rows = tx.query(std::string("SELECT ") + kAccountCols + " FROM ledger_accounts WHERE id IN (" +
                             placeholders(n) + ")",
                         p);
    for (const auto& r : rows) {
      int64_t no = 0;
      Account a = account_from_row(r, &no);
      cache.no_by_id[a.id] = no;
      cache.by_no[no] = std::move(a);
    }
  });
}

void load_accounts_by_no(store::Tx& tx, Cache& cache, std::vector<int64_t> nos) {
  std::erase_if(nos, [&](int64_t no) { return cache.by_no.count(no) > 0; });
  std::sort(nos.begin(), nos.end());
  nos.erase(std::unique(nos.begin(), nos.end()), nos.end());
  for_chunks(nos, [&](size_t n, const store::Params& p) {
    auto rows = tx.query(std::string("SELECT ") + kAccountCols + " FROM ledger_accounts WHERE no IN (" +
                             placeholders(n) + ")",
                         p);
    for (const auto& r : rows) {
      int64_t no = 0;
      Account a = account_from_row(r, &no);
      cache.no_by_id[a.id] = no;
      cache.by_no[no] = std::move(a);
    }
  });
}

constexpr const char* kInsertTransferCols =
    "INSERT INTO ledger_transfers (ts, id, kind, debit_no, credit_no, amount, pending_id, "
    "user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags, expires_at, "
    "dr_debits_pending, dr_debits_posted, dr_credits_pending, dr_credits_posted, "
    "cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted, audit_seq) VALUES ";
constexpr size_t kTransferColCount = 24;

void push_row_params(store::Params& p, const Row& r) {
  const Transfer& t = r.s.t;
  p.push(t.timestamp);
  p.push(id_value(t.id));
  p.push(int64_t{static_cast<int>(r.s.kind)});
  p.push(r.s.debit_no);
  p.push(r.s.credit_no);
  p.push(t.amount);
  p.push(id_value(t.pending_id));
  p.push(id_value(t.user_data_128));
  p.push(t.user_data_64);
  p.push(int64_t{t.user_data_32});
  p.push(int64_t{t.timeout_s});
  p.push(int64_t{t.ledger});
  p.push(int64_t{t.code});
  p.push(int64_t{t.flags});
  p.push(r.s.expires_at ? store::Value(r.s.expires_at) : store::null_value);
  for (const Balances* b : {&r.dr, &r.cr}) {
    p.push(b->debits_pending);
    p.push(b->debits_posted);
    p.push(b->credits_pending);
    p.push(b->credits_posted);
  }
  p.push(r.audit_seq);
}

// Multi-row inserts in chunks of 64, 32, ... 1 rows: few statement shapes, few round trips.
template <class T, class PushFn>
void insert_rows(store::Tx& tx, const char* head, size_t ncols, const std::vector<T>& rows,
                 PushFn&& push) {
  static constexpr size_t kMax = 64;
  size_t i = 0;
  while (i < rows.size()) {
    size_t left = rows.size() - i;
    size_t n = kMax;
    while (n > left) n /= 2;
    std::string sql = head;
    std::string one = "(" + placeholders(ncols) + ")";
    sql.reserve(sql.size() + n * (one.size() + 1));
    for (size_t k = 0; k < n; ++k) {
      if (k) sql += ',';
      sql += one;
    }
    store::Params p;
    for (size_t k = 0; k < n; ++k) push(p, rows[i + k]);
    tx.exec(sql, p);
    i += n;
  }
}

std::string encode_row(const Row& r) {
  const Transfer& t = r.s.t;
  std::string s;
  s.reserve(400);
  s += std::to_string(t.timestamp) + "|" + std::string(name(r.s.kind)) + "|" + t.id.str() + "|" +
       t.debit_account_id.str() + "|" + t.credit_account_id.str() + "|" + std::to_string(t.amount) +
       "|" + t.pending_id.str() + "|" + t.user_data_128.str() + "|" +
       std::to_string(t.user_data_64) + "|" + std::to_string(t.user_data_32) + "|" +
       std::to_string(t.timeout_s) + "|" + std::to_string(t.ledger) + "|" + std::to_string(t.code) +
       "|" + std::to_string(t.flags) + "|" + std::to_string(r.s.expires_at) + "|";
  encode_balances(s, r.dr);
  s += "|";
  encode_balances(s, r.cr);
  s += "\n";
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------

Engine::Engine(const Options& opts) : opts_(opts) {}
Engine::~Engine() = default;

void Engine::drop_cache() {
  cache_.clear();
  staged_.reset();
}

void Engine::discard() { drop_cache(); }

void Engine::sync(store::Tx& tx, int64_t version) {
  if (cache_.version == version && cache_.by_no.size() <= opts_.max_cached_accounts) return;
  cache_.clear();
  auto rows = tx.query(std::string("SELECT ") + kTransferCols + kTransferFrom +
                       " WHERE t.expires_at IS NOT NULL AND NOT EXISTS"
                       " (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id)");
  for (const auto& r : rows) {
    StoredTransfer s = transfer_from_row(r);
    cache_.timed.insert({s.expires_at, s.t.timestamp, s.t.id});
    cache_.timed_info.emplace(s.t.id, std::move(s));
  }
  cache_.version = version;
}

void Engine::execute_transfers(store::Tx& tx, std::span<TransferJob* const> jobs,
                               core::TimePoint now) {
  staged_ = std::make_unique<Staged>();
  Staged& st = *staged_;
  const Meta meta = read_meta(tx);
  sync(tx, meta.version);
  const int64_t base = std::max(to_ns(now), meta.last_ts + 1);
  st.version = meta.version + 1;
  st.next_ts = base;

  // Prefetch everything the batch refers to, a few statements per kind.
  TransferBatch batch(cache_, st);
  std::vector<Id128> ids, pending_ids, account_ids;
  for (const TransferJob* job : jobs) {
    for (const Transfer& t : job->events) {
      if (!t.id.is_zero() && !t.id.is_max()) ids.push_back(t.id);
      if (!t.pending_id.is_zero() && !t.pending_id.is_max()) pending_ids.push_back(t.pending_id);
      for (const Id128* a : {&t.debit_account_id, &t.credit_account_id}) {
        if (!a->is_zero() && !a->is_max()) account_ids.push_back(*a);
      }
    }
  }
  std::vector<Id128> lookup = ids;
  lookup.insert(lookup.end(), pending_ids.begin(), pending_ids.end());
  std::sort(lookup.begin(), lookup.end());
  lookup.erase(std::unique(lookup.begin(), lookup.end()), lookup.end());
  std::vector<int64_t> nos;
  for_chunks(lookup, [&](size_t n, const store::Params& p) {
    auto rows = tx.query(std::string("SELECT ") + kTransferCols + kTransferFrom + " WHERE t.id IN (" +
                             placeholders(n) + ")",
                         p);
    for (const auto& r : rows) {
      StoredTransfer s = transfer_from_row(r);
      nos.push_back(s.debit_no);
      nos.push_back(s.credit_no);
      batch.db_transfers.emplace(s.t.id, std::move(s));
    }
  });
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for_chunks(ids, [&](size_t n, const store::Params& p) {
    auto rows = tx.query("SELECT id, result, request FROM ledger_failures WHERE id IN (" +
                             placeholders(n) + ")",
                         p);
    for (const auto& r : rows) {
      batch.db_failures.emplace(id_from(r, 0),
                                FailureRec{static_cast<R>(r.i64(1)), r.str(2)});
    }
  });
  std::sort(pending_ids.begin(), pending_ids.end());
  pending_ids.erase(std::unique(pending_ids.begin(), pending_ids.end()), pending_ids.end());
  for_chunks(pending_ids, [&](size_t n, const store::Params& p) {
    auto rows = tx.query("SELECT pending_id, kind FROM ledger_transfers WHERE pending_id IN (" +
                             placeholders(n) + ")",
                         p);
    for (const auto& r : rows) {
      batch.db_resolutions.emplace(id_from(r, 0), static_cast<EntryKind>(r.i64(1)));
    }
  });
  load_accounts(tx, cache_, account_ids);
  for (const TimedKey& k : cache_.timed) {
    if (k.expires_at > base) break;
    const auto& p = cache_.timed_info.at(k.id);
    nos.push_back(p.debit_no);
    nos.push_back(p.credit_no);
  }
  load_accounts_by_no(tx, cache_, std::move(nos));

  batch.expire_due(base);
  for (size_t j = 0; j < jobs.size(); ++j) batch.run_job(*jobs[j], static_cast<int>(j));

  // One audit entry per batch (and one for the expiries), recording the digest of what it
  // wrote; every journal row and failure carries its entry's seq.
  std::vector<std::string> digests(jobs.size() + 1);
  std::vector<int64_t> written(jobs.size() + 1, 0);
  for (const Row& r : st.rows) {
    digests[r.job + 1] += encode_row(r);
    ++written[r.job + 1];
  }
  for (const NewFailure& f : st.failures) {
    digests[f.job + 1] += f.id.str() + "|" + std::string(name(f.rec.result)) + "|" + f.rec.request + "\n";
  }
  std::vector<int64_t> seqs(jobs.size() + 1, 0);
  const int64_t last_ts = std::max(base, st.next_ts - 1);  // each commit's time is unique
  if (written[0] > 0) {
    core::Json payload = {{"expired", written[0]},
                          {"digest", core::sha256_hex(digests[0])},
                          {"ledger_version", st.version}};
    seqs[0] = audit::append(tx, now, {"system:ledger", "ledger", "expire_pending", std::nullopt, payload}).seq;
  }
  for (size_t j = 0; j < jobs.size(); ++j) {
    TransferJob& job = *jobs[j];
    std::array<int64_t, 3> counts{};  // ok, exists, rejected
    for (const auto& r : job.reply.results) {
      ++counts[r.result == R::ok ? 0 : r.result == R::exists ? 1 : 2];
    }
    core::Json payload = {{"events", job.events.size()},
                          {"ok", counts[0]},
                          {"exists", counts[1]},
                          {"rejected", counts[2]},
                          {"digest", core::sha256_hex(digests[j + 1])},
                          {"ledger_version", st.version}};
    seqs[j + 1] = audit::append(tx, now, {job.actor, "ledger", "create_transfers", std::nullopt, payload}).seq;
    job.reply.commit = st.version;
    job.reply.order = static_cast<int64_t>(j);
    job.reply.timestamp = base;
    job.reply.audit_seq = seqs[j + 1];
  }
  for (Row& r : st.rows) r.audit_seq = seqs[r.job + 1];
  for (NewFailure& f : st.failures) f.audit_seq = seqs[f.job + 1];

  insert_rows(tx, kInsertTransferCols, kTransferColCount, st.rows, push_row_params);
  insert_rows(tx, "INSERT INTO ledger_failures (id, result, request, ts, audit_seq) VALUES ", 5,
              st.failures, [&](store::Params& p, const NewFailure& f) {
                p.push(f.id.str());
                p.push(int64_t{static_cast<int>(f.rec.result)});
                p.push(f.rec.request);
                p.push(base);
                p.push(f.audit_seq);
              });
  // Touched balances: one UPDATE ... FROM (VALUES ...) per 64 accounts (one round trip each
  // on PostgreSQL instead of one per account).
  std::vector<std::pair<int64_t, const Account*>> changed;
  for (const auto& [no, a] : st.accounts) {
    const Account& committed = cache_.by_no.at(no);
    if (committed.balances != a.balances || committed.flags != a.flags) changed.emplace_back(no, &a);
  }
  std::sort(changed.begin(), changed.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 0; i < changed.size();) {
    size_t n = 64;
    while (n > changed.size() - i) n /= 2;
    std::string sql =
        "UPDATE ledger_accounts SET debits_pending = v.column2, debits_posted = v.column3,"
        " credits_pending = v.column4, credits_posted = v.column5, flags = v.column6 FROM (VALUES ";
    store::Params p;
    for (size_t k = 0; k < n; ++k) {
      sql += k ? ",(" : "(";
      for (int c = 0; c < 6; ++c) sql += c ? ",CAST(? AS BIGINT)" : "CAST(? AS BIGINT)";
      sql += ")";
      const auto& [no, a] = changed[i + k];
      const Balances& b = a->balances;
      for (int64_t v : {no, b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted,
                        int64_t{a->flags}}) {
        p.push(v);
      }
    }
    sql += ") AS v WHERE ledger_accounts.no = v.column1";
    if (tx.exec(sql, p) != static_cast<int64_t>(n)) {
      throw store::DbError(store::DbError::Kind::other, "ledger: balance update touched the wrong rows");
    }
    i += n;
  }
  tx.exec("UPDATE ledger_meta SET version = ?, last_ts = ? WHERE id = 1", {st.version, last_ts});
}

namespace {

using AR = CreateAccountResult;

AR check_account_static(const Account& a) {
  if ((a.flags & af::debits_must_not_exceed_credits) && (a.flags & af::credits_must_not_exceed_debits)) {
    return AR::flags_are_mutually_exclusive;
  }
  if (a.balances.debits_pending != 0) return AR::debits_pending_must_be_zero;
  if (a.balances.debits_posted != 0) return AR::debits_posted_must_be_zero;
  if (a.balances.credits_pending != 0) return AR::credits_pending_must_be_zero;
  if (a.balances.credits_posted != 0) return AR::credits_posted_must_be_zero;
  if (a.ledger == 0) return AR::ledger_must_not_be_zero;
  if (a.code == 0) return AR::code_must_not_be_zero;
  if (a.owner.size() > 128) return AR::owner_too_long;
  if (!a.division_code.empty()) {
    if (a.division_code.size() != 6 ||
        !std::all_of(a.division_code.begin(), a.division_code.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return AR::division_code_invalid;
    }
  }
  return AR::ok;
}

AR compare_account(const Account& a, const Account& e) {
  if ((a.flags ^ e.flags) & ~af::closed) return AR::exists_with_different_flags;
  if (a.user_data_128 != e.user_data_128) return AR::exists_with_different_user_data_128;
  if (a.user_data_64 != e.user_data_64) return AR::exists_with_different_user_data_64;
  if (a.user_data_32 != e.user_data_32) return AR::exists_with_different_user_data_32;
  if (a.ledger != e.ledger) return AR::exists_with_different_ledger;
  if (a.code != e.code) return AR::exists_with_different_code;
  if (a.owner != e.owner) return AR::exists_with_different_owner;
  if (a.division_code != e.division_code) return AR::exists_with_different_division_code;
  return AR::exists;
}

}  // namespace

void Engine::execute_accounts(store::Tx& tx, AccountJob& job, core::TimePoint now) {
  staged_ = std::make_unique<Staged>();
  Staged& st = *staged_;
  const Meta meta = read_meta(tx);
  sync(tx, meta.version);
  st.version = meta.version + 1;
  st.next_ts = std::max(to_ns(now), meta.last_ts + 1);
  int64_t next_no = meta.last_account_no + 1;
  job.reply.timestamp = st.next_ts;

  std::vector<Id128> ids;
  for (const Account& a : job.events) ids.push_back(a.id);
  load_accounts(tx, cache_, ids);

  std::unordered_map<Id128, size_t> fresh;  // id -> index in st.new_accounts
  auto apply = [&](const Account& a) -> AR {
    if (a.timestamp != 0) return AR::timestamp_must_be_zero;
    if (a.flags & ~af::all) return AR::reserved_flag;
    if (a.id.is_zero()) return AR::id_must_not_be_zero;
    if (a.id.is_max()) return AR::id_must_not_be_int_max;
    if (auto it = fresh.find(a.id); it != fresh.end()) return compare_account(a, st.new_accounts[it->second].second);
    if (auto it = cache_.no_by_id.find(a.id); it != cache_.no_by_id.end()) {
      return compare_account(a, cache_.by_no.at(it->second));
    }
    if (AR r = check_account_static(a); r != AR::ok) return r;
    Account n = a;
    n.timestamp = st.next_ts++;
    fresh[a.id] = st.new_accounts.size();
    st.new_accounts.emplace_back(next_no++, std::move(n));
    return AR::ok;
  };

  auto events = job.events;
  auto& out = job.reply.results;
  out.assign(events.size(), AR::ok);
  size_t i = 0;
  while (i < events.size()) {
    size_t j = i;
    while (j + 1 < events.size() && (events[j].flags & af::linked)) ++j;
    if (events[j].flags & af::linked) {
      for (size_t k = i; k < j; ++k) out[k] = AR::linked_event_failed;
      out[j] = AR::linked_event_chain_open;
      i = j + 1;
      continue;
    }
    const size_t mark = st.new_accounts.size();
    const int64_t ts0 = st.next_ts, no0 = next_no;
    size_t failed = j + 1;
    for (size_t k = i; k <= j; ++k) {
      out[k] = apply(events[k]);
      if (!succeeded(out[k])) {
        failed = k;
        break;
      }
    }
    if (failed <= j && i != j) {
      while (st.new_accounts.size() > mark) {
        fresh.erase(st.new_accounts.back().second.id);
        st.new_accounts.pop_back();
      }
      st.next_ts = ts0;
      next_no = no0;
      for (size_t k = i; k <= j; ++k) {
        if (k != failed) out[k] = AR::linked_event_failed;
      }
    }
    i = j + 1;
  }

  std::string digest;
  for (const auto& [no, a] : st.new_accounts) {
    digest += std::to_string(no) + "|" + a.id.str() + "|" + std::to_string(a.ledger) + "|" +
              std::to_string(a.code) + "|" + std::to_string(a.flags) + "|" + a.owner + "|" +
              a.division_code + "|" + a.user_data_128.str() + "|" + std::to_string(a.user_data_64) +
              "|" + std::to_string(a.user_data_32) + "|" + std::to_string(a.timestamp) + "\n";
  }
  core::Json payload = {{"events", events.size()},
                        {"created", st.new_accounts.size()},
                        {"digest", core::sha256_hex(digest)},
                        {"ledger_version", st.version}};
  const int64_t seq =
      audit::append(tx, now, {job.actor, "ledger", "create_accounts", std::nullopt, payload}).seq;
  insert_rows(tx,
              "INSERT INTO ledger_accounts (no, id, ledger, code, flags, owner, division_code,"
              " user_data_128, user_data_64, user_data_32, debits_pending, debits_posted,"
              " credits_pending, credits_posted, ts, audit_seq) VALUES ",
              16, st.new_accounts, [&](store::Params& p, const std::pair<int64_t, Account>& e) {
                const Account& a = e.second;
                p.push(e.first);
                p.push(a.id.str());
                p.push(int64_t{a.ledger});
                p.push(int64_t{a.code});
                p.push(int64_t{a.flags});
                p.push(a.owner);
                p.push(a.division_code);
                p.push(id_value(a.user_data_128));
                p.push(a.user_data_64);
                p.push(int64_t{a.user_data_32});
                for (int k = 0; k < 4; ++k) p.push(int64_t{0});
                p.push(a.timestamp);
                p.push(seq);
              });
  tx.exec("UPDATE ledger_meta SET version = ?, last_ts = ?, last_account_no = ? WHERE id = 1",
          {st.version, std::max(job.reply.timestamp, st.next_ts - 1), next_no - 1});
  job.reply.commit = st.version;
  job.reply.audit_seq = seq;
}

void Engine::publish() {
  if (!staged_) return;
  Staged& st = *staged_;
  for (auto& [no, a] : st.accounts) cache_.by_no[no] = std::move(a);
  for (auto& [no, a] : st.new_accounts) {
    cache_.no_by_id[a.id] = no;
    cache_.by_no[no] = std::move(a);
  }
  for (const Id128& id : st.timed_removed) {
    auto it = cache_.timed_info.find(id);
    if (it == cache_.timed_info.end()) continue;  // added and resolved in the same commit
    cache_.timed.erase({it->second.expires_at, it->second.t.timestamp, id});
    cache_.timed_info.erase(it);
  }
  const std::unordered_set<Id128> removed(st.timed_removed.begin(), st.timed_removed.end());
  for (StoredTransfer& s : st.timed_added) {
    if (removed.count(s.t.id)) continue;  // added and resolved in the same commit
    cache_.timed.insert({s.expires_at, s.t.timestamp, s.t.id});
    cache_.timed_info.emplace(s.t.id, std::move(s));
  }
  cache_.version = st.version;
  staged_.reset();
}

}  // namespace riverlink::ledger::detail
