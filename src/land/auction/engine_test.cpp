// Auction engine: rules by example, then seeded property tests (LAND_AUCTION_SEED overrides
// the fixed seeds; LAND_AUCTION_RUNS the number of runs).
#include "land/auction/engine.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

namespace riverlink::land::auction {
namespace {

constexpr int64_t kS = 1000;  // ms per second
constexpr int64_t kOpen = 1'800'000'000'000;
constexpr int64_t kClose = kOpen + 10 * 86400 * kS;

Params listing(int min_timed = 0) {
  Params p;
  p.method = Method::listing;
  p.start_price_fen = 1'000'000;
  p.increment_fen = 10'000;
  p.open_at_ms = kOpen;
  p.close_at_ms = kClose;
  p.min_timed_bidders = min_timed;
  p.countdown_s = 240;
  return p;
}

Lot registered(const Params& p, int n, int64_t at = kOpen) {
  Lot lot(p);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(lot.register_bidder(at, "b" + std::to_string(i), true), Result::ok);
  }
  return lot;
}

TEST(AuctionParams, Validate) {
  EXPECT_EQ(validate(listing()), "");
  Params p = listing();
  p.increment_fen = 0;
  EXPECT_NE(validate(p), "");
  p = listing();
  p.reserve_commitment = "xyz";
  EXPECT_NE(validate(p), "");
  p = listing();
  p.method = Method::tender;
  p.panel_size = 4;
  EXPECT_NE(validate(p), "");
}

TEST(Listing, BidRulesAndErrors) {
  Params p = listing();
  p.freeze_before_close_s = 3600;
  Lot lot(p);
  EXPECT_EQ(lot.register_bidder(kOpen - 10, "a", true), Result::ok);
  EXPECT_EQ(lot.register_bidder(kOpen - 10, "nodep", false), Result::ok);
  EXPECT_EQ(lot.register_bidder(kOpen - 10, "a", true), Result::already_registered);
  EXPECT_EQ(lot.bid(kOpen - 5, "a", 1'000'000), Result::not_open);
  EXPECT_EQ(lot.register_bidder(kOpen, "b", true), Result::ok);
  EXPECT_EQ(lot.bid(kOpen + 1, "x", 1'000'000), Result::unknown_bidder);
  EXPECT_EQ(lot.bid(kOpen + 1, "nodep", 1'000'000), Result::no_deposit);
  EXPECT_EQ(lot.bid(kOpen + 1, "a", 0), Result::amount_not_positive);
  EXPECT_EQ(lot.bid(kOpen + 1, "a", 990'000), Result::below_start);
  EXPECT_EQ(lot.bid(kOpen + 1, "a", 1'005'000), Result::off_increment);
  EXPECT_EQ(lot.bid(kOpen + 1, "a", 1'000'000), Result::ok);  // k = 0 at the start price
  EXPECT_EQ(lot.bid(kOpen + 2, "a", 1'000'000), Result::duplicate_bid);
  EXPECT_EQ(lot.bid(kOpen + 2, "a", 1'010'000), Result::already_highest);
  EXPECT_EQ(lot.bid(kOpen + 2, "b", 1'000'000), Result::below_current);
  EXPECT_EQ(lot.bid(kOpen + 2, "b", 1'015'000), Result::off_increment);
  EXPECT_EQ(lot.bid(kOpen + 2, "b", 1'030'000), Result::ok);  // k = 3
  EXPECT_EQ(lot.bid(kOpen + 1, "a", 1'040'000), Result::time_went_backwards);
  EXPECT_EQ(lot.bid(kClose - 3600 * kS, "a", 1'040'000), Result::frozen);
  EXPECT_EQ(lot.bid(kClose - 3600 * kS - 1, "a", 1'040'000), Result::ok);
  EXPECT_EQ(lot.high_fen(), 1'040'000);
  EXPECT_EQ(lot.bids().size(), 3u);
  EXPECT_EQ(lot.bid(kClose, "b", 1'050'000), Result::closed);
  EXPECT_EQ(lot.phase(), Phase::sold);
  EXPECT_EQ(lot.outcome().winner, "a");
  EXPECT_EQ(lot.outcome().price_fen, 1'040'000);
  EXPECT_EQ(lot.outcome().reason, "highest_listing_bid");
}

TEST(Listing, NoBidsIsNotSold) {
  Lot lot = registered(listing(2), 3);
  EXPECT_EQ(lot.advance(kClose), Result::ok);
  EXPECT_EQ(lot.phase(), Phase::not_sold);
  EXPECT_EQ(lot.outcome().reason, "no_bids");
}

TEST(Timed, ResetCountdownRestartsAtEveryAcceptedBid) {
  Lot lot = registered(listing(2), 3);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'010'000), Result::ok);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  ASSERT_EQ(lot.phase(), Phase::timed);
  EXPECT_EQ(lot.deadline_ms(), kClose + 240 * kS);
  // b2 never bid in the listing: automatic opt-in counts listing bidders only.
  EXPECT_EQ(lot.bid(kClose + 10 * kS, "b2", 1'020'000), Result::not_participant);
  EXPECT_EQ(lot.bid(kClose + 10 * kS, "b0", 1'020'000), Result::ok);
  EXPECT_EQ(lot.deadline_ms(), kClose + 250 * kS);
  EXPECT_EQ(lot.bid(kClose + 200 * kS, "b1", 1'050'000), Result::ok);
  EXPECT_EQ(lot.deadline_ms(), kClose + 440 * kS);
  EXPECT_EQ(lot.bid(kClose + 200 * kS, "b1", 1'060'000), Result::already_highest);
  EXPECT_EQ(lot.deadline_ms(), kClose + 440 * kS);  // a rejected bid restarts nothing
  EXPECT_EQ(lot.countdown_restarts(), 2);
  EXPECT_EQ(lot.bid(kClose + 440 * kS, "b0", 1'060'000), Result::closed);
  EXPECT_EQ(lot.outcome().winner, "b1");
  EXPECT_EQ(lot.outcome().price_fen, 1'050'000);
  EXPECT_EQ(lot.outcome().reason, "timed_bidding");
}

TEST(Timed, NoTimedBidsTheListingLeaderWins) {
  Lot lot = registered(listing(2), 2);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'010'000), Result::ok);
  ASSERT_EQ(lot.advance(kClose + 240 * kS), Result::ok);
  EXPECT_EQ(lot.outcome().winner, "b1");
  EXPECT_EQ(lot.outcome().reason, "highest_listing_bid");
}

