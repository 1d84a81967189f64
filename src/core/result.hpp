// Result<T>: the error channel that crosses module boundaries (GCC 12 has no std::expected).
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace riverlink {

// Error kinds map one-to-one to HTTP statuses in http/problem.cpp.
enum class ErrorKind {
  invalid,         // 422: a field has a wrong value or type
  bad_request,     // 400: malformed input (JSON syntax, missing header)
  unauthenticated, // 401
  forbidden,       // 403
  not_found,       // 404
  conflict,        // 409: state does not allow the command, or idempotency mismatch
  too_many,        // 429
  unavailable,     // 503
  internal,        // 500
};

struct FieldError {
  std::string field;
  std::string message;
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string code;     // stable machine code, e.g. "ledger.exceeds_credits"
  std::string message;  // human-readable detail
  std::vector<FieldError> fields;

  static Error make(ErrorKind k, std::string code, std::string msg) {
    return Error{k, std::move(code), std::move(msg), {}};
  }
  static Error field(std::string code, std::string field, std::string msg) {
    Error e{ErrorKind::invalid, std::move(code), msg, {}};
    e.fields.push_back({std::move(field), std::move(msg)});
    return e;
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error err) : v_(std::move(err)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace riverlink

// Propagate an error from an expression returning Result<...>.
#define RL_TRY(expr)                                 \
  do {                                               \
    auto rl_try_result_ = (expr);                    \
    if (!rl_try_result_.ok()) return rl_try_result_.error(); \
  } while (0)
