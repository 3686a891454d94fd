#include "sha256.hpp"

namespace drt::plugins::openssl {

sha256::sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {}

HRESULT sha256::digest(std::span<const std::uint8_t> bytes, sha256_digest& out) const noexcept {
  if (!md_) return E_FAIL;
  unsigned int written = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &written, md_.get(), nullptr) != 1 ||
      written != out.size()) {
    return E_FAIL;
  }
  return S_OK;
}

}  // namespace drt::plugins::openssl