TEST(Timed, WindowExtension) {
  Params p = listing(2);
  p.extension = ExtensionMode::window;
  p.countdown_s = 300;
  p.window_s = 60;
  p.extend_s = 300;
  Lot lot = registered(p, 2);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'010'000), Result::ok);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  ASSERT_EQ(lot.bid(kClose + 100 * kS, "b0", 1'020'000), Result::ok);  // outside the window
  EXPECT_EQ(lot.deadline_ms(), kClose + 300 * kS);
  ASSERT_EQ(lot.bid(kClose + 250 * kS, "b1", 1'030'000), Result::ok);  // inside: += E
  EXPECT_EQ(lot.deadline_ms(), kClose + 600 * kS);
  EXPECT_EQ(lot.countdown_restarts(), 1);
}

TEST(Timed, ConfirmWindowOptIn) {
  Params p = listing(2);
  p.opt_in_mode = OptInMode::confirm;
  p.opt_in_window_s = 300;
  Lot lot = registered(p, 3);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  EXPECT_EQ(lot.opt_in(kOpen + 2, "b0"), Result::wrong_phase);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  EXPECT_EQ(lot.phase(), Phase::opt_in);
  EXPECT_EQ(lot.bid(kClose + 1, "b0", 1'010'000), Result::wrong_phase);
  EXPECT_EQ(lot.opt_in(kClose + 1, "b0"), Result::ok);
  EXPECT_EQ(lot.opt_in(kClose + 2, "b0"), Result::already_opted_in);
  EXPECT_EQ(lot.opt_in(kClose + 3, "b2"), Result::ok);
  ASSERT_EQ(lot.advance(kClose + 300 * kS), Result::ok);
  EXPECT_EQ(lot.phase(), Phase::timed);
  EXPECT_EQ(lot.bid(kClose + 301 * kS, "b1", 1'010'000), Result::not_participant);
  EXPECT_EQ(lot.bid(kClose + 301 * kS, "b2", 1'010'000), Result::ok);
}

