// Land trading engine: one lot (地块) sold by listing (挂牌) with optional online timed bidding,
// live auction (拍卖, three calls), tender (招标, scoring panel) or agreement (协议).
//
// A plain library: no clock, no I/O, no randomness of its own. Every input carries its
// server time (`at_ms`), which must never go backwards; deadlines are processed by the first
// input at or after them (advance()). The lot is deterministic: replaying its event log
// (accepted inputs, plus the deadline ticks that changed state) into a fresh Lot with the
// same Params reproduces the same state, bit for bit (see replay() and digest()).
//
// Every rule that differs between systems (spec land.md §7.7) is a Params field; nothing here
// is a legal constant. Results are a precise enum ordered by precedence (first failing check).
//
// Thread-safety: none; the service serialises inputs per lot (the row-level lock of §7.8).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace riverlink::land::auction {

enum class Method : uint8_t { listing, auction, tender, agreement };
enum class ExtensionMode : uint8_t { reset, window };   // §7.2
enum class OptInMode : uint8_t { automatic, confirm };  // Taicang auto / Shantou confirm window
enum class CapTieBreak : uint8_t { sealed_quote, lottery };  // §7.6

std::string_view name(Method m);
std::string_view name(ExtensionMode m);
std::string_view name(OptInMode m);
std::string_view name(CapTieBreak m);
std::optional<Method> parse_method(std::string_view s);
std::optional<ExtensionMode> parse_extension(std::string_view s);
std::optional<OptInMode> parse_opt_in(std::string_view s);
std::optional<CapTieBreak> parse_tie_break(std::string_view s);

struct Params {
  Method method = Method::listing;
  int64_t start_price_fen = 0;  // opening price; the first bid is start + k·increment, k ≥ 0
  int64_t increment_fen = 0;    // > 0
  int64_t open_at_ms = 0;       // listing/tender submission opens (auction: bidding opens)
  int64_t close_at_ms = 0;      // listing deadline / tender submission deadline (auction: unused)
  int64_t freeze_before_close_s = 0;  // listing bids refused in the last F seconds (SIP/Wuxi 3600)

  // Timed bidding after the listing deadline (限时竞价). 0 disables it.
  int min_timed_bidders = 0;  // Taicang/Wuxi: 2
  OptInMode opt_in_mode = OptInMode::automatic;
  int64_t opt_in_window_s = 0;  // confirm mode: Shantou 300
  // automatic mode counts bidders with at least one listing bid when true (SIP counts every
  // deposit holder when false).
  bool auto_requires_listing_bid = true;
  ExtensionMode extension = ExtensionMode::reset;
  int64_t countdown_s = 240;  // T: reset mode, and the first window's length in window mode
  int64_t window_s = 300;     // W: window mode, a bid at ≥ deadline − W extends
  int64_t extend_s = 300;     // E
  bool extend_from_bid = false;  // window mode: deadline = bid + E (true) or deadline += E

  // Price cap (最高限价); 0 = none. A bid may equal the cap even off the grid.
  int64_t price_cap_fen = 0;
  CapTieBreak cap_tie_break = CapTieBreak::sealed_quote;
  int64_t quote_window_s = 240;
  uint64_t lottery_seed = 0;  // recorded; the service derives it from published data

  // Confidential reserve (底价): hex SHA-256 of "<price_fen>:<salt>", empty = no reserve.
  std::string reserve_commitment;

  int calls_to_hammer = 3;  // live auction

  int tender_min_bids = 3;  // fewer → terminated
  int panel_size = 5;       // ≥ 5 and odd
  int score_max = 100;

  int64_t floor_price_fen = 0;  // agreement: e.g. 70% of the benchmark price
};

// Why Params cannot be used (empty string: fine).
std::string validate(const Params& p);

