// Ledger semantics on both store backends: accounts, single-phase and two-phase transfers,
// linked chains, idempotency, bad input, limits, queries, restarts and group commit.
#include <gtest/gtest.h>

#include <thread>

#include "audit/audit.hpp"
#include "ledger/service.hpp"
#include "store/testing.hpp"

using namespace riverlink;
using namespace riverlink::ledger;
using R = CreateTransferResult;
using AR = CreateAccountResult;
namespace tf = transfer_flags;
namespace af = account_flags;

namespace riverlink::ledger {
void PrintTo(CreateTransferResult r, std::ostream* os) { *os << name(r); }
void PrintTo(CreateAccountResult r, std::ostream* os) { *os << name(r); }
void PrintTo(const Balances& b, std::ostream* os) {
  *os << "{dp=" << b.debits_pending << " dpo=" << b.debits_posted << " cp=" << b.credits_pending
      << " cpo=" << b.credits_posted << "}";
}
}  // namespace riverlink::ledger

namespace {

Id128 id(uint64_t n) { return {0x0190000000000000ULL, n}; }

struct LedgerTest : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::from_unix_ms(1795766400000)};
  std::unique_ptr<Service> svc;

  void SetUp() override {
    auto m = store::migrate(t.db(), all_migrations());
    ASSERT_TRUE(m.ok()) << m.error().message;
    svc = std::make_unique<Service>(t.db(), clock);
  }

  static Account account(uint64_t n, uint16_t flags = 0, uint32_t ledger = kLedgerCny) {
    Account a;
    a.id = id(n);
    a.ledger = ledger;
    a.code = 1001;
    a.flags = flags;
    a.owner = "enterprise:" + std::to_string(n);
    a.division_code = n % 2 ? "320506" : "330100";
    return a;
  }
  static Transfer transfer(uint64_t n, uint64_t dr, uint64_t cr, int64_t amount, uint16_t flags = 0,
                           uint32_t ledger = kLedgerCny) {
    Transfer x;
    x.id = id(n);
    x.debit_account_id = id(dr);
    x.credit_account_id = id(cr);
    x.amount = amount;
    x.ledger = ledger;
    x.code = 1;
    x.flags = flags;
    return x;
  }
  static Transfer resolve(uint64_t n, uint64_t pending, int64_t amount, bool post) {
    Transfer x;
    x.id = id(n);
    x.pending_id = id(pending);
    x.amount = amount;
    x.flags = post ? tf::post_pending_transfer : tf::void_pending_transfer;
    return x;
  }

  void accounts(std::vector<Account> as) {
    auto r = svc->create_accounts(as);
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (size_t i = 0; i < as.size(); ++i) ASSERT_EQ(r->results[i], AR::ok) << name(r->results[i]);
  }
  std::vector<R> submit(std::vector<Transfer> xs) {
    auto r = svc->create_transfers(xs);
    EXPECT_TRUE(r.ok()) << r.error().message;
    std::vector<R> out;
    if (r.ok()) {
      for (const auto& x : r->results) out.push_back(x.result);
    }
    return out;
  }
  R one(const Transfer& x) {
    auto v = submit({x});
    return v.empty() ? R::linked_event_failed : v[0];
  }
  Balances bal(uint64_t n) {
    Id128 ids[] = {id(n)};
    auto r = svc->lookup_accounts(ids);
    EXPECT_TRUE(r.ok() && r->size() == 1);
    return r.ok() && r->size() == 1 ? r->front().balances : Balances{};
  }
  // Funds account n with `amount` from account 1 (an unconstrained source).
  void fund(uint64_t tid, uint64_t n, int64_t amount) {
    ASSERT_EQ(one(transfer(tid, 1, n, amount)), R::ok);
  }
};

}  // namespace