TEST(Reserve, SealedCommitmentRevealedAtClose) {
  Params p = listing();
  p.reserve_commitment = reserve_commitment(1'050'000, "pepper");
  Lot lot = registered(p, 2);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'040'000), Result::ok);
  EXPECT_EQ(lot.reveal_reserve(kOpen + 2, 1'050'000, "pepper"), Result::wrong_phase);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  EXPECT_EQ(lot.phase(), Phase::awaiting_reserve);
  EXPECT_EQ(lot.reveal_reserve(kClose + 1, 1'000'000, "pepper"), Result::reserve_mismatch);
  EXPECT_EQ(lot.reveal_reserve(kClose + 1, 1'050'000, "salt"), Result::reserve_mismatch);
  EXPECT_EQ(lot.phase(), Phase::awaiting_reserve);
  EXPECT_EQ(lot.reveal_reserve(kClose + 1, 1'050'000, "pepper"), Result::ok);
  EXPECT_EQ(lot.phase(), Phase::not_sold);
  EXPECT_EQ(lot.outcome().reason, "below_reserve");
  EXPECT_EQ(lot.outcome().reserve_fen, 1'050'000);

  Lot ok = registered(p, 1);
  ASSERT_EQ(ok.bid(kOpen + 1, "b0", 1'050'000), Result::ok);
  ASSERT_EQ(ok.advance(kClose), Result::ok);
  ASSERT_EQ(ok.reveal_reserve(kClose + 1, 1'050'000, "pepper"), Result::ok);
  EXPECT_EQ(ok.outcome().winner, "b0");
}

TEST(Cap, LotteryIsSeededAndRecorded) {
  Params p = listing(2);
  p.price_cap_fen = 1'025'000;  // off the grid: bids may still equal it
  p.cap_tie_break = CapTieBreak::lottery;
  p.lottery_seed = 42;
  Lot lot = registered(p, 3);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'020'000), Result::ok);
  EXPECT_EQ(lot.bid(kOpen + 2, "b1", 1'030'000), Result::above_cap);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'025'000), Result::ok);
  EXPECT_EQ(lot.bid(kOpen + 3, "b2", 1'020'000), Result::below_current);
  ASSERT_EQ(lot.bid(kOpen + 3, "b2", 1'025'000), Result::ok);
  EXPECT_EQ(lot.bid(kOpen + 4, "b2", 1'025'000), Result::duplicate_bid);
  ASSERT_EQ(lot.bid(kOpen + 4, "b0", 1'025'000), Result::ok);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  ASSERT_EQ(lot.phase(), Phase::sold);
  const uint64_t draw = lottery_draw(42, 3);
  EXPECT_EQ(lot.outcome().lottery_draw, draw);
  const char* order[] = {"b1", "b2", "b0"};
  EXPECT_EQ(lot.outcome().winner, order[draw]);
  EXPECT_EQ(lot.outcome().price_fen, 1'025'000);
  EXPECT_EQ(lottery_draw(42, 3), draw);  // same seed, same draw
}

TEST(Cap, SealedQuoteHighestThenEarliest) {
  Params p = listing();
  p.price_cap_fen = 1'020'000;
  p.quote_window_s = 240;
  Lot lot = registered(p, 3);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'020'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'020'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 3, "b2", 1'020'000), Result::ok);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  ASSERT_EQ(lot.phase(), Phase::cap_quote);
  EXPECT_EQ(lot.quote(kClose + 1, "x", 5), Result::not_participant);
  EXPECT_EQ(lot.quote(kClose + 1, "b2", 500), Result::ok);
  EXPECT_EQ(lot.quote(kClose + 2, "b2", 600), Result::already_quoted);
  EXPECT_EQ(lot.quote(kClose + 2, "b0", 500), Result::ok);
  ASSERT_EQ(lot.advance(kClose + 240 * kS), Result::ok);
  EXPECT_EQ(lot.outcome().winner, "b2");  // equal quotes: the earlier one
  EXPECT_EQ(lot.outcome().winning_quote_fen, 500);
  EXPECT_EQ(lot.outcome().price_fen, 1'020'000);
}

