#include "land/auction/engine.hpp"

#include <algorithm>
#include <array>
#include <cassert>

#include "core/hash.hpp"

namespace riverlink::land::auction {

namespace {

template <class E, size_t N>
std::optional<E> parse_by_name(std::string_view s, const std::array<E, N>& all) {
  for (E e : all) {
    if (name(e) == s) return e;
  }
  return std::nullopt;
}

constexpr int64_t kMs = 1000;

}  // namespace

std::string_view name(Method m) {
  switch (m) {
    case Method::listing: return "listing";
    case Method::auction: return "auction";
    case Method::tender: return "tender";
    case Method::agreement: return "agreement";
  }
  return "?";
}
std::string_view name(ExtensionMode m) { return m == ExtensionMode::reset ? "reset" : "window"; }
std::string_view name(OptInMode m) { return m == OptInMode::automatic ? "automatic" : "confirm"; }
std::string_view name(CapTieBreak m) {
  return m == CapTieBreak::sealed_quote ? "sealed_quote" : "lottery";
}
std::optional<Method> parse_method(std::string_view s) {
  return parse_by_name(s, std::array{Method::listing, Method::auction, Method::tender,
                                     Method::agreement});
}
std::optional<ExtensionMode> parse_extension(std::string_view s) {
  return parse_by_name(s, std::array{ExtensionMode::reset, ExtensionMode::window});
}
std::optional<OptInMode> parse_opt_in(std::string_view s) {
  return parse_by_name(s, std::array{OptInMode::automatic, OptInMode::confirm});
}
std::optional<CapTieBreak> parse_tie_break(std::string_view s) {
  return parse_by_name(s, std::array{CapTieBreak::sealed_quote, CapTieBreak::lottery});
}

std::string_view name(Phase p) {
  switch (p) {
    case Phase::scheduled: return "scheduled";
    case Phase::listing: return "listing";
    case Phase::opt_in: return "opt_in";
    case Phase::timed: return "timed";
    case Phase::live: return "live";
    case Phase::cap_quote: return "cap_quote";
    case Phase::evaluation: return "evaluation";
    case Phase::awaiting_reserve: return "awaiting_reserve";
    case Phase::sold: return "sold";
    case Phase::not_sold: return "not_sold";
  }
  return "?";
}

std::string_view name(Result r) {
  switch (r) {
    case Result::ok: return "ok";
    case Result::time_went_backwards: return "time_went_backwards";
    case Result::not_open: return "not_open";
    case Result::closed: return "closed";
    case Result::wrong_phase: return "wrong_phase";
    case Result::unknown_bidder: return "unknown_bidder";
    case Result::no_deposit: return "no_deposit";
    case Result::already_registered: return "already_registered";
    case Result::not_participant: return "not_participant";
    case Result::frozen: return "frozen";
    case Result::amount_not_positive: return "amount_not_positive";
    case Result::duplicate_bid: return "duplicate_bid";
    case Result::already_highest: return "already_highest";
    case Result::above_cap: return "above_cap";
    case Result::below_start: return "below_start";
    case Result::below_current: return "below_current";
    case Result::off_increment: return "off_increment";
    case Result::below_floor: return "below_floor";
    case Result::already_opted_in: return "already_opted_in";
    case Result::already_quoted: return "already_quoted";
    case Result::already_submitted: return "already_submitted";
    case Result::bad_score: return "bad_score";
    case Result::already_scored: return "already_scored";
    case Result::scores_incomplete: return "scores_incomplete";
    case Result::reserve_mismatch: return "reserve_mismatch";
    case Result::no_reserve: return "no_reserve";
  }
  return "?";
}

std::optional<Result> parse_result(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(Result::no_reserve); ++i) {
    if (name(static_cast<Result>(i)) == s) return static_cast<Result>(i);
  }
  return std::nullopt;
}

std::string_view name(EventKind k) {
  switch (k) {
    case EventKind::tick: return "tick";
    case EventKind::register_bidder: return "register";
    case EventKind::bid: return "bid";
    case EventKind::opt_in: return "opt_in";
    case EventKind::call: return "call";
    case EventKind::adjust_increment: return "adjust_increment";
    case EventKind::quote: return "quote";
    case EventKind::score: return "score";
    case EventKind::award: return "award";
    case EventKind::reveal_reserve: return "reveal_reserve";
  }
  return "?";
}

std::optional<EventKind> parse_event_kind(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(EventKind::reveal_reserve); ++i) {
    if (name(static_cast<EventKind>(i)) == s) return static_cast<EventKind>(i);
  }
  return std::nullopt;
}

std::string validate(const Params& p) {
  if (p.start_price_fen <= 0) return "start_price_fen must be positive";
  if (p.increment_fen <= 0) return "increment_fen must be positive";
  if (p.method != Method::auction && p.close_at_ms <= p.open_at_ms) {
    return "close_at must be after open_at";
  }
  if (p.freeze_before_close_s < 0 || p.opt_in_window_s < 0 || p.countdown_s < 0 ||
      p.window_s < 0 || p.extend_s < 0 || p.quote_window_s < 0) {
    return "durations must not be negative";
  }
  if (p.min_timed_bidders < 0) return "min_timed_bidders must not be negative";
  if (p.min_timed_bidders > 0) {
    if (p.extension == ExtensionMode::reset && p.countdown_s <= 0) return "countdown_s must be positive";
    if (p.extension == ExtensionMode::window && (p.extend_s <= 0 || p.countdown_s <= 0)) {
      return "countdown_s and extend_s must be positive";
    }
  }
  if (p.price_cap_fen != 0 && p.price_cap_fen < p.start_price_fen) {
    return "price_cap_fen must be at least the start price";
  }
  if (!p.reserve_commitment.empty() &&
      (p.reserve_commitment.size() != 64 ||
       !std::all_of(p.reserve_commitment.begin(), p.reserve_commitment.end(),
                    [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))) {
    return "reserve_commitment must be 64 lower-case hex digits";
  }
  if (p.calls_to_hammer < 1) return "calls_to_hammer must be at least 1";
  if (p.method == Method::tender) {
    if (p.tender_min_bids < 1) return "tender_min_bids must be at least 1";
    if (p.panel_size < 5 || p.panel_size % 2 == 0) return "panel_size must be odd and at least 5";
    if (p.score_max < 1) return "score_max must be positive";
  }
  if (p.method == Method::agreement && p.floor_price_fen <= 0) {
    return "floor_price_fen must be positive";
  }
  return {};
}

std::string reserve_commitment(int64_t reserve_fen, std::string_view salt) {
  return core::sha256_hex(std::to_string(reserve_fen) + ":" + std::string(salt));
}

uint64_t lottery_draw(uint64_t seed, uint64_t n) {
  assert(n > 0);
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  return z % n;
}

Lot::Lot(Params p) : p_(std::move(p)), increment_fen_(p_.increment_fen) {}

const Bidder* Lot::find_bidder(std::string_view id) const {
  for (const auto& b : bidders_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

Bidder* Lot::bidder_mut(std::string_view id) {
  return const_cast<Bidder*>(static_cast<const Lot*>(this)->find_bidder(id));
}

int64_t Lot::next_min_fen() const {
  if (high_bidder_.empty()) return p_.start_price_fen;
  if (p_.price_cap_fen != 0 && high_fen_ >= p_.price_cap_fen) return p_.price_cap_fen;
  return std::min(high_fen_ + increment_fen_,
                  p_.price_cap_fen != 0 ? p_.price_cap_fen : INT64_MAX);
}

std::vector<std::string> Lot::participants() const {
  std::vector<std::string> out;
  if (phase_ == Phase::cap_quote) return cap_bidders_;
  for (const auto& b : bidders_) {
    if (b.opted_in) out.push_back(b.id);
  }
  return out;
}

Result Lot::check_time(int64_t at_ms) {
  if (at_ms < last_at_) return Result::time_went_backwards;
  if (process_deadlines(at_ms)) {
    log({EventKind::tick, at_ms, {}, 0, 0, {}});
    last_at_ = at_ms;
  }
  return Result::ok;
}

bool Lot::process_deadlines(int64_t at) {
  bool changed = false;
  for (;;) {
    const Phase before = phase_;
    const int64_t deadline_before = deadline_ms_;
    switch (phase_) {
      case Phase::scheduled:
        if (at >= p_.open_at_ms) {
          phase_ = p_.method == Method::auction ? Phase::live : Phase::listing;
          deadline_ms_ = p_.method == Method::auction ? 0 : p_.close_at_ms;
        }
        break;
      case Phase::listing:
        if (at >= p_.close_at_ms) {
          if (p_.method == Method::tender) {
            end_tender_submissions();
          } else if (p_.method == Method::agreement) {
            fail("no_offer");
          } else {
            end_listing(p_.close_at_ms);
          }
        }
        break;
      case Phase::opt_in:
        if (at >= deadline_ms_) {
          int n = 0;
          for (const auto& b : bidders_) n += b.opted_in ? 1 : 0;
          if (n >= p_.min_timed_bidders) {
            start_timed(deadline_ms_);
          } else {
            end_competition(deadline_ms_, "highest_listing_bid");
          }
        }
        break;
      case Phase::timed:
        if (at >= deadline_ms_) {
          if (!cap_bidders_.empty()) {
            resolve_cap(deadline_ms_);
          } else {
            end_competition(deadline_ms_, timed_had_bid_ ? "timed_bidding" : "highest_listing_bid");
          }
        }
        break;
      case Phase::cap_quote:
        if (at >= deadline_ms_) resolve_cap(deadline_ms_);
        break;
      default:
        break;
    }
    if (phase_ == before && deadline_ms_ == deadline_before) return changed;
    changed = true;
  }
}

void Lot::end_listing(int64_t t) {
  if (!cap_bidders_.empty()) {
    resolve_cap(t);
    return;
  }
  if (p_.min_timed_bidders <= 0) {
    end_competition(t, "highest_listing_bid");
    return;
  }
  if (p_.opt_in_mode == OptInMode::automatic) {
    int n = 0;
    for (auto& b : bidders_) {
      b.opted_in = b.deposit_held && (!p_.auto_requires_listing_bid || b.last_bid_fen > 0);
      n += b.opted_in ? 1 : 0;
    }
    if (n >= p_.min_timed_bidders) {
      start_timed(t);
    } else {
      end_competition(t, "highest_listing_bid");
    }
    return;
  }
  phase_ = Phase::opt_in;
  deadline_ms_ = t + p_.opt_in_window_s * kMs;
}

void Lot::start_timed(int64_t t) {
  phase_ = Phase::timed;
  deadline_ms_ = t + p_.countdown_s * kMs;
  timed_had_bid_ = false;
}

void Lot::end_competition(int64_t, std::string reason) {
  deadline_ms_ = 0;
  if (high_bidder_.empty()) {
    fail("no_bids");
    return;
  }
  candidate_ = high_bidder_;
  candidate_price_ = high_fen_;
  candidate_reason_ = std::move(reason);
  if (p_.reserve_commitment.empty()) {
    decide(candidate_, candidate_price_, candidate_reason_);
  } else {
    phase_ = Phase::awaiting_reserve;
  }
}

void Lot::resolve_cap(int64_t t) {
  if (cap_bidders_.size() <= 1) {
    end_competition(t, "price_cap");
    return;
  }
  if (p_.cap_tie_break == CapTieBreak::lottery) {
    const uint64_t draw = lottery_draw(p_.lottery_seed, cap_bidders_.size());
    outcome_.lottery_draw = draw;
    high_bidder_ = cap_bidders_[draw];
    end_competition(t, "cap_lottery");
    return;
  }
  if (phase_ != Phase::cap_quote) {
    phase_ = Phase::cap_quote;
    deadline_ms_ = t + p_.quote_window_s * kMs;
    return;
  }
  // Highest quote wins; ties go to the earlier quote; no quote at all: the first at the cap.
  const Quote* best = nullptr;
  for (const auto& q : quotes_) {
    if (best == nullptr || q.amount > best->amount) best = &q;
  }
  if (best != nullptr) {
    outcome_.winning_quote_fen = best->amount;
    high_bidder_ = best->bidder;
  } else {
    high_bidder_ = cap_bidders_.front();
  }
  end_competition(t, "cap_quote");
}

void Lot::end_tender_submissions() {
  deadline_ms_ = 0;
  if (static_cast<int>(tenders_.size()) < p_.tender_min_bids) {
    fail("too_few_tenders");
    return;
  }
  phase_ = Phase::evaluation;
  scores_.assign(static_cast<size_t>(p_.panel_size), std::vector<int>(tenders_.size(), -1));
}

void Lot::decide(std::string winner, int64_t price, std::string reason) {
  phase_ = Phase::sold;
  deadline_ms_ = 0;
  outcome_.winner = std::move(winner);
  outcome_.price_fen = price;
  outcome_.reason = std::move(reason);
}

void Lot::fail(std::string reason) {
  phase_ = Phase::not_sold;
  deadline_ms_ = 0;
  outcome_.winner.clear();
  outcome_.price_fen = 0;
  outcome_.reason = std::move(reason);
}

Result Lot::advance(int64_t at_ms) { return check_time(at_ms); }

Result Lot::register_bidder(int64_t at, const std::string& bidder, bool deposit_held) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (phase_ != Phase::scheduled && phase_ != Phase::listing && phase_ != Phase::live) {
    return decided() || phase_ == Phase::awaiting_reserve ? Result::closed : Result::wrong_phase;
  }
  if (bidder.empty()) return Result::unknown_bidder;
  if (Bidder* b = bidder_mut(bidder)) {
    if (b->deposit_held || !deposit_held) return Result::already_registered;
    b->deposit_held = true;
  } else {
    bidders_.push_back({bidder, deposit_held, false, 0, static_cast<int64_t>(bidders_.size()) + 1});
  }
  log({EventKind::register_bidder, at, bidder, deposit_held ? 1 : 0, 0, {}});
  last_at_ = at;
  return Result::ok;
}

Result Lot::check_amount(const Bidder& b, int64_t amount) const {
  if (amount <= 0) return Result::amount_not_positive;
  if (b.last_bid_fen == amount) return Result::duplicate_bid;
  const int64_t cap = p_.price_cap_fen;
  if (cap != 0 && !high_bidder_.empty() && high_fen_ >= cap) {
    if (amount > cap) return Result::above_cap;
    if (amount < cap) return Result::below_current;
    return Result::ok;  // joining the bidders at the cap
  }
  if (high_bidder_ == b.id) return Result::already_highest;
  if (cap != 0 && amount > cap) return Result::above_cap;
  const bool first = high_bidder_.empty();
  const int64_t ref = first ? p_.start_price_fen : high_fen_;
  if (first && amount < ref) return Result::below_start;
  if (!first && amount <= ref) return Result::below_current;
  if (amount == cap) return Result::ok;
  if ((amount - ref) % increment_fen_ != 0) return Result::off_increment;
  return Result::ok;
}

Result Lot::bid(int64_t at, const std::string& bidder, int64_t amount) {
  if (auto r = check_time(at); r != Result::ok) return r;
  switch (phase_) {
    case Phase::scheduled: return Result::not_open;
    case Phase::listing: case Phase::timed: case Phase::live: break;
    case Phase::opt_in: case Phase::evaluation: case Phase::cap_quote: return Result::wrong_phase;
    default: return Result::closed;
  }
  Bidder* b = bidder_mut(bidder);
  if (b == nullptr) return Result::unknown_bidder;
  if (!b->deposit_held) return Result::no_deposit;

  if (p_.method == Method::tender) {
    for (const auto& t : tenders_) {
      if (t.bidder == bidder) return Result::already_submitted;
    }
    if (amount <= 0) return Result::amount_not_positive;
    if (amount < p_.start_price_fen) return Result::below_start;
    tenders_.push_back({static_cast<int64_t>(tenders_.size()) + 1, bidder, amount, at, phase_, 0});
    log({EventKind::bid, at, bidder, amount, 0, {}});
    last_at_ = at;
    return Result::ok;
  }
  if (p_.method == Method::agreement) {
    if (amount <= 0) return Result::amount_not_positive;
    if (amount < p_.floor_price_fen) return Result::below_floor;
    bids_.push_back({1, bidder, amount, at, phase_, 0});
    high_fen_ = amount;
    high_bidder_ = bidder;
    log({EventKind::bid, at, bidder, amount, 0, {}});
    last_at_ = at;
    end_competition(at, "agreement");
    return Result::ok;
  }

  if (phase_ == Phase::timed && !b->opted_in) return Result::not_participant;
  if (phase_ == Phase::listing && p_.freeze_before_close_s > 0 &&
      at >= p_.close_at_ms - p_.freeze_before_close_s * kMs) {
    return Result::frozen;
  }
  if (auto r = check_amount(*b, amount); r != Result::ok) return r;

  const bool at_cap = p_.price_cap_fen != 0 && amount == p_.price_cap_fen;
  if (at_cap && std::find(cap_bidders_.begin(), cap_bidders_.end(), bidder) != cap_bidders_.end()) {
    return Result::duplicate_bid;
  }
  if (at_cap) cap_bidders_.push_back(bidder);
  if (!at_cap || high_fen_ < amount || high_bidder_.empty()) {
    high_fen_ = amount;
    high_bidder_ = bidder;
  }
  b->last_bid_fen = amount;
  if (phase_ == Phase::timed) {
    timed_had_bid_ = true;
    if (p_.extension == ExtensionMode::reset) {
      deadline_ms_ = at + p_.countdown_s * kMs;
      ++restarts_;
    } else if (at >= deadline_ms_ - p_.window_s * kMs) {
      deadline_ms_ = p_.extend_from_bid ? at + p_.extend_s * kMs : deadline_ms_ + p_.extend_s * kMs;
      ++restarts_;
    }
  }
  if (phase_ == Phase::live) calls_ = 0;
  bids_.push_back({static_cast<int64_t>(bids_.size()) + 1, bidder, amount, at, phase_,
                   phase_ == Phase::timed ? deadline_ms_ : 0});
  log({EventKind::bid, at, bidder, amount, 0, {}});
  last_at_ = at;
  return Result::ok;
}

Result Lot::opt_in(int64_t at, const std::string& bidder) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (decided() || phase_ == Phase::awaiting_reserve) return Result::closed;
  if (phase_ != Phase::opt_in) return Result::wrong_phase;
  Bidder* b = bidder_mut(bidder);
  if (b == nullptr) return Result::unknown_bidder;
  if (!b->deposit_held) return Result::no_deposit;
  if (b->opted_in) return Result::already_opted_in;
  b->opted_in = true;
  log({EventKind::opt_in, at, bidder, 0, 0, {}});
  last_at_ = at;
  return Result::ok;
}

Result Lot::call(int64_t at) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (decided() || phase_ == Phase::awaiting_reserve) return Result::closed;
  if (phase_ == Phase::scheduled) return Result::not_open;
  if (phase_ != Phase::live) return Result::wrong_phase;
  ++calls_;
  log({EventKind::call, at, {}, 0, 0, {}});
  last_at_ = at;
  if (calls_ >= p_.calls_to_hammer) {
    if (high_bidder_.empty()) {
      fail("no_bids_at_hammer");
    } else if (p_.price_cap_fen != 0 && cap_bidders_.size() > 1) {
      resolve_cap(at);
    } else {
      end_competition(at, "hammer");
    }
  }
  return Result::ok;
}

