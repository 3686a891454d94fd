// pinned-keys: an example third-party OpenDRT security provider, built out of tree against the
// installed SDK (see README.md here and docs/writing-a-provider.md).
//
// Trust model: every node has an Ed25519 key pair. A node trusts the public keys listed in its
// configuration (and its own). A proof of ownership, a signature or a credential is accepted only
// if it is made by a trusted key. Any trusted node may publish any DRT key.
//
// Settings (DRT_PROVIDER_CONFIG, or the `options` table of a node's TOML file):
//   private_key  string, 64 hex digits: this node's Ed25519 seed          (required)
//   trusted_key  string, 64 hex digits: a trusted public key; repeatable  (optional)
//
// Proof (CPA) layout, all fields fixed size except the endpoints:
//   protocol major, minor (1+1) | key (32) | nonce (16) | flags (LE32) | n (1) |
//   n endpoints: port (BE16) + IPv6 address (16) | SHA-256(payload) (32) |
//   signer's public key (32) | Ed25519 signature over everything before it (64)
//
// Threading: the core serializes calls to one provider object; separate objects share nothing.
#include <drt/provider_helpers.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;
using public_key = std::array<std::uint8_t, 32>;
namespace helpers = drt::provider;

constexpr std::size_t max_endpoints = 20, hash_size = 32, key_size = 32, signature_size = 64;
constexpr std::size_t fixed_size = 2 + 32 + 16 + 4 + 1;

struct pkey_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;

struct pinned_keys {
  DRT_SECURITY_PROVIDER table{};
  pkey_ptr private_key;
  public_key own{};
  std::vector<public_key> trusted;
  std::atomic<bool> attached{false};

  bool trusts(const std::uint8_t* key) const {
    if (std::memcmp(key, own.data(), key_size) == 0) return true;
    for (const public_key& t : trusted) {
      if (std::memcmp(key, t.data(), key_size) == 0) return true;
    }
    return false;
  }
};

pinned_keys* self(void* c) { return static_cast<pinned_keys*>(c); }

bool parse_hex32(const char* text, public_key& out) {
  if (text == nullptr || std::strlen(text) != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    if (std::sscanf(text + 2 * i, "%2x", &v) != 1) return false;
    out[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

bytes sha256(std::span<const std::uint8_t> data) {
  bytes out(hash_size);
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

bool sign(EVP_PKEY* key, const bytes& message, bytes& signature) {
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  std::size_t len = signature_size;
  signature.assign(signature_size, 0);
  return ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestSign(ctx.get(), signature.data(), &len, message.data(), message.size()) == 1 && len == signature_size;
}

bool verify(const std::uint8_t* signer, const std::uint8_t* message, std::size_t size, const std::uint8_t* signature) {
  pkey_ptr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, signer, key_size));
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  return key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), signature, signature_size, message, size) == 1;
}

// The bytes SignData signs: each buffer as LE32 length + bytes, so boundaries are unambiguous.
bytes framed(std::uint32_t count, const DRT_DATA* buffers) {
  bytes all;
  for (std::uint32_t i = 0; i < count; ++i) {
    for (int b = 0; b < 4; ++b) all.push_back(static_cast<std::uint8_t>(buffers[i].cb >> (8 * b)));
    const auto part = helpers::bytes_of(&buffers[i]);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

// ---- the table ------------------------------------------------------------------------------

HRESULT attach(void* c) {
  bool expected = false;
  return self(c)->attached.compare_exchange_strong(expected, true) ? S_OK : DRT_E_SECURITYPROVIDER_IN_USE;
}

void detach(void* c) { self(c)->attached = false; }

HRESULT check_key(const DRT_DATA* key, void* c) {
  if (key == nullptr || key->cb != 32 || key->pb == nullptr) return E_INVALIDARG;
  return self(c)->attached ? S_OK : DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
}

HRESULT register_key(void* c, const DRT_REGISTRATION* r, void*) { return r ? check_key(&r->key, c) : E_INVALIDARG; }

HRESULT unregister_key(void* c, const DRT_DATA* key, void*) { return check_key(key, c); }

HRESULT secure_and_pack(void* c, void*, std::uint8_t major, std::uint8_t minor, std::uint32_t flags, const DRT_DATA* key,
                        const DRT_DATA* payload, const SOCKET_ADDRESS_LIST* addresses, const DRT_DATA* nonce,
                        DRT_DATA* proof_out, DRT_DATA* classifier, DRT_DATA* secured_payload, DRT_DATA* chain) {
  return helpers::guard([&]() -> HRESULT {
    if (proof_out == nullptr || !helpers::well_formed(payload) || !helpers::well_formed(nonce)) return E_INVALIDARG;
    if (nonce != nullptr && nonce->cb != 0 && nonce->cb != 16) return E_INVALIDARG;
    const auto endpoints = helpers::read_address_list(addresses, static_cast<int>(max_endpoints));
    if (!endpoints) return E_INVALIDARG;
    if (HRESULT hr = check_key(key, c); FAILED(hr)) return hr;
    bytes proof = {major, minor};
    proof.insert(proof.end(), key->pb, key->pb + 32);
    const auto n = helpers::bytes_of(nonce);
    proof.resize(proof.size() + 16, 0);
    std::copy(n.begin(), n.end(), proof.end() - 16);
    for (int b = 0; b < 4; ++b) proof.push_back(static_cast<std::uint8_t>(flags >> (8 * b)));
    proof.push_back(static_cast<std::uint8_t>(endpoints->size()));
    for (const sockaddr_in6& e : *endpoints) {
      const auto* port = reinterpret_cast<const std::uint8_t*>(&e.sin6_port);
      proof.insert(proof.end(), port, port + 2);
      proof.insert(proof.end(), e.sin6_addr.s6_addr, e.sin6_addr.s6_addr + 16);
    }
    const auto data = helpers::bytes_of(payload);
    const bytes hash = data.empty() ? bytes(hash_size, 0) : sha256(data);
    proof.insert(proof.end(), hash.begin(), hash.end());
    proof.insert(proof.end(), self(c)->own.begin(), self(c)->own.end());
    bytes signature;
    if (!sign(self(c)->private_key.get(), proof, signature)) return E_FAIL;
    proof.insert(proof.end(), signature.begin(), signature.end());
    HRESULT hr = helpers::give_bytes(proof, proof_out);
    if (SUCCEEDED(hr)) hr = helpers::give_bytes({}, classifier);
    if (SUCCEEDED(hr)) hr = helpers::give_bytes({}, chain);
    if (SUCCEEDED(hr)) hr = helpers::give_bytes(data, secured_payload);
    return hr;
  });
}

HRESULT validate_and_unpack(void* c, DRT_DATA* proof, DRT_DATA*, DRT_DATA*, DRT_DATA* nonce, DRT_DATA* secured_payload,
                            std::uint8_t* major, std::uint8_t* minor, DRT_DATA* key, DRT_DATA* payload,
                            CERT_PUBLIC_KEY_INFO** public_key_out, SOCKET_ADDRESS_LIST** addresses, std::uint32_t* flags) {
  return helpers::guard([&]() -> HRESULT {
    if (proof == nullptr || key == nullptr || major == nullptr || minor == nullptr || public_key_out == nullptr ||
        flags == nullptr || !helpers::well_formed(proof) || !helpers::well_formed(nonce) ||
        !helpers::well_formed(secured_payload)) {
      return E_INVALIDARG;
    }
    *key = {};
    if (payload) *payload = {};
    *public_key_out = nullptr;
    if (addresses) *addresses = nullptr;
    if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
    const auto p = helpers::bytes_of(proof);
    if (p.size() < fixed_size + hash_size + key_size + signature_size) return DRT_E_INVALID_MESSAGE;
    const std::size_t n = p[fixed_size - 1];
    const std::size_t signed_size = fixed_size + 18 * n + hash_size + key_size;
    if (n > max_endpoints || p.size() != signed_size + signature_size) return DRT_E_INVALID_MESSAGE;
    const std::uint8_t* signer = p.data() + signed_size - key_size;
    if (!self(c)->trusts(signer)) return DRT_E_INVALID_MESSAGE;  // not one of our pinned keys
    if (!verify(signer, p.data(), signed_size, p.data() + signed_size)) return DRT_E_INVALID_MESSAGE;
    std::array<std::uint8_t, 16> expected_nonce{};
    const auto want = helpers::bytes_of(nonce);
    std::copy(want.begin(), want.end(), expected_nonce.begin());
    if (CRYPTO_memcmp(p.data() + 34, expected_nonce.data(), 16) != 0) return DRT_E_INVALID_MESSAGE;
    const auto data = helpers::bytes_of(secured_payload);
    if (!data.empty() && sha256(data) != bytes(p.data() + fixed_size + 18 * n, p.data() + fixed_size + 18 * n + hash_size)) {
      return DRT_E_INVALID_MESSAGE;
    }
    *major = p[0];
    *minor = p[1];
    *flags = static_cast<std::uint32_t>(p[50]) | static_cast<std::uint32_t>(p[51]) << 8 |
             static_cast<std::uint32_t>(p[52]) << 16 | static_cast<std::uint32_t>(p[53]) << 24;
    if (HRESULT hr = helpers::give_bytes(p.subspan(2, 32), key); FAILED(hr)) return hr;
    if (payload != nullptr) {
      if (HRESULT hr = helpers::give_bytes(data, payload); FAILED(hr)) return hr;
    }
    if (addresses != nullptr) {
      std::vector<sockaddr_in6> endpoints(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t* e = p.data() + fixed_size + 18 * i;
        endpoints[i].sin6_family = AF_INET6;
        std::memcpy(&endpoints[i].sin6_port, e, 2);
        std::memcpy(endpoints[i].sin6_addr.s6_addr, e + 2, 16);
      }
      *addresses = helpers::make_address_list(endpoints);
      if (*addresses == nullptr) return E_OUTOFMEMORY;
    }
    return S_OK;
  });
}

HRESULT get_credential(void* c, DRT_DATA* out) {
  if (out == nullptr) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  return helpers::give_bytes(self(c)->own, out);
}

HRESULT validate_credential(void* c, DRT_DATA* credential) {
  if (credential == nullptr || !helpers::well_formed(credential)) return E_INVALIDARG;
  if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  return credential->cb == key_size && self(c)->trusts(credential->pb) ? S_OK : DRT_E_INVALID_MESSAGE;
}

HRESULT sign_data(void* c, std::uint32_t count, DRT_DATA* buffers, DRT_DATA* key_id, DRT_DATA* signature) {
  return helpers::guard([&]() -> HRESULT {
    if ((count > 0 && buffers == nullptr) || key_id == nullptr || signature == nullptr) return E_INVALIDARG;
    if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
    bytes sig;
    if (!sign(self(c)->private_key.get(), framed(count, buffers), sig)) return E_FAIL;
    HRESULT hr = helpers::give_bytes(self(c)->own, key_id);
    if (SUCCEEDED(hr)) hr = helpers::give_bytes(sig, signature);
    return hr;
  });
}

HRESULT verify_data(void* c, std::uint32_t count, DRT_DATA* buffers, DRT_DATA* credential, DRT_DATA*, DRT_DATA* signature) {
  return helpers::guard([&]() -> HRESULT {
    if ((count > 0 && buffers == nullptr) || credential == nullptr || signature == nullptr) return E_INVALIDARG;
    if (!self(c)->attached) return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
    if (credential->cb != key_size || credential->pb == nullptr || !self(c)->trusts(credential->pb)) {
      return DRT_E_INVALID_MESSAGE;
    }
    if (signature->cb != signature_size || signature->pb == nullptr) return DRT_E_INVALID_MESSAGE;
    const bytes message = framed(count, buffers);
    return verify(credential->pb, message.data(), message.size(), signature->pb) ? S_OK : DRT_E_INVALID_MESSAGE;
  });
}

// ---- the factory ----------------------------------------------------------------------------

HRESULT create(const DRT_PROVIDER_CONFIG* config, DRT_SECURITY_PROVIDER** out) {
  return helpers::guard([&]() -> HRESULT {
    if (out == nullptr) return E_INVALIDARG;
    *out = nullptr;
    auto p = std::make_unique<pinned_keys>();
    for (std::uint32_t i = 0; config != nullptr && i < config->cParams; ++i) {
      std::string name = config->pParams[i].pszName;
      if (name.rfind("options.", 0) == 0) name.erase(0, 8);
      if (name != "private_key" && name != "trusted_key") {
        helpers::error_detail(config, "pinned-keys: unknown setting '" + name + "' (known: private_key, trusted_key)");
        return DRT_E_CONFIG_INVALID;
      }
    }
    const DRT_PROVIDER_PARAM* seed_param = helpers::find_param(config, "private_key");
    public_key seed{};
    if (seed_param == nullptr || seed_param->eType != DRT_PARAM_STRING || !parse_hex32(seed_param->pszValue, seed)) {
      helpers::error_detail(config, "pinned-keys: private_key must be 64 hex digits (an Ed25519 seed)");
      return DRT_E_CONFIG_INVALID;
    }
    p->private_key.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    OPENSSL_cleanse(seed.data(), seed.size());
    std::size_t len = key_size;
    if (!p->private_key || EVP_PKEY_get_raw_public_key(p->private_key.get(), p->own.data(), &len) != 1) {
      helpers::error_detail(config, "pinned-keys: OpenSSL offers no Ed25519");
      return DRT_E_CAPABILITY_MISMATCH;
    }
    for (const DRT_PROVIDER_PARAM* t : helpers::find_params(config, "trusted_key")) {
      public_key key{};
      if (t->eType != DRT_PARAM_STRING || !parse_hex32(t->pszValue, key)) {
        helpers::error_detail(config, "pinned-keys: trusted_key must be 64 hex digits (an Ed25519 public key)");
        return DRT_E_CONFIG_INVALID;
      }
      p->trusted.push_back(key);
    }
    DRT_SECURITY_PROVIDER& t = p->table;
    t.pvContext = p.get();
    t.Attach = attach;
    t.Detach = detach;
    t.RegisterKey = register_key;
    t.UnregisterKey = unregister_key;
    t.ValidateAndUnpackPayload = validate_and_unpack;
    t.SecureAndPackPayload = secure_and_pack;
    t.FreeData = helpers::free_data;
    t.GetSerializedCredential = get_credential;
    t.ValidateRemoteCredential = validate_credential;
    t.SignData = sign_data;
    t.VerifyData = verify_data;
    *out = &p.release()->table;
    return S_OK;
  });
}

void destroy(DRT_SECURITY_PROVIDER* t) {
  if (t != nullptr) std::unique_ptr<pinned_keys>(self(t->pvContext)).reset();
}

const DRT_PROVIDER_DESCRIPTOR providers[] = {
    {sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_SECURITY, "pinned-keys",
     "Ed25519 proofs; trusts a configured list of public keys", create, destroy, nullptr, nullptr, nullptr, nullptr,
     nullptr}};

const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, DRT_PLUGIN_ABI_MAJOR, DRT_PLUGIN_ABI_MINOR,
                                          "example-pinned-keys", "1.0", 1, sizeof(DRT_PROVIDER_DESCRIPTOR), providers};

}  // namespace

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return &descriptor; }
