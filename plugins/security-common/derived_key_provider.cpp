// The DRT_SECURITY_PROVIDER functions of the derived-key provider (protocol.md §5.2, §5.6,
// §5.6a). Check order in every entry point (as in the null provider): arguments, then
// pvContext, then the attached state, then the local certificate, then the operation. Outputs
// are written only on success and cleared on failure.
//
// One source for both security plugins: each compiles it against its own backend.hpp and
// derived_key_state.hpp (found on its include path) in namespace drt::plugins::<backend>, so the
// two behave alike call for call (plugins/security-common/README.md).
#include "backend.hpp"
#include "derived_key_state.hpp"

#include <algorithm>
#include <cstring>

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {
namespace {

[[nodiscard]] HRESULT require_attached(void* context) noexcept {
  if (context == nullptr) return E_INVALIDARG;
  if (!static_cast<derived_key_provider*>(context)->attached.load()) {
    return DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
  }
  return S_OK;
}

[[nodiscard]] derived_key_provider& self_of(void* context) noexcept {
  return *static_cast<derived_key_provider*>(context);
}

[[nodiscard]] bool read_nonce(const DRT_DATA* nonce, nonce_bytes_t& out) noexcept {
  out = {};
  if (!well_formed(nonce)) return false;
  const auto bytes = view(nonce);
  if (bytes.empty()) return true;
  if (bytes.size() != out.size()) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

[[nodiscard]] bool same_secret(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  return ct_equal(a, b);
}

[[nodiscard]] bool buffers_well_formed(std::uint32_t count, const DRT_DATA* buffers) noexcept {
  if (count > 0 && buffers == nullptr) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!well_formed(&buffers[i])) return false;
  }
  return true;
}

[[nodiscard]] std::vector<std::span<const std::uint8_t>> views_of(std::uint32_t count,
                                                                  const DRT_DATA* buffers) {
  std::vector<std::span<const std::uint8_t>> out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(view(&buffers[i]));
  return out;
}

// api.md §4.4, one allocation: the struct, then the OID text (NUL-terminated), the parameters
// and the key bytes.
[[nodiscard]] c_ptr<CERT_PUBLIC_KEY_INFO> make_public_key_info(const cpa_public_key& k) {
  const std::size_t total = sizeof(CERT_PUBLIC_KEY_INFO) + k.algorithm_id.size() + 1 +
                            k.parameters.size() + k.key.size();
  c_ptr<CERT_PUBLIC_KEY_INFO> info(static_cast<CERT_PUBLIC_KEY_INFO*>(checked_malloc(total)));
  auto* tail = reinterpret_cast<std::uint8_t*>(info.get() + 1);
  auto* oid = reinterpret_cast<char*>(tail);
  std::memcpy(oid, k.algorithm_id.c_str(), k.algorithm_id.size() + 1);
  tail += k.algorithm_id.size() + 1;
  info->Algorithm.pszObjId = oid;
  info->Algorithm.Parameters.cbData = static_cast<std::uint32_t>(k.parameters.size());
  info->Algorithm.Parameters.pbData = k.parameters.empty() ? nullptr : tail;
  if (!k.parameters.empty()) std::memcpy(tail, k.parameters.data(), k.parameters.size());
  tail += k.parameters.size();
  info->PublicKey.cbData = static_cast<std::uint32_t>(k.key.size());
  info->PublicKey.pbData = k.key.empty() ? nullptr : tail;
  if (!k.key.empty()) std::memcpy(tail, k.key.data(), k.key.size());
  info->PublicKey.cUnusedBits = k.unused_bits;
  return info;
}

[[nodiscard]] bool same_public_key(const cpa_public_key& a, const cpa_public_key& b) noexcept {
  return a.algorithm_id == b.algorithm_id && a.parameters == b.parameters && a.key == b.key &&
         a.unused_bits == b.unused_bits;
}

HRESULT attach(void* context) noexcept {
  if (context == nullptr) return E_INVALIDARG;
  auto& self = self_of(context);
  bool expected = false;
  if (!self.attached.compare_exchange_strong(expected, true)) return DRT_E_SECURITYPROVIDER_IN_USE;
  // api.md §5.1.1 row 20: a local chain that no longer validates makes DrtOpen fail.
  const HRESULT hr = abi_guard([&] { return self.local ? self.local_usable() : S_OK; });
  if (FAILED(hr)) self.attached.store(false);
  return hr;
}

void detach(void* context) noexcept {
  if (context != nullptr) self_of(context).attached.store(false);
}

// api.md §5.2.1 row 19: no local certificate → CAPABILITY_MISMATCH; chain no longer valid →
// INVALID_CERT_CHAIN; key ≠ derived key → INVALID_KEY.
[[nodiscard]] HRESULT check_own_key(const derived_key_provider& self, const DRT_DATA* key) {
  if (HRESULT hr = self.local_usable(); FAILED(hr)) return hr;
  const key_bytes_t wire = reverse_key(std::span<const std::uint8_t, key_bytes>(key->pb, key_bytes));
  return same_secret(wire, self.local->derived_wire) ? S_OK : DRT_E_INVALID_KEY;
}

HRESULT register_key(void* context, const DRT_REGISTRATION* registration, void*) noexcept {
  if (registration == nullptr || !is_key(&registration->key)) return E_INVALIDARG;
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return abi_guard([&] { return check_own_key(self_of(context), &registration->key); });
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
    cpa value;
    value.protocol_major = protocol_major;
    value.protocol_minor = protocol_minor;
    value.flags = flags;
    if (secured_address_payload == nullptr || !is_key(key) || !well_formed(payload) ||
        !read_nonce(nonce, value.nonce)) {
      return E_INVALIDARG;
    }
    if (HRESULT hr = endpoints_from_list(addresses, value.addresses); FAILED(hr)) return hr;
    if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
    const auto& self = self_of(context);
    if (HRESULT hr = check_own_key(self, key); FAILED(hr)) return hr;
    const local_identity& me = *self.local;
    value.profile_minor = cpa_profile_minor(me.profile);
    value.key_wire = me.derived_wire;
    value.public_key = me.public_key;
    if (!view(payload).empty()) {
      if (HRESULT hr = self.hasher.digest(view(payload), value.payload_hash); FAILED(hr)) return hr;
    }
    const std::vector<std::uint8_t> signed_part = encode_cpa_signed_part(value);
    const std::span<const std::uint8_t> parts[] = {signed_part};
    if (HRESULT hr = self.crypto.sign(me.private_key.get(), parts, value.signature); FAILED(hr)) {
      return hr;
    }
    owned_data encoded(encode_cpa(value));
    owned_data payload_copy(secured_payload != nullptr ? view(payload) : std::span<const std::uint8_t>{});
    owned_data chain(cert_chain != nullptr ? std::span<const std::uint8_t>(me.credential)
                                           : std::span<const std::uint8_t>{});
    *secured_address_payload = encoded.release();
    if (secured_payload != nullptr) *secured_payload = payload_copy.release();
    clear(classifier);  // §5.6: the classifier is empty
    if (cert_chain != nullptr) *cert_chain = chain.release();
    return S_OK;
  });
  if (FAILED(result)) {
    for (DRT_DATA* out : {secured_address_payload, classifier, secured_payload, cert_chain}) clear(out);
  }
  return result;
}

// §5.6 "ValidateAndUnpackPayload checks, in order".
[[nodiscard]] HRESULT check_proof(derived_key_provider& self, std::span<const std::uint8_t> bytes,
                                  std::span<const std::uint8_t> chain, const nonce_bytes_t& nonce,
                                  std::span<const std::uint8_t> secured_payload, cpa& out) {
  std::optional<cpa> value = decode_cpa(bytes);
  if (!value || value->profile_major != cpa_profile_major ||
      (value->profile_minor != cpa_profile_minor_o1 && value->profile_minor != cpa_profile_minor_o2)) {
    ++self.proofs_rejected;
    return DRT_E_INVALID_MESSAGE;
  }
  std::shared_ptr<const remote_peer> peer;
  if (HRESULT hr = self.remote(chain, peer); FAILED(hr)) return hr;
  if (cpa_profile_minor(peer->profile) != value->profile_minor ||
      !same_public_key(peer->cpa_key, value->public_key) ||
      !same_secret(peer->derived_wire, value->key_wire)) {
    ++self.proofs_rejected;
    return DRT_E_INVALID_KEY;
  }
  // The signature covers every byte after Reserved and SIGNATURE (LE16 2 + S, S bytes).
  const std::span<const std::uint8_t> signed_part = bytes.subspan(3 + value->signature.size());
  const std::span<const std::uint8_t> one[] = {signed_part};
  HRESULT hr = self.crypto.verify(peer->public_key.get(), one, value->signature);
  if (SUCCEEDED(hr) && !same_secret(value->nonce, nonce)) hr = DRT_E_INVALID_MESSAGE;
  if (SUCCEEDED(hr) && !secured_payload.empty()) {
    payload_hash_t actual{};
    hr = self.hasher.digest(secured_payload, actual);
    if (SUCCEEDED(hr) && !same_secret(actual, value->payload_hash)) hr = DRT_E_INVALID_MESSAGE;
  }
  if (hr == DRT_E_INVALID_MESSAGE) ++self.proofs_rejected;
  if (SUCCEEDED(hr)) out = std::move(*value);
  return hr;
}

