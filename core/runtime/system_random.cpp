// core/runtime: system_random (system_random.hpp).
#include "runtime/system_random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace drt::runtime {

std::uint64_t system_random::next_u64() {
  if (next_ == pool_.size()) {
    auto* bytes = reinterpret_cast<unsigned char*>(pool_.data());
    std::size_t filled = 0;
    while (filled < sizeof pool_) {
      const ssize_t n = ::getrandom(bytes + filled, sizeof pool_ - filled, 0);
      if (n < 0 && errno == EINTR) continue;
      // getrandom cannot fail with these arguments once the kernel pool is initialised (it blocks
      // until then); a failure here means no CSPRNG at all, and nonces must not be predictable.
      if (n <= 0) std::abort();
      filled += static_cast<std::size_t>(n);
    }
    next_ = 0;
  }
  return pool_[next_++];
}

}  // namespace drt::runtime
