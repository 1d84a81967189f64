#include "ledger/types.hpp"

#include <array>

namespace riverlink::ledger {

std::string Id128::str() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    s += hex[(word >> shift) & 0xF];
  }
  return s;
}

std::optional<Id128> Id128::parse(std::string_view s) {
  bool dashed = s.size() == 36;
  if (!dashed && s.size() != 32) return std::nullopt;
  Id128 id;
  int digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (c != '-') return std::nullopt;
      continue;
    }
    uint64_t v;
    if (c >= '0' && c <= '9') v = static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v = static_cast<uint64_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = static_cast<uint64_t>(c - 'A' + 10);
    else return std::nullopt;
    uint64_t& word = digits < 16 ? id.hi : id.lo;
    word = (word << 4) | v;
    ++digits;
  }
  return id;
}

#define RL_CASE(E, x) \
  case E::x:          \
    return #x;

std::string_view name(CreateAccountResult r) {
  using E = CreateAccountResult;
  switch (r) {
    RL_CASE(E, ok)
    RL_CASE(E, linked_event_failed)
    RL_CASE(E, linked_event_chain_open)
    RL_CASE(E, timestamp_must_be_zero)
    RL_CASE(E, reserved_flag)
    RL_CASE(E, id_must_not_be_zero)
    RL_CASE(E, id_must_not_be_int_max)
    RL_CASE(E, exists_with_different_flags)
    RL_CASE(E, exists_with_different_user_data_128)
    RL_CASE(E, exists_with_different_user_data_64)
    RL_CASE(E, exists_with_different_user_data_32)
    RL_CASE(E, exists_with_different_ledger)
    RL_CASE(E, exists_with_different_code)
    RL_CASE(E, exists_with_different_owner)
    RL_CASE(E, exists_with_different_division_code)
    RL_CASE(E, exists)
    RL_CASE(E, flags_are_mutually_exclusive)
    RL_CASE(E, debits_pending_must_be_zero)
    RL_CASE(E, debits_posted_must_be_zero)
    RL_CASE(E, credits_pending_must_be_zero)
    RL_CASE(E, credits_posted_must_be_zero)
    RL_CASE(E, ledger_must_not_be_zero)
    RL_CASE(E, code_must_not_be_zero)
    RL_CASE(E, owner_too_long)
    RL_CASE(E, division_code_invalid)
  }
  return "unknown";
}

std::string_view name(CreateTransferResult r) {
  using E = CreateTransferResult;
  switch (r) {
    RL_CASE(E, ok)
    RL_CASE(E, linked_event_failed)
    RL_CASE(E, linked_event_chain_open)
    RL_CASE(E, timestamp_must_be_zero)
    RL_CASE(E, reserved_flag)
    RL_CASE(E, id_must_not_be_zero)
    RL_CASE(E, id_must_not_be_int_max)
    RL_CASE(E, exists_with_different_flags)
    RL_CASE(E, exists_with_different_pending_id)
    RL_CASE(E, exists_with_different_timeout)
    RL_CASE(E, exists_with_different_debit_account_id)
    RL_CASE(E, exists_with_different_credit_account_id)
    RL_CASE(E, exists_with_different_amount)
    RL_CASE(E, exists_with_different_user_data_128)
    RL_CASE(E, exists_with_different_user_data_64)
    RL_CASE(E, exists_with_different_user_data_32)
    RL_CASE(E, exists_with_different_ledger)
    RL_CASE(E, exists_with_different_code)
    RL_CASE(E, exists)
    RL_CASE(E, id_already_failed)
    RL_CASE(E, flags_are_mutually_exclusive)
    RL_CASE(E, debit_account_id_must_not_be_zero)
    RL_CASE(E, debit_account_id_must_not_be_int_max)
    RL_CASE(E, credit_account_id_must_not_be_zero)
    RL_CASE(E, credit_account_id_must_not_be_int_max)
    RL_CASE(E, accounts_must_be_different)
    RL_CASE(E, pending_id_must_be_zero)
    RL_CASE(E, pending_id_must_not_be_zero)
    RL_CASE(E, pending_id_must_not_be_int_max)
    RL_CASE(E, pending_id_must_be_different)
    RL_CASE(E, timeout_reserved_for_pending_transfer)
    RL_CASE(E, closing_transfer_must_be_pending)
    RL_CASE(E, amount_must_not_be_negative)
    RL_CASE(E, amount_must_not_be_zero)
    RL_CASE(E, ledger_must_not_be_zero)
    RL_CASE(E, code_must_not_be_zero)
    RL_CASE(E, debit_account_not_found)
    RL_CASE(E, credit_account_not_found)
    RL_CASE(E, accounts_must_have_the_same_ledger)
    RL_CASE(E, transfer_must_have_the_same_ledger_as_accounts)
    RL_CASE(E, pending_transfer_not_found)
    RL_CASE(E, pending_transfer_not_pending)
    RL_CASE(E, pending_transfer_has_different_debit_account_id)
    RL_CASE(E, pending_transfer_has_different_credit_account_id)
    RL_CASE(E, pending_transfer_has_different_ledger)
    RL_CASE(E, pending_transfer_has_different_code)
    RL_CASE(E, exceeds_pending_transfer_amount)
    RL_CASE(E, pending_transfer_has_different_amount)
    RL_CASE(E, pending_transfer_already_posted)
    RL_CASE(E, pending_transfer_already_voided)
    RL_CASE(E, pending_transfer_expired)
    RL_CASE(E, debit_account_already_closed)
    RL_CASE(E, credit_account_already_closed)
    RL_CASE(E, overflows_debits_pending)
    RL_CASE(E, overflows_credits_pending)
    RL_CASE(E, overflows_debits_posted)
    RL_CASE(E, overflows_credits_posted)
    RL_CASE(E, overflows_debits)
    RL_CASE(E, overflows_credits)
    RL_CASE(E, exceeds_credits)
    RL_CASE(E, exceeds_debits)
  }
  return "unknown";
}

std::string_view name(EntryKind k) {
  switch (k) {
    case EntryKind::single: return "single";
    case EntryKind::pending: return "pending";
    case EntryKind::post: return "post";
    case EntryKind::void_: return "void";
    case EntryKind::expire: return "expire";
  }
  return "unknown";
}

#undef RL_CASE

std::optional<CreateTransferResult> parse_transfer_result(std::string_view s) {
  for (int i = 0; i < kCreateTransferResultCount; ++i) {
    auto r = static_cast<CreateTransferResult>(i);
    if (name(r) == s) return r;
  }
  return std::nullopt;
}

namespace {
ErrorKind kind_for(CreateTransferResult r) {
  using E = CreateTransferResult;
  if (r >= E::exists_with_different_flags && r <= E::id_already_failed) return ErrorKind::conflict;
  if (r == E::debit_account_not_found || r == E::credit_account_not_found ||
      r == E::pending_transfer_not_found) {
    return ErrorKind::not_found;
  }
  if (r >= E::pending_transfer_already_posted) return ErrorKind::conflict;
  return ErrorKind::invalid;
}
}  // namespace

Error to_error(CreateTransferResult r) {
  std::string n(name(r));
  return Error::make(kind_for(r), "ledger." + n, "transfer rejected: " + n);
}

Error to_error(CreateAccountResult r) {
  std::string n(name(r));
  auto kind = (r >= CreateAccountResult::exists_with_different_flags &&
               r <= CreateAccountResult::exists)
                  ? ErrorKind::conflict
                  : ErrorKind::invalid;
  return Error::make(kind, "ledger." + n, "account rejected: " + n);
}

}  // namespace riverlink::ledger
