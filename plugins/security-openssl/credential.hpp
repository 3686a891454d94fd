// Certificates for the derived-key provider (protocol.md §5.6, §5.6a; api.md §6): reading the
// PEM/DER inputs, the profile of a leaf key, the derived key, the PUBLIC_KEY of a CPA, the
// PKCS#7 credential that crosses the wire, and chain verification up to the configured root.
#pragma once

#include "cpa.hpp"
#include "ossl_ptr.hpp"
#include "sha256.hpp"

#include <drt/drt_errors.h>

#include <cstdint>
#include <span>
#include <vector>

namespace drt::plugins::openssl {

// protocol.md §5.6 (O1, RSA 2048..4096) and §5.6a (O2, EC P-256 with an uncompressed point).
enum class key_profile { none, o1, o2 };

[[nodiscard]] key_profile profile_of(EVP_PKEY* key) noexcept;
[[nodiscard]] std::uint8_t cpa_profile_minor(key_profile p) noexcept;

inline constexpr std::size_t credential_certs_max = 25;      // protocol.md §5.6 [D6]
inline constexpr std::size_t credential_bytes_max = 37348;   // largest message (§2.6 [D12])

// api.md §6: PEM (after optional whitespace, "-----BEGIN ") or concatenated DER objects. The
// certificates keep their input order (the first is the node's own).
struct credential_input {
  std::vector<x509_ptr> certs;
  std::vector<pkey_ptr> keys;
};

// DRT_E_INVALID_CERT_CHAIN if a DER object or a recognised PEM block does not parse; the caller
// judges how many certificates and keys it needs. Throws std::bad_alloc.
[[nodiscard]] HRESULT read_credential_input(std::span<const std::uint8_t> bytes,
                                            credential_input& out);

// DER SubjectPublicKeyInfo of the certificate. E_FAIL if OpenSSL cannot encode it.
[[nodiscard]] HRESULT spki_of(X509* cert, std::vector<std::uint8_t>& out);

// protocol.md §5.6 [D3]: SHA-256 of the DER SPKI, digest order = wire order.
[[nodiscard]] HRESULT derived_key_of(const sha256& hasher, X509* cert, key_bytes_t& wire_out);

// The CPA's PUBLIC_KEY for a leaf of profile O1 or O2 (§5.6 table, §5.6a).
[[nodiscard]] cpa_public_key cpa_public_key_of(X509* cert, key_profile profile);

// PKCS#7 SignedData, certificates only, certificates in the given order (docs/security.md).
[[nodiscard]] std::vector<std::uint8_t> encode_credential(std::span<X509* const> certs);

// The certificate interface of the shared provider sources (plugins/security-common/
// derived_key_config.cpp); security-wolfssl's credential.hpp has the same names.
using cert_ref = X509*;
[[nodiscard]] inline bool same_cert(cert_ref a, cert_ref b) noexcept { return X509_cmp(a, b) == 0; }
[[nodiscard]] inline key_profile leaf_profile(cert_ref c) noexcept { return profile_of(X509_get0_pubkey(c)); }
// Whether `key` (a private key) belongs to the certificate's public key.
[[nodiscard]] inline bool is_private_key_of(const pkey_ptr& key, cert_ref c) noexcept {
  return EVP_PKEY_eq(X509_get0_pubkey(c), key.get()) == 1;
}
[[nodiscard]] inline pkey_ptr shared_public_key(cert_ref c) noexcept { return share(X509_get0_pubkey(c)); }
// False when the leaf's keyUsage forbids receiving a keytoken of its profile (docs/security.md).
[[nodiscard]] bool may_receive_keytoken(cert_ref leaf, key_profile profile) noexcept;

struct decoded_credential {
  std::vector<x509_ptr> certs;
  std::size_t leaf = 0;  // index of the one certificate that issued none of the others
};

// DRT_E_INVALID_CERT_CHAIN unless the bytes are exactly one DER PKCS#7 SignedData holding 1..25
// certificates with exactly one leaf. Throws std::bad_alloc.
[[nodiscard]] HRESULT decode_credential(std::span<const std::uint8_t> bytes,
                                        decoded_credential& out);

struct chain_check {
  int x509_error = 0;          // X509_V_OK or the first X509_V_ERR_* of the verification
  bool time_failure = false;   // expired or not yet valid
  std::int64_t valid_from = 0; // latest notBefore of the verified chain (Unix seconds)
  std::int64_t valid_until = 0;// earliest notAfter of the verified chain
};

// Verifies a leaf with its intermediates up to the configured root at a given time, then the
// key rules of §5.6/§5.6a for every certificate but the root: leaf O1/O2 (if leaf_rule), others
// RSA 2048..4096 or P-256, signatures sha256/384/512WithRSA or ecdsa-with-SHA256/384.
class chain_verifier {
 public:
  chain_verifier() = default;
  // DRT_E_INVALID_CERT_CHAIN unless root is one certificate. Throws std::bad_alloc.
  [[nodiscard]] HRESULT set_root(x509_ptr root);
  [[nodiscard]] X509* root() const noexcept { return root_.get(); }

  // S_OK or DRT_E_INVALID_CERT_CHAIN (details in out); E_OUTOFMEMORY/E_FAIL for OpenSSL failures.
  [[nodiscard]] HRESULT verify(X509* leaf, std::span<X509* const> intermediates, std::int64_t now,
                               bool leaf_rule, chain_check& out) const;

 private:
  x509_ptr root_;
  x509_store_ptr store_;
};

// Unix seconds of an ASN1_TIME; false if it cannot be converted.
[[nodiscard]] bool to_unix_seconds(const ASN1_TIME* t, std::int64_t& out) noexcept;

}  // namespace drt::plugins::openssl
