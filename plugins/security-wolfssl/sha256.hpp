// SHA-256 through wolfCrypt (wc_Sha256*), with the interface the OpenSSL plugin's providers use.
#pragma once

#include <drt/drt_errors.h>

#include <array>
#include <cstdint>
#include <span>

namespace drt::plugins::wolfssl {

using sha256_digest = std::array<std::uint8_t, 32>;

// Stateless: every digest uses its own wc_Sha256 on the stack, so it is thread-safe.
class sha256 {
 public:
  // wolfCrypt is built with SHA-256 always (it is not optional in wolfSSL).
  [[nodiscard]] bool available() const noexcept { return true; }
  // E_FAIL if wolfCrypt fails.
  [[nodiscard]] HRESULT digest(std::span<const std::uint8_t> bytes, sha256_digest& out) const noexcept;
  // One digest over the concatenation of parts.
  [[nodiscard]] HRESULT digest(std::span<const std::span<const std::uint8_t>> parts,
                               sha256_digest& out) const noexcept;
};

}  // namespace drt::plugins::wolfssl
