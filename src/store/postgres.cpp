// PostgreSQL backend: libpqxx 6.4 connections in a pool, prepared statements cached per
// connection, `?` placeholders rewritten to $n, advisory locks for Tx::lock.
#include <pqxx/pqxx>

#include <charconv>
#include <unordered_set>

#include "store/db.hpp"
#include "store/pool.hpp"

namespace riverlink::store {
namespace {

std::string to_dollar_params(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

[[noreturn]] void rethrow_pg(std::string_view sql) {
  try {
    throw;
  } catch (const pqxx::sql_error& e) {
    std::string state = e.sqlstate();
    std::string msg = std::string(e.what());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (!sql.empty()) msg += " [" + std::string(sql) + "]";
    if (state == "23505") throw DbError(DbError::Kind::unique_violation, msg);
    if (state.rfind("23", 0) == 0) throw DbError(DbError::Kind::constraint, msg);
    if (state == "40001" || state == "40P01" || state == "55P03") {
      throw DbError(DbError::Kind::retryable, msg);
    }
    throw DbError(DbError::Kind::other, msg);
  } catch (const pqxx::broken_connection& e) {
    throw DbError(DbError::Kind::retryable, std::string("connection lost: ") + e.what());
  } catch (const pqxx::failure& e) {
    throw DbError(DbError::Kind::other, e.what());
  }
}

struct Conn {
  pqxx::connection c;
  std::unordered_set<std::string> prepared;
  bool broken = false;
  explicit Conn(const std::string& url) : c(url) {}
};

class PgDb;

class PgTx final : public Tx {
 public:
  PgTx(PgDb& owner, std::unique_ptr<Conn> c) : owner_(owner), conn_(std::move(c)) {
    try {
      work_ = std::make_unique<pqxx::work>(conn_->c);
    } catch (...) {
      conn_->broken = true;
      cleanup();
      rethrow_pg("BEGIN");
    }
  }
  ~PgTx() override { cleanup(); }

  Rows query(std::string_view sql, const Params& params) override { return to_rows(run(sql, params)); }
  int64_t exec(std::string_view sql, const Params& params) override {
    return static_cast<int64_t>(run(sql, params).affected_rows());
  }
  void exec_script(std::string_view sql) override {
    try {
      work_->exec(std::string(sql));
    } catch (...) {
      rethrow_pg("migration script");
    }
  }
  void lock(std::string_view key) override {
    query("SELECT pg_advisory_xact_lock(?)", Params(static_cast<int64_t>(fnv1a(key))));
  }
  void commit() override {
    try {
      work_->commit();
    } catch (...) {
      rethrow_pg("COMMIT");
    }
  }
  Backend backend() const override { return Backend::postgres; }

 private:
  void cleanup();

  pqxx::result run(std::string_view sql, const Params& params) {
    std::string key(sql);
    std::string name = "rl_" + std::to_string(fnv1a(key));
    try {
      if (!conn_->prepared.count(name)) {
        conn_->c.prepare(name, to_dollar_params(sql));
        conn_->prepared.insert(name);
      }
      std::vector<std::string> texts;
      texts.reserve(params.values().size());
      std::vector<const char*> ptrs;
      ptrs.reserve(params.values().size());
      for (const auto& v : params.values()) {
        if (std::holds_alternative<std::monostate>(v)) {
          texts.emplace_back();
        } else if (auto p = std::get_if<int64_t>(&v)) {
          texts.push_back(std::to_string(*p));
        } else if (auto d = std::get_if<double>(&v)) {
          char buf[64];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
          texts.emplace_back(buf, end);
        } else {
          texts.push_back(std::get<std::string>(v));
        }
      }
      for (size_t i = 0; i < texts.size(); ++i) {
        ptrs.push_back(std::holds_alternative<std::monostate>(params.values()[i]) ? nullptr
                                                                                 : texts[i].c_str());
      }
      return work_->exec_prepared(name, pqxx::prepare::make_dynamic_params(ptrs));
    } catch (...) {
      rethrow_pg(sql);
    }
  }

  static Rows to_rows(const pqxx::result& r) {
    Rows rows;
    rows.reserve(r.size());
    const auto ncols = r.columns();
    std::vector<pqxx::oid> types(ncols);
    for (pqxx::row::size_type c = 0; c < ncols; ++c) types[c] = r.column_type(c);
    for (const auto& row : r) {
      std::vector<Value> vals;
      vals.reserve(ncols);
      for (pqxx::row::size_type c = 0; c < ncols; ++c) {
        const auto& f = row[c];
        if (f.is_null()) {
          vals.emplace_back();
          continue;
        }
        std::string_view s(f.c_str(), f.size());
        switch (types[c]) {
          case 20: case 21: case 23: case 1700: {  // int8, int2, int4, numeric
            int64_t i = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
            if (ec == std::errc{} && p == s.data() + s.size()) vals.emplace_back(i);
            else vals.emplace_back(std::stod(std::string(s)));
            break;
          }
          case 700: case 701: vals.emplace_back(std::stod(std::string(s))); break;
          case 16: vals.emplace_back(int64_t{s == "t" ? 1 : 0}); break;
          default: vals.emplace_back(std::string(s));
        }
      }
      rows.emplace_back(std::move(vals));
    }
    return rows;
  }

  PgDb& owner_;
  std::unique_ptr<Conn> conn_;
  std::unique_ptr<pqxx::work> work_;
};

class PgDb final : public Database {
 public:
  PgDb(std::string url, const OpenOptions& opts)
      : url_(std::move(url)),
        pool_(static_cast<size_t>(opts.pool_size), [this] {
          try {
            return std::make_unique<Conn>(url_);
          } catch (const std::exception& e) {
            throw DbError(DbError::Kind::other, std::string("cannot connect to PostgreSQL: ") + e.what());
          }
        }) {
    pool_.release(pool_.acquire());  // fail fast
  }
  std::unique_ptr<Tx> begin(TxKind) override { return std::make_unique<PgTx>(*this, pool_.acquire()); }
  Backend backend() const override { return Backend::postgres; }
  std::string describe() const override {
    auto at = url_.find('@');
    auto scheme = url_.find("://");
    if (at == std::string::npos || scheme == std::string::npos) return url_;
    return url_.substr(0, scheme + 3) + "***" + url_.substr(at);
  }
  void give_back(std::unique_ptr<Conn> c) {
    if (c && (c->broken || !c->c.is_open())) c.reset();
    pool_.release(std::move(c));
  }

 private:
  std::string url_;
  detail::Pool<Conn> pool_;
};

void PgTx::cleanup() {
  if (!conn_) return;
  try {
    work_.reset();  // aborts if not committed
  } catch (...) {
    conn_->broken = true;
  }
  owner_.give_back(std::move(conn_));
}

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url, const OpenOptions& opts) {
  return std::make_unique<PgDb>(url, opts);
}

}  // namespace riverlink::store
