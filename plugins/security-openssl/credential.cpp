#include "credential.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>
#include <new>
#include <string_view>

namespace drt::plugins::openssl {
namespace {

constexpr std::string_view pem_marker = "-----BEGIN ";

[[nodiscard]] bool is_pem(std::span<const std::uint8_t> bytes) noexcept {
  std::size_t i = 0;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' ||
                              bytes[i] == '\n')) {
    ++i;
  }
  return bytes.size() - i >= pem_marker.size() &&
         std::memcmp(bytes.data() + i, pem_marker.data(), pem_marker.size()) == 0;
}

// Length of the top-level DER object at the start of bytes (tag SEQUENCE, definite length), or
// 0 if the header is malformed or runs past the input.
[[nodiscard]] std::size_t der_object_size(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < 2 || bytes[0] != 0x30) return 0;
  std::size_t length = bytes[1];
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t n = length & 0x7F;
    if (n == 0 || n > 4 || bytes.size() < 2 + n) return 0;
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | bytes[2 + i];
    header += n;
  }
  if (length > bytes.size() - header) return 0;
  return header + length;
}

// One DER object that must be consumed exactly by the decoder.
template <class Decode>
[[nodiscard]] auto decode_exact(std::span<const std::uint8_t> der, Decode decode) {
  const unsigned char* p = der.data();
  auto object = decode(&p, static_cast<long>(der.size()));
  if (object && p != der.data() + der.size()) object.reset();
  return object;
}

[[nodiscard]] x509_ptr decode_x509(std::span<const std::uint8_t> der) {
  return decode_exact(der, [](const unsigned char** p, long n) {
    return x509_ptr(d2i_X509(nullptr, p, n));
  });
}

[[nodiscard]] pkey_ptr decode_private_key(std::span<const std::uint8_t> der, int type) {
  return decode_exact(der, [type](const unsigned char** p, long n) {
    return type == EVP_PKEY_NONE ? pkey_ptr(d2i_AutoPrivateKey(nullptr, p, n))
                                 : pkey_ptr(d2i_PrivateKey(type, nullptr, p, n));
  });
}

HRESULT read_der(std::span<const std::uint8_t> bytes, credential_input& out) {
  while (!bytes.empty()) {
    const std::size_t size = der_object_size(bytes);
    if (size == 0) return DRT_E_INVALID_CERT_CHAIN;
    const auto object = bytes.first(size);
    if (auto cert = decode_x509(object)) {
      out.certs.push_back(std::move(cert));
    } else if (auto key = decode_private_key(object, EVP_PKEY_NONE)) {
      out.keys.push_back(std::move(key));
    } else {
      return DRT_E_INVALID_CERT_CHAIN;
    }
    bytes = bytes.subspan(size);
  }
  return S_OK;
}

struct pem_block {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  ~pem_block() {
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<std::size_t>(length));  // may hold a private key
  }
};

HRESULT read_pem(std::span<const std::uint8_t> bytes, credential_input& out) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  bio_ptr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  if (!bio) throw std::bad_alloc();
  for (;;) {
    pem_block block;
    ERR_clear_error();
    if (PEM_read_bio(bio.get(), &block.name, &block.header, &block.data, &block.length) != 1) {
      const unsigned long e = ERR_peek_last_error();
      ERR_clear_error();
      // The normal end: no further "-----BEGIN" line.
      if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) return S_OK;
      return DRT_E_INVALID_CERT_CHAIN;
    }
    const std::string_view name = block.name;
    const std::span<const std::uint8_t> der(block.data, static_cast<std::size_t>(block.length));
    if (name == "CERTIFICATE") {
      auto cert = decode_x509(der);
      if (!cert) return DRT_E_INVALID_CERT_CHAIN;
      out.certs.push_back(std::move(cert));
    } else if (name == "PRIVATE KEY" || name == "RSA PRIVATE KEY" || name == "EC PRIVATE KEY") {
      const int type = name == "PRIVATE KEY"       ? EVP_PKEY_NONE
                       : name == "RSA PRIVATE KEY" ? EVP_PKEY_RSA
                                                   : EVP_PKEY_EC;
      auto key = decode_private_key(der, type);
      if (!key) return DRT_E_INVALID_CERT_CHAIN;
      out.keys.push_back(std::move(key));
    }
    // Other labels, ENCRYPTED PRIVATE KEY included, are ignored (api.md §6).
  }
}

void write_der_length(std::vector<std::uint8_t>& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t digits[4];
  int n = 0;
  for (std::size_t v = length; v != 0; v >>= 8) digits[n++] = static_cast<std::uint8_t>(v);
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  while (n > 0) out.push_back(digits[--n]);
}