enum class Phase : uint8_t {
  scheduled,         // before open_at
  listing,           // listing bids (or tender submissions, or agreement offers)
  opt_in,            // confirm window after the listing deadline
  timed,             // timed bidding with a countdown
  live,              // live auction
  cap_quote,         // sealed one-shot quotes among the bidders at the cap
  evaluation,        // tender scoring
  awaiting_reserve,  // a candidate exists; the sealed reserve must be revealed
  sold,
  not_sold,          // 流拍 (no bids, below reserve, tender with too few bids, ...)
};
std::string_view name(Phase p);

// Ordered by precedence.
enum class Result : uint8_t {
  ok = 0,
  time_went_backwards,
  not_open,            // before open_at
  closed,              // the lot is decided or waiting for the reserve
  wrong_phase,         // this input is not taken in the current phase
  unknown_bidder,      // not registered for the lot
  no_deposit,          // registered without a held deposit
  already_registered,
  not_participant,     // timed bidding / cap quote / opt-in is for other bidders
  frozen,              // listing bids frozen before the deadline
  amount_not_positive,
  duplicate_bid,       // the same bidder already bid exactly this amount
  already_highest,     // the bidder holds the current high bid
  above_cap,
  below_start,
  below_current,       // not above the current high bid
  off_increment,       // not an integer multiple of the increment above the reference
  below_floor,         // agreement price under the floor
  already_opted_in,
  already_quoted,
  already_submitted,   // tender: one sealed bid per bidder
  bad_score,           // panel member or score out of range
  already_scored,
  scores_incomplete,
  reserve_mismatch,    // revealed price and salt do not match the commitment
  no_reserve,          // reveal without a commitment
};
std::string_view name(Result r);
std::optional<Result> parse_result(std::string_view s);

enum class EventKind : uint8_t {
  tick,             // deadline processing at `at_ms` (logged when it changed state)
  register_bidder,  // amount: 1 if the deposit is held
  bid,              // listing, timed, live, cap bids; tender sealed bids; agreement offers
  opt_in,
  call,             // live auction: the host calls the current price once more
  adjust_increment, // amount: the new increment
  quote,            // sealed one-shot quote at the cap
  score,            // tender: member `aux`, bidder, amount = score
  award,            // tender: close the evaluation
  reveal_reserve,   // amount: reserve price; text: salt
};
std::string_view name(EventKind k);
std::optional<EventKind> parse_event_kind(std::string_view s);

struct Event {
  EventKind kind = EventKind::tick;
  int64_t at_ms = 0;
  std::string bidder;  // opaque bidder id
  int64_t amount = 0;
  int64_t aux = 0;
  std::string text;
  bool operator==(const Event&) const = default;
};

// An accepted bid, in the lot's total order.
struct Bid {
  int64_t seq = 0;  // 1, 2, ... per lot
  std::string bidder;
  int64_t amount_fen = 0;
  int64_t at_ms = 0;
  Phase phase = Phase::listing;
  int64_t deadline_after_ms = 0;  // timed bidding: the countdown's deadline after this bid
};

struct Bidder {
  std::string id;
  bool deposit_held = false;
  bool opted_in = false;
  int64_t last_bid_fen = 0;
  int64_t registered_seq = 0;
};

struct Outcome {
  std::string winner;  // empty when not sold
  int64_t price_fen = 0;
  std::string reason;  // "highest_listing_bid", "timed_bidding", "hammer", "cap_quote",
                       // "cap_lottery", "tender_score", "agreement"; not sold: "no_bids",
                       // "below_reserve", "too_few_tenders", "no_bids_at_hammer"
  std::optional<int64_t> reserve_fen;  // once revealed
  std::optional<int64_t> winning_quote_fen;
  std::optional<uint64_t> lottery_draw;
};

class Lot {
 public:
  explicit Lot(Params p);