TEST_F(LedgerTest, AccountsAreCreatedOnceAndComparedOnRetry) {
  accounts({account(1), account(2, af::debits_must_not_exceed_credits)});
  auto again = svc->create_accounts(std::vector<Account>{account(1)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->results[0], AR::exists);
  Account changed = account(2);
  auto diff = svc->create_accounts(std::vector<Account>{changed});
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->results[0], AR::exists_with_different_flags);

  Account bad = account(3);
  bad.flags = af::debits_must_not_exceed_credits | af::credits_must_not_exceed_debits;
  Account zero_ledger = account(4, 0, 0);
  Account bad_div = account(5);
  bad_div.division_code = "32A";
  Account with_balance = account(6);
  with_balance.balances.credits_posted = 1;
  auto r = svc->create_accounts(std::vector<Account>{bad, zero_ledger, bad_div, with_balance, Account{}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->results, (std::vector<AR>{AR::flags_are_mutually_exclusive, AR::ledger_must_not_be_zero,
                                         AR::division_code_invalid, AR::credits_posted_must_be_zero,
                                         AR::id_must_not_be_zero}));

  // A linked chain of accounts is all or nothing.
  Account l1 = account(7, af::linked);
  auto chain = svc->create_accounts(std::vector<Account>{l1, account(8, 0, 0)});
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(chain->results, (std::vector<AR>{AR::linked_event_failed, AR::ledger_must_not_be_zero}));
  Id128 ids[] = {id(7)};
  EXPECT_TRUE(svc->lookup_accounts(ids)->empty());
}

TEST_F(LedgerTest, SinglePhaseTransfersMoveBalancesAndStayBalanced) {
  accounts({account(1), account(2), account(3)});
  EXPECT_EQ(submit({transfer(10, 1, 2, 500), transfer(11, 2, 3, 200)}), (std::vector<R>{R::ok, R::ok}));
  EXPECT_EQ(bal(1), (Balances{0, 500, 0, 0}));
  EXPECT_EQ(bal(2), (Balances{0, 200, 0, 500}));
  EXPECT_EQ(bal(3), (Balances{0, 0, 0, 200}));
  Id128 ids[] = {id(10), id(11), id(99)};
  auto found = svc->lookup_transfers(ids);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].amount, 500);
  EXPECT_LT((*found)[0].timestamp, (*found)[1].timestamp);
}

TEST_F(LedgerTest, BadInputGetsItsOwnCodeAndLeavesTheLedgerUnchanged) {
  accounts({account(1), account(2), account(3, 0, kLedgerQuota), account(4, 0, kLedgerQuota),
            account(5), account(6)});
  fund(5, 2, 100);
  auto before1 = bal(1), before2 = bal(2);
  Transfer ts_set = transfer(20, 1, 2, 1);
  ts_set.timestamp = 5;
  Transfer reserved = transfer(21, 1, 2, 1, 1 << 12);
  Transfer same = transfer(22, 1, 1, 1);
  Transfer wrong_ledger = transfer(23, 1, 2, 1, 0, kLedgerQuota);
  Transfer no_code = transfer(24, 1, 2, 1);
  no_code.code = 0;
  Transfer timeout_single = transfer(25, 1, 2, 1);
  timeout_single.timeout_s = 5;
  Transfer zero_id = transfer(0, 1, 2, 1);
  zero_id.id = Id128{};
  Transfer max_id = transfer(0, 1, 2, 1);
  max_id.id = Id128::max();
  Transfer post_without_pending = resolve(27, 0, 1, true);
  post_without_pending.pending_id = Id128{};
  EXPECT_EQ(submit({transfer(10, 1, 2, 0), transfer(11, 1, 2, -5), transfer(12, 1, 77, 1),
                    transfer(13, 77, 1, 1), transfer(14, 1, 3, 1), ts_set, reserved, same,
                    wrong_ledger, no_code, timeout_single, zero_id, max_id,
                    transfer(26, 1, 2, INT64_MAX), post_without_pending,
                    transfer(28, 1, 2, 1, tf::pending | tf::post_pending_transfer)}),
            (std::vector<R>{R::amount_must_not_be_zero, R::amount_must_not_be_negative,
                            R::credit_account_not_found, R::debit_account_not_found,
                            R::accounts_must_have_the_same_ledger, R::timestamp_must_be_zero,
                            R::reserved_flag, R::accounts_must_be_different,
                            R::transfer_must_have_the_same_ledger_as_accounts,
                            R::code_must_not_be_zero, R::timeout_reserved_for_pending_transfer,
                            R::id_must_not_be_zero, R::id_must_not_be_int_max,
                            R::overflows_debits_posted, R::pending_id_must_not_be_zero,
                            R::flags_are_mutually_exclusive}));
  EXPECT_EQ(bal(1), before1);
  EXPECT_EQ(bal(2), before2);
  // Overflow past int64 on the credit side, and of debits pending + posted.
  EXPECT_EQ(one(transfer(30, 5, 6, INT64_MAX - 200)), R::ok);
  EXPECT_EQ(one(transfer(31, 1, 6, 300)), R::overflows_credits_posted);
  EXPECT_EQ(one(transfer(32, 6, 1, 300, tf::pending)), R::ok);
  EXPECT_EQ(one(transfer(33, 5, 1, 300)), R::overflows_debits_posted);
  EXPECT_EQ(one(transfer(34, 5, 1, 250, tf::pending)), R::overflows_debits);
  EXPECT_EQ(bal(5), (Balances{0, INT64_MAX - 200, 0, 0}));
}

