// A small PKI generated once per test process with OpenSSL (tools/certgen): roots, nodes of
// both profiles, and the broken cases (expired, not yet valid, other root, unsupported key, an
// intermediate CA). Shared by every security plugin's derived-key suite and the API tests.
#pragma once

#include "certgen.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace drt::tests {

using certgen::identity;
using certgen::key_type;
using bytes = std::vector<std::uint8_t>;

struct test_pki {
  identity root;          // EC P-256 CA, the trust anchor of every provider under test
  identity other_root;    // an unrelated EC CA
  identity nodes[2][2];   // [key_type][i]: valid nodes under root (ec = O2, rsa = O1 RSA-2048)
  identity strangers[2];  // [key_type]: valid nodes under other_root
  identity expired[2];    // [key_type]: under root, expired yesterday
  identity future;        // EC, under root, valid from tomorrow
  identity p384;          // EC P-384 leaf under root: no profile
  identity intermediate;  // RSA-2048 CA under root
  identity via_intermediate;  // EC leaf under intermediate
  identity rsa1024;           // RSA-1024 leaf under root: below O1
  identity rsa3072;           // RSA-3072 leaf under root: inside O1
  identity weak_intermediate; // RSA-1024 CA under root: breaks the key rules for its leaves
  identity via_weak;          // EC leaf under weak_intermediate
};

// Built on first use (RSA key generation takes a moment), then shared.
[[nodiscard]] const test_pki& pki();

[[nodiscard]] inline int index_of(key_type t) { return t == key_type::ec ? 0 : 1; }

// PEM: the certificate, then the given extra certificates, then (if with_key) the private key.
[[nodiscard]] bytes pem_of(const identity& id, bool with_key, const std::vector<const identity*>& extra = {});
[[nodiscard]] bytes cert_pem_bytes(const identity& id);
[[nodiscard]] bytes cert_der_bytes(const identity& id);
[[nodiscard]] bytes key_der_bytes(const identity& id);

// A certs-only PKCS#7 made with OpenSSL's PKCS7 API (not the plugin's encoder).
[[nodiscard]] bytes pkcs7_of(const std::vector<const identity*>& certs);

// SHA-256 of the certificate's DER SPKI, in API order (pb[i] = digest[31 − i]).
[[nodiscard]] bytes derived_key_api(const identity& id);

}  // namespace drt::tests