TEST(LiveAuction, ThreeCallsAndIncrementAdjustment) {
  Params p = listing();
  p.method = Method::auction;
  Lot lot = registered(p, 2);
  ASSERT_EQ(lot.phase(), Phase::live);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  ASSERT_EQ(lot.call(kOpen + 2), Result::ok);
  ASSERT_EQ(lot.call(kOpen + 3), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 4, "b1", 1'010'000), Result::ok);
  EXPECT_EQ(lot.calls(), 0);
  ASSERT_EQ(lot.adjust_increment(kOpen + 5, 50'000), Result::ok);
  EXPECT_EQ(lot.bid(kOpen + 6, "b0", 1'020'000), Result::off_increment);
  ASSERT_EQ(lot.bid(kOpen + 6, "b0", 1'060'000), Result::ok);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(lot.call(kOpen + 10 + i), Result::ok);
  EXPECT_EQ(lot.phase(), Phase::sold);
  EXPECT_EQ(lot.outcome().reason, "hammer");
  EXPECT_EQ(lot.outcome().winner, "b0");
  EXPECT_EQ(lot.call(kOpen + 20), Result::closed);

  Lot empty = registered(p, 1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(empty.call(kOpen + 10 + i), Result::ok);
  EXPECT_EQ(empty.outcome().reason, "no_bids_at_hammer");
}

TEST(Tender, TooFewBidsTerminates) {
  Params p = listing();
  p.method = Method::tender;
  Lot lot = registered(p, 2);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  EXPECT_EQ(lot.bid(kOpen + 2, "b0", 1'100'000), Result::already_submitted);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'100'000), Result::ok);
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  EXPECT_EQ(lot.outcome().reason, "too_few_tenders");
}

TEST(Tender, PanelScoresBestTotalEarlierOnTies) {
  Params p = listing();
  p.method = Method::tender;
  Lot lot = registered(p, 3);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 2, "b1", 1'300'000), Result::ok);
  ASSERT_EQ(lot.bid(kOpen + 3, "b2", 1'200'000), Result::ok);
  EXPECT_EQ(lot.high_bidder(), "");  // sealed
  ASSERT_EQ(lot.advance(kClose), Result::ok);
  ASSERT_EQ(lot.phase(), Phase::evaluation);
  EXPECT_EQ(lot.award(kClose + 1), Result::scores_incomplete);
  EXPECT_EQ(lot.score(kClose + 1, 5, "b0", 50), Result::bad_score);
  EXPECT_EQ(lot.score(kClose + 1, 0, "b0", 101), Result::bad_score);
  const int s[3] = {80, 70, 80};  // b0 and b2 tie; b0 submitted first
  for (int m = 0; m < 5; ++m) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(lot.score(kClose + 2, m, "b" + std::to_string(i), s[i]), Result::ok);
    }
  }
  EXPECT_EQ(lot.score(kClose + 3, 0, "b0", 1), Result::already_scored);
  ASSERT_EQ(lot.award(kClose + 4), Result::ok);
  EXPECT_EQ(lot.outcome().winner, "b0");
  EXPECT_EQ(lot.outcome().price_fen, 1'000'000);
}

TEST(Agreement, FloorPriceCheck) {
  Params p = listing();
  p.method = Method::agreement;
  p.floor_price_fen = 700'000;
  Lot lot = registered(p, 1);
  EXPECT_EQ(lot.bid(kOpen + 1, "b0", 699'999), Result::below_floor);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 700'000), Result::ok);
  EXPECT_EQ(lot.outcome().reason, "agreement");
  EXPECT_EQ(lot.outcome().price_fen, 700'000);
}

// ---------------------------------------------------------------- property tests

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != 0 ? std::strtoull(v, nullptr, 10) : dflt;
}

struct Sim {
  std::mt19937_64 rng;
  explicit Sim(uint64_t seed) : rng(seed) {}
  int64_t uniform(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  }
};