TEST_F(LedgerTest, IdempotencySurvivesRestartsAndRejectsChangedPayloads) {
  accounts({account(1), account(2, af::debits_must_not_exceed_credits)});
  ASSERT_EQ(one(transfer(10, 1, 2, 500)), R::ok);
  auto first = svc->create_transfers(std::vector<Transfer>{transfer(10, 1, 2, 500)});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->results[0].result, R::exists);
  EXPECT_GT(first->results[0].timestamp, 0);
  EXPECT_EQ(one(transfer(10, 1, 2, 501)), R::exists_with_different_amount);
  EXPECT_EQ(one(transfer(10, 2, 1, 500)), R::exists_with_different_debit_account_id);
  EXPECT_EQ(one(transfer(10, 1, 2, 500, tf::pending)), R::exists_with_different_flags);

  // A state-dependent failure is recorded: the same request fails the same way even when
  // it would now succeed; a different request under that id is id_already_failed.
  EXPECT_EQ(one(transfer(11, 2, 1, 900)), R::exceeds_credits);
  fund(12, 2, 1000);
  EXPECT_EQ(one(transfer(11, 2, 1, 900)), R::exceeds_credits);
  EXPECT_EQ(one(transfer(11, 2, 1, 100)), R::id_already_failed);
  // A validation failure is not recorded: the corrected request may reuse the id.
  EXPECT_EQ(one(transfer(13, 2, 1, 0)), R::amount_must_not_be_zero);
  EXPECT_EQ(one(transfer(13, 2, 1, 10)), R::ok);

  auto balances = bal(2);
  t.restart();
  svc = std::make_unique<Service>(t.db(), clock);
  EXPECT_EQ(one(transfer(10, 1, 2, 500)), R::exists);
  EXPECT_EQ(one(transfer(10, 1, 2, 5)), R::exists_with_different_amount);
  EXPECT_EQ(one(transfer(11, 2, 1, 900)), R::exceeds_credits);
  EXPECT_EQ(one(transfer(11, 2, 1, 1)), R::id_already_failed);
  EXPECT_EQ(bal(2), balances);
  // The same id twice in one batch: the second is a replay of the first.
  EXPECT_EQ(submit({transfer(14, 1, 2, 7), transfer(14, 1, 2, 7)}), (std::vector<R>{R::ok, R::exists}));
}

