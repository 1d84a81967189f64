// Vouchers service on both store backends with the real ledger: the elevator case in both
// payee modes, every refusal (with no change), fraud flags, settlement exactly once, search,
// and a seeded random workflow with the workflow ↔ ledger check after every step.
#include <gtest/gtest.h>

#include <random>

#include "audit/audit.hpp"
#include "auth/service.hpp"
#include "store/testing.hpp"
#include "vouchers/service.hpp"

using namespace riverlink;
using namespace riverlink::vouchers;

namespace {
struct VouchersTest : ::testing::Test {
  store::testdb::TestDb t;
  core::ManualClock clock{core::parse_utc("2026-06-15T02:00:00Z").value()};
  core::IdGenerator ids{clock, 42};
  std::unique_ptr<audit::CommandRunner> cmds;
  std::unique_ptr<ledger::Service> led;
  std::unique_ptr<Service> s;
  P admin = auth::system_principal("test");
  int n = 0;
  std::string ent, ent2, prov, prov_sh2, svc;
  int publicity_days = 0;  // the fixture policy's redemption-list publicity window

  Ctx key() { return {admin.actor(), "k" + std::to_string(++n)}; }
  template <class T>
  T ok(Result<T> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    if (!r.ok()) throw std::runtime_error("step failed");
    return std::move(*r);
  }
  J policy(const std::string& mode = "enterprise_reimbursed", int64_t ent_cap = 50'000'000, const std::string& from = "2026-01-01",
           const std::string& to = "2027-12-31") {
    return {{"issuer_code", "JS"}, {"doc_ref", "TEST"}, {"label", "test fixture"}, {"effective_from", from}, {"effective_to", to},
            {"params", {{"ratio_bp", 7000}, {"per_contract_cap_fen", 30'000'000}, {"enterprise_annual_cap_fen", ent_cap},
                        {"group_annual_cap_fen", 80'000'000}, {"categories", J::array({{{"code", "rd"}}, {{"code", "testing"}}})},
                        {"recognised_provider_divisions", J::array({"310000", "320000"})}, {"payee_mode", mode},
                        {"validity_days", 30}, {"annual_budget_fen", 1'000'000'000},
                        {"funding", J::array({{{"issuer", "JS"}, {"share_bp", 6000}}, {{"issuer", "JS-SZ"}, {"share_bp", 4000}}})},
                        {"publicity_days", publicity_days}}}};
  }
  void SetUp() override {
    std::vector<store::Migration> m = audit::migrations();
    for (auto& x : ledger::migrations()) m.push_back(x);
    for (auto& x : vouchers::migrations()) m.push_back(x);
    auto r = store::migrate(t.db(), m);
    ASSERT_TRUE(r.ok()) << r.error().message;
    cmds = std::make_unique<audit::CommandRunner>(t.db(), clock);
    led = std::make_unique<ledger::Service>(t.db(), clock);
    s = std::make_unique<Service>(t.db(), *cmds, *led, clock, ids);
  }
  void base(const std::string& mode = "enterprise_reimbursed", int64_t ent_cap = 50'000'000) {
    ok(s->upsert_issuer(admin, key(), {{"code", "JS"}, {"division_code", "320000"}, {"level", "province"}}));
    ok(s->upsert_issuer(admin, key(), {{"code", "JS-SZ"}, {"division_code", "320500"}, {"level", "city"}, {"parent_code", "JS"}}));
    ok(s->upsert_issuer(admin, key(), {{"code", "SH"}, {"division_code", "310000"}, {"level", "province"}}));
    ok(s->publish_policy(admin, key(), policy(mode, ent_cap)));
    ok(s->appropriate(admin, key(), "JS", 2026, 100'000'000));
    ok(s->appropriate(admin, key(), "JS-SZ", 2026, 100'000'000));
    ent = ok(s->register_party(admin, key(), {{"kind", "enterprise"}, {"name", "苏州电梯"}, {"uscc", "913205060000000001"},
                                              {"division_code", "320506"}, {"legal_rep", "李"}, {"controller", "苏州集团"}}))["id"];
    ent2 = ok(s->register_party(admin, key(), {{"kind", "enterprise"}, {"name", "无锡材料"}, {"uscc", "913202000000000002"},
                                               {"division_code", "320200"}, {"legal_rep", "赵"}, {"controller", "苏州集团"}}))["id"];
    prov = ok(s->register_party(admin, key(), {{"kind", "provider"}, {"name", "上海电梯研究院"}, {"uscc", "121000000000000003"},
                                               {"division_code", "310112"}, {"legal_rep", "王"}}))["id"];
    prov_sh2 = ok(s->register_party(admin, key(), {{"kind", "provider"}, {"name", "上海未认定实验室"}, {"uscc", "121000000000000004"},
                                                   {"division_code", "310104"}, {"legal_rep", "钱"}}))["id"];
    ok(s->recognise(admin, key(), prov, "JS", "active"));
    svc = ok(s->add_service(admin, key(), {{"provider_id", prov}, {"name", "电梯曳引系统联合研发"}, {"description", "高速电梯曳引机研发"},
                                           {"category", "rd"}, {"price_fen", 45'000'000}}))["id"];
    ok(s->grant(admin, key(), ent, "JS", 2026));
    ok(s->grant(admin, key(), ent2, "JS", 2026));
  }
  std::string draft(const std::string& e, const std::string& p, int64_t amount, const std::string& cat = "rd") {
    auto d = ok(s->post_demand(admin, key(), {{"enterprise_id", e}, {"title", "需求"}, {"category", cat}, {"budget_fen", amount}}));
    auto q = ok(s->submit_quote(admin, key(), d["id"], {{"provider_id", p}, {"amount_fen", amount}}));
    return ok(s->award(admin, key(), q["id"]))["id"];
  }
  ledger::Balances bal(const std::string& name) {
    auto id = derive_id("acct:" + name);
    auto a = led->lookup_accounts(std::span(&id, 1));
    EXPECT_TRUE(a.ok());
    return a->empty() ? ledger::Balances{} : (*a)[0].balances;
  }
  void consistent() {
    auto c = s->check_consistency();
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(c->empty()) << (c->empty() ? "" : (*c)[0]);
  }
  static J evidence() { return J::array({{{"filename", "report.pdf"}, {"content_base64", "cmVwb3J0"}}}); }
};
}  // namespace

class ElevatorModes : public VouchersTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ElevatorModes, Contract450kVouchers300kThroughTheLedger) {
  base(GetParam());
  std::string c = draft(ent, prov, 45'000'000);
  auto k = ok(s->sign(admin, key(), c, std::nullopt));
  EXPECT_EQ(k["state"], "held");
  EXPECT_EQ(k["voucher_fen"], 30'000'000);
  EXPECT_EQ(k["copay_fen"], 15'000'000);
  EXPECT_EQ(k["funding"][0]["amount_fen"], 18'000'000);
  EXPECT_EQ(k["funding"][1]["amount_fen"], 12'000'000);
  EXPECT_EQ(k["hold_ids"].size(), 5u);  // enterprise, group, contract, JS, JS-SZ: one linked chain
  EXPECT_EQ(bal("ENT_QUOTA:" + ent + ":JS:2026").debits_pending, 30'000'000);
  EXPECT_EQ(bal("BUDGET_AVAIL:JS:2026").debits_pending, 18'000'000);
  EXPECT_EQ(bal("BUDGET_AVAIL:JS-SZ:2026").debits_pending, 12'000'000);
  consistent();
  ok(s->deliver(admin, key(), c, evidence()));
  ok(s->accept(admin, key(), c, "INV-1"));
  auto a = ok(s->review(admin, key(), c, true, std::nullopt, "ok"));
  EXPECT_EQ(a["state"], "approved");
  EXPECT_EQ(bal("ENT_QUOTA:" + ent + ":JS:2026").debits_posted, 30'000'000);
  EXPECT_EQ(bal("BUDGET_AVAIL:JS:2026").debits_posted, 18'000'000);
  std::string payee = std::string(GetParam()) == "provider_redeems" ? prov : ent;
  EXPECT_EQ(bal("PAYABLE:JS:2026:" + payee).credits_posted, 18'000'000);
  consistent();
  auto b1 = ok(s->settle(admin, key(), "JS", "2026-06"));
  auto b2 = ok(s->settle(admin, key(), "JS-SZ", "2026-06"));
  EXPECT_EQ(b1["total_fen"], 18'000'000);
  EXPECT_EQ(b2["total_fen"], 12'000'000);
  auto again = s->settle(admin, key(), "JS", "2026-06");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "vouchers.nothing_to_settle");
  EXPECT_EQ(bal("DISBURSED:JS:2026").credits_posted, 18'000'000);  // paid exactly once
  EXPECT_EQ(bal("DISBURSED:JS-SZ:2026").credits_posted, 12'000'000);
  EXPECT_EQ(ok(s->get_contract(admin, c))["state"], "settled");
  auto csv = ok(s->batch_csv(b1["id"]));
  EXPECT_NE(csv.find(",18000000,180000.00,"), std::string::npos) << csv;
  auto fm = ok(s->flow_matrix("2026-01", "2026-12", true));
  EXPECT_EQ(fm["cells"][0]["payee_province"], "310000");
  consistent();
}
INSTANTIATE_TEST_SUITE_P(BothModes, ElevatorModes, ::testing::Values("enterprise_reimbursed", "provider_redeems"));

