// security-openssl's backend for the provider sources shared with security-wolfssl
// (plugins/security-common/): the codec and C-ABI helpers, and the byte helpers on OpenSSL.
#pragma once

#include "address_list.hpp"
#include "c_abi.hpp"
#include "cpa.hpp"

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace drt::plugins::openssl {

inline constexpr const char* backend_plugin_name = "security-openssl";
inline constexpr const char* backend_crypto_name = "OpenSSL";
// Why the provider cannot be created when derived_key_provider::crypto_ready() is false.
inline constexpr const char* backend_unavailable_text = "OpenSSL lacks SHA-256, AES-256-GCM or HKDF";

// OpenSSL 3 initialises itself; wolfSSL's backend counts wolfSSL_Init references instead.
struct library_ref {
  [[nodiscard]] bool ok() const noexcept { return true; }
};

// Constant-time equality of two byte strings (lengths are not secret).
[[nodiscard]] inline bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Zeroes secret bytes in a way the compiler cannot drop.
inline void wipe(void* p, std::size_t n) noexcept { OPENSSL_cleanse(p, n); }

}  // namespace drt::plugins::openssl
