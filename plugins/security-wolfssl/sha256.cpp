#include "sha256.hpp"

#include <wolfssl/wolfcrypt/sha256.h>

#include <climits>

namespace drt::plugins::wolfssl {

HRESULT sha256::digest(std::span<const std::uint8_t> bytes, sha256_digest& out) const noexcept {
  const std::span<const std::uint8_t> one[] = {bytes};
  return digest(one, out);
}

HRESULT sha256::digest(std::span<const std::span<const std::uint8_t>> parts,
                       sha256_digest& out) const noexcept {
  wc_Sha256 ctx;
  if (wc_InitSha256(&ctx) != 0) return E_FAIL;
  int rc = 0;
  for (auto part : parts) {
    // wc_Sha256Update takes a word32 length: feed larger inputs in slices.
    while (rc == 0 && !part.empty()) {
      const std::size_t n = part.size() < 0x40000000u ? part.size() : 0x40000000u;
      rc = wc_Sha256Update(&ctx, part.data(), static_cast<word32>(n));
      part = part.subspan(n);
    }
  }
  if (rc == 0) rc = wc_Sha256Final(&ctx, out.data());
  wc_Sha256Free(&ctx);
  return rc == 0 ? S_OK : E_FAIL;
}

}  // namespace drt::plugins::wolfssl
