#include "land/ticker.hpp"

namespace riverlink::land {

Ticker::Ticker(Service& svc, std::chrono::milliseconds interval, Report report)
    : svc_(svc), interval_(interval), report_(std::move(report)) {}

Ticker::~Ticker() { stop(); }

Result<core::Json> Ticker::run_once() {
  std::lock_guard run(run_mu_);  // one pass at a time
  Result<core::Json> r = [&]() -> Result<core::Json> {
    try {
      return svc_.enforce_deadlines();
    } catch (const std::exception& e) {
      return Error::make(ErrorKind::internal, "land.ticker_failed", e.what());
    }
  }();
  {
    std::lock_guard lk(mu_);
    ++runs_;
  }
  if (report_) report_(r);
  return r;
}

void Ticker::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lk(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      (void)run_once();
      lk.lock();
      cv_.wait_for(lk, interval_, [this] { return stopping_; });
    }
  });
}

void Ticker::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t Ticker::runs() const {
  std::lock_guard lk(mu_);
  return runs_;
}

}  // namespace riverlink::land
