#include "plugin_harness.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace drt::tests {

plugin_library::plugin_library(const std::string& path)
    : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (handle_ == nullptr) error_ = dlerror();
}

plugin_library::~plugin_library() {
  if (handle_ != nullptr) dlclose(handle_);
}

const DRT_PLUGIN_DESCRIPTOR* plugin_library::descriptor() const {
  if (handle_ == nullptr) return nullptr;
  auto entry = reinterpret_cast<DRT_PLUGIN_ENTRY_FN>(dlsym(handle_, DRT_PLUGIN_ENTRY_SYMBOL));
  return entry == nullptr ? nullptr : entry();
}

const DRT_PROVIDER_DESCRIPTOR* plugin_library::provider(DRT_PROVIDER_KIND kind,
                                                        const std::string& name) const {
  const DRT_PLUGIN_DESCRIPTOR* d = descriptor();
  if (d == nullptr) return nullptr;
  for (std::uint32_t i = 0; i < d->cProviders; ++i) {
    // Step by the plugin's cbProviderSize, as the loader does for older, shorter entries.
    const auto* p = reinterpret_cast<const DRT_PROVIDER_DESCRIPTOR*>(
        reinterpret_cast<const std::byte*>(d->pProviders) + i * std::size_t{d->cbProviderSize});
    if (p->eKind == kind && p->pszName != nullptr && name == p->pszName) return p;
  }
  return nullptr;
}

bool library_is_mapped(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) return false;
  dlclose(h);
  return true;
}

address_list_buffer::address_list_buffer(std::vector<sockaddr_in6> addresses)
    : addresses_(std::move(addresses)) {
  const std::size_t bytes_needed =
      std::max(offsetof(SOCKET_ADDRESS_LIST, Address) + addresses_.size() * sizeof(SOCKET_ADDRESS),
               sizeof(SOCKET_ADDRESS_LIST));
  storage_.assign((bytes_needed + 7) / 8, 0);
  SOCKET_ADDRESS_LIST* list = get();
  list->iAddressCount = static_cast<std::int32_t>(addresses_.size());
  SOCKET_ADDRESS* slots = list->Address;
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    slots[i].lpSockaddr = reinterpret_cast<sockaddr*>(&addresses_[i]);
    slots[i].iSockaddrLength = sizeof(sockaddr_in6);
  }
}

sockaddr_in6 ipv6(const char* text, std::uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  if (inet_pton(AF_INET6, text, &sa.sin6_addr) != 1) throw std::invalid_argument(text);
  return sa;
}

DRT_DATA data_of(bytes& b) {
  return b.empty() ? DRT_DATA{0, nullptr}
                   : DRT_DATA{static_cast<std::uint32_t>(b.size()), b.data()};
}

bytes take(const DRT_SECURITY_PROVIDER& provider, DRT_DATA& data) {
  bytes out = data.pb == nullptr ? bytes{} : bytes(data.pb, data.pb + data.cb);
  provider.FreeData(provider.pvContext, data.pb);
  data = DRT_DATA{0, nullptr};
  return out;
}

bytes from_hex(const std::string& hex) {
  bytes out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ' && c != '\n') digits.push_back(c);
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

pack_output pack(const DRT_SECURITY_PROVIDER& provider, const pack_input& in) {
  pack_output out;
  bytes key = in.key, payload = in.payload, nonce = in.nonce;
  DRT_DATA key_data = data_of(key), payload_data = data_of(payload), nonce_data = data_of(nonce);
  address_list_buffer addresses(in.addresses);
  DRT_DATA cpa{1, nullptr}, secured_payload{1, nullptr};
  out.hr = provider.SecureAndPackPayload(provider.pvContext, nullptr, in.protocol_major,
                                         in.protocol_minor, in.flags, &key_data,
                                         payload.empty() ? nullptr : &payload_data, addresses.get(),
                                         nonce.empty() ? nullptr : &nonce_data, &cpa,
                                         &out.classifier, &secured_payload, &out.cert_chain);
  out.cpa = take(provider, cpa);
  out.secured_payload = take(provider, secured_payload);
  return out;
}

unpack_output unpack(const DRT_SECURITY_PROVIDER& provider, bytes cpa, bytes nonce,
                     bytes secured_payload) {
  unpack_output out;
  DRT_DATA cpa_data = data_of(cpa), nonce_data = data_of(nonce);
  DRT_DATA secured_data = data_of(secured_payload);
  DRT_DATA key{1, nullptr}, payload{1, nullptr};
  CERT_PUBLIC_KEY_INFO sentinel{};  // the provider must overwrite the pointer to it
  CERT_PUBLIC_KEY_INFO* public_key = &sentinel;
  SOCKET_ADDRESS_LIST* list = nullptr;
  out.hr = provider.ValidateAndUnpackPayload(
      provider.pvContext, &cpa_data, nullptr, nullptr, nonce.empty() ? nullptr : &nonce_data,
      secured_payload.empty() ? nullptr : &secured_data, &out.protocol_major, &out.protocol_minor,
      &key, &payload, &public_key, &list, &out.flags);
  out.key = take(provider, key);
  out.payload = take(provider, payload);
  out.public_key_is_null = public_key == nullptr;
  if (list != nullptr) {
    const SOCKET_ADDRESS* slots = list->Address;
    for (std::int32_t i = 0; i < list->iAddressCount; ++i) {
      sockaddr_in6 sa;
      std::memcpy(&sa, slots[i].lpSockaddr, sizeof sa);
      out.addresses.push_back(sa);
    }
    provider.FreeData(provider.pvContext, list);  // one block: one FreeData (LSan checks)
  }
  return out;
}

namespace {
void le16(bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void append(bytes& out, const bytes& b) { out.insert(out.end(), b.begin(), b.end()); }
}  // namespace

bytes build_cpa(const cpa_fields& f) {
  bytes out{f.reserved};
  le16(out, f.signature_length >= 0 ? static_cast<std::uint32_t>(f.signature_length)
                                    : static_cast<std::uint32_t>(2 + f.signature.size()));
  append(out, f.signature);
  append(out, {f.protocol_major, f.protocol_minor, f.profile_major, f.profile_minor});
  le16(out, f.key_length);
  append(out, f.key_wire);
  le16(out, f.nonce_length);
  append(out, f.nonce);
  append(out, f.public_key);
  le16(out, f.address_count >= 0 ? static_cast<std::uint32_t>(f.address_count)
                                 : static_cast<std::uint32_t>(f.endpoints.size()));
  le16(out, f.element_length);
  for (const auto& [port, address] : f.endpoints) {
    append(out, {static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)});
    append(out, address);
  }
  le16(out, f.flags & 0xFFFF);
  le16(out, f.flags >> 16);
  append(out, f.payload_hash);
  return out;
}

}  // namespace drt::tests
