// Time-ordered identifiers (UUIDv7, RFC 9562): sortable as strings by creation time.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include "core/time.hpp"

namespace riverlink::core {

// Thread-safe. Monotonic within one generator even when the clock stands still.
class IdGenerator {
 public:
  IdGenerator(const Clock& clock, uint64_t seed);
  std::string next();  // "018f3c9e-7b1a-7c3d-8e2f-0123456789ab"

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  int64_t last_ms_ = 0;
  uint64_t counter_ = 0;  // 12-bit rand_a counter within the same millisecond
};

bool is_uuid(std::string_view s);

}  // namespace riverlink::core
