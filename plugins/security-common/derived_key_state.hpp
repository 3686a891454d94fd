// The state of one derived-key provider object, shared by its creation code
// (derived_key_config.cpp) and its table functions (derived_key_provider.cpp). One header for
// both security plugins (README.md here): the backend's credential.hpp, crypto_ops.hpp,
// sha256.hpp and backend.hpp (library_ref) give the types.
//
// Thread safety: the core makes one call at a time into an attached provider, but FreeData and
// the white-box accessors may run anywhere. Everything set at creation is immutable; the attach
// flag and the counters are atomic; remote credentials are cached in the process-wide
// verified_credential_cache (thread-safe).
#pragma once

#include "backend.hpp"
#include "credential.hpp"
#include "crypto_ops.hpp"
#include "derived_key_provider.hpp"
#include "sha256.hpp"
#include "verified_credential_cache.hpp"

#include <atomic>
#include <memory>
#include <optional>

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {

struct local_identity {
  pkey_ptr private_key;
  key_profile profile = key_profile::none;
  key_bytes_t derived_wire{};
  cpa_public_key public_key;
  std::vector<std::uint8_t> credential;  // PKCS#7, leaf first
  std::int64_t valid_from = 0;           // the verified chain's window
  std::int64_t valid_until = 0;
};

struct derived_key_provider {
  library_ref library;  // first: wolfSSL_Init before any other member uses wolfCrypt (OpenSSL: empty)
  DRT_SECURITY_PROVIDER table{};
  std::atomic<bool> attached{false};
  sha256 hasher;
  crypto_suite crypto;
  std::shared_ptr<const chain_verifier> verifier;  // shared per root (verified_credential_cache)
  std::optional<local_identity> local;
  unix_clock clock;

  // SHA-256, AES-256-GCM and the key wraps are usable (else DRT_E_CAPABILITY_MISMATCH).
  [[nodiscard]] bool crypto_ready() const noexcept { return library.ok() && hasher.available() && crypto.available(); }

  sha256_digest root_digest{};  // this provider's part of verified_credential_cache keys

  std::atomic<std::uint64_t> chains_expired{0};
  std::atomic<std::uint64_t> chains_untrusted{0};
  std::atomic<std::uint64_t> chains_malformed{0};
  std::atomic<std::uint64_t> proofs_rejected{0};

  [[nodiscard]] std::int64_t now() const { return clock(); }
  // S_OK, DRT_E_CAPABILITY_MISMATCH (no local certificate) or DRT_E_INVALID_CERT_CHAIN (outside
  // the local chain's validity window).
  [[nodiscard]] HRESULT local_usable() const;
  // Parses and verifies a remote credential, through the cache. DRT_E_INVALID_CERT_CHAIN.
  [[nodiscard]] HRESULT remote(std::span<const std::uint8_t> credential,
                               std::shared_ptr<const remote_peer>& out);
};

// Fills the table's function members (derived_key_provider.cpp).
void fill_table(derived_key_provider& self) noexcept;

}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND
