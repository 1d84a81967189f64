// Durability: a child process (this test binary, re-executed) commits batches and reports
// each acknowledged one on a pipe; the parent kills it with SIGKILL mid-load, reopens the
// database and checks that every acknowledged transfer is there, the batch in flight is all
// or nothing, and the stored balances equal those recomputed from the journal.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include "ledger/service.hpp"
#include "store/testing.hpp"

using namespace riverlink;
using namespace riverlink::ledger;

namespace {

constexpr int kAccounts = 8;
constexpr int kBatch = 60;

Id128 account_id(int n) { return {0xC0FFEE, static_cast<uint64_t>(n + 1)}; }
Id128 transfer_id(int64_t batch, int k) { return {0xBA7C4, static_cast<uint64_t>(batch * 1000 + k + 1)}; }

// Batch b: 20 single-phase transfers and 20 linked pending+post pairs.
std::vector<Transfer> make_batch(int64_t b) {
  std::vector<Transfer> out;
  for (int k = 0; k < kBatch; ++k) {
    Transfer t;
    t.id = transfer_id(b, k);
    t.ledger = kLedgerCny;
    t.code = 7;
    if (k < 20 || k % 2 == 0) {
      t.debit_account_id = account_id((b + k) % kAccounts);
      t.credit_account_id = account_id((b + k + 1 + k % 3) % kAccounts);
      if (t.debit_account_id == t.credit_account_id) t.credit_account_id = account_id((b + k + 2) % kAccounts);
      t.amount = 1 + (b * 7 + k) % 500;
      if (k >= 20) t.flags = transfer_flags::pending | transfer_flags::linked;
    } else {
      t.pending_id = transfer_id(b, k - 1);
      t.amount = 1;
      t.flags = transfer_flags::post_pending_transfer;
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace

// The child: runs only when re-executed by the parent test below.
TEST(LedgerCrash, ChildLoad) {
  const char* url = std::getenv("RIVERLINK_LEDGER_CRASH_URL");
  const char* fd = std::getenv("RIVERLINK_LEDGER_CRASH_FD");
  if (!url || !fd) GTEST_SKIP() << "helper for AcknowledgedTransfersSurviveKill9";
  auto db = store::Database::open(url);
  core::SystemClock clock;
  Service svc(*db, clock);
  const int out = std::atoi(fd);
  for (int64_t b = 0; b < 100'000; ++b) {
    auto batch = make_batch(b);
    auto r = svc.create_transfers(batch, "crash-child");
    if (!r.ok()) continue;
    for (const auto& x : r->results) {
      if (x.result != CreateTransferResult::ok) std::abort();
    }
    std::string line = std::to_string(b) + "\n";
    if (write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::abort();
  }
}

TEST(LedgerCrash, AcknowledgedTransfersSurviveKill9) {
  store::testdb::TestDb t;
  ASSERT_TRUE(store::migrate(t.db(), all_migrations()).ok());
  core::SystemClock clock;
  {
    Service svc(t.db(), clock);
    std::vector<Account> accounts;
    for (int i = 0; i < kAccounts; ++i) {
      Account a;
      a.id = account_id(i);
      a.ledger = kLedgerCny;
      a.code = 1;
      accounts.push_back(a);
    }
    ASSERT_TRUE(svc.create_accounts(accounts).ok());
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    setenv("RIVERLINK_LEDGER_CRASH_URL", t.url().c_str(), 1);
    setenv("RIVERLINK_LEDGER_CRASH_FD", std::to_string(fds[1]).c_str(), 1);
    execl("/proc/self/exe", "ledger_crash_test", "--gtest_filter=LedgerCrash.ChildLoad", nullptr);
    _exit(127);
  }
  close(fds[1]);
  // Read acknowledgements until enough have arrived, then kill at an arbitrary moment.
  int64_t acked = -1;
  std::string buf;
  char chunk[256];
  const int target = 15 + static_cast<int>(std::chrono::steady_clock::now().time_since_epoch().count() % 15);
  while (acked < target) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    ASSERT_GT(n, 0) << "the child died before reaching the kill point";
    buf.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      acked = std::stoll(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  std::this_thread::sleep_for(std::chrono::microseconds(700 * (target % 7)));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  // Acknowledgements written before the kill but not yet read count too.
  while (true) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      acked = std::stoll(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  close(fds[0]);

  auto db = t.reopen();
  Service svc(*db, clock);
  for (int64_t b = 0; b <= acked + 1; ++b) {
    std::vector<Id128> ids;
    for (int k = 0; k < kBatch; ++k) ids.push_back(transfer_id(b, k));
    auto found = svc.lookup_transfers(ids);
    ASSERT_TRUE(found.ok());
    if (b <= acked) {
      ASSERT_EQ(found->size(), ids.size()) << "acknowledged batch " << b << " lost";
    } else {
      EXPECT_TRUE(found->empty() || found->size() == ids.size()) << "batch in flight half applied";
    }
  }
  // Balances recomputed from the journal equal the stored balances; debits equal credits.
  std::map<Id128, Balances> recomputed;
  std::map<Id128, int64_t> pending;
  int64_t after = 0;
  for (;;) {
    auto rows = svc.journal(after, 10'000);
    ASSERT_TRUE(rows.ok());
    if (rows->empty()) break;
    for (const auto& e : *rows) {
      after = e.transfer.timestamp;
      auto& dr = recomputed[e.transfer.debit_account_id];
      auto& cr = recomputed[e.transfer.credit_account_id];
      if (e.kind == EntryKind::single) {
        dr.debits_posted += e.transfer.amount;
        cr.credits_posted += e.transfer.amount;
      } else if (e.kind == EntryKind::pending) {
        dr.debits_pending += e.transfer.amount;
        cr.credits_pending += e.transfer.amount;
        pending[e.transfer.id] = e.transfer.amount;
      } else {
        dr.debits_pending -= pending.at(e.transfer.pending_id);
        cr.credits_pending -= pending.at(e.transfer.pending_id);
        if (e.kind == EntryKind::post) {
          dr.debits_posted += e.transfer.amount;
          cr.credits_posted += e.transfer.amount;
        }
      }
      ASSERT_EQ(dr, e.debit_after);
      ASSERT_EQ(cr, e.credit_after);
    }
  }
  std::vector<Id128> ids;
  for (int i = 0; i < kAccounts; ++i) ids.push_back(account_id(i));
  auto accounts = svc.lookup_accounts(ids);
  ASSERT_TRUE(accounts.ok());
  Balances sum;
  for (const auto& a : *accounts) {
    EXPECT_EQ(a.balances, recomputed[a.id]);
    sum.debits_pending += a.balances.debits_pending;
    sum.debits_posted += a.balances.debits_posted;
    sum.credits_pending += a.balances.credits_pending;
    sum.credits_posted += a.balances.credits_posted;
  }
  EXPECT_EQ(sum.debits_posted, sum.credits_posted);
  EXPECT_EQ(sum.debits_pending, sum.credits_pending);
  // The restarted ledger keeps working and still knows every acknowledged id.
  auto replay = svc.create_transfers(make_batch(0));
  ASSERT_TRUE(replay.ok());
  for (const auto& x : replay->results) EXPECT_EQ(x.result, CreateTransferResult::exists);
  std::cout << "killed after " << acked + 1 << " acknowledged batches of " << kBatch << "\n";
}