TEST_F(LedgerTest, TwoPhaseTransfersPostPartiallyVoidAndExpireOnce) {
  accounts({account(1), account(2, af::debits_must_not_exceed_credits), account(3)});
  fund(5, 2, 1000);
  // Pending amounts count against the limit at once (pessimistic).
  EXPECT_EQ(one(transfer(10, 2, 3, 600, tf::pending)), R::ok);
  EXPECT_EQ(bal(2), (Balances{600, 0, 0, 1000}));
  EXPECT_EQ(one(transfer(11, 2, 3, 500, tf::pending)), R::exceeds_credits);
  // Partial post: 400 posted, 200 released.
  EXPECT_EQ(one(resolve(12, 10, 400, true)), R::ok);
  EXPECT_EQ(bal(2), (Balances{0, 400, 0, 1000}));
  EXPECT_EQ(bal(3), (Balances{0, 0, 0, 400}));
  EXPECT_EQ(one(resolve(13, 10, 400, true)), R::pending_transfer_already_posted);
  EXPECT_EQ(one(resolve(14, 10, 0, false)), R::pending_transfer_already_posted);

  EXPECT_EQ(one(transfer(20, 2, 3, 100, tf::pending)), R::ok);
  EXPECT_EQ(one(resolve(21, 20, 101, true)), R::exceeds_pending_transfer_amount);
  EXPECT_EQ(one(resolve(22, 20, 50, false)), R::pending_transfer_has_different_amount);
  EXPECT_EQ(one(resolve(23, 20, 0, false)), R::ok);
  EXPECT_EQ(one(resolve(24, 20, 100, true)), R::pending_transfer_already_voided);
  EXPECT_EQ(one(resolve(25, 99, 1, true)), R::pending_transfer_not_found);
  EXPECT_EQ(one(resolve(26, 5, 1, true)), R::pending_transfer_not_pending);
  Transfer wrong = resolve(27, 20, 1, true);
  wrong.debit_account_id = id(1);
  EXPECT_EQ(one(wrong), R::pending_transfer_has_different_debit_account_id);
  EXPECT_EQ(bal(2), (Balances{0, 400, 0, 1000}));

  // Expiry: released at the first commit after the timeout, then neither post nor void.
  Transfer timed = transfer(30, 2, 3, 300, tf::pending);
  timed.timeout_s = 60;
  EXPECT_EQ(one(timed), R::ok);
  clock.advance(std::chrono::seconds(59));
  ASSERT_TRUE(svc->tick().ok());
  EXPECT_EQ(bal(2).debits_pending, 300);
  clock.advance(std::chrono::seconds(2));
  ASSERT_TRUE(svc->tick().ok());
  EXPECT_EQ(bal(2).debits_pending, 0);
  EXPECT_EQ(one(resolve(31, 30, 300, true)), R::pending_transfer_expired);
  EXPECT_EQ(one(resolve(32, 30, 0, false)), R::pending_transfer_expired);
  // Expiry survives a restart: a new service finds the open timed pending in the database.
  Transfer timed2 = transfer(40, 2, 3, 50, tf::pending);
  timed2.timeout_s = 10;
  EXPECT_EQ(one(timed2), R::ok);
  t.restart();
  svc = std::make_unique<Service>(t.db(), clock);
  clock.advance(std::chrono::seconds(11));
  EXPECT_EQ(one(resolve(41, 40, 50, true)), R::pending_transfer_expired);
  EXPECT_EQ(bal(2), (Balances{0, 400, 0, 1000}));
}