Result Lot::adjust_increment(int64_t at, int64_t inc) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (decided() || phase_ == Phase::awaiting_reserve) return Result::closed;
  if (p_.method == Method::tender || p_.method == Method::agreement) return Result::wrong_phase;
  if (inc <= 0) return Result::amount_not_positive;
  increment_fen_ = inc;
  log({EventKind::adjust_increment, at, {}, inc, 0, {}});
  last_at_ = at;
  return Result::ok;
}

Result Lot::quote(int64_t at, const std::string& bidder, int64_t amount) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (decided() || phase_ == Phase::awaiting_reserve) return Result::closed;
  if (phase_ != Phase::cap_quote) return Result::wrong_phase;
  if (std::find(cap_bidders_.begin(), cap_bidders_.end(), bidder) == cap_bidders_.end()) {
    return Result::not_participant;
  }
  for (const auto& q : quotes_) {
    if (q.bidder == bidder) return Result::already_quoted;
  }
  if (amount <= 0) return Result::amount_not_positive;
  quotes_.push_back({bidder, amount, static_cast<int64_t>(quotes_.size()) + 1});
  log({EventKind::quote, at, bidder, amount, 0, {}});
  last_at_ = at;
  if (quotes_.size() == cap_bidders_.size()) resolve_cap(at);
  return Result::ok;
}

