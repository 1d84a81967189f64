#include "land/lots.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <thread>
#include <unordered_set>

#include "core/hash.hpp"
#include "core/id.hpp"

namespace riverlink::land {

namespace a = auction;
using core::Json;

// ------------------------------------------------------------------ params as JSON

namespace {

const core::Shape& params_shape() {
  using core::JsonType;
  static const core::Shape shape{
      {"method", JsonType::string},
      {"start_price_fen", JsonType::integer},
      {"increment_fen", JsonType::integer},
      {"open_at", JsonType::string},
      {"close_at", JsonType::string, false},
      {"freeze_before_close_s", JsonType::integer, false},
      {"min_timed_bidders", JsonType::integer, false},
      {"opt_in_mode", JsonType::string, false},
      {"opt_in_window_s", JsonType::integer, false},
      {"auto_requires_listing_bid", JsonType::boolean, false},
      {"extension", JsonType::string, false},
      {"countdown_s", JsonType::integer, false},
      {"window_s", JsonType::integer, false},
      {"extend_s", JsonType::integer, false},
      {"extend_from_bid", JsonType::boolean, false},
      {"price_cap_fen", JsonType::integer, false},
      {"cap_tie_break", JsonType::string, false},
      {"quote_window_s", JsonType::integer, false},
      {"lottery_seed", JsonType::integer, false},
      {"reserve_commitment", JsonType::string, false},
      {"calls_to_hammer", JsonType::integer, false},
      {"tender_min_bids", JsonType::integer, false},
      {"panel_size", JsonType::integer, false},
      {"score_max", JsonType::integer, false},
      {"floor_price_fen", JsonType::integer, false},
  };
  return shape;
}

std::string iso(int64_t ms) { return core::format_utc(core::from_unix_ms(ms)); }

int64_t now_ms(const core::Clock& c) { return core::to_unix_ms(c.now()); }

}  // namespace

Json params_to_json(const a::Params& p) {
  Json j = {
      {"method", std::string(a::name(p.method))},
      {"start_price_fen", p.start_price_fen},
      {"increment_fen", p.increment_fen},
      {"open_at", iso(p.open_at_ms)},
      {"close_at", iso(p.close_at_ms)},
      {"freeze_before_close_s", p.freeze_before_close_s},
      {"min_timed_bidders", p.min_timed_bidders},
      {"opt_in_mode", std::string(a::name(p.opt_in_mode))},
      {"opt_in_window_s", p.opt_in_window_s},
      {"auto_requires_listing_bid", p.auto_requires_listing_bid},
      {"extension", std::string(a::name(p.extension))},
      {"countdown_s", p.countdown_s},
      {"window_s", p.window_s},
      {"extend_s", p.extend_s},
      {"extend_from_bid", p.extend_from_bid},
      {"price_cap_fen", p.price_cap_fen},
      {"cap_tie_break", std::string(a::name(p.cap_tie_break))},
      {"quote_window_s", p.quote_window_s},
      {"lottery_seed", p.lottery_seed},
      {"reserve_commitment", p.reserve_commitment},
      {"calls_to_hammer", p.calls_to_hammer},
      {"tender_min_bids", p.tender_min_bids},
      {"panel_size", p.panel_size},
      {"score_max", p.score_max},
      {"floor_price_fen", p.floor_price_fen},
  };
  return j;
}

Result<a::Params> params_from_json(const Json& j) {
  if (auto st = params_shape().validate(j); !st.ok()) return st.error();
  a::Params p;
  auto bad = [](const std::string& f, const std::string& m) {
    return Error::field("land.invalid_params", f, m);
  };
  auto m = a::parse_method(j.at("method").get<std::string>());
  if (!m) return bad("method", "must be listing, auction, tender or agreement");
  p.method = *m;
  p.start_price_fen = j.at("start_price_fen").get<int64_t>();
  p.increment_fen = j.at("increment_fen").get<int64_t>();
  auto open = core::parse_utc(j.at("open_at").get<std::string>());
  if (!open) return bad("open_at", "must be an ISO 8601 time");
  p.open_at_ms = core::to_unix_ms(*open);
  if (j.contains("close_at")) {
    auto close = core::parse_utc(j.at("close_at").get<std::string>());
    if (!close) return bad("close_at", "must be an ISO 8601 time");
    p.close_at_ms = core::to_unix_ms(*close);
  }
  auto i64 = [&](const char* k, int64_t& out) {
    if (j.contains(k)) out = j.at(k).get<int64_t>();
  };
  auto i32 = [&](const char* k, int& out) {
    if (j.contains(k)) out = static_cast<int>(std::clamp<int64_t>(j.at(k).get<int64_t>(), -1, 1'000'000));
  };
  i64("freeze_before_close_s", p.freeze_before_close_s);
  i32("min_timed_bidders", p.min_timed_bidders);
  if (j.contains("opt_in_mode")) {
    auto v = a::parse_opt_in(j.at("opt_in_mode").get<std::string>());
    if (!v) return bad("opt_in_mode", "must be automatic or confirm");
    p.opt_in_mode = *v;
  }
  i64("opt_in_window_s", p.opt_in_window_s);
  if (j.contains("auto_requires_listing_bid")) {
    p.auto_requires_listing_bid = j.at("auto_requires_listing_bid").get<bool>();
  }
  if (j.contains("extension")) {
    auto v = a::parse_extension(j.at("extension").get<std::string>());
    if (!v) return bad("extension", "must be reset or window");
    p.extension = *v;
  }
  i64("countdown_s", p.countdown_s);
  i64("window_s", p.window_s);
  i64("extend_s", p.extend_s);
  if (j.contains("extend_from_bid")) p.extend_from_bid = j.at("extend_from_bid").get<bool>();
  i64("price_cap_fen", p.price_cap_fen);
  if (j.contains("cap_tie_break")) {
    auto v = a::parse_tie_break(j.at("cap_tie_break").get<std::string>());
    if (!v) return bad("cap_tie_break", "must be sealed_quote or lottery");
    p.cap_tie_break = *v;
  }
  i64("quote_window_s", p.quote_window_s);
  if (j.contains("lottery_seed")) p.lottery_seed = j.at("lottery_seed").get<uint64_t>();
  if (j.contains("reserve_commitment")) p.reserve_commitment = j.at("reserve_commitment");
  i32("calls_to_hammer", p.calls_to_hammer);
  i32("tender_min_bids", p.tender_min_bids);
  i32("panel_size", p.panel_size);
  i32("score_max", p.score_max);
  i64("floor_price_fen", p.floor_price_fen);
  if (std::string why = a::validate(p); !why.empty()) {
    std::string field = why.substr(0, why.find(' '));
    return bad(field, why);
  }
  return p;
}

Json to_json(const a::Lot& lot, bool reveal_sealed) {
  const auto& p = lot.params();
  auto paddle = [&](const std::string& bidder) -> Json {
    if (bidder.empty()) return nullptr;
    const a::Bidder* b = lot.find_bidder(bidder);
    return b != nullptr ? Json(b->registered_seq) : Json(nullptr);
  };
  Json j = {
      {"method", std::string(a::name(p.method))},
      {"phase", std::string(a::name(lot.phase()))},
      {"start_price_fen", p.start_price_fen},
      {"increment_fen", lot.increment_fen()},
      {"open_at", iso(p.open_at_ms)},
      {"close_at", iso(p.close_at_ms)},
      {"bid_count", static_cast<int64_t>(lot.bids().size())},
      {"bidder_count", static_cast<int64_t>(lot.bidders().size())},
      {"countdown_restarts", lot.countdown_restarts()},
      {"calls", lot.calls()},
      {"has_reserve", !p.reserve_commitment.empty()},
      {"price_cap_fen", p.price_cap_fen},
  };
  const bool sealed = p.method == a::Method::tender && !lot.decided() && !reveal_sealed;
  j["high_fen"] = sealed ? Json(nullptr) : Json(lot.high_fen());
  j["high_paddle"] = sealed ? Json(nullptr) : paddle(lot.high_bidder());
  j["next_min_fen"] = lot.next_min_fen();
  j["deadline"] = lot.deadline_ms() != 0 ? Json(iso(lot.deadline_ms())) : Json(nullptr);
  if (lot.decided()) {
    const auto& o = lot.outcome();
    j["outcome"] = {{"sold", lot.phase() == a::Phase::sold},
                    {"winner_paddle", paddle(o.winner)},
                    {"price_fen", o.price_fen},
                    {"reason", o.reason},
                    {"reserve_fen", o.reserve_fen ? Json(*o.reserve_fen) : Json(nullptr)},
                    {"winning_quote_fen",
                     o.winning_quote_fen ? Json(*o.winning_quote_fen) : Json(nullptr)},
                    {"lottery_draw", o.lottery_draw ? Json(*o.lottery_draw) : Json(nullptr)}};
    if (reveal_sealed) j["outcome"]["winner"] = o.winner;
  }
  return j;
}

ledger::Id128 ledger_id(std::string_view purpose, std::string_view ref) {
  const std::string h = core::sha256_hex("land:" + std::string(purpose) + ":" + std::string(ref));
  auto id = ledger::Id128::parse(h.substr(0, 32));
  assert(id && !id->is_zero() && !id->is_max());
  return *id;
}

// ------------------------------------------------------------------ the service

namespace {

struct LotState {
  std::mutex mu;
  std::string id;
  std::string division;
  std::string collective_id;
  int64_t deposit_fen = 0;
  a::Lot lot;
  std::atomic<bool> broken{false};
  LotState(std::string i, a::Params p) : id(std::move(i)), lot(std::move(p)) {}
};

struct Item {
  std::shared_ptr<LotState> lot;
  std::vector<a::Event> events;
  int64_t first_seq = 0;
  std::string actor;
  std::string key;
  std::string rh;
  Json result;
  Json summary;  // the lot's public JSON after this input (for the lots row and listeners)
  std::string phase;
  int64_t high = 0;
  std::string winner;
  int64_t price = 0;
  std::function<void(store::Tx&)> extra;
  bool done = false;
  std::optional<Error> err;
};

}  // namespace

Error to_error(a::Result r) {
  ErrorKind k = ErrorKind::conflict;
  switch (r) {
    case a::Result::unknown_bidder: case a::Result::no_deposit: case a::Result::not_participant:
      k = ErrorKind::forbidden; break;
    case a::Result::amount_not_positive: case a::Result::below_start: case a::Result::below_current:
    case a::Result::off_increment: case a::Result::above_cap: case a::Result::below_floor:
    case a::Result::bad_score: case a::Result::reserve_mismatch:
      k = ErrorKind::invalid; break;
    default: break;
  }
  Error e = Error::make(k, "land." + std::string(a::name(r)), "input refused: " + std::string(a::name(r)));
  if (k == ErrorKind::invalid) e.fields.push_back({"amount_fen", std::string(a::name(r))});
  return e;
}

struct Lots::Impl {
  store::Database& db;
  audit::CommandRunner& runner;
  ledger::Service& ledger;
  const core::Clock& clock;
  LotsOptions opts;
  core::IdGenerator ids;

