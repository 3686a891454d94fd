// Certificates for the derived-key provider on wolfCrypt (protocol.md §5.6, §5.6a; api.md §6):
// reading the PEM/DER inputs, the profile of a leaf key, the derived key, the PUBLIC_KEY of a
// CPA, the PKCS#7 credential, and chain verification up to the configured root. The same
// interface and the same decisions as plugins/security-openssl/credential.hpp (docs/security.md).
#pragma once

#include "codec.hpp"
#include "sha256.hpp"
#include "wc_types.hpp"

#include <drt/drt_errors.h>

#include <cstdint>
#include <span>
#include <vector>

namespace drt::plugins::wolfssl {

enum class key_profile { none, o1, o2 };

[[nodiscard]] key_profile profile_of(const pkey* key) noexcept;
[[nodiscard]] std::uint8_t cpa_profile_minor(key_profile p) noexcept;

inline constexpr std::size_t credential_certs_max = 25;     // protocol.md §5.6 [D6]
inline constexpr std::size_t credential_bytes_max = 37348;  // largest message (§2.6 [D12])

struct credential_input {
  std::vector<x509_ptr> certs;
  std::vector<pkey_ptr> keys;
};

// A certificate from its DER bytes (exactly one object); null if wolfCrypt cannot parse it.
[[nodiscard]] x509_ptr parse_cert(std::span<const std::uint8_t> der);

// As the OpenSSL plugin: PEM (labels CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY;
// others ignored) or concatenated DER objects. DRT_E_INVALID_CERT_CHAIN if something does not
// parse. Throws std::bad_alloc.
[[nodiscard]] HRESULT read_credential_input(std::span<const std::uint8_t> bytes,
                                            credential_input& out);

// protocol.md §5.6 [D3]: SHA-256 of the DER SPKI, digest order = wire order.
[[nodiscard]] HRESULT derived_key_of(const sha256& hasher, const cert* c, key_bytes_t& wire_out);

[[nodiscard]] cpa_public_key cpa_public_key_of(const cert* c, key_profile profile);

// K6: the crl2pkcs7 layout, certificates in the given order.
[[nodiscard]] std::vector<std::uint8_t> encode_credential(std::span<const cert* const> certs);

// The certificate interface of the shared provider sources (plugins/security-common/
// derived_key_config.cpp); security-openssl's credential.hpp has the same names.
using cert_ref = const cert*;
[[nodiscard]] inline bool same_cert(cert_ref a, cert_ref b) noexcept { return a->der == b->der; }
[[nodiscard]] inline key_profile leaf_profile(cert_ref c) noexcept { return profile_of(c->key.get()); }
// Whether `key` (a private key) belongs to the certificate's public key.
[[nodiscard]] inline bool is_private_key_of(const pkey_ptr& key, cert_ref c) noexcept {
  return key->type == c->key->type && ct_equal(key->public_id, c->key->public_id);
}
[[nodiscard]] inline pkey_ptr shared_public_key(cert_ref c) noexcept { return c->key; }
// False when the leaf's keyUsage forbids receiving a keytoken of its profile (docs/security.md).
[[nodiscard]] bool may_receive_keytoken(cert_ref leaf, key_profile profile) noexcept;

struct decoded_credential {
  std::vector<x509_ptr> certs;
  std::size_t leaf = 0;
};

[[nodiscard]] HRESULT decode_credential(std::span<const std::uint8_t> bytes,
                                        decoded_credential& out);

// True if child names parent as its issuer (exact DER) and parent may sign certificates
// (keyCertSign, if it has keyUsage). chain_verifier also requires intermediates to be CAs.
[[nodiscard]] bool issued_by(const cert& child, const cert& parent) noexcept;

struct chain_check {
  int x509_error = 0;  // OpenSSL's X509_V_ERR_* numbers, for the detail lines only
  bool time_failure = false;
  std::int64_t valid_from = 0;
  std::int64_t valid_until = 0;
};

// Path building and verification done here (not wolfSSL_CertManager), because the provider
// verifies at a given time (its clock), treats a non-self-signed root as the anchor (K4), and
// applies the key rules of K1 to the chain it found.
class chain_verifier {
 public:
  [[nodiscard]] HRESULT set_root(x509_ptr root);
  [[nodiscard]] const cert* root() const noexcept { return root_.get(); }
  [[nodiscard]] HRESULT verify(const cert* leaf, std::span<const cert* const> intermediates,
                               std::int64_t now, bool leaf_rule, chain_check& out) const;

 private:
  x509_ptr root_;
};

}  // namespace drt::plugins::wolfssl