[[nodiscard]] std::vector<std::uint8_t> der_wrap(std::uint8_t tag,
                                                 std::span<const std::uint8_t> content) {
  std::vector<std::uint8_t> out{tag};
  write_der_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

void append(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> more) {
  out.insert(out.end(), more.begin(), more.end());
}

[[nodiscard]] bool signature_allowed(X509* cert) noexcept {
  switch (X509_get_signature_nid(cert)) {
    case NID_sha256WithRSAEncryption:
    case NID_sha384WithRSAEncryption:
    case NID_sha512WithRSAEncryption:
    case NID_ecdsa_with_SHA256:
    case NID_ecdsa_with_SHA384:
      return true;
    default:
      return false;
  }
}

// §5.6a: an O2 leaf carries the 65-byte uncompressed point that PUBLIC_KEY and ECDH-ES use.
[[nodiscard]] bool point_is_uncompressed(X509* cert) noexcept {
  const unsigned char* pk = nullptr;
  int length = 0;
  if (X509_PUBKEY_get0_param(nullptr, &pk, &length, nullptr, X509_get_X509_PUBKEY(cert)) != 1) {
    return false;
  }
  return length == 65 && pk[0] == 0x04;
}

}  // namespace

key_profile profile_of(EVP_PKEY* key) noexcept {
  if (key == nullptr) return key_profile::none;
  if (EVP_PKEY_is_a(key, "RSA")) {
    const int bits = EVP_PKEY_get_bits(key);
    return bits >= 2048 && bits <= 4096 ? key_profile::o1 : key_profile::none;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[32] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) == 1 &&
        std::string_view(group, length) == "prime256v1") {
      return key_profile::o2;
    }
  }
  return key_profile::none;
}

std::uint8_t cpa_profile_minor(key_profile p) noexcept {
  return p == key_profile::o1 ? cpa_profile_minor_o1 : cpa_profile_minor_o2;
}

HRESULT read_credential_input(std::span<const std::uint8_t> bytes, credential_input& out) {
  out = {};
  const HRESULT hr = is_pem(bytes) ? read_pem(bytes, out) : read_der(bytes, out);
  ERR_clear_error();
  return hr;
}

HRESULT spki_of(X509* cert, std::vector<std::uint8_t>& out) {
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (length <= 0) return E_FAIL;
  out.assign(der, der + length);
  OPENSSL_free(der);
  return S_OK;
}

HRESULT derived_key_of(const sha256& hasher, X509* cert, key_bytes_t& wire_out) {
  std::vector<std::uint8_t> spki;
  if (HRESULT hr = spki_of(cert, spki); FAILED(hr)) return hr;
  sha256_digest digest{};
  if (HRESULT hr = hasher.digest(spki, digest); FAILED(hr)) return hr;
  std::copy(digest.begin(), digest.end(), wire_out.begin());
  return S_OK;
}

cpa_public_key cpa_public_key_of(X509* cert, key_profile profile) {
  cpa_public_key out;
  const unsigned char* pk = nullptr;
  int length = 0;
  if (X509_PUBKEY_get0_param(nullptr, &pk, &length, nullptr, X509_get_X509_PUBKEY(cert)) == 1 &&
      length > 0) {
    out.key.assign(pk, pk + length);
  }
  if (profile == key_profile::o1) {
    out.algorithm_id = "1.2.840.113549.1.1.1";
    out.parameters = {0x05, 0x00};
  } else {
    out.algorithm_id = "1.2.840.10045.2.1";
    out.parameters = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  }
  return out;
}

std::vector<std::uint8_t> encode_credential(std::span<X509* const> certs) {
  static constexpr std::uint8_t oid_signed_data[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                                     0xF7, 0x0D, 0x01, 0x07, 0x02};
  static constexpr std::uint8_t version_1[] = {0x02, 0x01, 0x01};
  static constexpr std::uint8_t empty_set[] = {0x31, 0x00};
  static constexpr std::uint8_t data_content_info[] = {0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48,
                                                       0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
  std::vector<std::uint8_t> cert_bytes;
  for (X509* cert : certs) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(cert, &der);
    if (length <= 0) throw std::bad_alloc();
    cert_bytes.insert(cert_bytes.end(), der, der + length);
    OPENSSL_free(der);
  }
  std::vector<std::uint8_t> signed_data;
  append(signed_data, version_1);
  append(signed_data, empty_set);  // digestAlgorithms
  append(signed_data, data_content_info);
  append(signed_data, der_wrap(0xA0, cert_bytes));  // certificates [0] IMPLICIT
  append(signed_data, empty_set);                   // signerInfos
  std::vector<std::uint8_t> content_info;
  append(content_info, oid_signed_data);
  append(content_info, der_wrap(0xA0, der_wrap(0x30, signed_data)));
  return der_wrap(0x30, content_info);
}