Result Lot::score(int64_t at, int member, const std::string& bidder, int score) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (decided() || phase_ == Phase::awaiting_reserve) return Result::closed;
  if (phase_ != Phase::evaluation) return Result::wrong_phase;
  if (member < 0 || member >= p_.panel_size || score < 0 || score > p_.score_max) {
    return Result::bad_score;
  }
  size_t i = 0;
  while (i < tenders_.size() && tenders_[i].bidder != bidder) ++i;
  if (i == tenders_.size()) return Result::unknown_bidder;
  int& cell = scores_[static_cast<size_t>(member)][i];
  if (cell >= 0) return Result::already_scored;
  cell = score;
  log({EventKind::score, at, bidder, score, member, {}});
  last_at_ = at;
  return Result::ok;
}

Result Lot::award(int64_t at) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (decided() || phase_ == Phase::awaiting_reserve) return Result::closed;
  if (phase_ != Phase::evaluation) return Result::wrong_phase;
  std::vector<int64_t> totals(tenders_.size(), 0);
  for (const auto& row : scores_) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i] < 0) return Result::scores_incomplete;
      totals[i] += row[i];
    }
  }
  size_t best = 0;  // the earlier submission keeps a tie
  for (size_t i = 1; i < totals.size(); ++i) {
    if (totals[i] > totals[best]) best = i;
  }
  log({EventKind::award, at, {}, 0, 0, {}});
  last_at_ = at;
  high_bidder_ = tenders_[best].bidder;
  high_fen_ = tenders_[best].amount_fen;
  end_competition(at, "tender_score");
  return Result::ok;
}

