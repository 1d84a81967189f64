#include "audit/command.hpp"

#include "core/hash.hpp"

namespace riverlink::audit {

std::string request_hash(std::string_view module, std::string_view command, const core::Json& payload) {
  return core::sha256_hex(std::string(module) + "\n" + std::string(command) + "\n" + core::canonical(payload));
}

Result<std::optional<CommandOutcome>> CommandRunner::check_key(store::Tx& tx, const CommandContext& ctx,
                                                               std::string_view, std::string_view,
                                                               const std::string& rh) {
  tx.lock("idem:" + ctx.actor + ":" + ctx.idempotency_key);
  auto row = tx.query_one(
      "SELECT request_hash, response, audit_seq FROM idempotency_keys WHERE scope = ? AND idem_key = ?",
      {ctx.actor, ctx.idempotency_key});
  if (!row) return std::optional<CommandOutcome>{};
  if (row->str(0) != rh) {
    return Error::make(ErrorKind::conflict, "idempotency.mismatch",
                       "Idempotency-Key '" + ctx.idempotency_key +
                           "' was already used for a different request");
  }
  return std::optional<CommandOutcome>{CommandOutcome{core::Json::parse(row->str(1)), true, row->i64(2)}};
}

CommandOutcome CommandRunner::finish(store::Tx& tx, const CommandContext& ctx, std::string_view module,
                                     std::string_view command, const core::Json& payload,
                                     const std::string& rh, core::Json result) {
  auto now = clock_.now();
  auto entry = append(tx, now, NewEntry{ctx.actor, std::string(module), std::string(command),
                                        ctx.idempotency_key, payload});
  tx.exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, response, audit_seq, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          {ctx.actor, ctx.idempotency_key, rh, core::canonical(result), entry.seq, entry.at});
  return CommandOutcome{std::move(result), false, entry.seq};
}

}  // namespace riverlink::audit