TEST_F(VouchersTest, RefusalsChangeNothing) {
  base("enterprise_reimbursed", 40'000'000);
  // Over the enterprise cap: two contracts of 300k against a 400k annual quota.
  std::string c1 = draft(ent, prov, 45'000'000), c2 = draft(ent, prov, 45'000'000);
  ok(s->sign(admin, key(), c1, std::nullopt));
  auto before = bal("BUDGET_AVAIL:JS:2026"), quota_src_before = bal("QUOTA_SRC:JS:2026");
  auto over = s->sign(admin, key(), c2, std::nullopt);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "vouchers.over_enterprise_cap");
  EXPECT_EQ(over.error().kind, ErrorKind::conflict);
  EXPECT_EQ(bal("BUDGET_AVAIL:JS:2026"), before);
  EXPECT_EQ(bal("QUOTA_SRC:JS:2026"), quota_src_before);
  EXPECT_EQ(bal("CONTRACT_ALLOW:" + c2), ledger::Balances{});  // the registration went with the refused holds
  EXPECT_EQ(ok(s->get_contract(admin, c2))["state"], "draft");
  // Ineligible category.
  std::string c3 = draft(ent2, prov, 1'000'000, "design");
  auto inel = s->sign(admin, key(), c3, std::nullopt);
  ASSERT_FALSE(inel.ok());
  EXPECT_EQ(inel.error().code, "vouchers.ineligible_category");
  EXPECT_EQ(inel.error().fields[0].field, "category");
  // Unrecognised provider.
  std::string c4 = draft(ent2, prov_sh2, 1'000'000);
  EXPECT_EQ(s->sign(admin, key(), c4, std::nullopt).error().code, "vouchers.provider_not_recognised");
  // A policy that does not cover the signing date.
  auto old = ok(s->publish_policy(admin, key(), policy("enterprise_reimbursed", 40'000'000, "2025-01-01", "2025-12-31")));
  auto nc = s->sign(admin, key(), c4, std::string(old["id"]));
  ASSERT_FALSE(nc.ok());
  EXPECT_EQ(nc.error().code, "vouchers.policy_not_in_force");
  // Duplicate invoice.
  std::string c5 = draft(ent2, prov, 1'000'000);
  ok(s->sign(admin, key(), c5, std::nullopt));
  ok(s->deliver(admin, key(), c1, evidence()));
  ok(s->deliver(admin, key(), c5, evidence()));
  ok(s->accept(admin, key(), c1, "INV-DUP"));
  auto dup = s->accept(admin, key(), c5, "INV-DUP");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "vouchers.duplicate_invoice");
  EXPECT_EQ(ok(s->get_contract(admin, c5))["state"], "delivered");
  // Outside jurisdiction: a Shanghai officer reviewing a Jiangsu contract.
  P sh{"u-sh", "officer_sh", "SH", auth::Role::officer, "310000"};
  auto out = s->review(sh, {sh.actor(), "x1"}, c1, true, std::nullopt, "");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "auth.outside_jurisdiction");
  EXPECT_EQ(ok(s->get_contract(admin, c1))["state"], "accepted");
  // Expired voucher: the grant (30 days from 2026-06-15) has lapsed by 2026-08-01.
  std::string c6 = draft(ent2, prov, 1'000'000);
  clock.set(core::parse_utc("2026-08-01T02:00:00Z").value());
  auto exp = s->sign(admin, key(), c6, std::nullopt);
  ASSERT_FALSE(exp.ok());
  EXPECT_EQ(exp.error().code, "vouchers.voucher_expired");
  // Expiry releases open holds (R7).
  auto e = ok(s->expire_due(admin, key()));
  EXPECT_EQ(e["expired"].size(), 1u) << e.dump();  // c5 (delivered); c1 is accepted and awaits review
  EXPECT_EQ(ok(s->get_contract(admin, c5))["state"], "expired");
  consistent();
}

