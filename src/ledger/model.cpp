#include "ledger/model.hpp"

#include <limits>

namespace riverlink::ledger::sim {

using R = CreateTransferResult;
using AR = CreateAccountResult;
namespace tf = transfer_flags;
namespace af = account_flags;

namespace {
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
bool fits(__int128 v) { return v <= kMax; }
bool is_resolving(const Transfer& t) {
  return t.flags & (tf::post_pending_transfer | tf::void_pending_transfer);
}
}  // namespace

const Model::Stored* Model::find(const Id128& id) const {
  auto it = transfers_.find(id);
  return it == transfers_.end() ? nullptr : &it->second;
}

void Model::begin_commit(int64_t base, bool expire) {
  next_ts_ = base;
  while (expire && !timed_.empty() && std::get<0>(*timed_.begin()) <= base) {
    Id128 id = std::get<2>(*timed_.begin());
    release(transfers_.at(id), EntryKind::expire, nullptr, 0);
    ++expired_;
  }
}

std::vector<AR> Model::create_accounts(std::span<const Account> batch) {
  std::vector<AR> out(batch.size(), AR::ok);
  auto one = [&](const Account& a) -> AR {
    if (a.timestamp != 0) return AR::timestamp_must_be_zero;
    if (a.flags & ~af::all) return AR::reserved_flag;
    if (a.id.is_zero()) return AR::id_must_not_be_zero;
    if (a.id.is_max()) return AR::id_must_not_be_int_max;
    if (auto it = accounts_.find(a.id); it != accounts_.end()) {
      const Account& e = it->second;
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
    if ((a.flags & af::debits_must_not_exceed_credits) && (a.flags & af::credits_must_not_exceed_debits)) {
      return AR::flags_are_mutually_exclusive;
    }
    if (a.balances != Balances{}) return AR::debits_pending_must_be_zero;  // generator never sets these
    if (a.ledger == 0) return AR::ledger_must_not_be_zero;
    if (a.code == 0) return AR::code_must_not_be_zero;
    Account n = a;
    n.timestamp = next_ts_++;
    accounts_[a.id] = n;
    return AR::ok;
  };
  size_t i = 0;
  while (i < batch.size()) {
    size_t j = i;
    while (j + 1 < batch.size() && (batch[j].flags & af::linked)) ++j;
    if (batch[j].flags & af::linked) {
      for (size_t k = i; k < j; ++k) out[k] = AR::linked_event_failed;
      out[j] = AR::linked_event_chain_open;
      i = j + 1;
      continue;
    }
    auto saved = accounts_;
    int64_t ts0 = next_ts_;
    for (size_t k = i; k <= j; ++k) {
      out[k] = one(batch[k]);
      if (!succeeded(out[k])) {
        if (i != j) {
          accounts_ = std::move(saved);
          next_ts_ = ts0;
          for (size_t m = i; m <= j; ++m) {
            if (m != k) out[m] = AR::linked_event_failed;
          }
        }
        break;
      }
    }
    i = j + 1;
  }
  return out;
}

std::string Model::request(const Transfer& t) {
  return std::to_string(t.flags) + "|" + t.pending_id.str() + "|" + std::to_string(t.timeout_s) + "|" +
         t.debit_account_id.str() + "|" + t.credit_account_id.str() + "|" + std::to_string(t.amount) +
         "|" + t.user_data_128.str() + "|" + std::to_string(t.user_data_64) + "|" +
         std::to_string(t.user_data_32) + "|" + std::to_string(t.ledger) + "|" + std::to_string(t.code);
}

bool Model::header_ok(const Transfer& t) {
  return t.timestamp == 0 && !(t.flags & ~tf::all) && !t.id.is_zero() && !t.id.is_max();
}

// The checks that need nothing but the event, in precedence order.
R Model::validate(const Transfer& t) {
  const bool pending = t.flags & tf::pending, post = t.flags & tf::post_pending_transfer,
             void_ = t.flags & tf::void_pending_transfer;
  const bool closing = t.flags & (tf::closing_debit | tf::closing_credit);
  if (pending + post + void_ > 1) return R::flags_are_mutually_exclusive;
  if (post || void_) {
    if (t.debit_account_id.is_max()) return R::debit_account_id_must_not_be_int_max;
    if (t.credit_account_id.is_max()) return R::credit_account_id_must_not_be_int_max;
    if (!t.debit_account_id.is_zero() && t.debit_account_id == t.credit_account_id) {
      return R::accounts_must_be_different;
    }
    if (t.pending_id.is_zero()) return R::pending_id_must_not_be_zero;
    if (t.pending_id.is_max()) return R::pending_id_must_not_be_int_max;
    if (t.pending_id == t.id) return R::pending_id_must_be_different;
    if (t.timeout_s) return R::timeout_reserved_for_pending_transfer;
    if (closing) return R::closing_transfer_must_be_pending;
    if (t.amount < 0) return R::amount_must_not_be_negative;
    if (post && t.amount == 0) return R::amount_must_not_be_zero;
    return R::ok;
  }
  if (t.debit_account_id.is_zero()) return R::debit_account_id_must_not_be_zero;
  if (t.debit_account_id.is_max()) return R::debit_account_id_must_not_be_int_max;
  if (t.credit_account_id.is_zero()) return R::credit_account_id_must_not_be_zero;
  if (t.credit_account_id.is_max()) return R::credit_account_id_must_not_be_int_max;
  if (t.debit_account_id == t.credit_account_id) return R::accounts_must_be_different;
  if (!t.pending_id.is_zero()) return R::pending_id_must_be_zero;
  if (t.timeout_s && !pending) return R::timeout_reserved_for_pending_transfer;
  if (closing && !pending) return R::closing_transfer_must_be_pending;
  if (t.amount < 0) return R::amount_must_not_be_negative;
  if (t.amount == 0) return R::amount_must_not_be_zero;
  if (t.ledger == 0) return R::ledger_must_not_be_zero;
  if (t.code == 0) return R::code_must_not_be_zero;
  return R::ok;
}

R Model::apply(const Transfer& t, int64_t& ts_out) {
  ts_out = 0;
  if (t.timestamp != 0) return R::timestamp_must_be_zero;
  if (t.flags & ~tf::all) return R::reserved_flag;
  if (t.id.is_zero()) return R::id_must_not_be_zero;
  if (t.id.is_max()) return R::id_must_not_be_int_max;
  if (const Stored* e = find(t.id)) {
    const Transfer& s = e->t;
    const bool res = is_resolving(t);
    auto same_or_inherited = [&](const Id128& a, const Id128& b) { return a == b || (res && a.is_zero()); };
    if (t.flags != s.flags) return R::exists_with_different_flags;
    if (t.pending_id != s.pending_id) return R::exists_with_different_pending_id;
    if (t.timeout_s != s.timeout_s) return R::exists_with_different_timeout;
    if (!same_or_inherited(t.debit_account_id, s.debit_account_id)) return R::exists_with_different_debit_account_id;
    if (!same_or_inherited(t.credit_account_id, s.credit_account_id)) return R::exists_with_different_credit_account_id;
    bool void_ = t.flags & tf::void_pending_transfer;
    if (!(t.amount == s.amount || (void_ && t.amount == 0))) return R::exists_with_different_amount;
    if (t.user_data_128 != s.user_data_128) return R::exists_with_different_user_data_128;
    if (t.user_data_64 != s.user_data_64) return R::exists_with_different_user_data_64;
    if (t.user_data_32 != s.user_data_32) return R::exists_with_different_user_data_32;
    if (!(t.ledger == s.ledger || (res && t.ledger == 0))) return R::exists_with_different_ledger;
    if (!(t.code == s.code || (res && t.code == 0))) return R::exists_with_different_code;
    ts_out = s.timestamp;
    return R::exists;
  }
  if (auto it = failures_.find(t.id); it != failures_.end()) {
    return it->second.second == request(t) ? it->second.first : R::id_already_failed;
  }
  if (R r = validate(t); r != R::ok) return r;
  R r = is_resolving(t) ? apply_resolving(t) : apply_plain(t);
  if (r == R::ok) ts_out = next_ts_ - 1;
  return r;
}

R Model::apply_plain(const Transfer& t) {
  auto d = accounts_.find(t.debit_account_id);
  if (d == accounts_.end()) return R::debit_account_not_found;
  auto c = accounts_.find(t.credit_account_id);
  if (c == accounts_.end()) return R::credit_account_not_found;
  Account& dr = d->second;
  Account& cr = c->second;
  if (dr.ledger != cr.ledger) return R::accounts_must_have_the_same_ledger;
  if (t.ledger != dr.ledger) return R::transfer_must_have_the_same_ledger_as_accounts;
  if (dr.flags & af::closed) return R::debit_account_already_closed;
  if (cr.flags & af::closed) return R::credit_account_already_closed;
  const bool pending = t.flags & tf::pending;
  const __int128 a = t.amount;
  Balances& db = dr.balances;
  Balances& cb = cr.balances;
  if (pending && !fits(db.debits_pending + a)) return R::overflows_debits_pending;
  if (pending && !fits(cb.credits_pending + a)) return R::overflows_credits_pending;
  if (!pending && !fits(db.debits_posted + a)) return R::overflows_debits_posted;
  if (!pending && !fits(cb.credits_posted + a)) return R::overflows_credits_posted;
  const __int128 debits = __int128{db.debits_pending} + db.debits_posted + a;
  const __int128 credits = __int128{cb.credits_pending} + cb.credits_posted + a;
  if (!fits(debits)) return R::overflows_debits;
  if (!fits(credits)) return R::overflows_credits;
  if ((dr.flags & af::debits_must_not_exceed_credits) && debits > db.credits_posted) return R::exceeds_credits;
  if ((cr.flags & af::credits_must_not_exceed_debits) && credits > cb.debits_posted) return R::exceeds_debits;
  if (pending) {
    db.debits_pending += t.amount;
    cb.credits_pending += t.amount;
    if (t.flags & tf::closing_debit) dr.flags |= af::closed;
    if (t.flags & tf::closing_credit) cr.flags |= af::closed;
  } else {
    db.debits_posted += t.amount;
    cb.credits_posted += t.amount;
  }
  Stored s{t, pending ? EntryKind::pending : EntryKind::single, 0};
  s.t.timestamp = next_ts_++;
  if (pending && t.timeout_s) s.expires_at = s.t.timestamp + int64_t{t.timeout_s} * 1'000'000'000;
  add(s);
  if (pending) {
    open_[t.id] = t.timeout_s != 0;
    if (s.expires_at) timed_.insert({s.expires_at, s.t.timestamp, t.id});
  }
  return R::ok;
}

R Model::apply_resolving(const Transfer& t) {
  const Stored* found = find(t.pending_id);
  if (!found) return R::pending_transfer_not_found;
  const Stored p = *found;
  const bool post = t.flags & tf::post_pending_transfer;
  if (p.kind != EntryKind::pending) return R::pending_transfer_not_pending;
  if (!t.debit_account_id.is_zero() && t.debit_account_id != p.t.debit_account_id) {
    return R::pending_transfer_has_different_debit_account_id;
  }
  if (!t.credit_account_id.is_zero() && t.credit_account_id != p.t.credit_account_id) {
    return R::pending_transfer_has_different_credit_account_id;
  }
  if (t.ledger && t.ledger != p.t.ledger) return R::pending_transfer_has_different_ledger;
  if (t.code && t.code != p.t.code) return R::pending_transfer_has_different_code;
  if (post && t.amount > p.t.amount) return R::exceeds_pending_transfer_amount;
  if (!post && t.amount != 0 && t.amount != p.t.amount) return R::pending_transfer_has_different_amount;
  if (auto it = resolution_.find(t.pending_id); it != resolution_.end()) {
    if (it->second == EntryKind::post) return R::pending_transfer_already_posted;
    if (it->second == EntryKind::void_) return R::pending_transfer_already_voided;
    return R::pending_transfer_expired;
  }
  if (p.expires_at && p.expires_at <= next_ts_) return R::pending_transfer_expired;
  if (post) {
    if (!fits(__int128{accounts_.at(p.t.debit_account_id).balances.debits_posted} + t.amount)) {
      return R::overflows_debits_posted;
    }
    if (!fits(__int128{accounts_.at(p.t.credit_account_id).balances.credits_posted} + t.amount)) {
      return R::overflows_credits_posted;
    }
  }
  release(p, post ? EntryKind::post : EntryKind::void_, &t, post ? t.amount : p.t.amount);
  return R::ok;
}

void Model::release(const Stored& p, EntryKind how, const Transfer* by, int64_t amount) {
  Account& dr = accounts_.at(p.t.debit_account_id);
  Account& cr = accounts_.at(p.t.credit_account_id);
  dr.balances.debits_pending -= p.t.amount;
  cr.balances.credits_pending -= p.t.amount;
  if (how == EntryKind::post) {
    dr.balances.debits_posted += amount;
    cr.balances.credits_posted += amount;
  } else {
    if (p.t.flags & tf::closing_debit) dr.flags &= static_cast<uint16_t>(~af::closed);
    if (p.t.flags & tf::closing_credit) cr.flags &= static_cast<uint16_t>(~af::closed);
  }
  const int64_t ts = next_ts_++;
  if (by) {
    Stored s{*by, how, 0};
    s.t.debit_account_id = p.t.debit_account_id;
    s.t.credit_account_id = p.t.credit_account_id;
    s.t.ledger = p.t.ledger;
    s.t.code = p.t.code;
    s.t.amount = amount;
    s.t.timestamp = ts;
    add(s);
  }
  resolution_[p.t.id] = how;
  if (snap_) snap_->resolved.push_back(p.t.id);
  open_.erase(p.t.id);
  if (p.expires_at) timed_.erase({p.expires_at, p.t.timestamp, p.t.id});
}

void Model::add(Stored s) {
  if (snap_) snap_->added.push_back(s.t.id);
  transfers_[s.t.id] = std::move(s);
}

std::vector<TransferResult> Model::create_transfers(std::span<const Transfer> batch) {
  std::vector<TransferResult> out(batch.size());
  auto record = [&](const Transfer& t, R r) {
    if (!failures_.count(t.id)) failures_[t.id] = {r, request(t)};
  };
  size_t i = 0;
  while (i < batch.size()) {
    size_t j = i;
    while (j + 1 < batch.size() && (batch[j].flags & tf::linked)) ++j;
    if (batch[j].flags & tf::linked) {
      for (size_t k = i; k < j; ++k) out[k] = {R::linked_event_failed, 0};
      out[j] = {R::linked_event_chain_open, 0};
      i = j + 1;
      continue;
    }
    if (i == j) {
      out[i].result = apply(batch[i], out[i].timestamp);
      if (is_state_dependent(out[i].result)) record(batch[i], out[i].result);
      ++i;
      continue;
    }
    Snapshot snap{accounts_, open_, timed_, {}, {}, next_ts_};
    snap_ = &snap;
    size_t failed = j + 1;
    for (size_t k = i; k <= j; ++k) {
      out[k].result = apply(batch[k], out[k].timestamp);
      if (!succeeded(out[k].result)) {
        failed = k;
        break;
      }
    }
    snap_ = nullptr;
    if (failed <= j) {
      accounts_ = std::move(snap.accounts);
      open_ = std::move(snap.open);
      timed_ = std::move(snap.timed);
      for (const Id128& id : snap.added) transfers_.erase(id);
      for (const Id128& id : snap.resolved) resolution_.erase(id);
      next_ts_ = snap.next_ts;
      const R code = out[failed].result;
      for (size_t k = i; k <= j; ++k) {
        if (k == failed) continue;
        out[k] = {R::linked_event_failed, 0};
        const Transfer& t = batch[k];
        if (k > failed && header_ok(t) && !find(t.id)) {
          auto f = failures_.find(t.id);
          if (f != failures_.end() && f->second.second == request(t)) out[k].result = f->second.first;
        }
      }
      if (is_state_dependent(code)) {
        for (size_t k = i; k <= j; ++k) {
          const Transfer& t = batch[k];
          if (k == failed) {
            record(t, code);
          } else if (header_ok(t) && !find(t.id) && !failures_.count(t.id) && validate(t) == R::ok) {
            record(t, R::linked_event_failed);
          }
        }
      }
    }
    i = j + 1;
  }
  return out;
}

}  // namespace riverlink::ledger::sim
