#include "ledger/sim.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "ledger/model.hpp"
#include "ledger/scratch.hpp"
#include "ledger/service.hpp"

namespace riverlink::ledger::sim {
namespace {

using R = CreateTransferResult;
using AR = CreateAccountResult;
namespace tf = transfer_flags;
namespace af = account_flags;

struct Violation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- Fault injection: a Database whose write transactions fail on purpose ----------------

class FaultyDatabase;

class FaultyTx final : public store::Tx {
 public:
  enum class Fault { none, abort_exec, abort_commit, retry_commit };
  FaultyTx(std::unique_ptr<store::Tx> inner, Fault f, int at) : inner_(std::move(inner)), fault_(f), at_(at) {}
  store::Rows query(std::string_view sql, const store::Params& p) override {
    tick();
    return inner_->query(sql, p);
  }
  int64_t exec(std::string_view sql, const store::Params& p) override {
    tick();
    return inner_->exec(sql, p);
  }
  void exec_script(std::string_view sql) override { inner_->exec_script(sql); }
  void lock(std::string_view key) override { inner_->lock(key); }
  void commit() override {
    if (fault_ == Fault::abort_commit) throw store::DbError(store::DbError::Kind::other, "injected abort at commit");
    if (fault_ == Fault::retry_commit) {
      throw store::DbError(store::DbError::Kind::retryable, "injected serialization failure");
    }
    inner_->commit();
  }
  store::Backend backend() const override { return inner_->backend(); }

 private:
  void tick() {
    if (fault_ == Fault::abort_exec && ++n_ == at_) {
      throw store::DbError(store::DbError::Kind::other, "injected abort mid-transaction");
    }
  }
  std::unique_ptr<store::Tx> inner_;
  Fault fault_;
  int at_;
  int n_ = 0;
};

class FaultyDatabase final : public store::Database {
 public:
  FaultyDatabase(store::Database& inner, uint64_t seed) : inner_(inner), rng_(seed) {}
  void set_rates(double abort, double retry) {
    std::lock_guard lk(mu_);
    abort_ = abort;
    retry_ = retry;
  }
  std::unique_ptr<store::Tx> begin(store::TxKind kind) override {
    auto f = FaultyTx::Fault::none;
    int at = 0;
    if (kind == store::TxKind::write) {
      std::lock_guard lk(mu_);
      double x = std::uniform_real_distribution<double>(0, 1)(rng_);
      if (x < abort_ / 2) f = FaultyTx::Fault::abort_exec;
      else if (x < abort_) f = FaultyTx::Fault::abort_commit;
      else if (x < abort_ + retry_) f = FaultyTx::Fault::retry_commit;
      at = 1 + static_cast<int>(rng_() % 12);
    }
    return std::make_unique<FaultyTx>(inner_.begin(kind), f, at);
  }
  store::Backend backend() const override { return inner_.backend(); }
  std::string describe() const override { return inner_.describe(); }

