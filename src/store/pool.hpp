// A bounded pool of connections of type C, created lazily. Internal to store/.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace riverlink::store::detail {

template <class C>
class Pool {
 public:
  Pool(size_t max, std::function<std::unique_ptr<C>()> make) : max_(max), make_(std::move(make)) {}

  std::unique_ptr<C> acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || created_ < max_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++created_;
    lock.unlock();
    try {
      return make_();
    } catch (...) {
      std::lock_guard relock(mu_);
      --created_;
      cv_.notify_one();
      throw;
    }
  }
  void release(std::unique_ptr<C> c) {
    std::lock_guard lock(mu_);
    if (c) idle_.push_back(std::move(c)); else --created_;
    cv_.notify_one();
  }

 private:
  size_t max_;
  std::function<std::unique_ptr<C>()> make_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<C>> idle_;
  size_t created_ = 0;
};

}  // namespace riverlink::store::detail