TEST_F(LedgerTest, LinkedChainsAreAllOrNothingAndUnlinkedNeighboursAreIndependent) {
  accounts({account(1), account(2, af::debits_must_not_exceed_credits), account(3)});
  fund(5, 2, 100);
  auto r = submit({transfer(10, 1, 3, 5),                  // independent: ok
                   transfer(11, 2, 3, 60, tf::linked),     // ok on its own...
                   transfer(12, 2, 3, 60, tf::linked),     // ...but this exceeds credits
                   transfer(13, 1, 3, 1),                  // chain end
                   transfer(14, 1, 3, 7)});                // independent: ok
  EXPECT_EQ(r, (std::vector<R>{R::ok, R::linked_event_failed, R::exceeds_credits,
                               R::linked_event_failed, R::ok}));
  EXPECT_EQ(bal(2), (Balances{0, 0, 0, 100}));
  EXPECT_EQ(bal(3), (Balances{0, 0, 0, 12}));
  Id128 ids[] = {id(11), id(12), id(13)};
  EXPECT_TRUE(svc->lookup_transfers(ids)->empty());
  // Replaying the failed chain gives the same replies.
  EXPECT_EQ(submit({transfer(11, 2, 3, 60, tf::linked), transfer(12, 2, 3, 60, tf::linked),
                    transfer(13, 1, 3, 1)}),
            (std::vector<R>{R::linked_event_failed, R::exceeds_credits, R::linked_event_failed}));
  // A chain that succeeds, a chain left open.
  EXPECT_EQ(submit({transfer(20, 2, 3, 60, tf::linked | tf::pending), resolve(21, 20, 60, true)}),
            (std::vector<R>{R::ok, R::ok}));
  EXPECT_EQ(submit({transfer(30, 1, 3, 1), transfer(31, 1, 3, 1, tf::linked), transfer(32, 1, 3, 1, tf::linked)}),
            (std::vector<R>{R::ok, R::linked_event_failed, R::linked_event_chain_open}));
  EXPECT_EQ(bal(2), (Balances{0, 60, 0, 100}));
  // A replayed successful chain reports exists for every event.
  EXPECT_EQ(submit({transfer(20, 2, 3, 60, tf::linked | tf::pending), resolve(21, 20, 60, true)}),
            (std::vector<R>{R::exists, R::exists}));
}

TEST_F(LedgerTest, ClosingTransfersCloseAndVoidReopens) {
  accounts({account(1), account(2), account(3)});
  EXPECT_EQ(one(transfer(10, 2, 3, 1, tf::pending | tf::closing_debit)), R::ok);
  EXPECT_EQ(one(transfer(11, 2, 3, 1)), R::debit_account_already_closed);
  EXPECT_EQ(one(transfer(12, 1, 2, 1)), R::credit_account_already_closed);
  EXPECT_EQ(one(transfer(16, 1, 3, 1)), R::ok);  // only account 2 was closed
  EXPECT_EQ(one(transfer(13, 2, 3, 1, tf::closing_debit)), R::closing_transfer_must_be_pending);
  EXPECT_EQ(one(resolve(14, 10, 0, false)), R::ok);
  EXPECT_EQ(one(transfer(15, 2, 3, 1)), R::ok);
}

TEST_F(LedgerTest, BalancesAsOfHistoryPagesAndStatement) {
  accounts({account(1), account(2)});
  std::vector<int64_t> stamps;
  for (int i = 0; i < 25; ++i) {
    auto r = svc->create_transfers(std::vector<Transfer>{transfer(100 + i, 1, 2, 10 + i)});
    ASSERT_TRUE(r.ok());
    stamps.push_back(r->results[0].timestamp);
    clock.advance(std::chrono::seconds(1));
  }
  auto now = svc->balances(id(2));
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->account.balances.credits_posted, 25 * 10 + 300);
  auto past = svc->balances(id(2), stamps[4]);
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(past->account.balances.credits_posted, 10 + 11 + 12 + 13 + 14);
  EXPECT_EQ(past->last_change, stamps[4]);
  auto before = svc->balances(id(2), stamps[0] - 1);
  EXPECT_EQ(before->account.balances, Balances{});
  EXPECT_EQ(svc->balances(id(42)).error().code, "ledger.account_not_found");

  HistoryQuery q;
  q.limit = 10;
  std::vector<HistoryEntry> all;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = svc->history(id(1), q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (!page->next_cursor) break;
    q.cursor = page->next_cursor;
  }
  ASSERT_EQ(all.size(), 25u);
  EXPECT_TRUE(all[0].debit);
  EXPECT_EQ(all[0].counterparty, id(2));
  EXPECT_EQ(all[24].balances_after.debits_posted, 25 * 10 + 300);
  HistoryQuery desc;
  desc.descending = true;
  desc.limit = 3;
  auto last3 = svc->history(id(2), desc);
  ASSERT_EQ(last3->items.size(), 3u);
  EXPECT_EQ(last3->items[0].timestamp, stamps[24]);
  EXPECT_FALSE(last3->items[0].debit);

  auto csv = svc->statement_csv(id(2), stamps[10], stamps[12]);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), 4);
  EXPECT_NE(csv->find("," + id(1).str() + ",20,156,1,0,0,0,"), std::string::npos) << *csv;

  AccountFilter f;
  f.division_scope = "320000";
  auto listed = svc->list_accounts(f);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].id, id(1));
  f.division_scope.reset();
  f.limit = 1;
  auto page1 = svc->list_accounts(f);
  ASSERT_TRUE(page1->next_cursor);
  f.cursor = page1->next_cursor;
  EXPECT_EQ(svc->list_accounts(f)->items[0].id, id(2));
}