 private:
  store::Database& inner_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  double abort_ = 0, retry_ = 0;
};

// ---- The simulator -----------------------------------------------------------------------

struct LedgerAccounts {
  uint32_t ledger = 0;
  Id128 source;
  std::vector<Id128> limited;  // debits_must_not_exceed_credits
  std::vector<Id128> plain;
  Id128 capped;                // credits_must_not_exceed_debits
};

std::string show(const Transfer& t) {
  std::ostringstream os;
  os << "{id=" << t.id.str() << " dr=" << t.debit_account_id.str() << " cr=" << t.credit_account_id.str()
     << " amount=" << t.amount << " pending_id=" << t.pending_id.str() << " flags=" << t.flags
     << " timeout=" << t.timeout_s << " ledger=" << t.ledger << " code=" << t.code << "}";
  return os.str();
}

class Simulator {
 public:
  Simulator(const SimOptions& o, const std::function<void(const std::string&)>& log)
      : o_(o), log_(log), rng_(o.seed), clock_(core::from_unix_ms(1'795'766'400'000)) {
    id_hi_ = 0x5100000000000000ULL ^ (o.seed * 0x9E3779B97F4A7C15ULL);
    if (id_hi_ == 0 || id_hi_ == ~uint64_t{0}) id_hi_ = 0x51;
    // Swarm testing: each seed gets its own mix.
    max_batch_ = std::array<int, 5>{1, 4, 16, 48, 128}[rng_() % 5];
    p_chain_ = std::array<double, 3>{0.0, 0.1, 0.3}[rng_() % 3];
    p_retry_ = std::array<double, 3>{0.02, 0.1, 0.25}[rng_() % 3];
    p_bad_ = std::array<double, 3>{0.01, 0.05, 0.12}[rng_() % 3];
    if (o.faults) {
      p_abort_ = std::array<double, 3>{0.0, 0.03, 0.12}[rng_() % 3];
      p_retryable_ = std::array<double, 2>{0.0, 0.05}[rng_() % 2];
      p_lost_ = std::array<double, 3>{0.0, 0.03, 0.1}[rng_() % 3];
      p_restart_ = std::array<double, 3>{0.002, 0.01, 0.03}[rng_() % 3];
      p_drop_ = std::array<double, 2>{0.0, 0.02}[rng_() % 2];
    }
    n_limited_ = 2 + static_cast<int>(rng_() % 10);
  }

  SimReport run() {
    auto t0 = std::chrono::steady_clock::now();
    rep_.seed = o_.seed;
    try {
      scratch_ = std::make_unique<ScratchDb>(o_.db_url);
      open();
      rep_.backend = std::string(store::backend_name(db_->backend()));
      make_accounts();
      while (rep_.ops < o_.ops) {
        round();
        if (o_.log_every > 0 && rep_.steps % o_.log_every == 0 && log_) log_(summary(rep_));
      }
      rep_.expired = model_.expired();
    } catch (const Violation& v) {
      rep_.violation = "seed " + std::to_string(o_.seed) + " step " + std::to_string(rep_.steps) + ": " + v.what();
    } catch (const std::exception& e) {
      rep_.violation = "seed " + std::to_string(o_.seed) + " step " + std::to_string(rep_.steps) +
                       ": unexpected exception: " + e.what();
    }
    svc_.reset();
    faulty_.reset();
    db_.reset();
    scratch_.reset();
    rep_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep_;
  }

 private:
  Id128 next_id() { return {id_hi_, ++id_lo_}; }
  uint64_t pick(uint64_t n) { return rng_() % n; }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void open() {
    db_ = store::Database::open(scratch_->url(), {.pool_size = 4});
    faulty_ = std::make_unique<FaultyDatabase>(*db_, o_.seed ^ 0xFA17);
    svc_ = std::make_unique<Service>(*faulty_, clock_);
  }
  void close() {
    svc_.reset();
    faulty_.reset();
    db_.reset();
  }

  void make_accounts() {
    std::vector<Account> batch;
    auto add = [&](uint32_t ledger, uint16_t flags, uint16_t code) {
      Account a;
      a.id = next_id();
      a.ledger = ledger;
      a.code = code;
      a.flags = flags;
      a.owner = "sim:" + std::to_string(batch.size());
      a.division_code = batch.size() % 2 ? "320506" : "310101";
      batch.push_back(a);
      all_accounts_.push_back(a.id);
      return a.id;
    };
    for (uint32_t ledger : {kLedgerCny, kLedgerQuota}) {
      LedgerAccounts l;
      l.ledger = ledger;
      l.source = add(ledger, 0, 1001);
      for (int i = 0; i < n_limited_; ++i) l.limited.push_back(add(ledger, af::debits_must_not_exceed_credits, 1002));
      for (int i = 0; i < 3; ++i) l.plain.push_back(add(ledger, 0, 2001));
      l.capped = add(ledger, af::credits_must_not_exceed_debits, 2003);
      ledgers_.push_back(l);
    }
    big_[0] = add(kLedgerCny, 0, 9);
    big_[1] = add(kLedgerCny, 0, 9);
    for (int pass = 0; pass < 2; ++pass) {  // the second pass is a replay: all exists
      auto r = svc_->create_accounts(batch, "sim");
      if (!r.ok()) throw Violation("create_accounts failed: " + r.error().message);
      model_.begin_commit(r->timestamp, false);
      auto want = model_.create_accounts(batch);
      for (size_t i = 0; i < batch.size(); ++i) {
        if (r->results[i] != want[i]) {
          throw Violation("account " + std::to_string(i) + ": got " + std::string(name(r->results[i])) +
                          ", model " + std::string(name(want[i])));
        }
      }
      last_commit_ = r->commit;
    }
    // Fund the limited accounts from their ledger's source.
    std::vector<Transfer> funding;
    for (const auto& l : ledgers_) {
      for (const auto& a : l.limited) funding.push_back(make(l.ledger, l.source, a, 1000 + pick(100000), 0));
    }
    submit_round({funding});
  }

