// Background jobs for long work (GEP runs, GTFS imports, audit verification): persisted
// status and progress, cooperative cancellation, a bounded queue and worker threads.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "audit/command.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "store/db.hpp"
#include "store/migrate.hpp"

namespace riverlink::jobs {

std::vector<store::Migration> migrations();

enum class JobStatus { queued, running, succeeded, failed, cancelled };
std::string_view status_name(JobStatus s);
bool is_final(std::string_view status);

struct Job {
  std::string id;
  std::string kind;
  std::string owner;  // actor string
  std::string status;
  double progress = 0;  // 0..100
  std::string message;
  core::Json params;
  std::optional<core::Json> result;
  std::optional<std::string> error;
  bool cancel_requested = false;
  std::string created_at;
  std::string updated_at;
};
core::Json to_json(const Job& j);

// Given to a running job. Thread-safe.
class Context {
 public:
  // pct in [0,100]. Persisted at most every 200 ms unless it is the final 100.
  void progress(double pct, const std::string& message = {});
  bool cancelled() const;
  const std::string& id() const { return id_; }
  const core::Json& params() const { return params_; }

 private:
  friend class Runner;
  Context(class Runner& r, std::string id, core::Json params) : runner_(r), id_(std::move(id)), params_(std::move(params)) {}
  Runner& runner_;
  std::string id_;
  core::Json params_;
  int64_t last_write_ms_ = 0;
};

// The work: returns a JSON result, or an Error that becomes the job's error.
using Work = std::function<Result<core::Json>(Context&)>;

struct Options {
  int workers = 2;
  size_t max_queue = 64;
};

// Thread-safe. Owns worker threads; the destructor cancels running work and joins.
class Runner {
 public:
  Runner(store::Database& db, audit::CommandRunner& commands, const core::Clock& clock,
         core::IdGenerator& ids, Options opts = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Marks jobs left queued/running by a previous process as failed. Call once at start.
  riverlink::Status recover_interrupted();

  // Records the job (an audited, idempotent command) and queues it. Returns the job.
  Result<Job> submit(const audit::CommandContext& ctx, const std::string& kind,
                     const core::Json& params, Work work);
  Result<Job> get(const std::string& id);
  // Owner's jobs, newest first; owner empty lists everyone's.
  Result<std::vector<Job>> list(const std::string& owner, std::optional<std::string> cursor, int limit,
                                std::optional<std::string>& next_cursor);
  Result<Job> cancel(const audit::CommandContext& ctx, const std::string& id);
  // Blocks until the job is final or the timeout passes (for the CLI and tests).
  Result<Job> wait(const std::string& id, std::chrono::milliseconds timeout,
                   const std::function<void(const Job&)>& on_update = {});

 private:
  friend class Context;
  void worker_loop();
  void write_progress(const std::string& id, double pct, const std::string& message);
  void finish(const std::string& id, const Result<core::Json>& r, bool cancelled);
  bool is_cancel_requested(const std::string& id) const;

  store::Database& db_;
  audit::CommandRunner& commands_;
  const core::Clock& clock_;
  core::IdGenerator& ids_;
  Options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, Work>> queue_;
  std::unordered_map<std::string, bool> cancel_flags_;  // running or queued jobs
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace riverlink::jobs
