// core/runtime: the engine's random source in production (protocol.md §1.7 [D28]): bytes from
// the kernel's CSPRNG (getrandom(2)), fetched 256 bytes at a time so that MessageIDs and nonces
// do not each cost a system call. Not thread-safe: one per instance, used on its strand.
#pragma once

#include "engine/random.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace drt::runtime {

class system_random final : public engine::random_source {
 public:
  std::uint64_t next_u64() override;

 private:
  std::array<std::uint64_t, 32> pool_{};
  std::size_t next_ = pool_.size();
};

}  // namespace drt::runtime
