#include "test_pki.hpp"

#include <openssl/pkcs7.h>

#include <algorithm>
#include <stdexcept>

namespace drt::tests {
namespace {

identity make(const char* name, certgen::pkey_ptr key, const identity* issuer, bool ca = false,
              std::int64_t not_before = 0, std::int64_t not_after = 0) {
  certgen::cert_spec spec;
  spec.common_name = name;
  spec.is_ca = ca;
  spec.not_before = not_before;
  spec.not_after = not_after;
  return certgen::issue(spec, std::move(key), issuer);
}

certgen::pkey_ptr key_of(key_type t) { return certgen::generate_key({t, 2048}); }

test_pki build() {
  const std::int64_t now = certgen::now_unix();
  test_pki p;
  p.root = make("test root", key_of(key_type::ec), nullptr, true);
  p.other_root = make("other root", key_of(key_type::ec), nullptr, true);
  for (key_type t : {key_type::ec, key_type::rsa}) {
    const int i = index_of(t);
    p.nodes[i][0] = make("node a", key_of(t), &p.root);
    p.nodes[i][1] = make("node b", key_of(t), &p.root);
    p.strangers[i] = make("stranger", key_of(t), &p.other_root);
    p.expired[i] = make("expired", key_of(t), &p.root, false, now - 10 * 86400, now - 86400);
  }
  p.future = make("future", key_of(key_type::ec), &p.root, false, now + 86400, now + 10 * 86400);
  certgen::pkey_ptr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  if (!p384) throw std::runtime_error("P-384 key generation");
  p.p384 = make("p384", std::move(p384), &p.root);
  p.intermediate = make("intermediate", key_of(key_type::rsa), &p.root, true);
  p.via_intermediate = make("via intermediate", key_of(key_type::ec), &p.intermediate);
  p.rsa1024 = make("rsa1024", certgen::generate_key({key_type::rsa, 1024}), &p.root);
  p.rsa3072 = make("rsa3072", certgen::generate_key({key_type::rsa, 3072}), &p.root);
  p.weak_intermediate = make("weak intermediate", certgen::generate_key({key_type::rsa, 1024}), &p.root, true);
  p.via_weak = make("via weak", key_of(key_type::ec), &p.weak_intermediate);
  return p;
}

bytes to_bytes(const std::string& s) { return bytes(s.begin(), s.end()); }

}  // namespace

const test_pki& pki() {
  static const test_pki p = build();
  return p;
}

bytes pem_of(const identity& id, bool with_key, const std::vector<const identity*>& extra) {
  std::string text = certgen::cert_pem(id.cert.get());
  for (const identity* e : extra) text += certgen::cert_pem(e->cert.get());
  if (with_key) text += certgen::key_pem(id.key.get());
  return to_bytes(text);
}

bytes cert_pem_bytes(const identity& id) { return to_bytes(certgen::cert_pem(id.cert.get())); }
bytes cert_der_bytes(const identity& id) { return certgen::cert_der(id.cert.get()); }
bytes key_der_bytes(const identity& id) { return certgen::key_der(id.key.get()); }

bytes pkcs7_of(const std::vector<const identity*>& certs) {
  PKCS7* p7 = PKCS7_new();
  if (p7 == nullptr || PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(p7, NID_pkcs7_data) != 1) {
    PKCS7_free(p7);
    throw std::runtime_error("PKCS7");
  }
  for (const identity* id : certs) PKCS7_add_certificate(p7, id->cert.get());
  unsigned char* der = nullptr;
  const int n = i2d_PKCS7(p7, &der);
  PKCS7_free(p7);
  if (n <= 0) throw std::runtime_error("i2d_PKCS7");
  bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

bytes derived_key_api(const identity& id) {
  const auto wire = certgen::derived_key_wire(id.cert.get());
  bytes out(wire.rbegin(), wire.rend());
  return out;
}

}  // namespace drt::tests
