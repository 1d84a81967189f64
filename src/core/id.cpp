#include "core/id.hpp"

namespace riverlink::core {

IdGenerator::IdGenerator(const Clock& clock, uint64_t seed) : clock_(clock), rng_(seed) {}

std::string IdGenerator::next() {
  std::lock_guard lock(mu_);
  int64_t ms = to_unix_ms(clock_.now());
  if (ms <= last_ms_) {
    ms = last_ms_;
    if (++counter_ > 0xFFF) {  // counter exhausted: borrow the next millisecond
      ++ms;
      counter_ = rng_() & 0x3FF;
    }
  } else {
    counter_ = rng_() & 0x3FF;  // leave headroom for increments
  }
  last_ms_ = ms;
  uint64_t rnd = rng_();
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(static_cast<uint64_t>(ms) >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((counter_ >> 8) & 0x0F));
  b[7] = static_cast<uint8_t>(counter_ & 0xFF);
  b[8] = static_cast<uint8_t>(0x80 | (rnd & 0x3F));
  for (int i = 9; i < 16; ++i) b[i] = static_cast<uint8_t>(rnd >> (8 * (i - 8)));
  static const char* hex = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[b[i] >> 4];
    s += hex[b[i] & 15];
  }
  return s;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace riverlink::core