  std::mutex map_mu;
  std::unordered_map<std::string, std::shared_ptr<LotState>> lots;

  std::mutex idem_mu;
  std::unordered_set<std::string> inflight;

  std::mutex q_mu;
  std::condition_variable q_cv;
  std::deque<Item*> queue;
  bool leader = false;
  int64_t batch_no = 0;
  std::atomic<int64_t> stat_batches{0}, stat_inputs{0};

  std::mutex listen_mu;
  uint64_t next_token = 1;
  std::unordered_map<uint64_t, std::pair<std::string, Listener>> listeners;

  Impl(store::Database& d, audit::CommandRunner& r, ledger::Service& l, const core::Clock& c,
       LotsOptions o)
      : db(d), runner(r), ledger(l), clock(c), opts(o), ids(c, 0x1a2d5eedULL) {}

  Result<std::shared_ptr<LotState>> load(const std::string& lot_id) {
    {
      std::lock_guard lk(map_mu);
      auto it = lots.find(lot_id);
      if (it != lots.end() && !it->second->broken) return it->second;
    }
    auto rows = store::transact(db, store::TxKind::read, [&](store::Tx& tx) -> Result<std::pair<store::Rows, store::Rows>> {
      auto lot = tx.query("SELECT params, division_code, collective_id, deposit_fen FROM land_lots WHERE id = ?", {lot_id});
      if (lot.empty()) {
        return Error::make(ErrorKind::not_found, "land.lot_not_found", "no lot " + lot_id);
      }
      auto ev = tx.query("SELECT kind, at_ms, bidder, amount, aux, text FROM land_lot_events WHERE lot_id = ? ORDER BY seq", {lot_id});
      return std::make_pair(std::move(lot), std::move(ev));
    });
    if (!rows.ok()) return rows.error();
    const auto& lr = rows->first.front();
    auto pj = core::parse_json(lr.str(0));
    if (!pj.ok()) return pj.error();
    auto params = params_from_json(*pj);
    if (!params.ok()) return params.error();
    auto st = std::make_shared<LotState>(lot_id, *params);
    st->division = lr.str(1);
    st->collective_id = lr.str(2);
    st->deposit_fen = lr.i64(3);
    for (const auto& r : rows->second) {
      auto kind = a::parse_event_kind(r.str(0));
      a::Event e{kind.value_or(a::EventKind::tick), r.i64(1), r.str(2), r.i64(3), r.i64(4), r.str(5)};
      if (!kind || st->lot.apply(e) != a::Result::ok) {
        return Error::make(ErrorKind::internal, "land.replay_failed",
                           "the event log of lot " + lot_id + " does not replay");
      }
    }
    std::lock_guard lk(map_mu);
    auto [it, inserted] = lots.try_emplace(lot_id, st);
    if (!inserted) {
      if (!it->second->broken) return it->second;
      it->second = st;
    }
    return st;
  }

