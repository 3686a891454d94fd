#include "credential.hpp"

#include "der.hpp"

#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hash.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <string_view>

namespace drt::plugins::wolfssl {
namespace {

constexpr std::string_view pem_begin = "-----BEGIN ";
constexpr std::string_view pem_dashes = "-----";

// OpenSSL's X509_V_ERR_* numbers, so that both plugins' detail lines read alike.
constexpr int err_unable_to_get_issuer = 20;
constexpr int err_not_yet_valid = 9;
constexpr int err_expired = 10;
constexpr int err_invalid_ca = 24;
constexpr int err_application = 50;

[[nodiscard]] bool is_space(std::uint8_t c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

[[nodiscard]] bool is_pem(std::span<const std::uint8_t> bytes) noexcept {
  std::size_t i = 0;
  while (i < bytes.size() && is_space(bytes[i])) ++i;
  return bytes.size() - i >= pem_begin.size() &&
         std::memcmp(bytes.data() + i, pem_begin.data(), pem_begin.size()) == 0;
}

HRESULT add_der_object(std::span<const std::uint8_t> object, credential_input& out) {
  if (auto c = parse_cert(object)) {
    out.certs.push_back(std::move(c));
  } else if (auto key = private_key_from_der(object, private_key_form::any)) {
    out.keys.push_back(std::move(key));
  } else {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  return S_OK;
}

HRESULT read_der(std::span<const std::uint8_t> bytes, credential_input& out) {
  while (!bytes.empty()) {
    der::bytes_view probe = bytes;
    der::tlv object;
    if (bytes[0] != 0x30 || !der::read(probe, object)) return DRT_E_INVALID_CERT_CHAIN;
    if (HRESULT hr = add_der_object(object.whole, out); FAILED(hr)) return hr;
    bytes = probe;
  }
  return S_OK;
}

// The base64 body of one PEM block, without header lines ("Name: value") and whitespace.
[[nodiscard]] bool decode_pem_body(std::string_view body, std::vector<std::uint8_t>& out) {
  std::string text;
  std::size_t line_start = 0;
  while (line_start < body.size()) {
    std::size_t line_end = body.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = body.size();
    const std::string_view line = body.substr(line_start, line_end - line_start);
    if (line.find(':') == std::string_view::npos) {
      for (char c : line) {
        if (!is_space(static_cast<std::uint8_t>(c))) text.push_back(c);
      }
    }
    line_start = line_end + 1;
  }
  if (text.empty() || text.size() > 0xFFFFFFu) return false;
  out.assign(text.size(), 0);
  word32 size = static_cast<word32>(out.size());
  const int rc = Base64_Decode(reinterpret_cast<const byte*>(text.data()), static_cast<word32>(text.size()),
                               out.data(), &size);
  wipe(text.data(), text.size());
  if (rc != 0) return false;
  out.resize(size);
  return true;
}

HRESULT read_pem(std::span<const std::uint8_t> bytes, credential_input& out) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t pos = 0;
  for (;;) {
    const std::size_t begin = text.find(pem_begin, pos);
    if (begin == std::string_view::npos) return S_OK;  // no further block: the normal end
    const std::size_t label_start = begin + pem_begin.size();
    const std::size_t label_end = text.find(pem_dashes, label_start);
    if (label_end == std::string_view::npos) return DRT_E_INVALID_CERT_CHAIN;
    const std::string_view label = text.substr(label_start, label_end - label_start);
    if (label.find('\n') != std::string_view::npos) return DRT_E_INVALID_CERT_CHAIN;
    const std::size_t body_start = label_end + pem_dashes.size();
    const std::string end_line = "-----END " + std::string(label) + "-----";
    const std::size_t end = text.find(end_line, body_start);
    if (end == std::string_view::npos) return DRT_E_INVALID_CERT_CHAIN;
    pos = end + end_line.size();
    const bool is_cert = label == "CERTIFICATE";
    const bool is_key = label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY";
    if (!is_cert && !is_key) continue;  // other labels, ENCRYPTED PRIVATE KEY included (api.md §6)
    std::vector<std::uint8_t> der_bytes;
    struct wipe_der {
      std::vector<std::uint8_t>& v;
      ~wipe_der() { wipe(v.data(), v.size()); }  // may hold a private key
    } wiper{der_bytes};
    if (!decode_pem_body(text.substr(body_start, end - body_start), der_bytes)) {
      return DRT_E_INVALID_CERT_CHAIN;
    }
    if (is_cert) {
      auto c = parse_cert(der_bytes);
      if (!c) return DRT_E_INVALID_CERT_CHAIN;
      out.certs.push_back(std::move(c));
    } else {
      const private_key_form form = label == "PRIVATE KEY"       ? private_key_form::any
                                    : label == "RSA PRIVATE KEY" ? private_key_form::rsa
                                                                 : private_key_form::ec;
      auto key = private_key_from_der(der_bytes, form);
      if (!key) return DRT_E_INVALID_CERT_CHAIN;
      out.keys.push_back(std::move(key));
    }
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

[[nodiscard]] std::vector<std::uint8_t> der_wrap(std::uint8_t tag, std::span<const std::uint8_t> content) {
  std::vector<std::uint8_t> out{tag};
  write_der_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

void append(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> more) {
  out.insert(out.end(), more.begin(), more.end());
}

[[nodiscard]] bool signature_allowed(const cert& c) noexcept {
  switch (c.signature_oid) {
    case CTC_SHA256wRSA:
    case CTC_SHA384wRSA:
    case CTC_SHA512wRSA:
    case CTC_SHA256wECDSA:
    case CTC_SHA384wECDSA:
      return true;
    default:
      return false;
  }
}

[[nodiscard]] bool point_is_uncompressed(const cert& c) noexcept {
  return c.public_key_bits.size() == 65 && c.public_key_bits[0] == 0x04;
}

// The signature of child under the issuer's key, for the five algorithms of K1.
[[nodiscard]] bool signature_ok(const cert& child, pkey& issuer) {
  std::uint8_t digest[WC_SHA512_DIGEST_SIZE];
  word32 digest_size = 0;
  int hash_oid = 0;
  bool rsa = false;
  const auto* tbs = child.tbs.data();
  const auto tbs_size = static_cast<word32>(child.tbs.size());
  int rc = -1;
  switch (child.signature_oid) {
    case CTC_SHA256wRSA: rsa = true; [[fallthrough]];
    case CTC_SHA256wECDSA:
      rc = wc_Sha256Hash(tbs, tbs_size, digest);
      digest_size = WC_SHA256_DIGEST_SIZE;
      hash_oid = SHA256h;
      break;
    case CTC_SHA384wRSA: rsa = true; [[fallthrough]];
    case CTC_SHA384wECDSA:
      rc = wc_Sha384Hash(tbs, tbs_size, digest);
      digest_size = WC_SHA384_DIGEST_SIZE;
      hash_oid = SHA384h;
      break;
    case CTC_SHA512wRSA:
      rsa = true;
      rc = wc_Sha512Hash(tbs, tbs_size, digest);
      digest_size = WC_SHA512_DIGEST_SIZE;
      hash_oid = SHA512h;
      break;
    default:
      return false;
  }
  if (rc != 0 || child.signature.empty()) return false;
  std::lock_guard lock(issuer.mutex);
  if (rsa) {
    if (issuer.type != pkey::family::rsa) return false;
    std::vector<std::uint8_t> sig = child.signature;
    byte* decoded = nullptr;
    const int n = wc_RsaSSL_VerifyInline(sig.data(), static_cast<word32>(sig.size()), &decoded, issuer.rsa.get());
    if (n <= 0 || decoded == nullptr) return false;
    std::uint8_t expected[MAX_ENCODED_SIG_SZ];
    const word32 m = wc_EncodeSignature(expected, digest, digest_size, hash_oid);
    return ct_equal({decoded, static_cast<std::size_t>(n)}, {expected, m});
  }
  if (issuer.type != pkey::family::ec) return false;
  own_thread_ecc_cache();
  int verified = 0;
  return wc_ecc_verify_hash(child.signature.data(), static_cast<word32>(child.signature.size()), digest,
                            digest_size, &verified, issuer.ec.get()) == 0 &&
         verified == 1;
}

// A SET OF; like d2i_PKCS7, an empty one is also accepted with the primitive tag 0x11.
[[nodiscard]] bool read_set(der::bytes_view& in, der::tlv& out) noexcept {
  der::bytes_view probe = in;
  if (!der::read(probe, out)) return false;
  if (out.tag != 0x31 && !(out.tag == 0x11 && out.content.empty())) return false;
  in = probe;
  return true;
}

[[nodiscard]] bool may_sign_certificates(const cert& c) noexcept {
  return !c.key_usage_set || (c.key_usage & KEYUSE_KEY_CERT_SIGN) != 0;
}

}  // namespace

x509_ptr parse_cert(std::span<const std::uint8_t> bytes) {
  der::bytes_view in = bytes;
  der::tlv certificate, tbs, algorithm, signature;
  if (!der::read(in, 0x30, certificate) || !in.empty()) return nullptr;
  der::bytes_view c = certificate.content;
  if (!der::read(c, 0x30, tbs) || !der::read(c, 0x30, algorithm) || !der::read(c, 0x03, signature) ||
      !c.empty()) {
    return nullptr;
  }
  der::bytes_view t = tbs.content;
  der::tlv version, serial, inner_algorithm, issuer, validity, subject, spki;
  if (!t.empty() && t[0] == 0xA0 && !der::read(t, 0xA0, version)) return nullptr;
  if (!der::read(t, 0x02, serial) || !der::read(t, 0x30, inner_algorithm) || !der::read(t, 0x30, issuer) ||
      !der::read(t, 0x30, validity) || !der::read(t, 0x30, subject) || !der::read(t, 0x30, spki)) {
    return nullptr;
  }
  // RFC 5280 §4.1.1.2: the outer signatureAlgorithm must equal the signed one. The outer copy is
  // not covered by the signature, and OpenSSL refuses a malformed one; so must we.
  if (!std::equal(algorithm.content.begin(), algorithm.content.end(), inner_algorithm.content.begin(),
                  inner_algorithm.content.end())) {
    return nullptr;
  }
  der::bytes_view v = validity.content;
  der::tlv not_before, not_after;
  der::bytes_view s = spki.content;
  der::tlv spki_algorithm, spki_bits;
  auto out = std::make_shared<cert>();
  if (!der::read(v, not_before) || !der::read(v, not_after) || !v.empty() ||
      !der::to_unix_seconds(not_before, out->not_before) || !der::to_unix_seconds(not_after, out->not_after) ||
      !der::read(s, 0x30, spki_algorithm) || !der::read(s, 0x03, spki_bits) || !s.empty() ||
      spki_bits.content.empty() || spki_bits.content[0] != 0 || signature.content.empty() ||
      signature.content[0] != 0) {
    return nullptr;
  }
  // wolfCrypt's own parse (no signature or date checks) is the gate, and gives the extensions.
  DecodedCert decoded;
  wc_InitDecodedCert(&decoded, bytes.data(), static_cast<word32>(bytes.size()), nullptr);
  const int rc = wc_ParseCert(&decoded, CERT_TYPE, NO_VERIFY, nullptr);
  if (rc == 0) {
    out->signature_oid = decoded.signatureOID;
    out->is_ca = decoded.isCA != 0;
    out->key_usage_set = decoded.extKeyUsageSet != 0;
    out->key_usage = decoded.extKeyUsage;
  }
  wc_FreeDecodedCert(&decoded);
  if (rc != 0) return nullptr;
  out->der.assign(bytes.begin(), bytes.end());
  out->tbs.assign(tbs.whole.begin(), tbs.whole.end());
  out->signature.assign(signature.content.begin() + 1, signature.content.end());
  out->issuer.assign(issuer.whole.begin(), issuer.whole.end());
  out->subject.assign(subject.whole.begin(), subject.whole.end());
  out->spki.assign(spki.whole.begin(), spki.whole.end());
  out->public_key_bits.assign(spki_bits.content.begin() + 1, spki_bits.content.end());
  out->key = public_key_from_spki(out->spki);
  return out;
}

key_profile profile_of(const pkey* key) noexcept {
  if (key == nullptr) return key_profile::none;
  if (key->type == pkey::family::rsa) {
    return key->bits >= 2048 && key->bits <= 4096 ? key_profile::o1 : key_profile::none;
  }
  return key->curve_id == ECC_SECP256R1 ? key_profile::o2 : key_profile::none;
}

std::uint8_t cpa_profile_minor(key_profile p) noexcept {
  return p == key_profile::o1 ? cpa_profile_minor_o1 : cpa_profile_minor_o2;
}

HRESULT read_credential_input(std::span<const std::uint8_t> bytes, credential_input& out) {
  out = {};
  return is_pem(bytes) ? read_pem(bytes, out) : read_der(bytes, out);
}

HRESULT derived_key_of(const sha256& hasher, const cert* c, key_bytes_t& wire_out) {
  if (c == nullptr) return E_FAIL;
  sha256_digest digest{};
  if (HRESULT hr = hasher.digest(c->spki, digest); FAILED(hr)) return hr;
  std::copy(digest.begin(), digest.end(), wire_out.begin());
  return S_OK;
}

cpa_public_key cpa_public_key_of(const cert* c, key_profile profile) {
  cpa_public_key out;
  out.key = c->public_key_bits;
  if (profile == key_profile::o1) {
    out.algorithm_id = "1.2.840.113549.1.1.1";
    out.parameters = {0x05, 0x00};
  } else {
    out.algorithm_id = "1.2.840.10045.2.1";
    out.parameters = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  }
  return out;
}

std::vector<std::uint8_t> encode_credential(std::span<const cert* const> certs) {
  static constexpr std::uint8_t oid_signed_data[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                                     0xF7, 0x0D, 0x01, 0x07, 0x02};
  static constexpr std::uint8_t version_1[] = {0x02, 0x01, 0x01};
  static constexpr std::uint8_t empty_set[] = {0x31, 0x00};
  static constexpr std::uint8_t data_content_info[] = {0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48,
                                                       0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
  std::vector<std::uint8_t> cert_bytes;
  for (const cert* c : certs) append(cert_bytes, c->der);
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
  static constexpr std::uint8_t oid_signed_data[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
  out = {};
  if (bytes.empty() || bytes.size() > credential_bytes_max) return DRT_E_INVALID_CERT_CHAIN;
  der::bytes_view in = bytes;
  der::tlv content_info, type, explicit_content, signed_data;
  if (!der::read(in, 0x30, content_info) || !in.empty()) return DRT_E_INVALID_CERT_CHAIN;
  der::bytes_view ci = content_info.content;
  if (!der::read(ci, 0x06, type) ||
      !std::equal(type.content.begin(), type.content.end(), std::begin(oid_signed_data),
                  std::end(oid_signed_data)) ||
      !der::read(ci, 0xA0, explicit_content) || !ci.empty()) {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  der::bytes_view ec = explicit_content.content;
  if (!der::read(ec, 0x30, signed_data) || !ec.empty()) return DRT_E_INVALID_CERT_CHAIN;
  der::bytes_view sd = signed_data.content;
  der::tlv version, digest_algorithms, encap, certificates, crls, signer_infos;
  if (!der::read(sd, 0x02, version) || !read_set(sd, digest_algorithms) ||
      !der::read(sd, 0x30, encap) || !der::read(sd, 0xA0, certificates)) {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  if (!sd.empty() && sd[0] == 0xA1 && !der::read(sd, 0xA1, crls)) return DRT_E_INVALID_CERT_CHAIN;
  if (!read_set(sd, signer_infos) || !sd.empty()) return DRT_E_INVALID_CERT_CHAIN;
  // The encapsulated ContentInfo, judged as d2i_PKCS7 judges it (a mutation test compares the
  // plugins): a well-formed OID, then optionally [0] EXPLICIT holding exactly one object: an
  // OCTET STRING for id-data, anything for a type PKCS#7 does not define, and for the other
  // PKCS#7 types (1.2.840.113549.1.7.2-6), whose structure this reader does not parse, nothing.
  static constexpr std::uint8_t oid_pkcs7_prefix[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07};
  der::bytes_view inner = encap.content;
  der::tlv inner_type, inner_content, inner_value;
  if (!der::read(inner, 0x06, inner_type) || inner_type.content.empty() ||
      (inner_type.content.back() & 0x80) != 0) {
    return DRT_E_INVALID_CERT_CHAIN;
  }
  if (!inner.empty()) {
    if (!der::read(inner, 0xA0, inner_content) || !inner.empty()) return DRT_E_INVALID_CERT_CHAIN;
    der::bytes_view value = inner_content.content;
    const auto type = inner_type.content;
    const bool pkcs7_type = type.size() == sizeof oid_pkcs7_prefix + 1 &&
                            std::equal(std::begin(oid_pkcs7_prefix), std::end(oid_pkcs7_prefix), type.begin());
    if (pkcs7_type && type.back() >= 0x02 && type.back() <= 0x06) return DRT_E_INVALID_CERT_CHAIN;
    const bool data = pkcs7_type && type.back() == 0x01;
    if (!der::read(value, inner_value) || !value.empty() || (data && inner_value.tag != 0x04)) {
      return DRT_E_INVALID_CERT_CHAIN;
    }
  }
  der::bytes_view list = certificates.content;
  while (!list.empty()) {
    der::tlv one;
    if (!der::read(list, 0x30, one) || out.certs.size() >= credential_certs_max) {
      return DRT_E_INVALID_CERT_CHAIN;
    }
    auto c = parse_cert(one.whole);
    if (!c) return DRT_E_INVALID_CERT_CHAIN;
    out.certs.push_back(std::move(c));
  }
  if (out.certs.empty()) return DRT_E_INVALID_CERT_CHAIN;
  // §5.6 [D6]: the leaf is the one certificate that issued none of the others.
  int leaves = 0;
  for (std::size_t i = 0; i < out.certs.size(); ++i) {
    bool issued_one = false;
    for (std::size_t j = 0; j < out.certs.size() && !issued_one; ++j) {
      issued_one = i != j && issued_by(*out.certs[j], *out.certs[i]);
    }
    if (!issued_one) {
      out.leaf = i;
      ++leaves;
    }
  }
  return leaves == 1 ? S_OK : DRT_E_INVALID_CERT_CHAIN;
}

bool issued_by(const cert& child, const cert& parent) noexcept {
  return child.issuer == parent.subject && may_sign_certificates(parent);
}

HRESULT chain_verifier::set_root(x509_ptr root) {
  if (!root) return DRT_E_INVALID_CERT_CHAIN;
  root_ = std::move(root);
  return S_OK;
}

HRESULT chain_verifier::verify(const cert* leaf, std::span<const cert* const> intermediates,
                               std::int64_t now, bool leaf_rule, chain_check& out) const {
  out = {};
  if (!root_ || leaf == nullptr) return DRT_E_INVALID_CERT_CHAIN;
  if (leaf->der == root_->der) {  // the leaf is the root itself: the trust anchor is not a node
    out.x509_error = err_application;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  // Build the path leaf → … → root, each link checked by signature.
  std::vector<const cert*> chain{leaf};
  std::vector<bool> used(intermediates.size(), false);
  for (;;) {
    const cert& current = *chain.back();
    if (issued_by(current, *root_) && root_->key && signature_ok(current, *root_->key)) break;
    if (chain.size() >= credential_certs_max) {
      out.x509_error = err_unable_to_get_issuer;
      return DRT_E_INVALID_CERT_CHAIN;
    }
    const cert* next = nullptr;
    for (std::size_t j = 0; j < intermediates.size() && next == nullptr; ++j) {
      const cert* candidate = intermediates[j];
      if (!used[j] && candidate != nullptr && issued_by(current, *candidate) && candidate->key &&
          signature_ok(current, *candidate->key)) {
        used[j] = true;
        next = candidate;
      }
    }
    if (next == nullptr) {
      out.x509_error = err_unable_to_get_issuer;
      return DRT_E_INVALID_CERT_CHAIN;
    }
    if (!next->is_ca) {
      out.x509_error = err_invalid_ca;
      return DRT_E_INVALID_CERT_CHAIN;
    }
    chain.push_back(next);
  }
  chain.push_back(root_.get());
  out.valid_from = std::numeric_limits<std::int64_t>::min();
  out.valid_until = std::numeric_limits<std::int64_t>::max();
  for (const cert* c : chain) {
    if (now < c->not_before || now > c->not_after) {
      out.x509_error = now < c->not_before ? err_not_yet_valid : err_expired;
      out.time_failure = true;
      return DRT_E_INVALID_CERT_CHAIN;
    }
    out.valid_from = std::max(out.valid_from, c->not_before);
    out.valid_until = std::min(out.valid_until, c->not_after);
  }
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {  // the anchor is trusted as configured
    const cert& c = *chain[i];
    const key_profile profile = profile_of(c.key.get());
    const bool key_ok = (i == 0 && !leaf_rule) || profile != key_profile::none;
    if (!key_ok || !signature_allowed(c) ||
        (i == 0 && leaf_rule && profile == key_profile::o2 && !point_is_uncompressed(c))) {
      out.x509_error = err_application;
      return DRT_E_INVALID_CERT_CHAIN;
    }
  }
  if (leaf_rule && leaf->key_usage_set && (leaf->key_usage & KEYUSE_DIGITAL_SIG) == 0) {
    out.x509_error = err_application;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  return S_OK;
}

bool may_receive_keytoken(cert_ref leaf, key_profile profile) noexcept {
  if (!leaf->key_usage_set) return true;
  return (leaf->key_usage & (profile == key_profile::o1 ? KEYUSE_KEY_ENCIPHER : KEYUSE_KEY_AGREE)) != 0;
}

}  // namespace drt::plugins::wolfssl