HRESULT decode_credential(std::span<const std::uint8_t> bytes, decoded_credential& out) {
  out = {};
  if (bytes.empty() || bytes.size() > credential_bytes_max) return DRT_E_INVALID_CERT_CHAIN;
  pkcs7_ptr p7 = decode_exact(bytes, [](const unsigned char** p, long n) {
    return pkcs7_ptr(d2i_PKCS7(nullptr, p, n));
  });
  ERR_clear_error();
  if (!p7 || !PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr ||
      p7->d.sign->cert == nullptr) {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  const int n = sk_X509_num(p7->d.sign->cert);
  if (n < 1 || static_cast<std::size_t>(n) > credential_certs_max) return DRT_E_INVALID_CERT_CHAIN;
  for (int i = 0; i < n; ++i) {
    x509_ptr cert = share(sk_X509_value(p7->d.sign->cert, i));
    if (!cert) return E_FAIL;
    out.certs.push_back(std::move(cert));
  }
  // §5.6 [D6]: the leaf is the one certificate that issued none of the others.
  int leaves = 0;
  for (std::size_t i = 0; i < out.certs.size(); ++i) {
    bool issued_one = false;
    for (std::size_t j = 0; j < out.certs.size() && !issued_one; ++j) {
      issued_one = i != j && X509_check_issued(out.certs[i].get(), out.certs[j].get()) == X509_V_OK;
    }
    if (!issued_one) {
      out.leaf = i;
      ++leaves;
    }
  }
  ERR_clear_error();
  return leaves == 1 ? S_OK : DRT_E_INVALID_CERT_CHAIN;
}

HRESULT chain_verifier::set_root(x509_ptr root) {
  if (!root) return DRT_E_INVALID_CERT_CHAIN;
  x509_store_ptr store(X509_STORE_new());
  if (!store) throw std::bad_alloc();
  // The configured root is the trust anchor even when it is not self-signed.
  if (X509_STORE_add_cert(store.get(), root.get()) != 1 ||
      X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1) {
    return E_FAIL;
  }
  root_ = std::move(root);
  store_ = std::move(store);
  return S_OK;
}

HRESULT chain_verifier::verify(X509* leaf, std::span<X509* const> intermediates, std::int64_t now,
                               bool leaf_rule, chain_check& out) const {
  out = {};
  if (!store_ || leaf == nullptr) return DRT_E_INVALID_CERT_CHAIN;
  x509_stack_ptr untrusted(sk_X509_new_null());
  x509_store_ctx_ptr ctx(X509_STORE_CTX_new());
  if (!untrusted || !ctx) throw std::bad_alloc();
  for (X509* cert : intermediates) {
    x509_ptr ref = share(cert);
    if (!ref || sk_X509_push(untrusted.get(), ref.get()) <= 0) return E_FAIL;
    (void)ref.release();  // the stack owns it now
  }
  if (X509_STORE_CTX_init(ctx.get(), store_.get(), leaf, untrusted.get()) != 1) return E_FAIL;
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(credential_certs_max) - 1);
  const int verified = X509_verify_cert(ctx.get());
  ERR_clear_error();
  if (verified != 1) {
    out.x509_error = X509_STORE_CTX_get_error(ctx.get());
    out.time_failure = out.x509_error == X509_V_ERR_CERT_HAS_EXPIRED ||
                       out.x509_error == X509_V_ERR_CERT_NOT_YET_VALID;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  const int n = sk_X509_num(chain);
  if (n < 2) {  // the leaf is the root itself: the trust anchor is not a node
    out.x509_error = X509_V_ERR_APPLICATION_VERIFICATION;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  out.valid_from = std::numeric_limits<std::int64_t>::min();
  out.valid_until = std::numeric_limits<std::int64_t>::max();
  for (int i = 0; i < n; ++i) {
    X509* cert = sk_X509_value(chain, i);
    std::int64_t from = 0;
    std::int64_t until = 0;
    if (!to_unix_seconds(X509_get0_notBefore(cert), from) ||
        !to_unix_seconds(X509_get0_notAfter(cert), until)) {
      return DRT_E_INVALID_CERT_CHAIN;
    }
    out.valid_from = std::max(out.valid_from, from);
    out.valid_until = std::min(out.valid_until, until);
    if (i == n - 1) break;  // the anchor: trusted as configured
    const bool key_ok = i == 0 && !leaf_rule ? true : profile_of(X509_get0_pubkey(cert)) != key_profile::none;
    if (!key_ok || !signature_allowed(cert) ||
        (i == 0 && leaf_rule && profile_of(X509_get0_pubkey(cert)) == key_profile::o2 &&
         !point_is_uncompressed(cert))) {
      out.x509_error = X509_V_ERR_APPLICATION_VERIFICATION;
      return DRT_E_INVALID_CERT_CHAIN;
    }
  }
  if (leaf_rule && (X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
    out.x509_error = X509_V_ERR_APPLICATION_VERIFICATION;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  return S_OK;
}

bool to_unix_seconds(const ASN1_TIME* t, std::int64_t& out) noexcept {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  out = static_cast<std::int64_t>(timegm(&tm));
  return true;
}

bool may_receive_keytoken(cert_ref leaf, key_profile profile) noexcept {
  if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) == 0) return true;
  const std::uint32_t usage = X509_get_key_usage(leaf);
  return (usage & (profile == key_profile::o1 ? KU_KEY_ENCIPHERMENT : KU_KEY_AGREEMENT)) != 0;
}

}  // namespace drt::plugins::openssl