  Transfer make(uint32_t ledger, Id128 dr, Id128 cr, int64_t amount, uint16_t flags) {
    Transfer t;
    t.id = next_id();
    t.debit_account_id = dr;
    t.credit_account_id = cr;
    t.amount = amount;
    t.ledger = ledger;
    t.code = static_cast<uint16_t>(1 + pick(3));
    t.flags = flags;
    t.user_data_64 = static_cast<int64_t>(pick(1000));
    return t;
  }

  Id128 any_account(const LedgerAccounts& l) {
    uint64_t x = pick(10);
    if (x < 6) return l.limited[pick(l.limited.size())];
    if (x < 8) return l.plain[pick(l.plain.size())];
    if (x < 9) return l.capped;
    return l.source;
  }

  int64_t amount() { return 1 + static_cast<int64_t>(pick(pick(4) == 0 ? 20000 : 600)); }

  Transfer gen_plain(bool pending) {
    const auto& l = ledgers_[pick(ledgers_.size())];
    Id128 dr = any_account(l), cr = any_account(l);
    while (cr == dr) cr = any_account(l);
    Transfer t = make(l.ledger, dr, cr, amount(), pending ? tf::pending : 0);
    if (pending) {
      if (chance(0.5)) t.timeout_s = static_cast<uint32_t>(1 + pick(20));
      // Closing holds, mostly with a timeout so that their accounts reopen.
      if (chance(0.003)) t.flags |= tf::closing_debit;
      if (chance(0.003)) t.flags |= tf::closing_credit;
      if ((t.flags & (tf::closing_debit | tf::closing_credit)) && chance(0.8)) {
        t.timeout_s = static_cast<uint32_t>(1 + pick(20));
      }
      pendings_seen_.push_back(t.id);
      if (pendings_seen_.size() > 4096) pendings_seen_.erase(pendings_seen_.begin(), pendings_seen_.begin() + 1024);
    }
    return t;
  }

  Transfer gen_resolve(bool post) {
    Id128 target;
    if (!open_list_.empty() && chance(0.75)) target = open_list_[pick(open_list_.size())];
    else if (!pendings_seen_.empty()) target = pendings_seen_[pick(pendings_seen_.size())];
    else target = next_id();
    Transfer t;
    t.id = next_id();
    t.pending_id = target;
    t.flags = post ? tf::post_pending_transfer : tf::void_pending_transfer;
    const Model::Stored* p = model_.find(target);
    if (post && p && (p->t.flags & (tf::closing_debit | tf::closing_credit)) && chance(0.9)) {
      post = false;  // posting a closing hold closes its account for good: rarely
      t.flags = tf::void_pending_transfer;
    }
    int64_t full = p ? p->t.amount : amount();
    const int64_t over = full == INT64_MAX ? full : full + 1;
    uint64_t x = pick(20);
    if (post) {
      t.amount = x < 10 ? full : x < 17 ? 1 + static_cast<int64_t>(pick(static_cast<uint64_t>(full))) : x < 19 ? over : 0;
    } else {
      t.amount = x < 14 ? 0 : x < 18 ? full : over;
    }
    if (p && chance(0.2)) {
      t.debit_account_id = p->t.debit_account_id;
      t.credit_account_id = p->t.credit_account_id;
      t.ledger = p->t.ledger;
      t.code = p->t.code;
      if (chance(0.2)) t.code = static_cast<uint16_t>(t.code + 1);
    }
    return t;
  }

