#include "engine/key_math.hpp"

#include <bit>

namespace drt::engine {

key256 key256::from_api_bytes(const std::uint8_t* pb) {
  key256 k;
  for (int i = 0; i < 32; ++i) k.limb[i / 8] |= std::uint64_t{pb[i]} << (8 * (i % 8));
  return k;
}

std::strong_ordering operator<=>(const key256& a, const key256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.limb[i] != b.limb[i]) return a.limb[i] <=> b.limb[i];
  }
  return std::strong_ordering::equal;
}

key256 sub_mod(const key256& a, const key256& b) {
  key256 r;
  std::uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t d = a.limb[i] - b.limb[i];
    const std::uint64_t out = d - borrow;
    borrow = (a.limb[i] < b.limb[i]) || (d < borrow) ? 1 : 0;
    r.limb[i] = out;
  }
  return r;
}

key256 ring_distance(const key256& a, const key256& b) {
  const key256 up = sub_mod(b, a);
  const key256 down = sub_mod(a, b);
  return up < down ? up : down;
}

int nearness(const key256& a, const key256& b) {
  for (int i = 3; i >= 0; --i) {
    const std::uint64_t x = a.limb[i] ^ b.limb[i];
    if (x != 0) return (3 - i) * 64 + std::countl_zero(x);
  }
  return 256;
}

bool closer_to(const key256& target, const key256& x, const key256& y) {
  const auto dx = ring_distance(x, target);
  const auto dy = ring_distance(y, target);
  if (dx != dy) return dx < dy;
  return x < y;
}

}  // namespace drt::engine
