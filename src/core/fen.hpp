// Fen: money as int64 fen (1 yuan = 100 fen). Checked arithmetic; no floating point.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace riverlink::core {

class Fen {
 public:
  constexpr Fen() = default;
  constexpr explicit Fen(int64_t fen) : v_(fen) {}
  static constexpr Fen yuan(int64_t y) { return Fen(y * 100); }

  constexpr int64_t raw() const { return v_; }
  constexpr auto operator<=>(const Fen&) const = default;

  // Checked: nullopt on int64 overflow.
  std::optional<Fen> add(Fen o) const;
  std::optional<Fen> sub(Fen o) const;
  std::optional<Fen> mul(int64_t k) const;

  // floor(v * bp / 10000), computed in 128 bits. bp is basis points (10000 = 100%).
  std::optional<Fen> ratio_floor(uint32_t bp) const;
  // floor(v * num / den) for den > 0, computed in 128 bits.
  std::optional<Fen> muldiv_floor(int64_t num, int64_t den) const;

  // "450000.00" (and "-0.05"); parse accepts "450000", "450000.5", "450000.50".
  std::string to_yuan_string() const;
  static std::optional<Fen> parse_yuan(std::string_view s);

 private:
  int64_t v_ = 0;
};

}  // namespace riverlink::core