  // Writes one batch; every item's events, request row, extra SQL and lot row.
  Status write_batch(const std::vector<Item*>& batch) {
    const int64_t no = ++batch_no;
    Json inputs = Json::array();
    for (const Item* it : batch) {
      inputs.push_back({{"lot", it->lot->id}, {"actor", it->actor}, {"request", it->rh},
                        {"first_seq", it->first_seq},
                        {"events", static_cast<int64_t>(it->events.size())},
                        {"result", it->result.value("result", "")}});
    }
    audit::CommandContext ctx{"system", "land.inputs:" + ids.next()};
    auto r = runner.run(ctx, "land", "lot.inputs", Json{{"inputs", inputs}},
                        [&](store::Tx& tx) -> Result<Json> {
      std::unordered_map<LotState*, const Item*> last;
      for (const Item* it : batch) {
        int64_t seq = it->first_seq;
        for (const auto& e : it->events) {
          tx.exec("INSERT INTO land_lot_events (lot_id, seq, kind, at_ms, bidder, amount, aux, text, actor, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {it->lot->id, seq++, std::string(a::name(e.kind)), e.at_ms, e.bidder, e.amount,
                   e.aux, e.text, it->actor, no});
        }
        if (!it->key.empty()) {
          tx.exec("INSERT INTO land_requests (actor, idem_key, lot_id, request_hash, result) VALUES (?, ?, ?, ?, ?)",
                  {it->actor, it->key, it->lot->id, it->rh, core::canonical(it->result)});
        }
        if (it->extra) it->extra(tx);
        if (!it->events.empty()) last[it->lot.get()] = it;
      }
      for (const auto& [st, it] : last) {
        tx.exec("UPDATE land_lots SET phase = ?, high_fen = ?, winner = ?, price_fen = ? WHERE id = ?",
                {it->phase, it->high, it->winner.empty() ? std::optional<std::string>() : it->winner,
                 it->winner.empty() ? std::optional<int64_t>() : it->price, st->id});
      }
      return Json{{"inputs", static_cast<int64_t>(batch.size())}};
    });
    if (!r.ok()) return r.error();
    return ok_status();
  }