int64_t g_timed_bids = 0;    // across runs: the property runs must reach timed bidding
int64_t g_sold_timed = 0;

// Random listing + timed bidding with valid and invalid bids; checks the invariants after
// every input and at the end.
void run_listing_property(uint64_t seed, ExtensionMode mode) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " mode " + std::string(name(mode)));
  Sim sim(seed);
  Params p = listing(2);
  p.extension = mode;
  p.countdown_s = sim.uniform(30, 300);
  p.window_s = sim.uniform(10, p.countdown_s);
  p.extend_s = sim.uniform(10, 300);
  p.extend_from_bid = sim.uniform(0, 1) == 1;
  p.freeze_before_close_s = sim.uniform(0, 1) * 3600;
  Lot lot(p);
  const int n = static_cast<int>(sim.uniform(2, 8));
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(lot.register_bidder(kOpen - 1, "b" + std::to_string(i), i != n - 1 || n == 2),
              Result::ok);
  }
  int64_t t = kOpen;
  int64_t timed_accepted = 0;
  int steps = static_cast<int>(sim.uniform(50, 400));
  for (int s = 0; s < steps && !lot.decided(); ++s) {
    // Time moves on: mostly small steps, sometimes to (or past) the listing deadline.
    int64_t dt = sim.uniform(0, 1) ? sim.uniform(0, 120 * kS) : sim.uniform(0, 86400 * kS);
    if (lot.phase() == Phase::timed) dt = sim.uniform(0, (p.countdown_s + 20) * kS);
    // Crossing the listing deadline lands just after it, so timed bidding gets its bids.
    t = t < kClose && t + dt >= kClose ? kClose + sim.uniform(0, 10 * kS) : t + dt;
    const std::string who = "b" + std::to_string(sim.uniform(0, n));  // b<n> is unknown
    const int64_t base = lot.next_min_fen();
    int64_t amount = base + p.increment_fen * sim.uniform(-2, 3);
    if (sim.uniform(0, 9) == 0) amount += sim.uniform(1, p.increment_fen - 1);
    ASSERT_EQ(lot.advance(t), Result::ok);
    const std::string before = lot.digest();
    const Phase phase = lot.phase();
    const int64_t deadline = lot.deadline_ms();
    const size_t nbids = lot.bids().size();
    const Result r = lot.bid(t, who, amount);
    if (r != Result::ok) {
      ASSERT_EQ(lot.digest(), before) << "rejected bid changed state: " << name(r);
      continue;
    }
    // Accepted: appended exactly once, strictly above the previous high, on the grid.
    ASSERT_EQ(lot.bids().size(), nbids + 1);
    const Bid& b = lot.bids().back();
    ASSERT_EQ(b.seq, static_cast<int64_t>(nbids) + 1);
    ASSERT_EQ(b.amount_fen, amount);
    if (nbids > 0) {
      const Bid& prev = lot.bids()[nbids - 1];
      ASSERT_GT(amount, prev.amount_fen);
      ASSERT_EQ((amount - prev.amount_fen) % p.increment_fen, 0);
      ASSERT_GE(b.at_ms, prev.at_ms);
    } else {
      ASSERT_EQ((amount - p.start_price_fen) % p.increment_fen, 0);
    }
    if (phase == Phase::timed) {
      ++timed_accepted;
      ASSERT_LT(t, deadline);
      if (mode == ExtensionMode::reset) {
        ASSERT_EQ(lot.deadline_ms(), t + p.countdown_s * kS);
      } else if (t >= deadline - p.window_s * kS) {
        ASSERT_EQ(lot.deadline_ms(),
                  p.extend_from_bid ? t + p.extend_s * kS : deadline + p.extend_s * kS);
      } else {
        ASSERT_EQ(lot.deadline_ms(), deadline);
      }
    } else {
      ASSERT_EQ(phase, Phase::listing);
      if (p.freeze_before_close_s > 0) {
        ASSERT_LT(t, kClose - p.freeze_before_close_s * kS);
      }
    }
  }
  ASSERT_EQ(lot.advance(t + 30LL * 86400 * kS), Result::ok);
  ASSERT_TRUE(lot.decided());
  if (mode == ExtensionMode::reset) {
    ASSERT_EQ(lot.countdown_restarts(), timed_accepted);
  }
  if (std::getenv("LAND_DEBUG")) fprintf(stderr, "%s bids=%zu t=%lld\n", lot.outcome().reason.c_str(), lot.bids().size(), (long long)((t-kOpen)/1000));
  g_timed_bids += timed_accepted;
  g_sold_timed += lot.outcome().reason == "timed_bidding" ? 1 : 0;
  // Exactly one winner: the maximum accepted bid (amounts are strictly increasing, so the
  // maximum is unique; ties cannot be accepted).
  if (lot.bids().empty()) {
    ASSERT_EQ(lot.phase(), Phase::not_sold);
  } else {
    const Bid* best = &lot.bids().front();
    for (const auto& b : lot.bids()) {
      if (b.amount_fen > best->amount_fen) best = &b;
    }
    ASSERT_EQ(lot.phase(), Phase::sold);
    ASSERT_EQ(lot.outcome().winner, best->bidder);
    ASSERT_EQ(lot.outcome().price_fen, best->amount_fen);
  }
  // Replay of the event log reproduces the state exactly.
  auto again = replay(p, lot.log());
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->digest(), lot.digest());
}