TEST_F(VouchersTest, IdempotentSignReplaysAndDoesNotDoubleHold) {
  base();
  std::string c = draft(ent, prov, 45'000'000);
  Ctx k = key();
  auto a = ok(s->sign(admin, k, c, std::nullopt));
  auto b = ok(s->sign(admin, k, c, std::nullopt));
  EXPECT_EQ(a, b);
  EXPECT_EQ(bal("ENT_QUOTA:" + ent + ":JS:2026").debits_pending, 30'000'000);
  auto other = s->sign(admin, key(), c, std::nullopt);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "vouchers.bad_state");
  consistent();
}

TEST_F(VouchersTest, RelatedPartyFlagNeedsAnOfficer) {
  base();
  std::string rel = ok(s->register_party(admin, key(), {{"kind", "provider"}, {"name", "关联实验室"}, {"uscc", "121000000000000009"},
                                                        {"division_code", "320506"}, {"legal_rep", "李"}}))["id"];
  ok(s->recognise(admin, key(), rel, "JS", "active"));
  std::string c = draft(ent, rel, 2'000'000);
  auto k = ok(s->sign(admin, key(), c, std::nullopt));
  EXPECT_EQ(k["flags"], 1);
  ok(s->deliver(admin, key(), c, evidence()));
  ok(s->accept(admin, key(), c, "INV-R"));
  auto blocked = s->review(admin, key(), c, true, std::nullopt, "");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, "vouchers.open_flags");
  auto flags = ok(s->list_flags(admin, std::string("open")));
  ASSERT_EQ(flags["items"].size(), 1u);
  EXPECT_EQ(flags["items"][0]["kind"], "related_party");
  auto up = ok(s->decide_flag(admin, key(), flags["items"][0]["id"], true, "shared legal representative"));
  EXPECT_EQ(up["state"], "rejected");
  EXPECT_EQ(bal("CONTRACT_ALLOW:" + c).debits_pending, 0);
  consistent();
}

// The same invoice or the same contract claimed in another jurisdiction: flagged (at acceptance,
// or at once when the claim arrives later), the officer must decide, and both are audited.
TEST_F(VouchersTest, ClaimsInTwoJurisdictionsAreFlagged) {
  base();
  std::string c1 = draft(ent, prov, 2'000'000), c2 = draft(ent2, prov, 2'000'000);
  for (auto& c : {c1, c2}) {
    ok(s->sign(admin, key(), c, std::nullopt));
    ok(s->deliver(admin, key(), c, evidence()));
  }
  // An invoice already claimed in Shanghai's programme: flagged at acceptance.
  ok(s->register_external_claim(admin, key(), "INV-TWICE", "SH", "SH voucher platform"));
  ok(s->accept(admin, key(), c1, "INV-TWICE"));
  // This platform's contract claimed under Zhejiang after acceptance: flagged when the claim arrives.
  ok(s->accept(admin, key(), c2, "INV-ONCE"));
  auto claim = ok(s->register_external_claim(admin, key(), c2, "ZJ", "ZJ audit", "contract"));
  EXPECT_EQ(claim["flagged"]["contract_id"], c2);
  EXPECT_FALSE(s->register_external_claim(admin, key(), "x", "ZJ", "y", "receipt").ok());
  auto flags = ok(s->list_flags(admin, std::string("open")));
  ASSERT_EQ(flags["items"].size(), 2u);
  for (auto& f : flags["items"]) EXPECT_EQ(f["kind"], "duplicate_claim");
  for (auto& c : {c1, c2}) {
    auto r = s->review(admin, key(), c, true, std::nullopt, "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "vouchers.open_flags");
  }
  for (auto& f : flags["items"]) ok(s->decide_flag(admin, key(), f["id"], false, "the other claim was withdrawn"));
  for (auto& c : {c1, c2}) EXPECT_EQ(ok(s->review(admin, key(), c, true, std::nullopt, ""))["state"], "approved");
  auto tx = t.db().begin(store::TxKind::read);
  EXPECT_EQ(tx->query_one("SELECT COUNT(*) FROM audit_log WHERE command = 'flag.decide'")->i64(0), 2);
  consistent();
}

// Approved redemptions are publicised for the policy's publicity_days (公示) before payment:
// a settlement run inside the window pays nothing and writes nothing; after it, exactly once.
TEST_F(VouchersTest, PublicityWindowGatesSettlement) {
  publicity_days = 5;
  base();
  std::string c = draft(ent, prov, 1'000'000);
  ok(s->sign(admin, key(), c, std::nullopt));
  ok(s->deliver(admin, key(), c, evidence()));
  ok(s->accept(admin, key(), c, "INV-PUB"));
  ok(s->review(admin, key(), c, true, std::nullopt, ""));  // approved 2026-06-15
  auto tx_count = [&] {
    auto tx = t.db().begin(store::TxKind::read);
    return tx->query_one("SELECT COUNT(*) FROM audit_log")->i64(0) + tx->query_one("SELECT COUNT(*) FROM vch_batches")->i64(0);
  };
  auto before = tx_count();
  clock.advance(std::chrono::hours(24 * 4));  // 2026-06-19: still in the window (until 2026-06-20)
  auto early = s->settle(admin, key(), "JS", "2026-06");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, "vouchers.in_publicity");
  EXPECT_NE(early.error().message.find("2026-06-20"), std::string::npos) << early.error().message;
  EXPECT_EQ(tx_count(), before);
  EXPECT_EQ(bal("DISBURSED:JS:2026").credits_posted, 0);
  clock.advance(std::chrono::hours(24));  // 2026-06-20: the window has ended
  auto b = ok(s->settle(admin, key(), "JS", "2026-06"));
  EXPECT_EQ(b["total_fen"], 420'000);  // 60 % of the 700,000-fen voucher
  EXPECT_EQ(bal("DISBURSED:JS:2026").credits_posted, 420'000);
  consistent();
}

TEST_F(VouchersTest, SearchFindsChineseText) {
  base();
  ok(s->add_service(admin, key(), {{"provider_id", prov}, {"kind", "instrument"}, {"name", "原子力显微镜机时"},
                                   {"description", "AFM 表面形貌"}, {"category", "testing"}, {"price_fen", 300'000}}));
  auto r = ok(s->search({.text = "显微镜"}));
  ASSERT_EQ(r["items"].size(), 1u);
  EXPECT_EQ(r["items"][0]["name"], "原子力显微镜机时");
  EXPECT_EQ(ok(s->search({.text = "曳引"}))["items"].size(), 1u);  // 2 characters
  EXPECT_EQ(ok(s->search({.text = "", .category = "rd"}))["items"].size(), 1u);
  EXPECT_EQ(ok(s->search({.text = "显微镜", .division = "320000"}))["items"].size(), 0u);
  EXPECT_EQ(ok(s->search({.text = "显微镜", .max_price_fen = 100}))["items"].size(), 0u);
}

TEST_F(VouchersTest, RandomWorkflowKeepsLedgerAndWorkflowInAgreement) {
  base("provider_redeems", 60'000'000);
  std::mt19937_64 rng(20261127);
  std::vector<std::string> cs;
  for (int step = 0; step < 60; ++step) {
    int op = static_cast<int>(rng() % 8);
    if (op == 0 || cs.empty()) {
      cs.push_back(draft(rng() % 2 ? ent : ent2, prov, 1'000'000 + static_cast<int64_t>(rng() % 40'000'000)));
    } else {
      const std::string& c = cs[rng() % cs.size()];
      Ctx k = key();
      switch (op) {
        case 1: (void)s->sign(admin, k, c, std::nullopt); break;
        case 2: (void)s->deliver(admin, k, c, evidence()); break;
        case 3: (void)s->accept(admin, k, c, "INV-" + std::to_string(rng() % 30)); break;
        case 4: (void)s->review(admin, k, c, rng() % 4 != 0, std::nullopt, ""); break;
        case 5: (void)s->cancel(admin, k, c); break;
        case 6: (void)s->sign(admin, k, c, std::nullopt); (void)s->sign(admin, k, c, std::nullopt); break;
        case 7: (void)s->settle(admin, k, rng() % 2 ? "JS" : "JS-SZ", "2026-06"); break;
      }
    }
    auto r = s->check_consistency();
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->empty()) << "step " << step << ": " << (*r)[0];
  }
  // Quota conservation: held + used on the enterprise accounts equals the contracts' vouchers.
  int64_t held = 0, used = 0;
  for (auto& c : cs) {
    auto k = ok(s->get_contract(admin, c));
    std::string st = k["state"];
    if (k["enterprise_id"] != ent) continue;
    if (st == "held" || st == "delivered" || st == "accepted" || st == "disputed") held += k["voucher_fen"].get<int64_t>();
    if (st == "approved" || st == "settled") used += k["approved_fen"].get<int64_t>();
  }
  EXPECT_EQ(bal("ENT_QUOTA:" + ent + ":JS:2026").debits_pending, held);
  EXPECT_EQ(bal("ENT_QUOTA:" + ent + ":JS:2026").debits_posted, used);
}
