#include "ledger/service.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "audit/audit.hpp"
#include "ledger/engine.hpp"

namespace riverlink::ledger {

using detail::AccountJob;
using detail::TransferJob;

std::vector<store::Migration> all_migrations() {
  auto m = audit::migrations();
  auto l = migrations();
  m.insert(m.end(), l.begin(), l.end());
  return m;
}

int64_t to_ledger_ns(core::TimePoint t) { return core::to_unix_ms(t) * 1'000'000; }

std::string format_ledger_ts(int64_t ns) {
  int64_t ms = ns / 1'000'000;
  if (ns < 0 && ns % 1'000'000 != 0) --ms;
  return core::format_utc(core::from_unix_ms(ms));
}

namespace {

Error not_found_account(const Id128& id) {
  return Error::make(ErrorKind::not_found, "ledger.account_not_found",
                     "no ledger account " + id.str());
}

template <class F>
auto read(store::Database& db, F&& f) -> decltype(f(std::declval<store::Tx&>())) {
  try {
    return store::transact(db, store::TxKind::read, std::forward<F>(f));
  } catch (const std::exception& e) {
    return Error::make(ErrorKind::internal, "ledger.query_failed", e.what());
  }
}

// "320000" -> "32", "320500" -> "3205", "320506" -> "320506" (GB/T 2260 levels).
std::optional<std::string> division_prefix(const std::string& code) {
  if (code.size() != 6 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::string p = code;
  while (p.size() > 2 && p.substr(p.size() - 2) == "00") p.resize(p.size() - 2);
  return p;
}

constexpr const char* kJournalCols =
    ", t.dr_debits_pending, t.dr_debits_posted, t.dr_credits_pending, t.dr_credits_posted,"
    " t.cr_debits_pending, t.cr_debits_posted, t.cr_credits_pending, t.cr_credits_posted,"
    " t.audit_seq";

}  // namespace

struct Service::Impl {
  struct Job {
    TransferJob* transfers = nullptr;
    AccountJob* accounts = nullptr;
    std::optional<Error> error;
    bool done = false;
    size_t size() const { return transfers ? transfers->events.size() : accounts->events.size(); }
  };

  Impl(store::Database& d, const core::Clock& c, Options o)
      : db(d), clock(c), opts(o), engine(opts) {}

  store::Database& db;
  const core::Clock& clock;
  Options opts;
  detail::Engine engine;  // guarded by the leader role

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job*> queue;  // guarded by mu
  bool leader = false;     // guarded by mu

  // Leader/follower group commit: the first waiting thread without a leader takes the
  // queued transfer batches (up to max_group_events) and commits them in one transaction.
  void submit(Job& job) {
    std::unique_lock lk(mu);
    queue.push_back(&job);
    while (!job.done) {
      if (leader) {
        cv.wait(lk);
        continue;
      }
      leader = true;
      std::vector<Job*> group;
      size_t events = 0;
      while (!queue.empty()) {
        Job* next = queue.front();
        if (!group.empty() && (next->accounts || group.front()->accounts ||
                               events + next->size() > opts.max_group_events)) {
          break;
        }
        group.push_back(next);
        events += next->size();
        queue.pop_front();
      }
      lk.unlock();
      run(group);
      lk.lock();
      for (Job* j : group) j->done = true;
      leader = false;
      cv.notify_all();
    }
  }

  void run(const std::vector<Job*>& group) {
    std::vector<TransferJob*> tjobs;
    for (Job* j : group) {
      if (j->transfers) tjobs.push_back(j->transfers);
    }
    for (int attempt = 1;; ++attempt) {
      try {
        auto tx = db.begin(store::TxKind::write);
        tx->lock("ledger");
        if (group.front()->accounts) {
          engine.execute_accounts(*tx, *group.front()->accounts, clock.now());
        } else {
          engine.execute_transfers(*tx, tjobs, clock.now());
        }
        tx->commit();
        engine.publish();
        return;
      } catch (const store::DbError& e) {
        engine.discard();
        if (e.kind() == store::DbError::Kind::retryable && attempt < opts.max_attempts) continue;
        for (Job* j : group) j->error = store::db_error_to_error(e);
        return;
      } catch (const std::exception& e) {
        engine.discard();
        for (Job* j : group) {
          j->error = Error::make(ErrorKind::internal, "ledger.commit_failed", e.what());
        }
        return;
      }
    }
  }
};

Service::Service(store::Database& db, const core::Clock& clock, Options opts)
    : impl_(std::make_unique<Impl>(db, clock, opts)) {}
Service::~Service() = default;

store::Database& Service::db() { return impl_->db; }
const core::Clock& Service::clock() const { return impl_->clock; }

void Service::drop_cache() {
  // Take the leader role so that no commit is running.
  std::unique_lock lk(impl_->mu);
  impl_->cv.wait(lk, [&] { return !impl_->leader; });
  impl_->engine.drop_cache();
}

Result<AccountBatchReply> Service::create_accounts(std::span<const Account> batch,
                                                   std::string_view actor) {
  if (batch.size() > impl_->opts.max_batch_events) {
    return Error::make(ErrorKind::invalid, "ledger.batch_too_large",
                       "at most " + std::to_string(impl_->opts.max_batch_events) + " accounts per batch");
  }
  AccountJob job{batch, std::string(actor), {}};
  Impl::Job j;
  j.accounts = &job;
  impl_->submit(j);
  if (j.error) return *j.error;
  return std::move(job.reply);
}

Result<TransferBatchReply> Service::create_transfers(std::span<const Transfer> batch,
                                                     std::string_view actor) {
  if (batch.size() > impl_->opts.max_batch_events) {
    return Error::make(ErrorKind::invalid, "ledger.batch_too_large",
                       "at most " + std::to_string(impl_->opts.max_batch_events) + " transfers per batch");
  }
  TransferJob job{batch, std::string(actor), {}};
  Impl::Job j;
  j.transfers = &job;
  impl_->submit(j);
  if (j.error) return *j.error;
  return std::move(job.reply);
}

Result<TransferBatchReply> Service::tick() { return create_transfers({}, "system:ledger"); }

Result<std::vector<Account>> Service::lookup_accounts(std::span<const Id128> ids) {
  return read(impl_->db, [&](store::Tx& tx) -> Result<std::vector<Account>> {
    std::vector<Id128> keys(ids.begin(), ids.end());
    std::unordered_map<Id128, Account> found;
    std::string head = std::string("SELECT ") + detail::kAccountCols + " FROM ledger_accounts WHERE id IN (";
    for (size_t i = 0; i < keys.size(); i += 256) {
      size_t n = std::min<size_t>(256, keys.size() - i);
      store::Params p;
      for (size_t k = 0; k < n; ++k) p.push(keys[i + k].str());
      for (const auto& r : tx.query(head + detail::placeholders(n) + ")", p)) {
        Account a = detail::account_from_row(r);
        found.emplace(a.id, std::move(a));
      }
    }
    std::vector<Account> out;
    for (const auto& id : ids) {
      if (auto it = found.find(id); it != found.end()) out.push_back(it->second);
    }
    return out;
  });
}

Result<std::vector<Transfer>> Service::lookup_transfers(std::span<const Id128> ids) {
  return read(impl_->db, [&](store::Tx& tx) -> Result<std::vector<Transfer>> {
    std::unordered_map<Id128, Transfer> found;
    std::string head = std::string("SELECT ") + detail::kTransferCols + detail::kTransferFrom +
                       " WHERE t.id IN (";
    for (size_t i = 0; i < ids.size(); i += 256) {
      size_t n = std::min<size_t>(256, ids.size() - i);
      store::Params p;
      for (size_t k = 0; k < n; ++k) p.push(ids[i + k].str());
      for (const auto& r : tx.query(head + detail::placeholders(n) + ")", p)) {
        auto s = detail::transfer_from_row(r);
        found.emplace(s.t.id, s.t);
      }
    }
    std::vector<Transfer> out;
    for (const auto& id : ids) {
      if (auto it = found.find(id); it != found.end()) out.push_back(it->second);
    }
    return out;
  });
}

Result<AccountPage> Service::list_accounts(const AccountFilter& f) {
  if (f.limit < 1 || f.limit > 500) {
    return Error::field("ledger.invalid_limit", "limit", "limit must be between 1 and 500");
  }
  std::string sql = std::string("SELECT ") + detail::kAccountCols + " FROM ledger_accounts WHERE no > ?";
  store::Params p;
  p.push(f.cursor.value_or(0));
  if (f.ledger) {
    sql += " AND ledger = ?";
    p.push(int64_t{*f.ledger});
  }
  if (f.code) {
    sql += " AND code = ?";
    p.push(int64_t{*f.code});
  }
  if (f.owner) {
    sql += " AND owner = ?";
    p.push(*f.owner);
  }
  if (f.division_scope) {
    auto prefix = division_prefix(*f.division_scope);
    if (!prefix) {
      return Error::field("ledger.invalid_division", "division", "a division is a 6-digit GB/T 2260 code");
    }
    if (prefix->size() == 6) {
      sql += " AND division_code = ?";
      p.push(*prefix);
    } else {
      sql += " AND division_code LIKE ?";
      p.push(*prefix + "%");
    }
  }
  sql += " ORDER BY no LIMIT ?";
  p.push(int64_t{f.limit + 1});
  return read(impl_->db, [&](store::Tx& tx) -> Result<AccountPage> {
    AccountPage page;
    int64_t last_no = 0;
    for (const auto& r : tx.query(sql, p)) {
      if (static_cast<int>(page.items.size()) == f.limit) {
        page.next_cursor = last_no;
        break;
      }
      page.items.push_back(detail::account_from_row(r, &last_no));
    }
    return page;
  });
}

Result<BalanceView> Service::balances(Id128 account, std::optional<int64_t> as_of_ns) {
  return read(impl_->db, [&](store::Tx& tx) -> Result<BalanceView> {
    auto row = tx.query_one(std::string("SELECT ") + detail::kAccountCols +
                                " FROM ledger_accounts WHERE id = ?",
                            {account.str()});
    if (!row) return not_found_account(account);
    int64_t no = 0;
    BalanceView v;
    v.account = detail::account_from_row(*row, &no);
    auto last = [&](const char* side, int64_t upto) -> std::optional<store::Row> {
      std::string s = side;
      return tx.query_one("SELECT ts, " + s + "_debits_pending, " + s + "_debits_posted, " + s +
                              "_credits_pending, " + s + "_credits_posted FROM ledger_transfers WHERE " +
                              (s == "dr" ? "debit_no" : "credit_no") +
                              " = ? AND ts <= ? ORDER BY ts DESC LIMIT 1",
                          {no, upto});
    };
    const int64_t upto = as_of_ns.value_or(INT64_MAX);
    auto d = last("dr", upto);
    auto c = last("cr", upto);
    const store::Row* latest = nullptr;
    if (d && (!c || d->i64(0) > c->i64(0))) latest = &*d;
    else if (c) latest = &*c;
    v.last_change = latest ? latest->i64(0) : 0;
    if (as_of_ns) {
      v.as_of = *as_of_ns;
      v.account.balances = latest ? Balances{latest->i64(1), latest->i64(2), latest->i64(3), latest->i64(4)}
                                  : Balances{};
    }
    return v;
  });
}

Result<HistoryPage> Service::history(Id128 account, const HistoryQuery& q) {
  if (q.limit < 1 || q.limit > 1000) {
    return Error::field("ledger.invalid_limit", "limit", "limit must be between 1 and 1000");
  }
  int64_t lo = q.from_ts.value_or(INT64_MIN);
  int64_t hi = q.to_ts.value_or(INT64_MAX);
  if (q.cursor) {
    if (q.descending) hi = std::min(hi, *q.cursor - 1);
    else lo = std::max(lo, *q.cursor + 1);
  }
  const char* dir = q.descending ? "DESC" : "ASC";
  const std::string cols =
      "t.ts, t.id, t.kind, t.amount, t.pending_id, t.user_data_128, t.user_data_64, t.user_data_32,"
      " t.ledger, t.code, t.flags";
  auto part = [&](bool debit) {
    std::string side = debit ? "dr" : "cr";
    return std::string("SELECT * FROM (SELECT ") + cols + ", " + (debit ? "1" : "0") +
           " AS side, " + (debit ? "t.credit_no" : "t.debit_no") + " AS other_no, t." + side +
           "_debits_pending AS b_dp, t." + side + "_debits_posted AS b_dpo, t." + side +
           "_credits_pending AS b_cp, t." + side + "_credits_posted AS b_cpo" +
           " FROM ledger_transfers t WHERE t." + (debit ? "debit_no" : "credit_no") +
           " = ? AND t.ts >= ? AND t.ts <= ? ORDER BY t.ts " + dir + " LIMIT ?) " + (debit ? "d" : "c");
  };
  const std::string sql =
      "SELECT u.ts, u.id, u.kind, u.amount, u.pending_id, u.user_data_128, u.user_data_64,"
      " u.user_data_32, u.ledger, u.code, u.flags, u.side, a.id, u.b_dp, u.b_dpo, u.b_cp, u.b_cpo"
      " FROM (" + part(true) + " UNION ALL " + part(false) +
      ") u JOIN ledger_accounts a ON a.no = u.other_no ORDER BY u.ts " + dir + " LIMIT ?";
  return read(impl_->db, [&](store::Tx& tx) -> Result<HistoryPage> {
    auto acc = tx.query_one("SELECT no FROM ledger_accounts WHERE id = ?", {account.str()});
    if (!acc) return not_found_account(account);
    const int64_t no = acc->i64(0);
    const int64_t n = q.limit + 1;
    HistoryPage page;
    for (const auto& r : tx.query(sql, {no, lo, hi, n, no, lo, hi, n, n})) {
      if (static_cast<int>(page.items.size()) == q.limit) {
        page.next_cursor = page.items.back().timestamp;
        break;
      }
      HistoryEntry e;
      e.timestamp = r.i64(0);
      e.transfer_id = detail::id_from(r, 1);
      e.kind = static_cast<EntryKind>(r.i64(2));
      e.amount = r.i64(3);
      e.pending_id = detail::id_from(r, 4);
      e.user_data_128 = detail::id_from(r, 5);
      e.user_data_64 = r.i64(6);
      e.user_data_32 = static_cast<uint32_t>(r.i64(7));
      e.ledger = static_cast<uint32_t>(r.i64(8));
      e.code = static_cast<uint16_t>(r.i64(9));
      e.flags = static_cast<uint16_t>(r.i64(10));
      e.debit = r.i64(11) == 1;
      e.counterparty = detail::id_from(r, 12);
      e.balances_after = {r.i64(13), r.i64(14), r.i64(15), r.i64(16)};
      page.items.push_back(e);
    }
    return page;
  });
}

namespace {
void csv_id(std::string& out, const Id128& id) {
  if (!id.is_zero()) out += id.str();
}
}  // namespace

Result<std::string> Service::statement_csv(Id128 account, std::optional<int64_t> from_ts,
                                           std::optional<int64_t> to_ts) {
  std::string out =
      "ledger_ts,time_utc,kind,transfer_id,pending_id,side,counterparty,amount,ledger,code,"
      "debits_pending,debits_posted,credits_pending,credits_posted\n";
  HistoryQuery q;
  q.from_ts = from_ts;
  q.to_ts = to_ts;
  q.limit = 1000;
  int rows = 0;
  for (;;) {
    auto page = history(account, q);
    if (!page.ok()) return page.error();
    for (const auto& e : page->items) {
      if (++rows > kMaxStatementRows) {
        return Error::make(ErrorKind::invalid, "ledger.statement_too_large",
                           "more than " + std::to_string(kMaxStatementRows) +
                               " rows: narrow the time window (from, to)");
      }
      out += std::to_string(e.timestamp) + "," + format_ledger_ts(e.timestamp) + "," +
             std::string(name(e.kind)) + ",";
      csv_id(out, e.transfer_id);
      out += ",";
      csv_id(out, e.pending_id);
      out += std::string(",") + (e.debit ? "debit" : "credit") + ",";
      csv_id(out, e.counterparty);
      const Balances& b = e.balances_after;
      out += "," + std::to_string(e.amount) + "," + std::to_string(e.ledger) + "," +
             std::to_string(e.code) + "," + std::to_string(b.debits_pending) + "," +
             std::to_string(b.debits_posted) + "," + std::to_string(b.credits_pending) + "," +
             std::to_string(b.credits_posted) + "\n";
    }
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  return out;
}

Result<std::vector<JournalEntry>> Service::journal(int64_t after_ts, int limit) {
  if (limit < 1 || limit > 100'000) {
    return Error::field("ledger.invalid_limit", "limit", "limit must be between 1 and 100000");
  }
  return read(impl_->db, [&](store::Tx& tx) -> Result<std::vector<JournalEntry>> {
    std::vector<JournalEntry> out;
    auto rows = tx.query(std::string("SELECT ") + detail::kTransferCols + kJournalCols +
                             detail::kTransferFrom + " WHERE t.ts > ? ORDER BY t.ts LIMIT ?",
                         {after_ts, int64_t{limit}});
    out.reserve(rows.size());
    for (const auto& r : rows) {
      auto s = detail::transfer_from_row(r);
      JournalEntry e;
      e.kind = s.kind;
      e.transfer = s.t;
      e.expires_at = s.expires_at;
      e.debit_after = {r.i64(17), r.i64(18), r.i64(19), r.i64(20)};
      e.credit_after = {r.i64(21), r.i64(22), r.i64(23), r.i64(24)};
      e.audit_seq = r.i64(25);
      out.push_back(e);
    }
    return out;
  });
}

}  // namespace riverlink::ledger