Result Lot::reveal_reserve(int64_t at, int64_t reserve_fen, const std::string& salt) {
  if (auto r = check_time(at); r != Result::ok) return r;
  if (p_.reserve_commitment.empty()) return Result::no_reserve;
  if (decided()) return Result::closed;
  if (phase_ != Phase::awaiting_reserve) return Result::wrong_phase;
  if (reserve_commitment(reserve_fen, salt) != p_.reserve_commitment) {
    return Result::reserve_mismatch;
  }
  log({EventKind::reveal_reserve, at, {}, reserve_fen, 0, salt});
  last_at_ = at;
  outcome_.reserve_fen = reserve_fen;
  if (candidate_price_ >= reserve_fen) {
    decide(candidate_, candidate_price_, candidate_reason_);
  } else {
    fail("below_reserve");
  }
  outcome_.reserve_fen = reserve_fen;
  return Result::ok;
}

Result Lot::apply(const Event& e) {
  switch (e.kind) {
    case EventKind::tick: return advance(e.at_ms);
    case EventKind::register_bidder: return register_bidder(e.at_ms, e.bidder, e.amount != 0);
    case EventKind::bid: return bid(e.at_ms, e.bidder, e.amount);
    case EventKind::opt_in: return opt_in(e.at_ms, e.bidder);
    case EventKind::call: return call(e.at_ms);
    case EventKind::adjust_increment: return adjust_increment(e.at_ms, e.amount);
    case EventKind::quote: return quote(e.at_ms, e.bidder, e.amount);
    case EventKind::score: return score(e.at_ms, static_cast<int>(e.aux), e.bidder,
                                        static_cast<int>(e.amount));
    case EventKind::award: return award(e.at_ms);
    case EventKind::reveal_reserve: return reveal_reserve(e.at_ms, e.amount, e.text);
  }
  return Result::wrong_phase;
}