TEST(AuctionProperty, ListingWithResetCountdown) {
  const uint64_t seed0 = env_u64("LAND_AUCTION_SEED", 20261127);
  const uint64_t runs = env_u64("LAND_AUCTION_RUNS", 200);
  g_timed_bids = g_sold_timed = 0;
  for (uint64_t i = 0; i < runs; ++i) run_listing_property(seed0 + i, ExtensionMode::reset);
  if (runs >= 50) {
    EXPECT_GT(g_timed_bids, 100);
    EXPECT_GT(g_sold_timed, 5);
  }
}

TEST(AuctionProperty, ListingWithWindowExtension) {
  const uint64_t seed0 = env_u64("LAND_AUCTION_SEED", 7);
  const uint64_t runs = env_u64("LAND_AUCTION_RUNS", 200);
  for (uint64_t i = 0; i < runs; ++i) run_listing_property(seed0 + i, ExtensionMode::window);
}

// Sealed quotes and tenders: ties go to the earlier submission, whatever the order of input.
TEST(AuctionProperty, TenderTiesGoToTheEarlierBid) {
  const uint64_t seed0 = env_u64("LAND_AUCTION_SEED", 99);
  for (uint64_t run = 0; run < 100; ++run) {
    Sim sim(seed0 + run);
    Params p = listing();
    p.method = Method::tender;
    const int n = static_cast<int>(sim.uniform(3, 7));
    Lot lot = registered(p, n);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(lot.bid(kOpen + i, "b" + std::to_string(i), p.start_price_fen), Result::ok);
    }
    ASSERT_EQ(lot.advance(kClose), Result::ok);
    std::vector<int64_t> totals(static_cast<size_t>(n), 0);
    for (int m = 0; m < p.panel_size; ++m) {
      for (int i = 0; i < n; ++i) {
        const int s = static_cast<int>(sim.uniform(0, 3));  // many ties
        totals[static_cast<size_t>(i)] += s;
        ASSERT_EQ(lot.score(kClose + 1, m, "b" + std::to_string(i), s), Result::ok);
      }
    }
    ASSERT_EQ(lot.award(kClose + 2), Result::ok);
    size_t best = 0;
    for (size_t i = 1; i < totals.size(); ++i) {
      if (totals[i] > totals[best]) best = i;
    }
    ASSERT_EQ(lot.outcome().winner, "b" + std::to_string(best));
    auto again = replay(p, lot.log());
    ASSERT_TRUE(again.has_value());
    ASSERT_EQ(again->digest(), lot.digest());
  }
}

TEST(Replay, RejectsATamperedLog) {
  Lot lot = registered(listing(), 2);
  ASSERT_EQ(lot.bid(kOpen + 1, "b0", 1'000'000), Result::ok);
  auto log = lot.log();
  log.back().amount = 1'005'000;  // off the grid
  EXPECT_FALSE(replay(lot.params(), log).has_value());
}

}  // namespace
}  // namespace riverlink::land::auction
