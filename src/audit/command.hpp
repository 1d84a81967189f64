// Commands: the one way state changes. Each runs in one write transaction, is idempotent by
// (actor, idempotency key), and appends one audit entry. Retrying a key with the same payload
// returns the first result; with a different payload it is refused (idempotency.mismatch).
#pragma once
#include <string>

#include "audit/audit.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "store/db.hpp"

namespace riverlink::audit {

struct CommandContext {
  std::string actor;            // "user:<id>", "cli:<login>" or "system"
  std::string idempotency_key;  // required, 1..200 chars
};

struct CommandOutcome {
  core::Json result;
  bool replayed = false;  // true when the result came from an earlier run of the same key
  int64_t audit_seq = 0;
};

// Thread-safe.
class CommandRunner {
 public:
  CommandRunner(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // fn: Result<core::Json>(store::Tx&). Its Json result is what the caller gets back, now and
  // on every retry with the same key.
  template <class F>
  Result<CommandOutcome> run(const CommandContext& ctx, std::string_view module,
                             std::string_view command, const core::Json& payload, F&& fn);

  store::Database& db() { return db_; }
  const core::Clock& clock() const { return clock_; }

 private:
  Result<std::optional<CommandOutcome>> check_key(store::Tx& tx, const CommandContext& ctx,
                                                  std::string_view module, std::string_view command,
                                                  const std::string& request_hash);
  CommandOutcome finish(store::Tx& tx, const CommandContext& ctx, std::string_view module,
                        std::string_view command, const core::Json& payload,
                        const std::string& request_hash, core::Json result);
  store::Database& db_;
  const core::Clock& clock_;
};

std::string request_hash(std::string_view module, std::string_view command, const core::Json& payload);

template <class F>
Result<CommandOutcome> CommandRunner::run(const CommandContext& ctx, std::string_view module,
                                          std::string_view command, const core::Json& payload,
                                          F&& fn) {
  if (ctx.idempotency_key.empty() || ctx.idempotency_key.size() > 200) {
    return Error::field("idempotency.key_required", "Idempotency-Key",
                        "an idempotency key of 1 to 200 characters is required");
  }
  const std::string rh = request_hash(module, command, payload);
  return store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> Result<CommandOutcome> {
    auto prior = check_key(tx, ctx, module, command, rh);
    if (!prior.ok()) return prior.error();
    if (prior.value()) return std::move(*prior.value());
    Result<core::Json> r = fn(tx);
    if (!r.ok()) return r.error();
    return finish(tx, ctx, module, command, payload, rh, std::move(r.value()));
  });
}

}  // namespace riverlink::audit