HRESULT validate_and_unpack(void* context, DRT_DATA* secured_address_payload, DRT_DATA* cert_chain,
                            DRT_DATA*, DRT_DATA* nonce, DRT_DATA* secured_payload,
                            std::uint8_t* protocol_major, std::uint8_t* protocol_minor,
                            DRT_DATA* key, DRT_DATA* payload, CERT_PUBLIC_KEY_INFO** public_key,
                            SOCKET_ADDRESS_LIST** address_list, std::uint32_t* flags) noexcept {
  const HRESULT result = abi_guard([&]() -> HRESULT {
    nonce_bytes_t expected_nonce{};
    if (secured_address_payload == nullptr || !well_formed(secured_address_payload) ||
        !well_formed(cert_chain) || !well_formed(secured_payload) ||
        !read_nonce(nonce, expected_nonce) || protocol_major == nullptr ||
        protocol_minor == nullptr || key == nullptr || public_key == nullptr || flags == nullptr) {
      return E_INVALIDARG;
    }
    if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
    cpa value;
    if (HRESULT hr = check_proof(self_of(context), view(secured_address_payload), view(cert_chain),
                                 expected_nonce, view(secured_payload), value);
        FAILED(hr)) {
      return hr;
    }
    owned_data key_copy(reverse_key(value.key_wire));
    owned_data payload_copy(payload != nullptr ? view(secured_payload) : std::span<const std::uint8_t>{});
    c_ptr<SOCKET_ADDRESS_LIST> list;
    if (address_list != nullptr) list = make_address_list(value.addresses);
    c_ptr<CERT_PUBLIC_KEY_INFO> info = make_public_key_info(value.public_key);
    *protocol_major = value.protocol_major;
    *protocol_minor = value.protocol_minor;
    *key = key_copy.release();
    if (payload != nullptr) *payload = payload_copy.release();
    *public_key = info.release();
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

HRESULT encrypt_data(void* context, const DRT_DATA* remote_credential, std::uint32_t buffer_count,
                     DRT_DATA* buffers, DRT_DATA* encrypted_buffers, DRT_DATA* key_token) noexcept {
  const HRESULT result = abi_guard([&]() -> HRESULT {
    if (key_token == nullptr || !well_formed(remote_credential) ||
        !buffers_well_formed(buffer_count, buffers) ||
        (buffer_count > 0 && encrypted_buffers == nullptr)) {
      return E_INVALIDARG;
    }
    if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
    auto& self = self_of(context);
    std::shared_ptr<const remote_peer> peer;
    if (HRESULT hr = self.remote(view(remote_credential), peer); FAILED(hr)) return hr;
    if (!peer->may_receive_keytoken) return DRT_E_INVALID_CERT_CHAIN;
    content_key ck;
    std::vector<std::uint8_t> token;
    if (HRESULT hr = self.crypto.new_content_key(ck); FAILED(hr)) return hr;
    if (HRESULT hr = self.crypto.wrap(peer->public_key.get(), ck, token); FAILED(hr)) return hr;
    std::vector<owned_data> sealed;
    sealed.reserve(buffer_count);
    for (std::uint32_t i = 0; i < buffer_count; ++i) {
      std::vector<std::uint8_t> out;
      if (HRESULT hr = self.crypto.seal(ck, i, view(&buffers[i]), out); FAILED(hr)) return hr;
      sealed.emplace_back(out);
    }
    owned_data token_copy(token);
    for (std::uint32_t i = 0; i < buffer_count; ++i) encrypted_buffers[i] = sealed[i].release();
    *key_token = token_copy.release();
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

// In place: each buffer's cb shrinks by the 16-byte tag and pb is unchanged (api.md §4.5). All
// tags are checked before any buffer is overwritten, so a failure leaves the data as it was.
HRESULT decrypt_data(void* context, DRT_DATA* key_token, void*, std::uint32_t buffer_count,
                     DRT_DATA* buffers) noexcept {
  if (!well_formed(key_token) || !buffers_well_formed(buffer_count, buffers)) return E_INVALIDARG;
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return abi_guard([&]() -> HRESULT {
    auto& self = self_of(context);
    if (!self.local) return DRT_E_CAPABILITY_MISMATCH;
    content_key ck;
    if (HRESULT hr = self.crypto.unwrap(self.local->private_key.get(), view(key_token), ck); FAILED(hr)) {
      return hr;
    }
    std::vector<std::vector<std::uint8_t>> plain(buffer_count);
    for (std::uint32_t i = 0; i < buffer_count; ++i) {
      if (HRESULT hr = self.crypto.open(ck, i, view(&buffers[i]), plain[i]); FAILED(hr)) return hr;
    }
    for (std::uint32_t i = 0; i < buffer_count; ++i) {
      if (!plain[i].empty()) std::memcpy(buffers[i].pb, plain[i].data(), plain[i].size());
      buffers[i].cb = static_cast<std::uint32_t>(plain[i].size());
      wipe(plain[i].data(), plain[i].size());
    }
    return S_OK;
  });
}

HRESULT get_serialized_credential(void* context, DRT_DATA* self_credential) noexcept {
  if (self_credential == nullptr) return E_INVALIDARG;
  clear(self_credential);
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return abi_guard([&]() -> HRESULT {
    const auto& self = self_of(context);
    if (HRESULT hr = self.local_usable(); FAILED(hr)) return hr;
    *self_credential = owned_data(self.local->credential).release();
    return S_OK;
  });
}

HRESULT validate_remote_credential(void* context, DRT_DATA* remote_credential) noexcept {
  if (!well_formed(remote_credential)) return E_INVALIDARG;
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return abi_guard([&]() -> HRESULT {
    std::shared_ptr<const remote_peer> peer;
    return self_of(context).remote(view(remote_credential), peer);
  });
}

HRESULT sign_data(void* context, std::uint32_t buffer_count, DRT_DATA* buffers,
                  DRT_DATA* key_identifier, DRT_DATA* signature) noexcept {
  clear(key_identifier);
  clear(signature);
  if (key_identifier == nullptr || signature == nullptr || !buffers_well_formed(buffer_count, buffers)) {
    return E_INVALIDARG;
  }
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return abi_guard([&]() -> HRESULT {
    const auto& self = self_of(context);
    if (HRESULT hr = self.local_usable(); FAILED(hr)) return hr;
    std::vector<std::uint8_t> sig;
    const auto parts = views_of(buffer_count, buffers);
    if (HRESULT hr = self.crypto.sign(self.local->private_key.get(), parts, sig); FAILED(hr)) return hr;
    owned_data id(self.local->derived_wire);
    owned_data sig_copy(sig);
    *key_identifier = id.release();
    *signature = sig_copy.release();
    return S_OK;
  });
}

HRESULT verify_data(void* context, std::uint32_t buffer_count, DRT_DATA* buffers,
                    DRT_DATA* remote_credentials, DRT_DATA* key_identifier,
                    DRT_DATA* signature) noexcept {
  if (!buffers_well_formed(buffer_count, buffers) || !well_formed(remote_credentials) ||
      !well_formed(key_identifier) || !well_formed(signature)) {
    return E_INVALIDARG;
  }
  if (HRESULT hr = require_attached(context); FAILED(hr)) return hr;
  return abi_guard([&]() -> HRESULT {
    auto& self = self_of(context);
    std::shared_ptr<const remote_peer> peer;
    if (HRESULT hr = self.remote(view(remote_credentials), peer); FAILED(hr)) return hr;
    // §5.6: the signer is the credential's certificate whose derived key is the key identifier;
    // only the leaf signs messages.
    if (!same_secret(view(key_identifier), peer->derived_wire)) {
      ++self.proofs_rejected;
      return DRT_E_INVALID_MESSAGE;
    }
    const auto parts = views_of(buffer_count, buffers);
    const HRESULT hr = self.crypto.verify(peer->public_key.get(), parts, view(signature));
    if (hr == DRT_E_INVALID_MESSAGE) ++self.proofs_rejected;
    return hr;
  });
}

}  // namespace

void fill_table(derived_key_provider& self) noexcept {
  DRT_SECURITY_PROVIDER& t = self.table;
  t = {};
  t.pvContext = &self;
  t.Attach = attach;
  t.Detach = detach;
  t.RegisterKey = register_key;
  t.UnregisterKey = unregister_key;
  t.ValidateAndUnpackPayload = validate_and_unpack;
  t.SecureAndPackPayload = secure_and_pack;
  t.FreeData = free_data;
  t.EncryptData = encrypt_data;
  t.DecryptData = decrypt_data;
  t.GetSerializedCredential = get_serialized_credential;
  t.ValidateRemoteCredential = validate_remote_credential;
  t.SignData = sign_data;
  t.VerifyData = verify_data;
}

}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND
