// Order-independent sums of pixel quantities: each value is rounded to a multiple of 2^-40 and
// added as a 128-bit integer, so a total is the same however pixels are grouped into tiles and
// threads, and identical inputs give bit-identical tables on any machine. Range: |total| up to
// about 1.5e26 units; resolution 9.1e-13 units per pixel.
#pragma once

#include <cmath>

namespace riverlink::eco::gep {

class ExactSum {
 public:
  [[gnu::always_inline]] ExactSum& operator+=(double x) {
    const double y = x * kScale;
    // Rounded to nearest (even) either way; the 64-bit conversion is one instruction.
    if (y > -9.0e18 && y < 9.0e18) v_ += Fixed(std::llrint(y));
    else v_ += Fixed(std::nearbyint(y));
    return *this;
  }
  ExactSum& operator+=(const ExactSum& o) {
    v_ += o.v_;
    return *this;
  }
  double value() const { return double(v_) / kScale; }

 private:
  __extension__ using Fixed = __int128;
  static constexpr double kScale = 1099511627776.0;  // 2^40
  Fixed v_ = 0;
};

}  // namespace riverlink::eco::gep
