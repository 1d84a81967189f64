// Ledger value types: ids, accounts, transfers, flags and the result enums.
// The semantics copy TigerBeetle's (see docs in /work/shared/spec/ledger.md §3-§7):
// amounts are int64 fen (or quota units), balances are four int64 counters per account,
// results are enums ordered by precedence (the first failing check wins).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace riverlink::ledger {

// A client-chosen 128-bit id, written as a UUID ("018f3c9e-7b1a-7c3d-8e2f-0123456789ab").
// 0 and 2^128-1 are reserved (never valid ids), as in TigerBeetle.
struct Id128 {
  uint64_t hi = 0;
  uint64_t lo = 0;

  constexpr bool is_zero() const { return hi == 0 && lo == 0; }
  constexpr bool is_max() const { return hi == ~uint64_t{0} && lo == ~uint64_t{0}; }
  constexpr auto operator<=>(const Id128&) const = default;

  static constexpr Id128 max() { return {~uint64_t{0}, ~uint64_t{0}}; }
  std::string str() const;  // lower-case UUID form, 36 chars
  // Accepts the UUID form or 32 hex digits, case-insensitive.
  static std::optional<Id128> parse(std::string_view s);
};

struct Id128Hash {
  size_t operator()(const Id128& id) const noexcept {
    uint64_t h = id.hi * 0x9E3779B97F4A7C15ULL ^ (id.lo + 0x632BE59BD9B4E019ULL + (id.hi << 6));
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// Ledger ids (spec §2).
inline constexpr uint32_t kLedgerCny = 156;     // CNY, fen
inline constexpr uint32_t kLedgerQuota = 9001;  // entitlement quota, fen-denominated

namespace account_flags {
inline constexpr uint16_t linked = 1 << 0;
inline constexpr uint16_t debits_must_not_exceed_credits = 1 << 1;
inline constexpr uint16_t credits_must_not_exceed_debits = 1 << 2;
inline constexpr uint16_t closed = 1 << 5;
inline constexpr uint16_t all = linked | debits_must_not_exceed_credits |
                                credits_must_not_exceed_debits | closed;
}  // namespace account_flags

namespace transfer_flags {
inline constexpr uint16_t linked = 1 << 0;
inline constexpr uint16_t pending = 1 << 1;
inline constexpr uint16_t post_pending_transfer = 1 << 2;
inline constexpr uint16_t void_pending_transfer = 1 << 3;
inline constexpr uint16_t closing_debit = 1 << 6;   // pending only: closes the debit account
inline constexpr uint16_t closing_credit = 1 << 7;  // pending only: closes the credit account
inline constexpr uint16_t all = linked | pending | post_pending_transfer | void_pending_transfer |
                                closing_debit | closing_credit;
}  // namespace transfer_flags

struct Balances {
  int64_t debits_pending = 0;
  int64_t debits_posted = 0;
  int64_t credits_pending = 0;
  int64_t credits_posted = 0;
  bool operator==(const Balances&) const = default;
};

struct Account {
  Id128 id;
  Balances balances;  // must be zero on create
  Id128 user_data_128;
  int64_t user_data_64 = 0;
  uint32_t user_data_32 = 0;
  uint32_t ledger = 0;
  uint16_t code = 0;
  uint16_t flags = 0;
  std::string owner;          // owner reference, e.g. "enterprise:<id>"; at most 128 bytes
  std::string division_code;  // GB/T 2260 code (6 digits) or empty
  int64_t timestamp = 0;      // assigned by the ledger (ns since epoch); must be 0 on create

  bool operator==(const Account&) const = default;
};

struct Transfer {
  Id128 id;
  Id128 debit_account_id;   // may be zero on post/void (taken from the pending transfer)
  Id128 credit_account_id;  // may be zero on post/void
  int64_t amount = 0;       // > 0; post: 1..pending amount; void: 0 or the pending amount
  Id128 pending_id;         // post/void only
  Id128 user_data_128;
  int64_t user_data_64 = 0;
  uint32_t user_data_32 = 0;
  uint32_t timeout_s = 0;   // pending only; 0 = never expires
  uint32_t ledger = 0;      // may be zero on post/void
  uint16_t code = 0;        // may be zero on post/void
  uint16_t flags = 0;
  int64_t timestamp = 0;    // assigned by the ledger (ns since epoch); must be 0 on create

  bool operator==(const Transfer&) const = default;
};

// Ordered by precedence: when several checks fail, the lowest value is reported.
enum class CreateAccountResult : uint8_t {
  ok = 0,
  linked_event_failed,
  linked_event_chain_open,
  timestamp_must_be_zero,
  reserved_flag,
  id_must_not_be_zero,
  id_must_not_be_int_max,
  exists_with_different_flags,
  exists_with_different_user_data_128,
  exists_with_different_user_data_64,
  exists_with_different_user_data_32,
  exists_with_different_ledger,
  exists_with_different_code,
  exists_with_different_owner,
  exists_with_different_division_code,
  exists,
  flags_are_mutually_exclusive,
  debits_pending_must_be_zero,
  debits_posted_must_be_zero,
  credits_pending_must_be_zero,
  credits_posted_must_be_zero,
  ledger_must_not_be_zero,
  code_must_not_be_zero,
  owner_too_long,
  division_code_invalid,
};

// Ordered by precedence. Results from `debit_account_not_found` on depend on ledger state;
// they are recorded, so a retry of the same id returns the same result (TigerBeetle
// `id_already_failed` semantics: a new attempt needs a new id).
enum class CreateTransferResult : uint8_t {
  ok = 0,
  linked_event_failed,
  linked_event_chain_open,
  timestamp_must_be_zero,
  reserved_flag,
  id_must_not_be_zero,
  id_must_not_be_int_max,
  // Idempotency: the id was seen before.
  exists_with_different_flags,
  exists_with_different_pending_id,
  exists_with_different_timeout,
  exists_with_different_debit_account_id,
  exists_with_different_credit_account_id,
  exists_with_different_amount,
  exists_with_different_user_data_128,
  exists_with_different_user_data_64,
  exists_with_different_user_data_32,
  exists_with_different_ledger,
  exists_with_different_code,
  exists,
  id_already_failed,
  // Validation of the event alone.
  flags_are_mutually_exclusive,
  debit_account_id_must_not_be_zero,
  debit_account_id_must_not_be_int_max,
  credit_account_id_must_not_be_zero,
  credit_account_id_must_not_be_int_max,
  accounts_must_be_different,
  pending_id_must_be_zero,
  pending_id_must_not_be_zero,
  pending_id_must_not_be_int_max,
  pending_id_must_be_different,
  timeout_reserved_for_pending_transfer,
  closing_transfer_must_be_pending,
  amount_must_not_be_negative,
  amount_must_not_be_zero,
  ledger_must_not_be_zero,
  code_must_not_be_zero,
  // Validation against ledger state (recorded).
  debit_account_not_found,
  credit_account_not_found,
  accounts_must_have_the_same_ledger,
  transfer_must_have_the_same_ledger_as_accounts,
  pending_transfer_not_found,
  pending_transfer_not_pending,
  pending_transfer_has_different_debit_account_id,
  pending_transfer_has_different_credit_account_id,
  pending_transfer_has_different_ledger,
  pending_transfer_has_different_code,
  exceeds_pending_transfer_amount,
  pending_transfer_has_different_amount,
  pending_transfer_already_posted,
  pending_transfer_already_voided,
  pending_transfer_expired,
  debit_account_already_closed,
  credit_account_already_closed,
  overflows_debits_pending,
  overflows_credits_pending,
  overflows_debits_posted,
  overflows_credits_posted,
  overflows_debits,
  overflows_credits,
  exceeds_credits,
  exceeds_debits,
};
inline constexpr int kCreateTransferResultCount =
    static_cast<int>(CreateTransferResult::exceeds_debits) + 1;

std::string_view name(CreateAccountResult r);
std::string_view name(CreateTransferResult r);
std::optional<CreateTransferResult> parse_transfer_result(std::string_view s);

// ok and exists (an idempotent replay) both mean "the transfer is in the ledger".
inline bool succeeded(CreateTransferResult r) {
  return r == CreateTransferResult::ok || r == CreateTransferResult::exists;
}
inline bool succeeded(CreateAccountResult r) {
  return r == CreateAccountResult::ok || r == CreateAccountResult::exists;
}
// True for results that depend on ledger state; these are recorded against the id.
inline bool is_state_dependent(CreateTransferResult r) {
  return r >= CreateTransferResult::debit_account_not_found;
}

// As an Error for callers that need one (HTTP problem, CLI message): code "ledger.<name>".
Error to_error(CreateTransferResult r);
Error to_error(CreateAccountResult r);

// What a balance row in the journal records: the transfer, or the expiry of a pending one.
enum class EntryKind : uint8_t { single, pending, post, void_, expire };
std::string_view name(EntryKind k);

}  // namespace riverlink::ledger

template <>
struct std::hash<riverlink::ledger::Id128> : riverlink::ledger::Id128Hash {};
