// core/runtime: engine security calls → DRT_SECURITY_PROVIDER (security_adapter.hpp).
#include "runtime/security_adapter.hpp"

#include "runtime/socket_address.hpp"

#include <netinet/in.h>

#include <array>
#include <cstring>

namespace drt::runtime {

class security_adapter::call {
 public:
  explicit call(const std::function<void(bool)>& hook) : hook_(hook) {
    if (hook_) hook_(true);
  }
  ~call() {
    if (hook_) hook_(false);
  }
  call(const call&) = delete;
  call& operator=(const call&) = delete;

 private:
  const std::function<void(bool)>& hook_;
};

namespace {

using engine::byte_span;
using engine::bytes;

DRT_DATA view(byte_span b) {
  return DRT_DATA{static_cast<std::uint32_t>(b.size()), const_cast<std::uint8_t*>(b.data())};
}

// A key in API order, in storage that outlives the call.
struct api_key {
  std::array<std::uint8_t, 32> bytes{};
  DRT_DATA data{32, nullptr};
  explicit api_key(const engine::key256& k) {
    k.to_api_bytes(bytes.data());
    data.pb = bytes.data();
  }
};

}  // namespace

bytes security_adapter::take(DRT_DATA& d) {
  bytes out;
  if (d.pb != nullptr) {
    out.assign(d.pb, d.pb + d.cb);
    table_.FreeData(table_.pvContext, d.pb);
  }
  d = {};
  return out;
}

HRESULT security_adapter::register_key(const engine::key256& key, void* key_context) {
  api_key k(key);
  std::array<std::uint8_t, 1> placeholder{};
  // The engine owns the payload; the provider sees the key (and a 1-byte stand-in payload, since
  // DRT_REGISTRATION requires 1..5120 bytes and providers must not rely on it, spec/api.md §4.5).
  DRT_REGISTRATION r{k.data, DRT_DATA{1, placeholder.data()}};
  call c(on_callback_);
  return table_.RegisterKey(table_.pvContext, &r, key_context);
}

HRESULT security_adapter::unregister_key(const engine::key256& key, void* key_context) {
  api_key k(key);
  call c(on_callback_);
  return table_.UnregisterKey(table_.pvContext, &k.data, key_context);
}

HRESULT security_adapter::secure_and_pack_payload(void* key_context, std::uint8_t major, std::uint8_t minor,
                                                  std::uint32_t flags, const engine::key256& key,
                                                  const bytes* payload, std::span<const engine::endpoint> addresses,
                                                  byte_span nonce, engine::packed_payload& out) {
  api_key k(key);
  socket_address_list list(addresses);
  const DRT_DATA p = payload ? view(*payload) : DRT_DATA{};
  const DRT_DATA n = view(nonce);
  DRT_DATA cpa{}, classifier{}, secured{}, chain{};
  HRESULT hr;
  {
    call c(on_callback_);
    hr = table_.SecureAndPackPayload(table_.pvContext, key_context, major, minor, flags, &k.data,
                                     payload ? &p : nullptr, list.get(), nonce.empty() ? nullptr : &n, &cpa,
                                     &classifier, &secured, &chain);
  }
  out.cpa = take(cpa);
  out.classifier = take(classifier);
  out.secured_payload = take(secured);
  out.cert_chain = take(chain);
  return hr;
}

HRESULT security_adapter::validate_and_unpack_payload(byte_span cpa, byte_span cert_chain, byte_span classifier,
                                                      byte_span nonce, const bytes* secured_payload,
                                                      engine::unpacked_payload& out) {
  DRT_DATA c = view(cpa), chain = view(cert_chain), cls = view(classifier), n = view(nonce);
  DRT_DATA sp = secured_payload ? view(*secured_payload) : DRT_DATA{};
  DRT_DATA key{}, payload{};
  CERT_PUBLIC_KEY_INFO* public_key = nullptr;
  SOCKET_ADDRESS_LIST* list = nullptr;
  std::uint32_t flags = 0;
  HRESULT hr;
  {
    call guard(on_callback_);
    hr = table_.ValidateAndUnpackPayload(table_.pvContext, &c, cert_chain.empty() ? nullptr : &chain,
                                         classifier.empty() ? nullptr : &cls, nonce.empty() ? nullptr : &n,
                                         secured_payload ? &sp : nullptr, &out.version_major, &out.version_minor,
                                         &key, &payload, &public_key, &list, &flags);
  }
  const bytes key_bytes = take(key);
  out.payload = take(payload);
  out.flags = flags;
  out.addresses.clear();
  if (list != nullptr) {
    for (const sockaddr_in6& s6 : copy_ipv6_addresses(list)) {
      engine::endpoint e = to_endpoint(s6);
      e.scope_id = 0;  // zone 0: a peer's zone means nothing here; the engine applies zones
      out.addresses.push_back(e);
    }
    table_.FreeData(table_.pvContext, list);
  }
  if (public_key != nullptr) table_.FreeData(table_.pvContext, public_key);
  if (SUCCEEDED(hr)) {
    if (key_bytes.size() != 32) return DRT_E_INVALID_MESSAGE;  // a provider bug: never trust it
    out.key = engine::key256::from_api_bytes(key_bytes.data());
  }
  return hr;
}

HRESULT security_adapter::get_serialized_credential(bytes& credential) {
  if (table_.GetSerializedCredential == nullptr) return E_NOTIMPL;
  DRT_DATA d{};
  HRESULT hr;
  {
    call c(on_callback_);
    hr = table_.GetSerializedCredential(table_.pvContext, &d);
  }
  credential = take(d);
  return hr;
}

HRESULT security_adapter::validate_remote_credential(byte_span credential) {
  if (table_.ValidateRemoteCredential == nullptr) return E_NOTIMPL;
  DRT_DATA d = view(credential);
  call c(on_callback_);
  return table_.ValidateRemoteCredential(table_.pvContext, &d);
}

HRESULT security_adapter::sign_data(std::span<const byte_span> buffers, bytes& key_identifier, bytes& signature) {
  if (table_.SignData == nullptr) return E_NOTIMPL;
  std::vector<DRT_DATA> in;
  for (byte_span b : buffers) in.push_back(view(b));
  DRT_DATA id{}, sig{};
  HRESULT hr;
  {
    call c(on_callback_);
    hr = table_.SignData(table_.pvContext, static_cast<std::uint32_t>(in.size()), in.data(), &id, &sig);
  }
  key_identifier = take(id);
  signature = take(sig);
  return hr;
}

HRESULT security_adapter::verify_data(std::span<const byte_span> buffers, byte_span remote_credential,
                                      byte_span key_identifier, byte_span signature) {
  if (table_.VerifyData == nullptr) return E_NOTIMPL;
  std::vector<DRT_DATA> in;
  for (byte_span b : buffers) in.push_back(view(b));
  DRT_DATA cred = view(remote_credential), id = view(key_identifier), sig = view(signature);
  call c(on_callback_);
  return table_.VerifyData(table_.pvContext, static_cast<std::uint32_t>(in.size()), in.data(), &cred, &id, &sig);
}

HRESULT security_adapter::encrypt_data(byte_span remote_credential, std::span<const byte_span> buffers,
                                       std::vector<bytes>& encrypted, bytes& keytoken) {
  if (table_.EncryptData == nullptr) return E_NOTIMPL;
  std::vector<DRT_DATA> in, out(buffers.size());
  for (byte_span b : buffers) in.push_back(view(b));
  DRT_DATA cred = view(remote_credential), token{};
  HRESULT hr;
  {
    call c(on_callback_);
    hr = table_.EncryptData(table_.pvContext, &cred, static_cast<std::uint32_t>(in.size()), in.data(), out.data(), &token);
  }
  encrypted.clear();
  for (DRT_DATA& d : out) encrypted.push_back(take(d));
  keytoken = take(token);
  return hr;
}

HRESULT security_adapter::decrypt_data(byte_span keytoken, void* key_context, std::vector<bytes>& buffers) {
  if (table_.DecryptData == nullptr) return E_NOTIMPL;
  DRT_DATA token = view(keytoken);
  std::vector<DRT_DATA> data;
  for (bytes& b : buffers) data.push_back(DRT_DATA{static_cast<std::uint32_t>(b.size()), b.data()});
  HRESULT hr;
  {
    call c(on_callback_);
    hr = table_.DecryptData(table_.pvContext, &token, key_context, static_cast<std::uint32_t>(data.size()), data.data());
  }
  if (SUCCEEDED(hr)) {
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      if (data[i].pb != buffers[i].data() || data[i].cb > buffers[i].size()) return DRT_E_INVALID_MESSAGE;
      buffers[i].resize(data[i].cb);  // in place: only cb may shrink (spec/api.md §4.5)
    }
  }
  return hr;
}

}  // namespace drt::runtime
