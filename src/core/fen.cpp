#include "core/fen.hpp"

#include <charconv>
#include <limits>

namespace riverlink::core {
namespace {
std::optional<Fen> from128(__int128 x) {
  if (x > std::numeric_limits<int64_t>::max() || x < std::numeric_limits<int64_t>::min()) {
    return std::nullopt;
  }
  return Fen(static_cast<int64_t>(x));
}
__int128 floor_div(__int128 a, __int128 b) {
  __int128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace

std::optional<Fen> Fen::add(Fen o) const {
  int64_t r;
  if (__builtin_add_overflow(v_, o.v_, &r)) return std::nullopt;
  return Fen(r);
}
std::optional<Fen> Fen::sub(Fen o) const {
  int64_t r;
  if (__builtin_sub_overflow(v_, o.v_, &r)) return std::nullopt;
  return Fen(r);
}
std::optional<Fen> Fen::mul(int64_t k) const {
  int64_t r;
  if (__builtin_mul_overflow(v_, k, &r)) return std::nullopt;
  return Fen(r);
}
std::optional<Fen> Fen::ratio_floor(uint32_t bp) const {
  return from128(floor_div(static_cast<__int128>(v_) * bp, 10000));
}
std::optional<Fen> Fen::muldiv_floor(int64_t num, int64_t den) const {
  if (den <= 0) return std::nullopt;
  return from128(floor_div(static_cast<__int128>(v_) * num, den));
}

std::string Fen::to_yuan_string() const {
  __int128 v = v_;
  bool neg = v < 0;
  if (neg) v = -v;
  auto whole = static_cast<uint64_t>(v / 100);
  auto cents = static_cast<unsigned>(v % 100);
  std::string s = neg ? "-" : "";
  s += std::to_string(whole);
  s += '.';
  s += static_cast<char>('0' + cents / 10);
  s += static_cast<char>('0' + cents % 10);
  return s;
}

std::optional<Fen> Fen::parse_yuan(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s.front() == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || frac.size() > 2 || (dot != std::string_view::npos && frac.empty())) {
    return std::nullopt;
  }
  for (char c : whole) if (c < '0' || c > '9') return std::nullopt;
  for (char c : frac) if (c < '0' || c > '9') return std::nullopt;
  int64_t w = 0;
  auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
  if (ec != std::errc{} || p != whole.data() + whole.size()) return std::nullopt;
  int64_t f = 0;
  if (!frac.empty()) f = (frac[0] - '0') * 10 + (frac.size() > 1 ? frac[1] - '0' : 0);
  int64_t r;
  if (__builtin_mul_overflow(w, int64_t{100}, &r) || __builtin_add_overflow(r, f, &r)) {
    return std::nullopt;
  }
  return Fen(neg ? -r : r);
}

}  // namespace riverlink::core
