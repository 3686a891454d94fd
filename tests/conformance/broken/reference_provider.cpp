// tests/conformance/broken: a small, correct, authenticating security provider ("psk": proofs and
// signatures are HMAC-SHA256 under a pre-shared secret), compiled once as is and once per defect
// with one BROKEN_* macro defined. The conformance kit must pass the first and fail each other
// one in the check that the defect breaks (tests/conformance/broken_providers_test.cpp).
//
// Proof layout: major minor | key(32) | nonce(16) | flags(LE32) | n | n * (port BE16, addr 16) |
//               SHA-256(payload)(32) | HMAC-SHA256(secret, all bytes before)(32)
#include <drt/provider_helpers.hpp>

#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#if defined(BROKEN_EXPORTS_SYMBOLS)
#define REFERENCE_API __attribute__((visibility("default")))
#else
#define REFERENCE_API
#endif

namespace {

using bytes = std::vector<std::uint8_t>;
constexpr std::size_t tag_size = 32, hash_size = 32, max_addresses = 20;

struct psk_provider {
  DRT_SECURITY_PROVIDER table{};
  bytes secret;
  std::atomic<bool> attached{false};
};

psk_provider* self(void* c) { return static_cast<psk_provider*>(c); }

bytes hmac(const bytes& secret, const std::uint8_t* p, std::size_t n) {
  bytes out(tag_size);
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(), p, n, out.data(), out.size(), &len);
  return out;
}

bytes sha256(const std::uint8_t* p, std::size_t n) {
  bytes out(hash_size);
  unsigned len = 0;
  EVP_Digest(p, n, out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

HRESULT give(const bytes& b, DRT_DATA* out) { return drt::provider::give_bytes(b, out); }

bool valid(const DRT_DATA* d) { return drt::provider::well_formed(d); }

HRESULT attach(void* c) {
  bool expected = false;
#if defined(BROKEN_DOUBLE_ATTACH)
  self(c)->attached = true;
  (void)expected;
  return S_OK;
#else
  return self(c)->attached.compare_exchange_strong(expected, true) ? S_OK : DRT_E_SECURITYPROVIDER_IN_USE;
#endif
}

void detach(void* c) { self(c)->attached = false; }

HRESULT register_key(void* c, const DRT_REGISTRATION* r, void*) {
#if !defined(BROKEN_CRASHES_ON_NULL)
  if (r == nullptr) return E_INVALIDARG;
#endif
  if (r->key.cb != 32 || r->key.pb == nullptr) return E_INVALIDARG;
  return self(c)->attached ? S_OK : DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
}

HRESULT unregister_key(void* c, const DRT_DATA* key, void*) {
  if (key == nullptr || key->cb != 32 || key->pb == nullptr) return E_INVALIDARG;
  return self(c)->attached ? S_OK : DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
}

HRESULT secure_and_pack(void* c, void*, std::uint8_t major, std::uint8_t minor, std::uint32_t flags, const DRT_DATA* key,
                        const DRT_DATA* payload, const SOCKET_ADDRESS_LIST* addresses, const DRT_DATA* nonce,
                        DRT_DATA* proof_out, DRT_DATA* classifier, DRT_DATA* secured_payload, DRT_DATA* chain) {
  if (proof_out == nullptr || key == nullptr || key->cb != 32 || key->pb == nullptr || !valid(payload) || !valid(nonce)) {
    return E_INVALIDARG;
  }
  if (nonce != nullptr && nonce->cb != 0 && nonce->cb != 16) return E_INVALIDARG;
  const auto endpoints = drt::provider::read_address_list(addresses, static_cast<int>(max_addresses));
  if (!endpoints) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  bytes proof = {major, minor};
  proof.insert(proof.end(), key->pb, key->pb + 32);
  bytes zero(16, 0);
  const std::uint8_t* np = nonce && nonce->cb == 16 ? nonce->pb : zero.data();
  proof.insert(proof.end(), np, np + 16);
  for (int i = 0; i < 4; ++i) proof.push_back(static_cast<std::uint8_t>(flags >> (8 * i)));
  proof.push_back(static_cast<std::uint8_t>(endpoints->size()));
  for (const sockaddr_in6& s6 : *endpoints) {
    const auto* port = reinterpret_cast<const std::uint8_t*>(&s6.sin6_port);
    proof.insert(proof.end(), port, port + 2);
    proof.insert(proof.end(), s6.sin6_addr.s6_addr, s6.sin6_addr.s6_addr + 16);
  }
  const bytes empty;
  const bytes h = payload && payload->cb ? sha256(payload->pb, payload->cb) : bytes(hash_size, 0);
  proof.insert(proof.end(), h.begin(), h.end());
  const bytes tag = hmac(self(c)->secret, proof.data(), proof.size());
  proof.insert(proof.end(), tag.begin(), tag.end());
  HRESULT hr = give(proof, proof_out);
  if (SUCCEEDED(hr)) hr = give(empty, classifier);
  if (SUCCEEDED(hr)) hr = give(empty, chain);
  if (SUCCEEDED(hr)) hr = give(payload && payload->cb ? bytes(payload->pb, payload->pb + payload->cb) : empty, secured_payload);
  return hr;
}

HRESULT validate_and_unpack(void* c, DRT_DATA* proof, DRT_DATA*, DRT_DATA*, DRT_DATA* nonce, DRT_DATA* secured_payload,
                            std::uint8_t* major, std::uint8_t* minor, DRT_DATA* key, DRT_DATA* payload,
                            CERT_PUBLIC_KEY_INFO** public_key, SOCKET_ADDRESS_LIST** addresses, std::uint32_t* flags) {
#if !defined(BROKEN_CRASHES_ON_NULL)
  if (proof == nullptr || key == nullptr || major == nullptr || minor == nullptr || public_key == nullptr ||
      flags == nullptr || !valid(proof) || !valid(nonce) || !valid(secured_payload)) {
    return E_INVALIDARG;
  }
#endif
  *key = {};
  if (payload) *payload = {};
  *public_key = nullptr;
  if (addresses) *addresses = nullptr;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  const std::uint8_t* p = proof->pb;
  const std::size_t size = proof->cb;
  constexpr std::size_t fixed = 2 + 32 + 16 + 4 + 1;
  if (size < fixed + hash_size + tag_size) return DRT_E_INVALID_MESSAGE;
  const std::size_t n = p[fixed - 1];
  if (n > max_addresses || size != fixed + 18 * n + hash_size + tag_size) return DRT_E_INVALID_MESSAGE;
  const bytes tag = hmac(self(c)->secret, p, size - tag_size);
#if !defined(BROKEN_ACCEPTS_TAMPERED)
  if (CRYPTO_memcmp(tag.data(), p + size - tag_size, tag_size) != 0) return DRT_E_INVALID_MESSAGE;
#endif
  const bytes zero(16, 0);
  const std::uint8_t* want_nonce = nonce && nonce->cb == 16 ? nonce->pb : zero.data();
#if !defined(BROKEN_IGNORES_NONCE)
  if (std::memcmp(p + 34, want_nonce, 16) != 0) return DRT_E_INVALID_MESSAGE;
#else
  (void)want_nonce;
#endif
  const std::uint8_t* hash = p + fixed + 18 * n;
  if (secured_payload && secured_payload->cb) {
    const bytes h = sha256(secured_payload->pb, secured_payload->cb);
    if (std::memcmp(h.data(), hash, hash_size) != 0) return DRT_E_INVALID_MESSAGE;
  }
  *major = p[0];
  *minor = p[1];
  *flags = static_cast<std::uint32_t>(p[50]) | static_cast<std::uint32_t>(p[51]) << 8 |
           static_cast<std::uint32_t>(p[52]) << 16 | static_cast<std::uint32_t>(p[53]) << 24;
  if (HRESULT hr = give(bytes(p + 2, p + 34), key); FAILED(hr)) return hr;
  if (payload && secured_payload && secured_payload->cb) {
    if (HRESULT hr = give(bytes(secured_payload->pb, secured_payload->pb + secured_payload->cb), payload); FAILED(hr)) return hr;
  }
  if (addresses) {
    std::vector<sockaddr_in6> entries(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t* e = p + fixed + 18 * i;
      entries[i].sin6_family = AF_INET6;
      std::memcpy(&entries[i].sin6_port, e, 2);
      std::memcpy(entries[i].sin6_addr.s6_addr, e + 2, 16);
    }
    *addresses = drt::provider::make_address_list(entries);
    if (*addresses == nullptr) return E_OUTOFMEMORY;
  }
  return S_OK;
}

void free_data(void* c, void* p) {
#if defined(BROKEN_LEAKS)
  (void)c;
  (void)p;  // the defect: buffers are never released
#else
  drt::provider::free_data(c, p);
#endif
}

bytes credential_of(const psk_provider& s) {
  const bytes id = sha256(s.secret.data(), s.secret.size());
  bytes out = {'p', 's', 'k', ':'};
  out.insert(out.end(), id.begin(), id.begin() + 8);
  return out;
}

bytes signed_bytes(std::uint32_t count, const DRT_DATA* buffers) {
  bytes all;
  for (std::uint32_t i = 0; i < count; ++i) {
    for (int b = 0; b < 4; ++b) all.push_back(static_cast<std::uint8_t>(buffers[i].cb >> (8 * b)));
    if (buffers[i].cb) all.insert(all.end(), buffers[i].pb, buffers[i].pb + buffers[i].cb);
  }
  return all;
}

HRESULT get_credential(void* c, DRT_DATA* out) {
  if (out == nullptr) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  return give(credential_of(*self(c)), out);
}

HRESULT validate_credential(void* c, DRT_DATA* credential) {
  if (credential == nullptr || !valid(credential)) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  const bytes own = credential_of(*self(c));
  return credential->cb == own.size() && std::memcmp(credential->pb, own.data(), own.size()) == 0 ? S_OK
                                                                                               : DRT_E_INVALID_MESSAGE;
}

HRESULT sign(void* c, std::uint32_t count, DRT_DATA* buffers, DRT_DATA* key_id, DRT_DATA* signature) {
  if ((count > 0 && buffers == nullptr) || key_id == nullptr || signature == nullptr) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  const bytes all = signed_bytes(count, buffers);
  HRESULT hr = give(credential_of(*self(c)), key_id);
  if (SUCCEEDED(hr)) hr = give(hmac(self(c)->secret, all.data(), all.size()), signature);
  return hr;
}

HRESULT verify(void* c, std::uint32_t count, DRT_DATA* buffers, DRT_DATA*, DRT_DATA*, DRT_DATA* signature) {
  if ((count > 0 && buffers == nullptr) || signature == nullptr) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  const bytes all = signed_bytes(count, buffers);
  const bytes tag = hmac(self(c)->secret, all.data(), all.size());
#if defined(BROKEN_ACCEPTS_TAMPERED)
  (void)tag;
  return S_OK;
#else
  return signature->cb == tag.size() && CRYPTO_memcmp(signature->pb, tag.data(), tag.size()) == 0 ? S_OK
                                                                                                  : DRT_E_INVALID_MESSAGE;
#endif
}

HRESULT create(const DRT_PROVIDER_CONFIG* config, DRT_SECURITY_PROVIDER** out) {
  if (out == nullptr) return E_INVALIDARG;
  *out = nullptr;
  auto* p = new (std::nothrow) psk_provider;
  if (p == nullptr) return E_OUTOFMEMORY;
  const char fallback[] = "conformance reference secret";
  p->secret.assign(fallback, fallback + sizeof fallback - 1);
  for (std::uint32_t i = 0; config != nullptr && i < config->cParams; ++i) {
    const char* name = config->pParams[i].pszName;
    if (std::strcmp(name, "secret") == 0 || std::strcmp(name, "options.secret") == 0) continue;
    drt::provider::error_detail(config, std::string("psk: unknown setting '") + name + "'");
    delete p;
    return DRT_E_CONFIG_INVALID;
  }
  if (const DRT_PROVIDER_PARAM* secret = drt::provider::find_param(config, "secret");
      secret != nullptr && secret->eType == DRT_PARAM_STRING && secret->pszValue != nullptr) {
    p->secret.assign(secret->pszValue, secret->pszValue + std::strlen(secret->pszValue));
  }
  DRT_SECURITY_PROVIDER& t = p->table;
  t.pvContext = p;
  t.Attach = attach;
  t.Detach = detach;
  t.RegisterKey = register_key;
  t.UnregisterKey = unregister_key;
  t.ValidateAndUnpackPayload = validate_and_unpack;
  t.SecureAndPackPayload = secure_and_pack;
  t.FreeData = free_data;
  t.GetSerializedCredential = get_credential;
  t.ValidateRemoteCredential = validate_credential;
  t.SignData = sign;
  t.VerifyData = verify;
  *out = &t;
  return S_OK;
}

void destroy(DRT_SECURITY_PROVIDER* t) {
  if (t != nullptr) delete self(t->pvContext);
}

const DRT_PROVIDER_DESCRIPTOR providers[] = {{sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_SECURITY, "psk",
                                              "HMAC-SHA256 proofs under a pre-shared secret (test reference)", create,
                                              destroy, nullptr, nullptr, nullptr, nullptr, nullptr}};

#if defined(BROKEN_ABI_MAJOR)
constexpr std::uint16_t abi_major = DRT_PLUGIN_ABI_MAJOR + 1;
#else
constexpr std::uint16_t abi_major = DRT_PLUGIN_ABI_MAJOR;
#endif
const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, abi_major, DRT_PLUGIN_ABI_MINOR, "conformance-reference", "1",
                                          1, sizeof(DRT_PROVIDER_DESCRIPTOR), providers};

}  // namespace

#if defined(BROKEN_EXPORTS_SYMBOLS)
// The defect: C++ symbols with default visibility, and no version script.
REFERENCE_API int conformance_reference_helper() { return 1; }
REFERENCE_API std::string conformance_reference_name() { return "psk"; }
#endif

#if defined(BROKEN_NO_ENTRY)
extern "C" __attribute__((visibility("default"))) const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptorV0(void) { return &descriptor; }
#else
DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return &descriptor; }
#endif