TEST_F(LedgerTest, OneAuditEntryPerBatchChainsAndVerifies) {
  accounts({account(1), account(2)});
  std::vector<Transfer> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(transfer(1000 + i, 1, 2, 1));
  auto r = svc->create_transfers(batch, "user:alice");
  ASSERT_TRUE(r.ok());
  auto tx = t.db().begin(store::TxKind::read);
  EXPECT_EQ(tx->query_one("SELECT COUNT(*) FROM audit_log")->i64(0), 2);
  auto page = audit::list(*tx, std::nullopt, 1);
  EXPECT_EQ(page.items[0].actor, "user:alice");
  EXPECT_EQ(page.items[0].command, "create_transfers");
  EXPECT_EQ(page.items[0].seq, r->audit_seq);
  EXPECT_EQ(tx->query_one("SELECT COUNT(*) FROM ledger_transfers WHERE audit_seq = ?", {r->audit_seq})->i64(0), 100);
  tx.reset();
  auto v = audit::verify(t.db());
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok);
}

TEST_F(LedgerTest, ConcurrentCallersAreGroupCommittedConsistently) {
  accounts({account(1), account(2, af::debits_must_not_exceed_credits), account(3)});
  fund(5, 2, 1000);
  constexpr int kThreads = 8, kPer = 40;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, exceeded{0};
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kPer; ++i) {
        auto r = svc->create_transfers(std::vector<Transfer>{transfer(10000 + th * kPer + i, 2, 3, 5)});
        if (!r.ok()) continue;
        if (r->results[0].result == R::ok) ++ok;
        if (r->results[0].result == R::exceeds_credits) ++exceeded;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 200);  // exactly the budget: 1000 / 5
  EXPECT_EQ(exceeded.load(), kThreads * kPer - 200);
  EXPECT_EQ(bal(2), (Balances{0, 1000, 0, 1000}));
  EXPECT_EQ(bal(3), (Balances{0, 0, 0, 1000}));
}

TEST_F(LedgerTest, TwoServicesOnOneDatabaseStayCoherent) {
  // Two processes sharing a database: each one's cache must notice the other's commits.
  auto db2 = t.reopen();
  Service other(*db2, clock);
  accounts({account(1), account(2, af::debits_must_not_exceed_credits), account(3)});
  fund(5, 2, 100);
  EXPECT_EQ(one(transfer(10, 2, 3, 60)), R::ok);  // this service caches account 2
  auto r = other.create_transfers(std::vector<Transfer>{transfer(11, 2, 3, 40)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->results[0].result, R::ok);
  EXPECT_EQ(one(transfer(12, 2, 3, 1)), R::exceeds_credits);  // sees the other's 40
  auto dup = other.create_transfers(std::vector<Transfer>{transfer(10, 2, 3, 60)});
  EXPECT_EQ(dup->results[0].result, R::exists);
  EXPECT_EQ(bal(2), (Balances{0, 100, 0, 100}));
}
