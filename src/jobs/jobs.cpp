#include "jobs/jobs.hpp"

#include <algorithm>

namespace riverlink::jobs {

namespace {
constexpr const char* kCols =
    "id, kind, owner, status, progress, message, params, result, error, cancel_requested, created_at, updated_at";

Job from_row(const store::Row& r) {
  Job j;
  j.id = r.str(0);
  j.kind = r.str(1);
  j.owner = r.str(2);
  j.status = r.str(3);
  j.progress = r.f64(4);
  j.message = r.str(5);
  j.params = core::Json::parse(r.str(6));
  if (!r.is_null(7)) j.result = core::Json::parse(r.str(7));
  j.error = r.opt_str(8);
  j.cancel_requested = r.i64(9) != 0;
  j.created_at = r.str(10);
  j.updated_at = r.str(11);
  return j;
}
}  // namespace

std::string_view status_name(JobStatus s) {
  switch (s) {
    case JobStatus::queued: return "queued";
    case JobStatus::running: return "running";
    case JobStatus::succeeded: return "succeeded";
    case JobStatus::failed: return "failed";
    case JobStatus::cancelled: return "cancelled";
  }
  return "failed";
}

bool is_final(std::string_view s) { return s == "succeeded" || s == "failed" || s == "cancelled"; }

core::Json to_json(const Job& j) {
  return {{"id", j.id},
          {"kind", j.kind},
          {"owner", j.owner},
          {"status", j.status},
          {"progress", j.progress},
          {"message", j.message},
          {"params", j.params},
          {"result", j.result ? *j.result : core::Json()},
          {"error", j.error ? core::Json(*j.error) : core::Json()},
          {"cancel_requested", j.cancel_requested},
          {"created_at", j.created_at},
          {"updated_at", j.updated_at}};
}

void Context::progress(double pct, const std::string& message) {
  pct = std::clamp(pct, 0.0, 100.0);
  int64_t now = core::to_unix_ms(runner_.clock_.now());
  if (pct < 100.0 && now - last_write_ms_ < 200) return;
  last_write_ms_ = now;
  runner_.write_progress(id_, pct, message);
}

bool Context::cancelled() const { return runner_.is_cancel_requested(id_); }

Runner::Runner(store::Database& db, audit::CommandRunner& commands, const core::Clock& clock,
               core::IdGenerator& ids, Options opts)
    : db_(db), commands_(commands), clock_(clock), ids_(ids), opts_(opts) {
  for (int i = 0; i < std::max(1, opts_.workers); ++i) workers_.emplace_back([this] { worker_loop(); });
}

Runner::~Runner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [id, flag] : cancel_flags_) flag = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

riverlink::Status Runner::recover_interrupted() {
  return store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> riverlink::Status {
    tx.exec("UPDATE jobs SET status = 'failed', error = 'interrupted: the server stopped while the job "
            "was queued or running', updated_at = ? WHERE status IN ('queued', 'running')",
            {core::format_utc(clock_.now())});
    return ok_status();
  });
}

Result<Job> Runner::submit(const audit::CommandContext& ctx, const std::string& kind,
                           const core::Json& params, Work work) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= opts_.max_queue) {
      return Error::make(ErrorKind::unavailable, "jobs.queue_full",
                         "the job queue is full (" + std::to_string(opts_.max_queue) + "); try again later");
    }
  }
  std::string id = ids_.next();
  core::Json payload = {{"kind", kind}, {"params", params}};
  auto out = commands_.run(ctx, "jobs", "submit", payload, [&](store::Tx& tx) -> Result<core::Json> {
    auto now = core::format_utc(clock_.now());
    tx.exec(std::string("INSERT INTO jobs (") + kCols + ") VALUES (?, ?, ?, 'queued', 0, '', ?, NULL, NULL, 0, ?, ?)",
            {id, kind, ctx.actor, core::canonical(params), now, now});
    return core::Json{{"id", id}};
  });
  if (!out.ok()) return out.error();
  std::string job_id = out->result["id"];
  if (!out->replayed) {
    std::lock_guard lock(mu_);
    cancel_flags_[job_id] = false;
    queue_.emplace_back(job_id, std::move(work));
    cv_.notify_one();
  }
  return get(job_id);
}

Result<Job> Runner::get(const std::string& id) {
  auto tx = db_.begin(store::TxKind::read);
  auto row = tx->query_one(std::string("SELECT ") + kCols + " FROM jobs WHERE id = ?", {id});
  if (!row) return Error::make(ErrorKind::not_found, "jobs.not_found", "no job " + id);
  return from_row(*row);
}