  void commit(Item* item) {
    std::unique_lock lk(q_mu);
    while (!item->done) {
      if (leader) {
        q_cv.wait(lk);
        continue;
      }
      leader = true;
      if (opts.linger_us > 0 && queue.size() < opts.max_batch) {
        // Let bidders that are on their way join this batch (fewer, larger commits).
        lk.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(opts.linger_us));
        lk.lock();
      }
      std::vector<Item*> batch;
      std::vector<Item*> skipped;
      while (!queue.empty() && batch.size() < opts.max_batch) {
        Item* it = queue.front();
        queue.pop_front();
        (it->lot->broken ? skipped : batch).push_back(it);
      }
      lk.unlock();
      Status st = batch.empty() ? ok_status() : write_batch(batch);
      if (!batch.empty()) {
        stat_batches.fetch_add(1, std::memory_order_relaxed);
        stat_inputs.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
      }
      if (!st.ok()) {
        for (Item* it : batch) it->lot->broken = true;  // reload from the database
      }
      lk.lock();
      for (Item* it : batch) {
        it->done = true;
        if (!st.ok()) it->err = st.error();
      }
      for (Item* it : skipped) {
        it->done = true;
        it->err = Error::make(ErrorKind::unavailable, "land.retry",
                              "an earlier input of this lot failed to commit; retry");
      }
      leader = false;
      q_cv.notify_all();
    }
  }

  void publish(const std::string& lot_id, const Json& summary) {
    std::vector<Listener> fns;
    {
      std::lock_guard lk(listen_mu);
      for (const auto& [tok, l] : listeners) {
        if (l.first == lot_id) fns.push_back(l.second);
      }
    }
    for (auto& fn : fns) fn(summary);
  }

  Json public_json(const LotState& st) {
    Json j = to_json(st.lot, false);
    j["id"] = st.id;
    j["server_time"] = iso(now_ms(clock));
    return j;
  }

  // Runs one input through idempotency, the lot lock, the engine and the group commit.
  template <class F>
  Result<InputReply> input(const std::string& actor, const std::string& key,
                           const std::string& lot_id, const Json& request, F&& fn,
                           std::function<void(store::Tx&)> extra = {}) {
    if (!key.empty() && key.size() > 200) {
      return Error::field("idempotency.key_required", "Idempotency-Key",
                          "an idempotency key of 1 to 200 characters is required");
    }
    auto st = load(lot_id);
    if (!st.ok()) return st.error();
    const std::string rh = core::sha256_hex(core::canonical(Json{{"lot", lot_id}, {"request", request}}));
    const std::string ik = actor + "\n" + key;
    if (!key.empty()) {
      {
        std::lock_guard lk(idem_mu);
        if (!inflight.insert(ik).second) {
          return Error::make(ErrorKind::conflict, "idempotency.in_progress",
                             "a request with this Idempotency-Key is still in progress");
        }
      }
      auto prior = store::transact(db, store::TxKind::read, [&](store::Tx& tx) -> Result<std::optional<store::Row>> {
        return tx.query_one("SELECT request_hash, result FROM land_requests WHERE actor = ? AND idem_key = ?", {actor, key});
      });
      if (!prior.ok() || prior->has_value()) {
        std::lock_guard lk(idem_mu);
        inflight.erase(ik);
        if (!prior.ok()) return prior.error();
        const auto& row = **prior;
        if (row.str(0) != rh) {
          return Error::make(ErrorKind::conflict, "idempotency.mismatch",
                             "Idempotency-Key '" + key + "' was used with a different request");
        }
        auto res = core::parse_json(row.str(1));
        if (!res.ok()) return res.error();
        return InputReply{*res, true};
      }
    }
    Item item;
    item.lot = *st;
    item.actor = actor;
    item.key = key;
    item.rh = rh;
    item.extra = std::move(extra);
    {
      LotState& s = **st;
      std::lock_guard lk(s.mu);
      if (s.broken) {
        std::lock_guard ik_lk(idem_mu);
        inflight.erase(ik);
        return Error::make(ErrorKind::unavailable, "land.retry", "the lot is reloading; retry");
      }
      const int64_t at = std::max(now_ms(clock), s.lot.last_at_ms());
      const size_t before = s.lot.log().size();
      const a::Result r = fn(s.lot, at);
      const auto& log = s.lot.log();
      item.events.assign(log.begin() + static_cast<std::ptrdiff_t>(before), log.end());
      item.first_seq = static_cast<int64_t>(before) + 1;
      item.summary = public_json(s);
      item.result = {{"result", std::string(a::name(r))}, {"at", iso(at)}, {"lot", item.summary}};
      if (r == a::Result::ok && !item.events.empty()) {
        item.result["seq"] = static_cast<int64_t>(log.size());
      }
      item.phase = std::string(a::name(s.lot.phase()));
      item.high = s.lot.high_fen();
      item.winner = s.lot.outcome().winner;
      item.price = s.lot.outcome().price_fen;
      if (item.events.empty() && (key.empty() || r != a::Result::ok)) {
        // Nothing to store: a tick that changed nothing, or a refused input (like a refused
        // command, a refusal leaves no trace; a retry with the same key is evaluated afresh).
        std::lock_guard ik_lk(idem_mu);
        if (!key.empty()) inflight.erase(ik);
        return InputReply{item.result, false};
      }
      std::lock_guard qlk(q_mu);
      queue.push_back(&item);
    }
    commit(&item);
    if (!key.empty()) {
      std::lock_guard lk(idem_mu);
      inflight.erase(ik);
    }
    if (item.err) return *item.err;
    if (!item.events.empty()) publish(lot_id, item.summary);
    return InputReply{item.result, false};
  }

  Status ensure_accounts(std::vector<ledger::Account> accts, const std::string& actor) {
    auto r = ledger.create_accounts(accts, actor);
    if (!r.ok()) return r.error();
    for (auto res : r->results) {
      if (!ledger::succeeded(res)) return ledger::to_error(res);
    }
    return ok_status();
  }

  static ledger::Account account(ledger::Id128 id, uint16_t code, uint16_t flags,
                                 std::string owner, std::string division) {
    ledger::Account acc;
    acc.id = id;
    acc.ledger = ledger::kLedgerCny;
    acc.code = code;
    acc.flags = flags;
    acc.owner = std::move(owner);
    acc.division_code = std::move(division);
    return acc;
  }

  Result<ledger::TransferResult> transfer(ledger::Transfer t, const std::string& actor) {
    const bool resolves = (t.flags & (ledger::transfer_flags::post_pending_transfer |
                                      ledger::transfer_flags::void_pending_transfer)) != 0;
    t.ledger = resolves ? 0 : ledger::kLedgerCny;
    auto r = ledger.create_transfers(std::span<const ledger::Transfer>(&t, 1), actor);
    if (!r.ok()) return r.error();
    return r->results.front();
  }
};

Lots::Lots(store::Database& db, audit::CommandRunner& runner, ledger::Service& ledger,
           const core::Clock& clock, LotsOptions opts)
    : impl_(std::make_unique<Impl>(db, runner, ledger, clock, opts)) {}
Lots::~Lots() = default;

LotsStats Lots::stats() const {
  return {impl_->stat_batches.load(), impl_->stat_inputs.load()};
}

void Lots::drop_cache() {
  std::lock_guard lk(impl_->map_mu);
  impl_->lots.clear();
}