  Transfer gen_bad() {
    Transfer t = gen_plain(false);
    switch (pick(9)) {
      case 0: t.amount = 0; break;
      case 1: t.amount = -t.amount; break;
      case 2: t.credit_account_id = next_id(); break;
      case 3: t.debit_account_id = next_id(); break;
      case 4: t.ledger = t.ledger == kLedgerCny ? kLedgerQuota : kLedgerCny; break;
      case 5: t.credit_account_id = ledgers_[t.ledger == kLedgerCny ? 1 : 0].plain[0]; break;
      case 6: t.timeout_s = 5; break;
      case 7: t.flags |= 1 << 11; break;
      default: t.credit_account_id = t.debit_account_id; break;
    }
    return t;
  }

  Transfer gen_huge() {
    bool fwd = chance(0.5);
    Transfer t = make(kLedgerCny, big_[fwd ? 0 : 1], big_[fwd ? 1 : 0],
                      INT64_MAX / static_cast<int64_t>(1 + pick(4)), chance(0.3) ? tf::pending : 0);
    return t;
  }

  Transfer gen_one() {
    double x = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (x < p_bad_) return gen_bad();
    if (x < p_bad_ + 0.01) return gen_huge();
    if (x < 0.40) return gen_plain(false);
    if (x < 0.62) return gen_plain(true);
    if (x < 0.76) return gen_resolve(true);
    if (x < 0.86) return gen_resolve(false);
    const auto& l = ledgers_[pick(ledgers_.size())];
    return make(l.ledger, l.source, chance(0.8) ? l.limited[pick(l.limited.size())] : l.capped,
                amount() * 3, 0);
  }

  // A unit is a linked chain or one event; retries reuse whole units.
  static std::vector<std::vector<Transfer>> units_of(const std::vector<Transfer>& batch) {
    std::vector<std::vector<Transfer>> units;
    std::vector<Transfer> cur;
    for (const auto& t : batch) {
      cur.push_back(t);
      if (!(t.flags & tf::linked)) {
        units.push_back(std::move(cur));
        cur.clear();
      }
    }
    if (!cur.empty()) units.push_back(std::move(cur));
    return units;
  }

  std::vector<Transfer> gen_batch() {
    std::vector<Transfer> batch;
    const int n = 1 + static_cast<int>(pick(static_cast<uint64_t>(max_batch_)));
    while (static_cast<int>(batch.size()) < n) {
      if (!sent_.empty() && chance(p_retry_)) {
        const auto& old = sent_[pick(sent_.size())];
        auto units = units_of(old);
        auto unit = units[pick(units.size())];
        if (chance(0.25)) {  // same id, different payload
          Transfer& m = unit[pick(unit.size())];
          if (chance(0.5) && m.amount < INT64_MAX) m.amount += 1;
          else m.user_data_64 += 1;
        }
        batch.insert(batch.end(), unit.begin(), unit.end());
        continue;
      }
      if (chance(p_chain_)) {
        const int len = 2 + static_cast<int>(pick(3));
        for (int k = 0; k < len; ++k) {
          Transfer t = gen_one();
          if (k + 1 < len) t.flags |= tf::linked;
          batch.push_back(t);
        }
        ++rep_.chains;
        continue;
      }
      batch.push_back(gen_one());
    }
    if (chance(0.01)) batch.back().flags |= tf::linked;  // a chain left open
    return batch;
  }

