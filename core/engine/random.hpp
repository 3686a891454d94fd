// core/engine: the injected random source (protocol.md §1.7 [D28]). Production passes a CSPRNG;
// the simulator a seeded PRNG shared by all its engines. Not thread-safe.
#pragma once

#include <cstdint>

namespace drt::engine {

class random_source {
 public:
  virtual ~random_source() = default;
  virtual std::uint64_t next_u64() = 0;
  // Uniform in [0, n) for n > 0 (Lemire's multiply-shift, bias < 2^-64 · n).
  std::uint64_t uniform(std::uint64_t n) {
    __extension__ typedef unsigned __int128 uint128;
    return static_cast<std::uint64_t>((static_cast<uint128>(next_u64()) * n) >> 64);
  }
};

// xoshiro256** seeded through splitmix64: fast, deterministic, not cryptographic.
class seeded_random final : public random_source {
 public:
  explicit seeded_random(std::uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next_u64() override {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace drt::engine
