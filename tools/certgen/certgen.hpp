// certgen: make root, intermediate and node certificates with OpenSSL 3, for `drt cert`, the
// tests and the benchmarks. Not part of libdrt or of any plugin: it is tooling, so it reports
// failures with exceptions (std::runtime_error with the OpenSSL reason).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace drt::certgen {

struct pkey_free {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct x509_free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

enum class key_type { ec, rsa };

struct key_spec {
  key_type type = key_type::ec;  // ec = P-256 (profile O2); rsa (profile O1)
  int rsa_bits = 2048;
};

// A certificate with its private key.
struct identity {
  pkey_ptr key;
  x509_ptr cert;
};

struct cert_spec {
  std::string common_name = "OpenDRT node";
  std::int64_t not_before = 0;  // Unix seconds; 0 = now − 1 h
  std::int64_t not_after = 0;   // Unix seconds; 0 = not_before + 365 days
  bool is_ca = false;           // basicConstraints CA:TRUE, keyCertSign | cRLSign
  // Leaf keyUsage: digitalSignature plus keyEncipherment (RSA) or keyAgreement (EC). false =
  // no keyUsage extension at all.
  bool key_usage = true;
};

[[nodiscard]] pkey_ptr generate_key(const key_spec& spec);

// Self-signed when issuer is null. Signed with SHA-256 (sha256WithRSAEncryption or
// ecdsa-with-SHA256, following the issuer's key).
[[nodiscard]] identity issue(const cert_spec& spec, pkey_ptr key, const identity* issuer);

// Encodings. Private keys are PKCS#8 (PEM "PRIVATE KEY", or DER PrivateKeyInfo).
[[nodiscard]] std::string cert_pem(X509* cert);
[[nodiscard]] std::string key_pem(EVP_PKEY* key);
[[nodiscard]] std::vector<std::uint8_t> cert_der(X509* cert);
[[nodiscard]] std::vector<std::uint8_t> key_der(EVP_PKEY* key);

// SHA-256 of the certificate's DER SubjectPublicKeyInfo, digest order (= wire order, the most
// significant byte first; the API's pb[i] is digest[31 − i]).
[[nodiscard]] std::array<std::uint8_t, 32> derived_key_wire(X509* cert);
[[nodiscard]] std::string to_hex(const std::uint8_t* bytes, std::size_t n);

// Files: <dir>/<base>.pem (certificate) and <dir>/<base>.key (PKCS#8 PEM, mode 0600).
void write_identity(const identity& id, const std::filesystem::path& dir, const std::string& base);
[[nodiscard]] identity read_identity(const std::filesystem::path& dir, const std::string& base);

[[nodiscard]] std::int64_t now_unix();

}  // namespace drt::certgen