Result<Json> Lots::create(const auth::Principal& p, const audit::CommandContext& ctx,
                          const LotInput& in) {
  RL_TRY(auth::require_role(p, {auth::Role::officer, auth::Role::platform_admin}));
  RL_TRY(auth::require_jurisdiction(p, in.division_code));
  if (in.title.empty() || in.title.size() > 200) {
    return Error::field("land.invalid_title", "title", "must be 1 to 200 characters");
  }
  if (in.deposit_fen <= 0) {
    return Error::field("land.invalid_deposit", "deposit_fen", "must be positive");
  }
  if (std::string why = a::validate(in.params); !why.empty()) {
    return Error::field("land.invalid_params", "params", why);
  }
  a::Params params = in.params;
  const std::string id = impl_->ids.next();
  if (params.lottery_seed == 0) {
    // Derived from the lot id and parameters published in the announcement.
    params.lottery_seed = std::stoull(core::sha256_hex(id + core::canonical(params_to_json(params))).substr(0, 15), nullptr, 16);
  }
  Json pj = params_to_json(params);
  Json payload = {{"title", in.title}, {"division_code", in.division_code},
                  {"collective_id", in.collective_id}, {"deposit_fen", in.deposit_fen},
                  {"case_id", in.case_id ? Json(*in.case_id) : Json(nullptr)}, {"params", params_to_json(in.params)}};
  auto out = impl_->runner.run(ctx, "land", "lot.create", payload, [&](store::Tx& tx) -> Result<Json> {
    tx.exec("INSERT INTO land_lots (id, case_id, division_code, title, params, deposit_fen, collective_id, phase, high_fen, winner, price_fen, settled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'scheduled', 0, NULL, NULL, 0, ?)",
            {id, in.case_id, in.division_code, in.title, core::canonical(pj), in.deposit_fen,
             in.collective_id, core::format_utc(impl_->clock.now())});
    return Json{{"id", id}, {"params", pj}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<Json> Lots::pay_in(const auth::Principal& p, const audit::CommandContext& ctx,
                          const std::string& bidder, int64_t amount_fen) {
  RL_TRY(auth::require_role(p, {auth::Role::officer, auth::Role::platform_admin, auth::Role::bank}));
  if (amount_fen <= 0) return Error::field("land.invalid_amount", "amount_fen", "must be positive");
  if (bidder.empty()) return Error::field("land.invalid_bidder", "bidder", "is required");
  auto& I = *impl_;
  RL_TRY(I.ensure_accounts({Impl::account(ledger_id("clearing", "cny"), codes::clearing, 0, "land:clearing", ""),
                            Impl::account(ledger_id("wallet", bidder), codes::wallet,
                                          ledger::account_flags::debits_must_not_exceed_credits,
                                          "bidder:" + bidder, "")},
                           p.actor()));
  ledger::Transfer t;
  t.id = ledger_id("pay_in", ctx.actor + ":" + ctx.idempotency_key);
  t.debit_account_id = ledger_id("clearing", "cny");
  t.credit_account_id = ledger_id("wallet", bidder);
  t.amount = amount_fen;
  t.code = codes::pay_in;
  auto r = I.transfer(t, p.actor());
  if (!r.ok()) return r.error();
  if (!ledger::succeeded(r->result)) return ledger::to_error(r->result);
  auto out = I.runner.run(ctx, "land", "deposit.pay_in", Json{{"bidder", bidder}, {"amount_fen", amount_fen}},
                          [&](store::Tx&) -> Result<Json> {
                            return Json{{"bidder", bidder}, {"amount_fen", amount_fen},
                                        {"transfer_id", t.id.str()}};
                          });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<InputReply> Lots::register_bidder(const auth::Principal& p, const std::string& key,
                                         const std::string& lot_id) {
  RL_TRY(auth::require_role(p, {auth::Role::bidder}));
  auto& I = *impl_;
  auto bl = blacklisted(p.user_id);
  if (!bl.ok()) return bl.error();
  if (*bl) {
    return Error::make(ErrorKind::forbidden, "land.bidder_blacklisted",
                       "this bidder is blacklisted after refusing to sign");
  }
  auto st = I.load(lot_id);
  if (!st.ok()) return st.error();
  const std::string bidder = p.user_id;
  const int64_t deposit = (*st)->deposit_fen;
  {
    // Refuse before writing anything when the deposit sub-account cannot cover the deposit
    // (the ledger would refuse the hold too, but only after logging the attempt).
    ledger::Id128 ids[] = {ledger_id("wallet", bidder), ledger_id("escrow", lot_id)};
    auto found = I.ledger.lookup_accounts(ids);
    if (!found.ok()) return found.error();
    const ledger::Account* wallet = nullptr;
    bool have_escrow = false;
    for (const auto& acc : *found) {
      if (acc.id == ids[0]) wallet = &acc;
      if (acc.id == ids[1]) have_escrow = true;
    }
    const bool held_already = [&] {
      std::lock_guard lk((*st)->mu);
      const a::Bidder* b = (*st)->lot.find_bidder(bidder);
      return b != nullptr && b->deposit_held;
    }();
    if (!held_already) {
      const int64_t available = wallet == nullptr ? 0
          : wallet->balances.credits_posted - wallet->balances.debits_posted - wallet->balances.debits_pending;
      if (available < deposit) {
        return Error::make(ErrorKind::conflict, "land.deposit_insufficient",
                           "the deposit sub-account holds less than the lot's deposit");
      }
    }
    if (!have_escrow) {
      RL_TRY(I.ensure_accounts({Impl::account(ledger_id("escrow", lot_id), codes::escrow, 0,
                                              "lot:" + lot_id, (*st)->division)},
                               p.actor()));
    }
  }
  ledger::Transfer hold;
  hold.id = ledger_id("deposit", lot_id + ":" + bidder);
  hold.debit_account_id = ledger_id("wallet", bidder);
  hold.credit_account_id = ledger_id("escrow", lot_id);
  hold.amount = deposit;
  hold.code = codes::deposit_hold;
  hold.flags = ledger::transfer_flags::pending;
  auto hr = I.transfer(hold, p.actor());
  if (!hr.ok()) return hr.error();
  if (!ledger::succeeded(hr->result)) {
    if (hr->result == ledger::CreateTransferResult::exceeds_credits) {
      return Error::make(ErrorKind::conflict, "land.deposit_insufficient",
                         "the deposit sub-account holds less than the lot's deposit");
    }
    return ledger::to_error(hr->result);
  }
  const std::string hold_id = hold.id.str();
  auto r = I.input(p.actor(), key, lot_id, Json{{"cmd", "register"}, {"bidder", bidder}},
                   [&](a::Lot& lot, int64_t at) { return lot.register_bidder(at, bidder, true); },
                   [lot_id, bidder, hold_id, deposit](store::Tx& tx) {
                     if (tx.query_one("SELECT 1 FROM land_lot_bidders WHERE lot_id = ? AND bidder = ?", {lot_id, bidder})) return;
                     tx.exec("INSERT INTO land_lot_bidders (lot_id, bidder, deposit_transfer, deposit_fen, status) VALUES (?, ?, ?, ?, 'held')",
                             {lot_id, bidder, hold_id, deposit});
                   });
  auto registered = [&]() {
    auto s = standing(lot_id, bidder);
    return s.ok() && s->value("registered", false);
  };
  if (r.ok() && r->result.value("result", "") != "ok" &&
      r->result.value("result", "") != "already_registered" && !registered()) {
    // The engine refused a new bidder (e.g. registration closed): release the hold. A bidder
    // already registered keeps it (a late repeated registration must not free a live deposit).
    ledger::Transfer v;
    v.id = ledger_id("deposit_void", lot_id + ":" + bidder);
    v.pending_id = hold.id;
    v.flags = ledger::transfer_flags::void_pending_transfer;
    (void)I.transfer(v, p.actor());
  }
  return r;
}

Result<InputReply> Lots::bid(const auth::Principal& p, const std::string& key,
                             const std::string& lot_id, int64_t amount) {
  RL_TRY(auth::require_role(p, {auth::Role::bidder}));
  const std::string bidder = p.user_id;
  return impl_->input(p.actor(), key, lot_id, Json{{"cmd", "bid"}, {"amount_fen", amount}},
                      [&](a::Lot& lot, int64_t at) { return lot.bid(at, bidder, amount); });
}

Result<InputReply> Lots::opt_in(const auth::Principal& p, const std::string& key,
                                const std::string& lot_id) {
  RL_TRY(auth::require_role(p, {auth::Role::bidder}));
  const std::string bidder = p.user_id;
  return impl_->input(p.actor(), key, lot_id, Json{{"cmd", "opt_in"}},
                      [&](a::Lot& lot, int64_t at) { return lot.opt_in(at, bidder); });
}

Result<InputReply> Lots::quote(const auth::Principal& p, const std::string& key,
                               const std::string& lot_id, int64_t amount) {
  RL_TRY(auth::require_role(p, {auth::Role::bidder}));
  const std::string bidder = p.user_id;
  return impl_->input(p.actor(), key, lot_id, Json{{"cmd", "quote"}, {"amount_fen", amount}},
                      [&](a::Lot& lot, int64_t at) { return lot.quote(at, bidder, amount); });
}

namespace {
Status require_host(const auth::Principal& p, const std::string& division) {
  RL_TRY(auth::require_role(p, {auth::Role::officer, auth::Role::platform_admin}));
  return auth::require_jurisdiction(p, division);
}

// A hosting officer's input: the lot must exist and lie within the officer's jurisdiction.
template <class Impl, class F>
Result<InputReply> host_input(Impl& impl, const auth::Principal& p, const std::string& key,
                              const std::string& lot_id, const Json& request, F&& fn) {
  auto st = impl.load(lot_id);
  if (!st.ok()) return st.error();
  RL_TRY(require_host(p, (*st)->division));
  return impl.input(p.actor(), key, lot_id, request, std::forward<F>(fn));
}
}  // namespace

Result<InputReply> Lots::call(const auth::Principal& p, const std::string& key,
                              const std::string& lot_id) {
  return host_input(*impl_, p, key, lot_id, Json{{"cmd", "call"}},
                    [&](a::Lot& lot, int64_t at) { return lot.call(at); });
}

Result<InputReply> Lots::adjust_increment(const auth::Principal& p, const std::string& key,
                                          const std::string& lot_id, int64_t inc) {
  return host_input(*impl_, p, key, lot_id, Json{{"cmd", "adjust_increment"}, {"increment_fen", inc}},
                    [&](a::Lot& lot, int64_t at) { return lot.adjust_increment(at, inc); });
}

Result<InputReply> Lots::score(const auth::Principal& p, const std::string& key,
                               const std::string& lot_id, int member, const std::string& bidder,
                               int score) {
  return host_input(*impl_, p, key, lot_id,
                    Json{{"cmd", "score"}, {"member", member}, {"bidder", bidder}, {"score", score}},
                    [&](a::Lot& lot, int64_t at) { return lot.score(at, member, bidder, score); });
}

Result<InputReply> Lots::award(const auth::Principal& p, const std::string& key,
                               const std::string& lot_id) {
  return host_input(*impl_, p, key, lot_id, Json{{"cmd", "award"}},
                    [&](a::Lot& lot, int64_t at) { return lot.award(at); });
}

Result<InputReply> Lots::reveal_reserve(const auth::Principal& p, const std::string& key,
                                        const std::string& lot_id, int64_t reserve,
                                        const std::string& salt) {
  return host_input(*impl_, p, key, lot_id,
                    Json{{"cmd", "reveal_reserve"}, {"reserve_fen", reserve}, {"salt", salt}},
                    [&](a::Lot& lot, int64_t at) { return lot.reveal_reserve(at, reserve, salt); });
}

Result<InputReply> Lots::tick(const std::string& lot_id) {
  return impl_->input("system", "", lot_id, Json{{"cmd", "tick"}},
                      [&](a::Lot& lot, int64_t at) { return lot.advance(at); });
}

Result<int> Lots::tick_all() {
  auto rows = store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<store::Rows> {
    return tx.query("SELECT id, phase FROM land_lots WHERE phase <> 'sold' AND phase <> 'not_sold' ORDER BY id LIMIT 10000");
  });
  if (!rows.ok()) return rows.error();
  int changed = 0;
  for (const auto& r : *rows) {
    auto t = tick(r.str(0));
    if (!t.ok()) return t.error();
    if (t->result["lot"].value("phase", "") != r.str(1)) ++changed;
  }
  return changed;
}

Result<Json> Lots::settle(const auth::Principal& p, const audit::CommandContext& ctx,
                          const std::string& lot_id) {
  auto& I = *impl_;
  auto st = I.load(lot_id);
  if (!st.ok()) return st.error();
  RL_TRY(require_host(p, (*st)->division));
  std::string winner;
  {
    std::lock_guard lk((*st)->mu);
    if (!(*st)->lot.decided()) {
      return Error::make(ErrorKind::conflict, "land.lot_not_decided", "the lot is not decided yet");
    }
    winner = (*st)->lot.outcome().winner;
  }
  auto rows = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) -> Result<store::Rows> {
    return tx.query("SELECT bidder, deposit_transfer, deposit_fen, status FROM land_lot_bidders WHERE lot_id = ? ORDER BY bidder", {lot_id});
  });
  if (!rows.ok()) return rows.error();
  std::vector<ledger::Transfer> ts;
  std::vector<std::pair<std::string, std::string>> statuses;
  for (const auto& r : *rows) {
    if (r.str(3) != "held") continue;
    const bool win = r.str(0) == winner;
    ledger::Transfer t;
    t.id = ledger_id(win ? "deposit_post" : "deposit_void", lot_id + ":" + r.str(0));
    t.pending_id = *ledger::Id128::parse(r.str(1));
    t.flags = win ? ledger::transfer_flags::post_pending_transfer
                  : ledger::transfer_flags::void_pending_transfer;
    t.amount = win ? r.i64(2) : 0;
    ts.push_back(t);
    statuses.emplace_back(r.str(0), win ? "applied" : "refunded");
  }
  if (!ts.empty()) {
    auto lr = I.ledger.create_transfers(ts, p.actor());
    if (!lr.ok()) return lr.error();
    for (auto res : lr->results) {
      if (!ledger::succeeded(res.result)) return ledger::to_error(res.result);
    }
  }
  Json payload = {{"lot_id", lot_id}};
  auto out = I.runner.run(ctx, "land", "lot.settle", payload, [&](store::Tx& tx) -> Result<Json> {
    Json changed = Json::array();
    for (const auto& [b, s] : statuses) {
      tx.exec("UPDATE land_lot_bidders SET status = ? WHERE lot_id = ? AND bidder = ? AND status = 'held'", {s, lot_id, b});
      changed.push_back({{"bidder", b}, {"status", s}});
    }
    tx.exec("UPDATE land_lots SET settled = 1 WHERE id = ?", {lot_id});
    return Json{{"lot_id", lot_id}, {"winner", winner}, {"deposits", changed}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<Json> Lots::forfeit(const auth::Principal& p, const audit::CommandContext& ctx,
                           const std::string& lot_id, const std::string& reason) {
  auto& I = *impl_;
  auto st = I.load(lot_id);
  if (!st.ok()) return st.error();
  RL_TRY(require_host(p, (*st)->division));
  std::string winner;
  {
    std::lock_guard lk((*st)->mu);
    if ((*st)->lot.phase() != a::Phase::sold) {
      return Error::make(ErrorKind::conflict, "land.lot_not_sold", "only a sold lot's winner can forfeit");
    }
    winner = (*st)->lot.outcome().winner;
  }
  auto row = store::transact(I.db, store::TxKind::read, [&](store::Tx& tx) -> Result<std::optional<store::Row>> {
    return tx.query_one("SELECT deposit_transfer, deposit_fen, status FROM land_lot_bidders WHERE lot_id = ? AND bidder = ?", {lot_id, winner});
  });
  if (!row.ok()) return row.error();
  if (!*row) return Error::make(ErrorKind::conflict, "land.no_deposit_record", "the winner has no deposit record");
  const int64_t dep = (*row)->i64(1);
  if ((*row)->str(2) == "forfeited") {
    return Error::make(ErrorKind::conflict, "land.already_forfeited", "the deposit is already forfeited");
  }
  RL_TRY(I.ensure_accounts({Impl::account(ledger_id("collective", (*st)->collective_id), codes::collective, 0,
                                          "collective:" + (*st)->collective_id, (*st)->division)},
                           p.actor()));
  std::vector<ledger::Transfer> ts;
  if ((*row)->str(2) == "held") {
    ledger::Transfer post;
    post.id = ledger_id("deposit_post", lot_id + ":" + winner);
    post.pending_id = *ledger::Id128::parse((*row)->str(0));
    post.flags = ledger::transfer_flags::post_pending_transfer;
    post.amount = dep;
    ts.push_back(post);
  }
  ledger::Transfer f;
  f.id = ledger_id("forfeit", lot_id);
  f.debit_account_id = ledger_id("escrow", lot_id);
  f.credit_account_id = ledger_id("collective", (*st)->collective_id);
  f.amount = dep;
  f.ledger = ledger::kLedgerCny;
  f.code = codes::forfeit;
  ts.push_back(f);
  auto lr = I.ledger.create_transfers(ts, p.actor());
  if (!lr.ok()) return lr.error();
  for (auto res : lr->results) {
    if (!ledger::succeeded(res.result)) return ledger::to_error(res.result);
  }
  auto out = I.runner.run(ctx, "land", "lot.forfeit", Json{{"lot_id", lot_id}, {"reason", reason}},
                          [&](store::Tx& tx) -> Result<Json> {
    tx.exec("UPDATE land_lot_bidders SET status = 'forfeited' WHERE lot_id = ? AND bidder = ?", {lot_id, winner});
    if (!tx.query_one("SELECT 1 FROM land_blacklist WHERE bidder = ?", {winner})) {
      tx.exec("INSERT INTO land_blacklist (bidder, reason, lot_id, at) VALUES (?, ?, ?, ?)",
              {winner, reason, lot_id, core::format_utc(I.clock.now())});
    }
    return Json{{"lot_id", lot_id}, {"bidder", winner}, {"forfeited_fen", dep}, {"blacklisted", true}};
  });
  if (!out.ok()) return out.error();
  return out->result;
}

Result<Json> Lots::get(const std::string& lot_id, bool reveal_sealed) {
  auto st = impl_->load(lot_id);
  if (!st.ok()) return st.error();
  std::lock_guard lk((*st)->mu);
  Json j = to_json((*st)->lot, reveal_sealed);
  j["id"] = lot_id;
  j["division_code"] = (*st)->division;
  j["deposit_fen"] = (*st)->deposit_fen;
  j["server_time"] = iso(now_ms(impl_->clock));
  if (reveal_sealed) j["params"] = params_to_json((*st)->lot.params());
  return j;
}

Result<Json> Lots::list(std::optional<std::string> scope, int limit) {
  limit = std::clamp(limit, 1, 500);
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query("SELECT id, title, division_code, phase, high_fen, deposit_fen, params, case_id FROM land_lots ORDER BY id DESC LIMIT ?", {limit});
    Json items = Json::array();
    for (const auto& r : rows) {
      if (scope && r.str(2).rfind(*scope, 0) != 0) continue;
      auto pj = core::parse_json(r.str(6));
      Json p = pj.ok() ? *pj : Json::object();
      items.push_back({{"id", r.str(0)}, {"title", r.str(1)}, {"division_code", r.str(2)},
                       {"phase", r.str(3)}, {"high_fen", r.i64(4)}, {"deposit_fen", r.i64(5)},
                       {"method", p.value("method", "")}, {"open_at", p.value("open_at", "")},
                       {"close_at", p.value("close_at", "")},
                       {"start_price_fen", p.value("start_price_fen", int64_t{0})},
                       {"case_id", r.opt_str(7) ? Json(*r.opt_str(7)) : Json(nullptr)}});
    }
    return Json{{"items", items}};
  });
}

Result<Json> Lots::bids(const std::string& lot_id, int64_t after_seq, int limit) {
  limit = std::clamp(limit, 1, 1000);
  auto st = impl_->load(lot_id);
  if (!st.ok()) return st.error();
  std::unordered_map<std::string, int64_t> paddles;
  {
    std::lock_guard lk((*st)->mu);
    if ((*st)->lot.params().method == a::Method::tender && !(*st)->lot.decided()) {
      return Json{{"items", Json::array()}, {"sealed", true}};
    }
    for (const auto& b : (*st)->lot.bidders()) paddles[b.id] = b.registered_seq;
  }
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<Json> {
    auto rows = tx.query("SELECT seq, at_ms, bidder, amount FROM land_lot_events WHERE lot_id = ? AND kind = 'bid' AND seq > ? ORDER BY seq LIMIT ?",
                         {lot_id, after_seq, limit});
    Json items = Json::array();
    for (const auto& r : rows) {
      items.push_back({{"seq", r.i64(0)}, {"at", iso(r.i64(1))}, {"paddle", paddles[r.str(2)]},
                       {"amount_fen", r.i64(3)}});
    }
    return Json{{"items", items}};
  });
}

Result<Json> Lots::standing(const std::string& lot_id, const std::string& bidder) {
  auto st = impl_->load(lot_id);
  if (!st.ok()) return st.error();
  // The bidder's deposit sub-account: available = posted credits − posted and pending debits.
  Json wallet = nullptr;
  {
    ledger::Id128 ids[] = {ledger_id("wallet", bidder)};
    auto acc = impl_->ledger.lookup_accounts(ids);
    if (acc.ok() && !acc->empty()) {
      const auto& b = acc->front().balances;
      wallet = {{"account_id", ids[0].str()},
                {"available_fen", static_cast<int64_t>(b.credits_posted) - static_cast<int64_t>(b.debits_posted) -
                                      static_cast<int64_t>(b.debits_pending)},
                {"held_fen", static_cast<int64_t>(b.debits_pending)}};
    }
  }
  std::string deposit_status;
  {
    auto row = store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<std::optional<store::Row>> {
      return tx.query_one("SELECT status FROM land_lot_bidders WHERE lot_id = ? AND bidder = ?", {lot_id, bidder});
    });
    if (row.ok() && *row) deposit_status = (*row)->str(0);
  }
  std::lock_guard lk((*st)->mu);
  const auto& lot = (*st)->lot;
  const a::Bidder* b = lot.find_bidder(bidder);
  if (b == nullptr) return Json{{"registered", false}, {"deposit_fen", (*st)->deposit_fen}, {"wallet", wallet}};
  const bool sealed = lot.params().method == a::Method::tender && !lot.decided();
  return Json{{"registered", true}, {"paddle", b->registered_seq}, {"deposit_held", b->deposit_held},
              {"deposit_fen", (*st)->deposit_fen}, {"deposit_status", deposit_status},
              {"opted_in", b->opted_in}, {"last_bid_fen", b->last_bid_fen},
              {"leading", !sealed && lot.high_bidder() == bidder},
              {"won", lot.phase() == a::Phase::sold && lot.outcome().winner == bidder},
              {"wallet", wallet}};
}

Result<Json> Lots::verify_replay(const std::string& lot_id) {
  auto live = impl_->load(lot_id);
  if (!live.ok()) return live.error();
  std::string live_digest;
  {
    std::lock_guard lk((*live)->mu);
    live_digest = (*live)->lot.digest();
  }
  // Load a fresh copy from the database alone.
  {
    std::lock_guard lk(impl_->map_mu);
    impl_->lots.erase(lot_id);
  }
  auto fresh = impl_->load(lot_id);
  if (!fresh.ok()) return fresh.error();
  std::lock_guard lk((*fresh)->mu);
  const bool same = (*fresh)->lot.digest() == live_digest;
  return Json{{"lot_id", lot_id}, {"events", static_cast<int64_t>((*fresh)->lot.log().size())},
              {"matches", same}};
}

Result<bool> Lots::blacklisted(const std::string& bidder) {
  return store::transact(impl_->db, store::TxKind::read, [&](store::Tx& tx) -> Result<bool> {
    return tx.query_one("SELECT 1 FROM land_blacklist WHERE bidder = ?", {bidder}).has_value();
  });
}

uint64_t Lots::subscribe(const std::string& lot_id, Listener fn) {
  std::lock_guard lk(impl_->listen_mu);
  const uint64_t t = impl_->next_token++;
  impl_->listeners.emplace(t, std::make_pair(lot_id, std::move(fn)));
  return t;
}

void Lots::unsubscribe(uint64_t token) {
  std::lock_guard lk(impl_->listen_mu);
  impl_->listeners.erase(token);
}

}  // namespace riverlink::land
