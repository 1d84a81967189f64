// Database + Tx: one interface over SQLite (default, embedded) and PostgreSQL (libpqxx, pooled).
// SQL is written once with `?` placeholders; the PostgreSQL backend rewrites them to $n.
// Engine-specific SQL stays inside this module (see Tx::lock and migrations' .sqlite/.postgres files).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace riverlink::store {

enum class Backend { sqlite, postgres };

using Value = std::variant<std::monostate, int64_t, double, std::string>;
inline const Value null_value{};

// Params accept ints, doubles, strings and optionals of them.
class Params {
 public:
  Params() = default;
  template <class... Args>
  Params(Args&&... args) {  // NOLINT(google-explicit-constructor)
    values_.reserve(sizeof...(args));
    (add(std::forward<Args>(args)), ...);
  }
  const std::vector<Value>& values() const { return values_; }
  void push(Value v) { values_.push_back(std::move(v)); }

 private:
  void add(std::monostate) { values_.emplace_back(); }
  void add(std::nullopt_t) { values_.emplace_back(); }
  void add(bool v) { values_.emplace_back(int64_t{v ? 1 : 0}); }
  void add(int v) { values_.emplace_back(int64_t{v}); }
  void add(unsigned v) { values_.emplace_back(int64_t{v}); }
  void add(long v) { values_.emplace_back(int64_t{v}); }
  void add(long long v) { values_.emplace_back(int64_t{v}); }
  void add(unsigned long v) { values_.emplace_back(static_cast<int64_t>(v)); }
  void add(double v) { values_.emplace_back(v); }
  void add(const char* v) { values_.emplace_back(std::string(v)); }
  void add(std::string_view v) { values_.emplace_back(std::string(v)); }
  void add(const std::string& v) { values_.emplace_back(v); }
  void add(std::string&& v) { values_.emplace_back(std::move(v)); }
  void add(const Value& v) { values_.push_back(v); }
  template <class T>
  void add(const std::optional<T>& v) {
    if (v) add(*v); else values_.emplace_back();
  }
  std::vector<Value> values_;
};

class Row {
 public:
  explicit Row(std::vector<Value> v) : v_(std::move(v)) {}
  size_t size() const { return v_.size(); }
  bool is_null(size_t i) const;
  int64_t i64(size_t i) const;  // throws std::logic_error on NULL or non-integer text
  double f64(size_t i) const;
  std::string str(size_t i) const;  // integers are rendered in decimal
  std::optional<int64_t> opt_i64(size_t i) const;
  std::optional<std::string> opt_str(size_t i) const;
  const Value& operator[](size_t i) const { return v_.at(i); }

 private:
  std::vector<Value> v_;
};
using Rows = std::vector<Row>;

// Thrown by Tx operations; services catch it at their boundary (see transact()).
class DbError : public std::runtime_error {
 public:
  enum class Kind { unique_violation, constraint, retryable, other };
  DbError(Kind k, const std::string& what) : std::runtime_error(what), kind_(k) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

enum class TxKind { read, write };

// One transaction on one pooled connection. Not thread-safe; use from one thread.
// Destroying an uncommitted Tx rolls it back.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Rows query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of rows changed.
  virtual int64_t exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs several ;-separated statements without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  // Serialises writers on `key` until the end of the transaction (PostgreSQL advisory lock;
  // SQLite writers are already serialised, so it is a no-op there).
  virtual void lock(std::string_view key) = 0;
  virtual void commit() = 0;
  virtual Backend backend() const = 0;

  std::optional<Row> query_one(std::string_view sql, const Params& params = {});
};

struct OpenOptions {
  int pool_size = 8;
  int busy_timeout_ms = 10000;
};

// Thread-safe: begin() may be called from any thread.
class Database {
 public:
  virtual ~Database() = default;
  // url: "sqlite:PATH" | "postgresql://..." | "postgres://..."
  static std::unique_ptr<Database> open(const std::string& url, const OpenOptions& opts = {});
  virtual std::unique_ptr<Tx> begin(TxKind kind) = 0;
  virtual Backend backend() const = 0;
  virtual std::string describe() const = 0;  // url without password
};

std::string_view backend_name(Backend b);

// Runs f(Tx&) -> Result<T> in one transaction: commits on success, rolls back on error or
// exception, retries retryable failures (busy, serialization) a bounded number of times.
// A DbError escaping f becomes an internal error (unique violations become conflicts).
template <class F>
auto transact(Database& db, TxKind kind, F&& f) -> decltype(f(std::declval<Tx&>()));

Error db_error_to_error(const DbError& e);

template <class F>
auto transact(Database& db, TxKind kind, F&& f) -> decltype(f(std::declval<Tx&>())) {
  constexpr int kMaxAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    try {
      auto tx = db.begin(kind);
      auto result = f(*tx);
      if (result.ok()) tx->commit();
      return result;
    } catch (const DbError& e) {
      if (e.kind() == DbError::Kind::retryable && attempt < kMaxAttempts) continue;
      return db_error_to_error(e);
    }
  }
}

}  // namespace riverlink::store