  void round() {
    ++rep_.steps;
    clock_.advance(std::chrono::milliseconds(pick(5) == 0 ? pick(12'000) : pick(800)));
    if (chance(p_restart_)) {
      close();
      open();
      ++rep_.restarts;
    } else if (chance(p_drop_)) {
      svc_->drop_cache();
      ++rep_.cache_drops;
    }
    faulty_->set_rates(p_abort_, p_retryable_);
    open_list_.clear();
    for (const auto& [id, timed] : model_.open_pendings()) open_list_.push_back(id);
    std::vector<std::vector<Transfer>> batches;
    for (int t = 0; t < o_.threads; ++t) {
      if (!retry_queue_.empty() && chance(0.5)) {
        auto b = std::move(retry_queue_.front());
        retry_queue_.pop_front();
        if (chance(0.3)) {  // reordered: shuffle whole units
          auto units = units_of(b);
          std::shuffle(units.begin(), units.end(), rng_);
          b.clear();
          for (auto& u : units) b.insert(b.end(), u.begin(), u.end());
        }
        ++rep_.retried_batches;
        batches.push_back(std::move(b));
      } else if (chance(0.03)) {
        batches.emplace_back();  // a tick: an empty batch that only expires
      } else {
        batches.push_back(gen_batch());
      }
    }
    submit_round(batches);
  }

  void submit_round(const std::vector<std::vector<Transfer>>& batches) {
    std::vector<std::optional<Result<TransferBatchReply>>> replies(batches.size());
    if (batches.size() == 1) {
      replies[0] = svc_->create_transfers(batches[0], "sim");
    } else {
      std::vector<std::thread> threads;
      for (size_t i = 0; i < batches.size(); ++i) {
        threads.emplace_back([&, i] { replies[i] = svc_->create_transfers(batches[i], "sim:" + std::to_string(i)); });
      }
      for (auto& th : threads) th.join();
    }
    faulty_->set_rates(0, 0);  // the checks below must not be disturbed
    std::vector<std::pair<const TransferBatchReply*, size_t>> committed;
    for (size_t i = 0; i < batches.size(); ++i) {
      rep_.ops += static_cast<int64_t>(batches[i].size());
      const auto& r = *replies[i];
      if (!r.ok()) {  // nothing was committed: the client retries later
        ++rep_.aborted_batches;
        retry_queue_.push_back(batches[i]);
        continue;
      }
      if (r->results.size() != batches[i].size()) throw Violation("reply has the wrong number of results");
      committed.emplace_back(&r.value(), i);
      if (chance(p_lost_)) {  // the reply was lost on the way: the client retries later
        ++rep_.lost_replies;
        retry_queue_.push_back(batches[i]);
      }
    }
    std::sort(committed.begin(), committed.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first->commit, a.first->order) < std::tie(b.first->commit, b.first->order);
    });
    for (const auto& [reply, i] : committed) check_reply(*reply, batches[i]);
    check_state(batches);
    for (const auto& b : batches) {
      if (b.empty()) continue;
      sent_.push_back(b);
      if (sent_.size() > 256) sent_.pop_front();
    }
  }

  void check_reply(const TransferBatchReply& reply, const std::vector<Transfer>& batch) {
    if (reply.commit != last_commit_) {
      if (reply.commit < last_commit_) throw Violation("commits out of order");
      if (reply.timestamp <= last_base_) throw Violation("ledger time did not advance between commits");
      model_.begin_commit(reply.timestamp);
      last_commit_ = reply.commit;
      last_base_ = reply.timestamp;
      ++rep_.commits;
    }
    auto want = model_.create_transfers(batch);
    for (size_t k = 0; k < batch.size(); ++k) {
      const auto& got = reply.results[k];
      if (got.result != want[k].result || got.timestamp != want[k].timestamp) {
        throw Violation("event " + std::to_string(k) + " of commit " + std::to_string(reply.commit) + " " +
                        show(batch[k]) + ": ledger replied " + std::string(name(got.result)) + " @" +
                        std::to_string(got.timestamp) + ", model predicts " + std::string(name(want[k].result)) +
                        " @" + std::to_string(want[k].timestamp));
      }
      ++rep_.by_result[static_cast<size_t>(got.result)];
      if (got.result == R::ok) ++rep_.ok;
      else if (got.result == R::exists) ++rep_.exists;
      else ++rep_.rejected;
    }
    // Linked chains: all or nothing.
    size_t i = 0;
    while (i < batch.size()) {
      size_t j = i;
      while (j + 1 < batch.size() && (batch[j].flags & tf::linked)) ++j;
      bool any_ok = false, any_failed = false;
      for (size_t k = i; k <= j; ++k) (succeeded(reply.results[k].result) ? any_ok : any_failed) = true;
      if (any_ok && any_failed) throw Violation("linked chain at event " + std::to_string(i) + " half applied");
      i = j + 1;
    }
  }

  void check_state(const std::vector<std::vector<Transfer>>& batches) {
    // Stored balances equal the model's; totals balance; limits hold.
    auto accts = svc_->lookup_accounts(all_accounts_);
    if (!accts.ok()) throw Violation("lookup_accounts: " + accts.error().message);
    if (accts->size() != all_accounts_.size()) throw Violation("accounts missing");
    std::map<uint32_t, std::array<__int128, 4>> sums;
    for (const Account& a : *accts) {
      const Account& m = model_.accounts().at(a.id);
      if (a.balances != m.balances || a.flags != m.flags) {
        throw Violation("account " + a.id.str() + " differs from the model");
      }
      const Balances& b = a.balances;
      auto& s = sums[a.ledger];
      s[0] += b.debits_pending;
      s[1] += b.debits_posted;
      s[2] += b.credits_pending;
      s[3] += b.credits_posted;
      if (b.debits_pending < 0 || b.debits_posted < 0 || b.credits_pending < 0 || b.credits_posted < 0) {
        throw Violation("negative balance on " + a.id.str());
      }
      if ((a.flags & af::debits_must_not_exceed_credits) &&
          __int128{b.debits_pending} + b.debits_posted > b.credits_posted) {
        throw Violation("account " + a.id.str() + " debits exceed credits");
      }
      if ((a.flags & af::credits_must_not_exceed_debits) &&
          __int128{b.credits_pending} + b.credits_posted > b.debits_posted) {
        throw Violation("account " + a.id.str() + " credits exceed debits");
      }
    }
    for (const auto& [ledger, s] : sums) {
      if (s[0] != s[2] || s[1] != s[3]) throw Violation("ledger " + std::to_string(ledger) + " does not balance");
    }
    // The journal: recompute every balance from the rows, check each row's snapshot.
    for (;;) {
      auto rows = svc_->journal(journal_ts_, 5000);
      if (!rows.ok()) throw Violation("journal: " + rows.error().message);
      if (rows->empty()) break;
      for (const JournalEntry& e : *rows) replay(e);
    }
    for (const Account& a : *accts) {
      if (recomputed_[a.id] != a.balances) throw Violation("balances of " + a.id.str() + " differ from its history");
    }
    // Every event of the step is in the ledger exactly when the model says so.
    std::vector<Id128> ids;
    for (const auto& b : batches) {
      for (const auto& t : b) {
        if (!t.id.is_zero() && !t.id.is_max()) ids.push_back(t.id);
      }
    }
    auto found = svc_->lookup_transfers(ids);
    if (!found.ok()) throw Violation("lookup_transfers: " + found.error().message);
    std::unordered_map<Id128, Transfer> got;
    for (const auto& t : *found) got.emplace(t.id, t);
    for (const auto& id : ids) {
      const Model::Stored* m = model_.find(id);
      auto it = got.find(id);
      if (!m && it != got.end()) throw Violation("transfer " + id.str() + " is stored but the model rejected it");
      if (m && it == got.end()) throw Violation("transfer " + id.str() + " is missing");
      if (m && !(m->t == it->second)) {
        throw Violation("transfer " + id.str() + " stored as " + show(it->second) + ", model " + show(m->t));
      }
    }
  }

  void replay(const JournalEntry& e) {
    const Transfer& t = e.transfer;
    if (t.timestamp <= journal_ts_) throw Violation("journal timestamps not increasing");
    journal_ts_ = t.timestamp;
    Balances& dr = recomputed_[t.debit_account_id];
    Balances& cr = recomputed_[t.credit_account_id];
    switch (e.kind) {
      case EntryKind::single:
        dr.debits_posted += t.amount;
        cr.credits_posted += t.amount;
        break;
      case EntryKind::pending:
        dr.debits_pending += t.amount;
        cr.credits_pending += t.amount;
        pending_amount_[t.id] = t.amount;
        break;
      case EntryKind::post:
      case EntryKind::void_:
      case EntryKind::expire: {
        if (!resolved_.insert(t.pending_id).second) {
          throw Violation("pending " + t.pending_id.str() + " resolved twice");
        }
        auto it = pending_amount_.find(t.pending_id);
        if (it == pending_amount_.end()) throw Violation("resolution of an unknown pending " + t.pending_id.str());
        dr.debits_pending -= it->second;
        cr.credits_pending -= it->second;
        if (e.kind == EntryKind::post) {
          if (t.amount > it->second) throw Violation("posted more than pending");
          dr.debits_posted += t.amount;
          cr.credits_posted += t.amount;
        } else if (t.amount != it->second) {
          throw Violation("void/expiry released a different amount");
        }
        pending_amount_.erase(it);
        break;
      }
    }
    if (dr != e.debit_after || cr != e.credit_after) {
      throw Violation("journal row " + std::to_string(t.timestamp) + " snapshot differs from recomputed balances");
    }
  }

  SimOptions o_;
  std::function<void(const std::string&)> log_;
  std::mt19937_64 rng_;
  core::ManualClock clock_;
  SimReport rep_;
  std::unique_ptr<ScratchDb> scratch_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<FaultyDatabase> faulty_;
  std::unique_ptr<Service> svc_;
  Model model_;

  uint64_t id_hi_ = 0, id_lo_ = 0;
  int max_batch_ = 16, n_limited_ = 4;
  double p_chain_ = 0, p_retry_ = 0, p_bad_ = 0;
  double p_abort_ = 0, p_retryable_ = 0, p_lost_ = 0, p_restart_ = 0, p_drop_ = 0;
  std::vector<LedgerAccounts> ledgers_;
  Id128 big_[2];
  std::vector<Id128> all_accounts_;
  std::vector<Id128> pendings_seen_;
  std::vector<Id128> open_list_;
  std::deque<std::vector<Transfer>> retry_queue_;
  std::deque<std::vector<Transfer>> sent_;

  int64_t last_commit_ = 0, last_base_ = 0;
  int64_t journal_ts_ = 0;
  std::unordered_map<Id128, Balances> recomputed_;
  std::unordered_map<Id128, int64_t> pending_amount_;
  std::unordered_set<Id128> resolved_;
};

}  // namespace

SimReport run_simulation(const SimOptions& o, const std::function<void(const std::string&)>& log) {
  Simulator s(o, log);
  return s.run();
}

std::string summary(const SimReport& r) {
  std::ostringstream os;
  os << "seed " << r.seed << " [" << r.backend << "]: " << r.ops << " ops in " << r.steps << " steps, "
     << r.commits << " commits; ok " << r.ok << ", exists " << r.exists << ", rejected " << r.rejected
     << "; chains " << r.chains << ", expired " << r.expired << "; retried batches " << r.retried_batches
     << ", aborted " << r.aborted_batches << ", lost replies " << r.lost_replies << ", restarts "
     << r.restarts << ", cache drops " << r.cache_drops;
  if (r.seconds > 0) os << "; " << static_cast<int64_t>(r.seconds * 1000) << " ms";
  std::vector<std::pair<int64_t, int>> top;
  for (int i = 2; i < kCreateTransferResultCount; ++i) {
    if (r.by_result[i] && i != static_cast<int>(R::exists)) top.emplace_back(r.by_result[i], i);
  }
  std::sort(top.rbegin(), top.rend());
  if (!top.empty()) os << "\n  top rejections:";
  for (size_t i = 0; i < top.size() && i < 6; ++i) {
    os << " " << name(static_cast<R>(top[i].second)) << "=" << top[i].first;
  }
  if (r.violation) os << "\nVIOLATION " << *r.violation;
  return os.str();
}

std::vector<uint64_t> seeds_from_env(std::vector<uint64_t> fallback) {
  const char* env = std::getenv("RIVERLINK_SIM_SEED");
  if (!env || !*env) return fallback;
  std::vector<uint64_t> out;
  std::stringstream ss(env);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(std::stoull(part));
  }
  return out.empty() ? fallback : out;
}

}  // namespace riverlink::ledger::sim