  // Inputs. Each first processes deadlines up to at_ms (logged as a tick when it changed
  // anything), then applies the input; a rejected input changes nothing else.
  Result advance(int64_t at_ms);
  Result register_bidder(int64_t at_ms, const std::string& bidder, bool deposit_held);
  Result bid(int64_t at_ms, const std::string& bidder, int64_t amount_fen);
  Result opt_in(int64_t at_ms, const std::string& bidder);
  Result call(int64_t at_ms);
  Result adjust_increment(int64_t at_ms, int64_t increment_fen);
  Result quote(int64_t at_ms, const std::string& bidder, int64_t amount_fen);
  Result score(int64_t at_ms, int member, const std::string& bidder, int score);
  Result award(int64_t at_ms);
  Result reveal_reserve(int64_t at_ms, int64_t reserve_fen, const std::string& salt);
  Result apply(const Event& e);  // dispatch by kind

  // Queries.
  const Params& params() const { return p_; }
  Phase phase() const { return phase_; }
  bool decided() const { return phase_ == Phase::sold || phase_ == Phase::not_sold; }
  int64_t high_fen() const { return high_fen_; }
  const std::string& high_bidder() const { return high_bidder_; }
  int64_t increment_fen() const { return increment_fen_; }
  int64_t deadline_ms() const { return deadline_ms_; }  // current phase's deadline, 0 = none
  int64_t countdown_restarts() const { return restarts_; }
  int calls() const { return calls_; }
  int64_t last_at_ms() const { return last_at_; }
  // The lowest amount a bid may have now (start price, or high + increment).
  int64_t next_min_fen() const;
  const std::vector<Bid>& bids() const { return bids_; }
  const std::vector<Bidder>& bidders() const { return bidders_; }
  const Bidder* find_bidder(std::string_view id) const;
  const Outcome& outcome() const { return outcome_; }
  const std::vector<Event>& log() const { return log_; }
  // Bidders allowed in timed bidding / at the cap.
  std::vector<std::string> participants() const;
  // A canonical text of the whole state (for replay checks).
  std::string digest() const;

 private:
  bool process_deadlines(int64_t at_ms);
  void end_listing(int64_t at_ms);
  void start_timed(int64_t at_ms);
  void end_competition(int64_t at_ms, std::string reason);
  void resolve_cap(int64_t at_ms);
  void end_tender_submissions();
  void decide(std::string winner, int64_t price, std::string reason);
  void fail(std::string reason);
  Result check_time(int64_t at_ms);
  Result check_amount(const Bidder& b, int64_t amount) const;
  Bidder* bidder_mut(std::string_view id);
  void log(Event e) { log_.push_back(std::move(e)); }

  Params p_;
  Phase phase_ = Phase::scheduled;
  int64_t last_at_ = INT64_MIN;
  int64_t increment_fen_ = 0;
  int64_t high_fen_ = 0;
  std::string high_bidder_;
  int64_t deadline_ms_ = 0;
  int64_t restarts_ = 0;
  int calls_ = 0;
  bool timed_had_bid_ = false;
  std::vector<Bid> bids_;
  std::vector<Bidder> bidders_;
  std::vector<std::string> cap_bidders_;  // in the order they reached the cap
  struct Quote { std::string bidder; int64_t amount; int64_t seq; };
  std::vector<Quote> quotes_;
  // tender: scores_[member][bidder index in tenders_]
  std::vector<Bid> tenders_;
  std::vector<std::vector<int>> scores_;
  std::string candidate_;
  int64_t candidate_price_ = 0;
  std::string candidate_reason_;
  Outcome outcome_;
  std::vector<Event> log_;
};

// Applies events to a fresh Lot; nullopt if any logged event is rejected.
std::optional<Lot> replay(const Params& p, const std::vector<Event>& events);

// hex SHA-256 of "<price_fen>:<salt>": the reserve's sealed commitment.
std::string reserve_commitment(int64_t reserve_fen, std::string_view salt);

// The lottery draw: splitmix64(seed) mod n (n > 0). Fully specified, so replayable anywhere.
uint64_t lottery_draw(uint64_t seed, uint64_t n);

}  // namespace riverlink::land::auction