Result<std::vector<Job>> Runner::list(const std::string& owner, std::optional<std::string> cursor, int limit,
                                      std::optional<std::string>& next_cursor) {
  std::string sql = std::string("SELECT ") + kCols + " FROM jobs WHERE 1=1";
  store::Params p;
  if (!owner.empty()) {
    sql += " AND owner = ?";
    p.push(owner);
  }
  if (cursor) {
    sql += " AND id < ?";
    p.push(*cursor);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  p.push(int64_t{limit + 1});
  auto tx = db_.begin(store::TxKind::read);
  auto rows = tx->query(sql, p);
  std::vector<Job> out;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) out.push_back(from_row(rows[i]));
  next_cursor.reset();
  if (static_cast<int>(rows.size()) > limit && !out.empty()) next_cursor = out.back().id;
  return out;
}

Result<Job> Runner::cancel(const audit::CommandContext& ctx, const std::string& id) {
  auto out = commands_.run(ctx, "jobs", "cancel", core::Json{{"id", id}}, [&](store::Tx& tx) -> Result<core::Json> {
    auto row = tx.query_one("SELECT status FROM jobs WHERE id = ?", {id});
    if (!row) return Error::make(ErrorKind::not_found, "jobs.not_found", "no job " + id);
    if (is_final(row->str(0))) {
      return Error::make(ErrorKind::conflict, "jobs.already_finished", "job " + id + " is already " + row->str(0));
    }
    tx.exec("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?", {core::format_utc(clock_.now()), id});
    return core::Json{{"id", id}};
  });
  if (!out.ok()) return out.error();
  {
    std::lock_guard lock(mu_);
    auto it = cancel_flags_.find(id);
    if (it != cancel_flags_.end()) it->second = true;
  }
  return get(id);
}

bool Runner::is_cancel_requested(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = cancel_flags_.find(id);
  return it == cancel_flags_.end() || it->second;
}

void Runner::write_progress(const std::string& id, double pct, const std::string& message) {
  (void)store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> riverlink::Status {
    tx.exec("UPDATE jobs SET progress = ?, message = ?, updated_at = ? WHERE id = ? AND status = 'running'",
            {pct, message, core::format_utc(clock_.now()), id});
    return ok_status();
  });
}

void Runner::finish(const std::string& id, const Result<core::Json>& r, bool cancelled) {
  (void)store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> riverlink::Status {
    auto now = core::format_utc(clock_.now());
    if (cancelled) {
      tx.exec("UPDATE jobs SET status = 'cancelled', error = 'cancelled by request', updated_at = ? WHERE id = ?",
              {now, id});
    } else if (r.ok()) {
      tx.exec("UPDATE jobs SET status = 'succeeded', progress = 100, result = ?, updated_at = ? WHERE id = ?",
              {core::canonical(r.value()), now, id});
    } else {
      tx.exec("UPDATE jobs SET status = 'failed', error = ?, updated_at = ? WHERE id = ?",
              {r.error().message, now, id});
    }
    return ok_status();
  });
}

void Runner::worker_loop() {
  for (;;) {
    std::pair<std::string, Work> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const std::string& id = item.first;
    bool cancelled_early = is_cancel_requested(id);
    Result<core::Json> r = core::Json();
    if (!cancelled_early) {
      (void)store::transact(db_, store::TxKind::write, [&](store::Tx& tx) -> riverlink::Status {
        tx.exec("UPDATE jobs SET status = 'running', updated_at = ? WHERE id = ?",
                {core::format_utc(clock_.now()), id});
        return ok_status();
      });
      Context ctx(*this, id, core::Json());
      if (auto job = get(id); job.ok()) ctx.params_ = job->params;
      try {
        r = item.second(ctx);
      } catch (const std::exception& e) {
        r = Error::make(ErrorKind::internal, "jobs.crashed", std::string("the job failed: ") + e.what());
      }
    }
    bool cancelled = cancelled_early || (!r.ok() && is_cancel_requested(id));
    finish(id, r, cancelled);
    std::lock_guard lock(mu_);
    cancel_flags_.erase(id);
  }
}

Result<Job> Runner::wait(const std::string& id, std::chrono::milliseconds timeout,
                         const std::function<void(const Job&)>& on_update) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto j = get(id);
    if (!j.ok()) return j;
    if (on_update) on_update(*j);
    if (is_final(j->status)) return j;
    if (std::chrono::steady_clock::now() > deadline) {
      return Error::make(ErrorKind::unavailable, "jobs.wait_timeout", "job " + id + " did not finish in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace riverlink::jobs
