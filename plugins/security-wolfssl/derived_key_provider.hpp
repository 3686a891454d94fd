// The derived-key security provider (protocol.md §5.6 profile O1, §5.6a profile O2; api.md
// §5.6.1-§5.6.2, §6): a key may be registered only if it is the SHA-256 of the local
// certificate's SPKI, and remote proofs count only with a chain up to the configured root.
#pragma once

#include <drt/drt_provider.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace drt::plugins::wolfssl {

// Factory pair of the "derived-key" descriptor. Settings (DRT_PARAM_BYTES = the bytes, or
// DRT_PARAM_STRING = a file path, relative to pszBaseDirectory): root_cert (required),
// local_cert, local_key (appended to local_cert). Returns S_OK or, first match:
//   E_INVALIDARG               ppProvider NULL; config too small; pParams NULL; root_cert missing
//                              or empty; a file is empty
//   DRT_E_CONFIG_INVALID       an unknown, repeated or wrongly typed setting; unreadable file
//   DRT_E_CAPABILITY_MISMATCH  wolfCrypt's DRBG cannot be seeded, or wolfSSL_Init fails
//   DRT_E_INVALID_CERT_CHAIN   root not exactly one certificate; local chain does not verify now
//   DRT_E_CAPABILITY_MISMATCH  local leaf key not O1/O2; not exactly one private key; key mismatch
//   E_OUTOFMEMORY
[[nodiscard]] HRESULT create_derived_key_provider(const DRT_PROVIDER_CONFIG* pConfig,
                                                  DRT_SECURITY_PROVIDER** ppProvider) noexcept;
void delete_derived_key_provider(DRT_SECURITY_PROVIDER* pProvider) noexcept;

// DRT_PROVIDER_DESCRIPTOR::DeriveKey (api.md §5.6.2): pKey->pb[i] = SHA-256(SPKI)[31 − i].
[[nodiscard]] HRESULT derive_key(const DRT_DATA* pCert, DRT_DATA* pKey) noexcept;

// ---- For white-box tests and the integrator (not reachable through the plugin ABI) ----------

// Unix seconds. The factory above uses the system clock.
using unix_clock = std::function<std::int64_t()>;
[[nodiscard]] HRESULT create_derived_key_provider_with_clock(const DRT_PROVIDER_CONFIG* pConfig,
                                                             unix_clock clock,
                                                             DRT_SECURITY_PROVIDER** ppProvider) noexcept;

// Remote credentials and proofs this provider rejected, by reason.
struct derived_key_counters {
  std::uint64_t chains_expired = 0;    // a certificate of the chain expired or not yet valid
  std::uint64_t chains_untrusted = 0;  // does not verify to the root, or breaks the key rules
  std::uint64_t chains_malformed = 0;  // not a PKCS#7 certs-only credential with one leaf
  std::uint64_t proofs_rejected = 0;   // CPA or signature checks after a good chain
};
[[nodiscard]] derived_key_counters counters_of(const DRT_SECURITY_PROVIDER* provider) noexcept;

// The end of the local chain's validity (earliest notAfter, Unix seconds); INT64_MIN without a
// local certificate. From then on RegisterKey, SecureAndPackPayload, GetSerializedCredential and
// SignData fail with DRT_E_INVALID_CERT_CHAIN.
[[nodiscard]] std::int64_t local_valid_until(const DRT_SECURITY_PROVIDER* provider) noexcept;

// The plugin's process-wide cache of verified remote credentials, shared by every derived-key
// provider it creates (plugins/security-common/verified_credential_cache.hpp).
struct credential_cache_counters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::size_t entries = 0;
};
[[nodiscard]] credential_cache_counters shared_credential_cache_counters() noexcept;

}  // namespace drt::plugins::wolfssl
