// The land deadline ticker: a background thread, started by the server, that runs
// Service::enforce_deadlines() every `interval` (real time between runs; every decision uses
// the service's injected clock). It closes listings at their deadline, ends timed-bidding
// countdowns, releases deposits, clears unreviewed schemes and enforces signing and payment
// deadlines even when no request arrives. No HTTP inside; tests call run_once() on a
// ManualClock.
//
// Thread-safety: start/stop from one thread; run_once may run concurrently with the thread.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/json.hpp"
#include "core/result.hpp"
#include "land/service.hpp"

namespace riverlink::land {

class Ticker {
 public:
  using Report = std::function<void(const Result<core::Json>&)>;
  explicit Ticker(Service& svc, std::chrono::milliseconds interval = std::chrono::milliseconds(500),
                  Report report = {});
  ~Ticker();  // stops the thread
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  Result<core::Json> run_once();
  void start();
  void stop();
  int64_t runs() const;

 private:
  Service& svc_;
  std::chrono::milliseconds interval_;
  Report report_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int64_t runs_ = 0;
  std::mutex run_mu_;
  std::thread thread_;
};

}  // namespace riverlink::land
