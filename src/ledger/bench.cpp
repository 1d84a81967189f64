#include "ledger/bench.hpp"

#include <atomic>
#include <chrono>
#include <iomanip>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ledger/scratch.hpp"
#include "ledger/service.hpp"

namespace riverlink::ledger {
namespace {

using Clock = std::chrono::steady_clock;

Id128 account_id(int i) { return {0xACC0000000000000ULL, static_cast<uint64_t>(i + 1)}; }

class Workload {
 public:
  explicit Workload(int accounts, uint64_t seed) : n_(accounts), rng_(seed) {}
  Transfer next(uint64_t id) {
    Transfer t;
    t.id = {0x0190000000000000ULL | (seed_tag_ << 32), id};
    int dr = static_cast<int>(rng_() % n_);
    int cr = static_cast<int>(rng_() % (n_ - 1));
    if (cr >= dr) ++cr;
    t.debit_account_id = account_id(dr);
    t.credit_account_id = account_id(cr);
    t.amount = 1 + static_cast<int64_t>(rng_() % 1000);
    t.ledger = kLedgerCny;
    t.code = 1;
    return t;
  }
  uint64_t seed_tag_ = 1;

 private:
  int n_;
  std::mt19937_64 rng_;
};

void create_accounts(Service& svc, int n) {
  std::vector<Account> batch;
  for (int i = 0; i < n; ++i) {
    Account a;
    a.id = account_id(i);
    a.ledger = kLedgerCny;
    a.code = 1001;
    // Every tenth account is limited and pre-funded, so the limit check runs on real data.
    if (i % 10 == 0) a.flags = account_flags::debits_must_not_exceed_credits;
    batch.push_back(a);
    if (batch.size() == 5000 || i + 1 == n) {
      auto r = svc.create_accounts(batch, "bench");
      if (!r.ok()) throw std::runtime_error("create_accounts: " + r.error().message);
      batch.clear();
    }
  }
  std::vector<Transfer> funding;
  uint64_t id = 1;
  for (int i = 0; i < n; i += 10) {
    Transfer t;
    t.id = {0xF0D, id++};
    t.debit_account_id = account_id(i + 1 < n ? i + 1 : 1);
    t.credit_account_id = account_id(i);
    t.amount = int64_t{1} << 40;
    t.ledger = kLedgerCny;
    t.code = 1;
    funding.push_back(t);
    if (funding.size() == 1000 || i + 10 >= n) {
      auto r = svc.create_transfers(funding, "bench");
      if (!r.ok()) throw std::runtime_error("funding: " + r.error().message);
      funding.clear();
    }
  }
}

BenchCase run_batches(Service& svc, Workload& w, uint64_t& next_id, int batch, int64_t cap, double secs) {
  BenchCase c;
  c.name = "batch " + std::to_string(batch);
  c.batch = batch;
  std::vector<Transfer> events(static_cast<size_t>(batch));
  auto t0 = Clock::now();
  while (c.transfers < cap) {
    for (auto& e : events) e = w.next(next_id++);
    auto r = svc.create_transfers(events, "bench");
    if (!r.ok()) throw std::runtime_error("create_transfers: " + r.error().message);
    for (const auto& x : r->results) {
      if (x.result != CreateTransferResult::ok) {
        throw std::runtime_error("unexpected result " + std::string(name(x.result)));
      }
    }
    c.transfers += batch;
    if (std::chrono::duration<double>(Clock::now() - t0).count() > secs) break;
  }
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

BenchCase run_concurrent(Service& svc, int accounts, uint64_t& next_id, int threads, double secs) {
  BenchCase c;
  c.name = "batch 1 x " + std::to_string(threads) + " threads";
  c.batch = 1;
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  const uint64_t base = next_id;
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int th = 0; th < threads; ++th) {
    pool.emplace_back([&, th] {
      Workload w(accounts, 100 + th);
      w.seed_tag_ = 2 + static_cast<uint64_t>(th);
      uint64_t id = base;
      while (!stop) {
        Transfer t = w.next(id++);
        auto r = svc.create_transfers(std::span<const Transfer>(&t, 1), "bench");
        if (!r.ok() || r->results[0].result != CreateTransferResult::ok) {
          failed = true;
          return;
        }
        ++done;
      }
    });
  }
  while (std::chrono::duration<double>(Clock::now() - t0).count() < secs && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : pool) t.join();
  if (failed) throw std::runtime_error("concurrent case failed");
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  c.transfers = done;
  next_id += static_cast<uint64_t>(done.load()) + 1;
  return c;
}

// The naive design: per transfer, one transaction that reads both balance rows, checks the
// limit in the application and updates them, plus the transfer row.
BenchCase run_naive(store::Database& db, int accounts, double secs, int64_t cap) {
  {
    auto tx = db.begin(store::TxKind::write);
    tx->exec_script(
        "CREATE TABLE naive_accounts (id TEXT PRIMARY KEY, flags BIGINT NOT NULL, debits BIGINT NOT NULL,"
        " credits BIGINT NOT NULL);"
        "CREATE TABLE naive_transfers (id TEXT PRIMARY KEY, debit_id TEXT NOT NULL, credit_id TEXT NOT NULL,"
        " amount BIGINT NOT NULL, ts BIGINT NOT NULL)");
    for (int i = 0; i < accounts; ++i) {
      tx->exec("INSERT INTO naive_accounts (id, flags, debits, credits) VALUES (?, ?, 0, ?)",
               {account_id(i).str(), int64_t{i % 10 == 0 ? 1 : 0}, int64_t{1} << 40});
    }
    tx->commit();
  }
  BenchCase c;
  c.name = "naive (1 tx per transfer)";
  c.batch = 1;
  Workload w(accounts, 7);
  uint64_t id = 1;
  auto t0 = Clock::now();
  while (c.transfers < cap) {
    Transfer t = w.next(id++);
    auto r = store::transact(db, store::TxKind::write, [&](store::Tx& tx) -> Status {
      auto dr = tx.query_one("SELECT flags, debits, credits FROM naive_accounts WHERE id = ?",
                             {t.debit_account_id.str()});
      auto cr = tx.query_one("SELECT flags, debits, credits FROM naive_accounts WHERE id = ?",
                             {t.credit_account_id.str()});
      if (!dr || !cr) return Error::make(ErrorKind::not_found, "naive.account", "missing account");
      if (dr->i64(0) && dr->i64(1) + t.amount > dr->i64(2)) {
        return Error::make(ErrorKind::conflict, "naive.exceeds", "exceeds credits");
      }
      tx.exec("INSERT INTO naive_transfers (id, debit_id, credit_id, amount, ts) VALUES (?, ?, ?, ?, ?)",
              {t.id.str(), t.debit_account_id.str(), t.credit_account_id.str(), t.amount, c.transfers});
      tx.exec("UPDATE naive_accounts SET debits = debits + ? WHERE id = ?", {t.amount, t.debit_account_id.str()});
      tx.exec("UPDATE naive_accounts SET credits = credits + ? WHERE id = ?", {t.amount, t.credit_account_id.str()});
      return ok_status();
    });
    if (!r.ok()) throw std::runtime_error("naive: " + r.error().message);
    ++c.transfers;
    if (std::chrono::duration<double>(Clock::now() - t0).count() > secs) break;
  }
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

}  // namespace

BenchReport run_bench(const BenchOptions& o, const std::function<void(const BenchCase&)>& progress) {
  BenchReport rep;
  ScratchDb scratch(o.db_url);
  auto db = store::Database::open(scratch.url());
  rep.backend = std::string(store::backend_name(db->backend()));
  core::SystemClock clock;
  Service svc(*db, clock);
  create_accounts(svc, o.accounts);
  Workload w(o.accounts, 42);
  uint64_t next_id = 1;
  auto add = [&](BenchCase c) {
    if (progress) progress(c);
    rep.cases.push_back(std::move(c));
  };
  for (int b : o.batches) {
    // Warm up (statement caches, account cache), then measure.
    run_batches(svc, w, next_id, b, b, 1.0);
    add(run_batches(svc, w, next_id, b, o.transfers_per_batch_size, o.seconds_per_case));
  }
  if (o.concurrent_threads > 1) add(run_concurrent(svc, o.accounts, next_id, o.concurrent_threads, o.seconds_per_case));
  add(run_naive(*db, o.accounts, o.seconds_per_case, o.transfers_per_batch_size));
  return rep;
}

std::string format_report(const BenchReport& r) {
  std::ostringstream os;
  const BenchCase* naive = nullptr;
  for (const auto& c : r.cases) {
    if (c.name.rfind("naive", 0) == 0) naive = &c;
  }
  os << "ledger benchmark on " << r.backend << " (durable commits)\n";
  os << std::left << std::setw(28) << "case" << std::right << std::setw(12) << "transfers" << std::setw(10)
     << "seconds" << std::setw(16) << "transfers/s" << std::setw(12) << "vs naive" << "\n";
  for (const auto& c : r.cases) {
    os << std::left << std::setw(28) << c.name << std::right << std::setw(12) << c.transfers << std::setw(10)
       << std::fixed << std::setprecision(2) << c.seconds << std::setw(16) << std::setprecision(0)
       << c.per_second();
    if (naive && naive->per_second() > 0) {
      os << std::setw(11) << std::setprecision(1) << c.per_second() / naive->per_second() << "x";
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace riverlink::ledger
