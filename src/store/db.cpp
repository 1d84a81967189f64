#include "store/db.hpp"

#include <charconv>

namespace riverlink::store {

std::unique_ptr<Database> open_sqlite(const std::string& path, const OpenOptions& opts);
std::unique_ptr<Database> open_postgres(const std::string& url, const OpenOptions& opts);

std::unique_ptr<Database> Database::open(const std::string& url, const OpenOptions& opts) {
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite(url.substr(7), opts);
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return open_postgres(url, opts);
  }
  throw std::invalid_argument("unsupported database url '" + url +
                              "': use sqlite:PATH or postgresql://...");
}

std::string_view backend_name(Backend b) { return b == Backend::sqlite ? "sqlite" : "postgresql"; }

std::optional<Row> Tx::query_one(std::string_view sql, const Params& params) {
  auto rows = query(sql, params);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

bool Row::is_null(size_t i) const { return std::holds_alternative<std::monostate>(v_.at(i)); }

int64_t Row::i64(size_t i) const {
  const Value& v = v_.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc{} && ptr == s->data() + s->size()) return out;
  }
  if (auto d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  throw std::logic_error("column " + std::to_string(i) + " is not an integer");
}

double Row::f64(size_t i) const {
  const Value& v = v_.at(i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto s = std::get_if<std::string>(&v)) return std::stod(*s);
  throw std::logic_error("column " + std::to_string(i) + " is NULL");
}

std::string Row::str(size_t i) const {
  const Value& v = v_.at(i);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (auto d = std::get_if<double>(&v)) return std::to_string(*d);
  throw std::logic_error("column " + std::to_string(i) + " is NULL");
}

std::optional<int64_t> Row::opt_i64(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return i64(i);
}
std::optional<std::string> Row::opt_str(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return str(i);
}

Error db_error_to_error(const DbError& e) {
  switch (e.kind()) {
    case DbError::Kind::unique_violation:
      return Error::make(ErrorKind::conflict, "store.duplicate", e.what());
    case DbError::Kind::constraint:
      return Error::make(ErrorKind::conflict, "store.constraint", e.what());
    case DbError::Kind::retryable:
      return Error::make(ErrorKind::unavailable, "store.busy", e.what());
    case DbError::Kind::other:
      break;
  }
  return Error::make(ErrorKind::internal, "store.error", e.what());
}

}  // namespace riverlink::store
