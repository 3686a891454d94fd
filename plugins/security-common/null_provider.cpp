// Thread safety: the core makes at most one call at a time into a provider attached to an
// instance (api.md §1.10), but different provider objects are used concurrently from different
// threads. So all state lives in the provider's own null_provider object (nothing mutable is
// static); `attached` is atomic so that two instances racing to Attach one provider see exactly
// one success; the hash backend is immutable once set up. FreeData touches no state and may run
// anywhere, also after Detach.
//
// Check order in every entry point (style.md "Errors"): arguments, then pvContext, then the
// attached state, then the operation. Outputs are written only on success and cleared on
// failure, so an output that aliases an input is never read after being overwritten.
//
// One source for both security plugins, compiled against each one's backend.hpp (see
// derived_key_provider.cpp).
#include "null_provider.hpp"

#include "backend.hpp"
#include "sha256.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {
namespace {

struct null_provider {
  DRT_SECURITY_PROVIDER table{};
  std::atomic<bool> attached{false};
  sha256 hasher;
};

// The checks after the argument checks, in every entry point but Attach, Detach and FreeData.
[[nodiscard]] HRESULT require_attached(void* context) noexcept {
  if (context == nullptr) return E_INVALIDARG;
  if (!static_cast<null_provider*>(context)->attached.load()) {
    return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  }
  return S_OK;
}

[[nodiscard]] const null_provider& self_of(void* context) noexcept {
  return *static_cast<const null_provider*>(context);
}

// protocol.md §5.3: a nonce is 16 bytes; no nonce (NULL or empty) means all zero.
[[nodiscard]] bool read_nonce(const DRT_DATA* nonce, nonce_bytes_t& out) noexcept {
  out = {};
  if (!well_formed(nonce)) return false;
  const auto bytes = view(nonce);
  if (bytes.empty()) return true;
  if (bytes.size() != out.size()) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

// protocol.md §5.6: PayloadHash = SHA-256 of the secured payload, zero when none was given. An
// empty payload counts as none, so a revoke CPA (no payload) carries a zero hash.
[[nodiscard]] HRESULT hash_payload(const null_provider& self, std::span<const std::uint8_t> payload,
                                   payload_hash_t& out) noexcept {
  out = {};
  return payload.empty() ? S_OK : self.hasher.digest(payload, out);
}

HRESULT attach(void* context) noexcept {
  if (context == nullptr) return E_INVALIDARG;
  bool expected = false;
  if (!static_cast<null_provider*>(context)->attached.compare_exchange_strong(expected, true)) {
    return DRT_E_SECURITYPROVIDER_IN_USE;
  }
  return S_OK;
}

void detach(void* context) noexcept {
  if (context != nullptr) static_cast<null_provider*>(context)->attached.store(false);
}

HRESULT register_key(void* context, const DRT_REGISTRATION* registration, void*) noexcept {
  if (registration == nullptr || !is_key(&registration->key)) return E_INVALIDARG;
  return require_attached(context);
}

HRESULT unregister_key(void* context, const DRT_DATA* key, void*) noexcept {
  if (!is_key(key)) return E_INVALIDARG;
  return require_attached(context);
}

HRESULT secure_and_pack(void* context, void*, std::uint8_t protocol_major,
                        std::uint8_t protocol_minor, std::uint32_t flags, const DRT_DATA* key,
                        const DRT_DATA* payload, const SOCKET_ADDRESS_LIST* addresses,
                        const DRT_DATA* nonce, DRT_DATA* secured_address_payload,
                        DRT_DATA* classifier, DRT_DATA* secured_payload,
                        DRT_DATA* cert_chain) noexcept {
  const HRESULT result = abi_guard([&]() -> HRESULT {
    cpa value;  // profile 0x4F/0x00, empty SIGNATURE, all-zero PUBLIC_KEY header (§5.7)
    value.protocol_major = protocol_major;
    value.protocol_minor = protocol_minor;
    value.flags = flags;
    if (secured_address_payload == nullptr || !is_key(key) || !well_formed(payload) ||
        !read_nonce(nonce, value.nonce)) {
      return E_INVALIDARG;
    }
    if (HRESULT hr = endpoints_from_list(addresses, value.addresses); FAILED(hr)) return hr;
    if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
    value.key_wire = reverse_key(std::span<const std::uint8_t, key_bytes>(key->pb, key_bytes));
    if (HRESULT hr = hash_payload(self_of(context), view(payload), value.payload_hash);
        FAILED(hr)) {
      return hr;
    }
    owned_data encoded(encode_cpa(value));
    // §5.7: the secured payload is the payload unchanged.
    owned_data payload_copy(secured_payload != nullptr ? view(payload)
                                                       : std::span<const std::uint8_t>{});
    *secured_address_payload = encoded.release();
    if (secured_payload != nullptr) *secured_payload = payload_copy.release();
    clear(classifier);  // no classifier and no chain (§5.7)
    clear(cert_chain);
    return S_OK;
  });
  if (FAILED(result)) {
    for (DRT_DATA* out : {secured_address_payload, classifier, secured_payload, cert_chain}) {
      clear(out);
    }
  }
  return result;
}

// §5.7: any well-formed CPA of profile 0x4F/0x00 or 0x4F/0x01, signature and key not checked.
[[nodiscard]] bool null_accepts_profile(const cpa& value) noexcept {
  return value.profile_major == cpa_profile_major &&
         (value.profile_minor == cpa_profile_minor_null ||
          value.profile_minor == cpa_profile_minor_o1);
}

// Parses and checks a CPA as §5.7 asks: layout, profile, nonce, PayloadHash.
[[nodiscard]] HRESULT check_cpa(const null_provider& self, const DRT_DATA* secured_address_payload,
                                const nonce_bytes_t& expected_nonce,
                                std::span<const std::uint8_t> secured_payload, cpa& out) {
  std::optional<cpa> value = decode_cpa(view(secured_address_payload));
  if (!value || !null_accepts_profile(*value) || value->nonce != expected_nonce) {
    return DRT_E_INVALID_MESSAGE;
  }
  if (!secured_payload.empty()) {  // only a payload that was passed is checked (§5.6)
    payload_hash_t actual{};
    if (HRESULT hr = self.hasher.digest(secured_payload, actual); FAILED(hr)) return hr;
    if (actual != value->payload_hash) return DRT_E_INVALID_MESSAGE;
  }
  out = std::move(*value);
  return S_OK;
}

HRESULT validate_and_unpack(void* context, DRT_DATA* secured_address_payload, DRT_DATA*, DRT_DATA*,
                            DRT_DATA* nonce, DRT_DATA* secured_payload,
                            std::uint8_t* protocol_major, std::uint8_t* protocol_minor,
                            DRT_DATA* key, DRT_DATA* payload, CERT_PUBLIC_KEY_INFO** public_key,
                            SOCKET_ADDRESS_LIST** address_list, std::uint32_t* flags) noexcept {
  const HRESULT result = abi_guard([&]() -> HRESULT {
    nonce_bytes_t expected_nonce{};
    // api.md §4.5: only pPayload and ppAddressList are optional outputs.
    if (secured_address_payload == nullptr || !well_formed(secured_address_payload) ||
        !well_formed(secured_payload) || !read_nonce(nonce, expected_nonce) ||
        protocol_major == nullptr || protocol_minor == nullptr || key == nullptr ||
        public_key == nullptr || flags == nullptr) {
      return E_INVALIDARG;
    }
    if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
    cpa value;
    if (HRESULT hr = check_cpa(self_of(context), secured_address_payload, expected_nonce,
                               view(secured_payload), value);
        FAILED(hr)) {
      return hr;
    }
    owned_data key_copy(reverse_key(value.key_wire));
    owned_data payload_copy(payload != nullptr ? view(secured_payload)
                                               : std::span<const std::uint8_t>{});
    c_ptr<SOCKET_ADDRESS_LIST> list;
    if (address_list != nullptr) list = make_address_list(value.addresses);
    *protocol_major = value.protocol_major;
    *protocol_minor = value.protocol_minor;
    *key = key_copy.release();
    if (payload != nullptr) *payload = payload_copy.release();
    *public_key = nullptr;  // the null provider has no key to report
    if (address_list != nullptr) *address_list = list.release();
    *flags = value.flags;
    return S_OK;
  });
  if (FAILED(result)) {
    clear(key);
    clear(payload);
    if (public_key != nullptr) *public_key = nullptr;
    if (address_list != nullptr) *address_list = nullptr;
  }
  return result;
}

void free_data(void*, void* pv) noexcept { std::free(pv); }

// §5.7: "EncryptData copies"; the keytoken is empty.
HRESULT encrypt_data(void* context, const DRT_DATA*, std::uint32_t buffer_count, DRT_DATA* buffers,
                     DRT_DATA* encrypted_buffers, DRT_DATA* key_token) noexcept {
  const HRESULT result = abi_guard([&]() -> HRESULT {
    if (key_token == nullptr ||
        (buffer_count > 0 && (buffers == nullptr || encrypted_buffers == nullptr))) {
      return E_INVALIDARG;
    }
    for (std::uint32_t i = 0; i < buffer_count; ++i) {
      if (!well_formed(&buffers[i])) return E_INVALIDARG;
    }
    if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
    std::vector<owned_data> copies;
    copies.reserve(buffer_count);
    for (std::uint32_t i = 0; i < buffer_count; ++i) copies.emplace_back(view(&buffers[i]));
    for (std::uint32_t i = 0; i < buffer_count; ++i) encrypted_buffers[i] = copies[i].release();
    clear(key_token);
    return S_OK;
  });
  if (FAILED(result)) {
    clear(key_token);
    if (encrypted_buffers != nullptr) {
      for (std::uint32_t i = 0; i < buffer_count; ++i) clear(&encrypted_buffers[i]);
    }
  }
  return result;
}

// §5.7: only an empty keytoken is ours; the data stays as it is.
HRESULT decrypt_data(void* context, DRT_DATA* key_token, void*, std::uint32_t buffer_count,
                     DRT_DATA* buffers) noexcept {
  if (!well_formed(key_token) || (buffer_count > 0 && buffers == nullptr)) return E_INVALIDARG;
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return view(key_token).empty() ? S_OK : DRT_E_INVALID_MESSAGE;
}

HRESULT get_serialized_credential(void* context, DRT_DATA* self_credential) noexcept {
  if (self_credential == nullptr) return E_INVALIDARG;
  clear(self_credential);  // an empty credential, also on failure
  return require_attached(context);
}

HRESULT validate_remote_credential(void* context, DRT_DATA*) noexcept {
  return require_attached(context);
}

HRESULT sign_data(void* context, std::uint32_t buffer_count, DRT_DATA* buffers,
                  DRT_DATA* key_identifier, DRT_DATA* signature) noexcept {
  clear(key_identifier);  // empty key identifier and signature, also on failure
  clear(signature);
  if (key_identifier == nullptr || signature == nullptr ||
      (buffer_count > 0 && buffers == nullptr)) {
    return E_INVALIDARG;
  }
  return require_attached(context);
}

HRESULT verify_data(void* context, std::uint32_t, DRT_DATA*, DRT_DATA*, DRT_DATA*,
                    DRT_DATA*) noexcept {
  return require_attached(context);
}

[[nodiscard]] DRT_SECURITY_PROVIDER make_table(null_provider* self) noexcept {
  DRT_SECURITY_PROVIDER table{};
  table.pvContext = self;
  table.Attach = attach;
  table.Detach = detach;
  table.RegisterKey = register_key;
  table.UnregisterKey = unregister_key;
  table.ValidateAndUnpackPayload = validate_and_unpack;
  table.SecureAndPackPayload = secure_and_pack;
  table.FreeData = free_data;
  table.EncryptData = encrypt_data;
  table.DecryptData = decrypt_data;
  table.GetSerializedCredential = get_serialized_credential;
  table.ValidateRemoteCredential = validate_remote_credential;
  table.SignData = sign_data;
  table.VerifyData = verify_data;
  return table;
}

// The null provider takes no settings, so every parameter is unknown: DRT_E_CONFIG_INVALID, the
// code docs/provider-abi.md §3 asks for "a setting you do not accept".
[[nodiscard]] HRESULT check_config(const DRT_PROVIDER_CONFIG* config) {
  if (config == nullptr) return S_OK;
  if (config->cbSize < sizeof(DRT_PROVIDER_CONFIG)) return E_INVALIDARG;  // older than ABI 1.0
  if (config->cParams == 0) return S_OK;
  if (config->pParams == nullptr) {
    write_error_detail(config, "null provider: cParams is " + std::to_string(config->cParams) +
                                   " but pParams is NULL");
    return E_INVALIDARG;
  }
  const char* name = config->pParams[0].pszName;
  write_error_detail(config, std::string("null provider: unknown setting '") +
                                 (name != nullptr ? name : "(null)") +
                                 "' (the null provider takes no settings)");
  return DRT_E_CONFIG_INVALID;
}

}  // namespace

HRESULT create_null_provider(const DRT_PROVIDER_CONFIG* pConfig,
                             DRT_SECURITY_PROVIDER** ppProvider) noexcept {
  if (ppProvider != nullptr) *ppProvider = nullptr;
  return abi_guard([&]() -> HRESULT {
    if (ppProvider == nullptr) {
      write_error_detail(pConfig, "null provider: ppProvider is NULL");
      return E_INVALIDARG;
    }
    if (HRESULT hr = check_config(pConfig); FAILED(hr)) return hr;
    auto self = std::make_unique<null_provider>();
    if (!self->hasher.available()) {
      write_error_detail(pConfig, std::string("null provider: ") + backend_crypto_name + " offers no SHA-256");
      return DRT_E_CAPABILITY_MISMATCH;
    }
    self->table = make_table(self.get());
    *ppProvider = &self.release()->table;
    return S_OK;
  });
}

void delete_null_provider(DRT_SECURITY_PROVIDER* pProvider) noexcept {
  // The object is found through pvContext, so a copy of the table would do as well.
  if (pProvider != nullptr) delete static_cast<null_provider*>(pProvider->pvContext);
}

}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND
