// security-wolfssl's backend for the provider sources shared with security-openssl
// (plugins/security-common/): the shared codec, and wc_types.hpp's wipe and ct_equal.
#pragma once

#include "codec.hpp"

namespace drt::plugins::wolfssl {

inline constexpr const char* backend_plugin_name = "security-wolfssl";
inline constexpr const char* backend_crypto_name = "wolfCrypt";
// Why the provider cannot be created when derived_key_provider::crypto_ready() is false.
inline constexpr const char* backend_unavailable_text = "wolfSSL_Init failed or the DRBG cannot be seeded";

}  // namespace drt::plugins::wolfssl