std::string Lot::digest() const {
  std::string s;
  auto add = [&](std::string_view k, const std::string& v) {
    s += k;
    s += '=';
    s += v;
    s += ';';
  };
  auto num = [](int64_t v) { return std::to_string(v); };
  add("phase", std::string(name(phase_)));
  add("last_at", num(last_at_));
  add("inc", num(increment_fen_));
  add("high", num(high_fen_) + "/" + high_bidder_);
  add("deadline", num(deadline_ms_));
  add("restarts", num(restarts_));
  add("calls", num(calls_));
  for (const auto& b : bids_) {
    add("bid", num(b.seq) + "/" + b.bidder + "/" + num(b.amount_fen) + "/" + num(b.at_ms) + "/" +
                   std::string(name(b.phase)) + "/" + num(b.deadline_after_ms));
  }
  for (const auto& b : bidders_) {
    add("bidder", b.id + "/" + num(b.deposit_held) + num(b.opted_in) + "/" + num(b.last_bid_fen));
  }
  for (const auto& c : cap_bidders_) add("cap", c);
  for (const auto& q : quotes_) add("quote", q.bidder + "/" + num(q.amount));
  for (const auto& t : tenders_) add("tender", t.bidder + "/" + num(t.amount_fen));
  for (const auto& row : scores_) {
    for (int v : row) add("score", num(v));
  }
  add("winner", outcome_.winner + "/" + num(outcome_.price_fen) + "/" + outcome_.reason);
  add("reserve", outcome_.reserve_fen ? num(*outcome_.reserve_fen) : "-");
  add("draw", outcome_.lottery_draw ? num(static_cast<int64_t>(*outcome_.lottery_draw)) : "-");
  add("log", num(static_cast<int64_t>(log_.size())));
  return s;
}

std::optional<Lot> replay(const Params& p, const std::vector<Event>& events) {
  Lot lot(p);
  for (const auto& e : events) {
    if (lot.apply(e) != Result::ok) return std::nullopt;
  }
  if (lot.log() != events) return std::nullopt;
  return lot;
}

}  // namespace riverlink::land::auction
