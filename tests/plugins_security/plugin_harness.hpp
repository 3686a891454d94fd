// Test harness for security plugins: loads a plugin .so by path exactly as the core does (dlopen +
// the DrtPluginDescriptor symbol), and wraps the provider table's calls so that tests read and
// compare plain vectors. Every buffer a provider returns is freed through its own FreeData.
#pragma once

#include <drt/drt_provider.h>

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

namespace drt::tests {

using bytes = std::vector<std::uint8_t>;

// One dlopen handle; the library is unmapped when the last handle closes.
class plugin_library {
 public:
  explicit plugin_library(const std::string& path);
  ~plugin_library();
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  [[nodiscard]] bool loaded() const { return handle_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // NULL if the entry symbol is missing.
  [[nodiscard]] const DRT_PLUGIN_DESCRIPTOR* descriptor() const;
  // The provider of that kind and name, or NULL.
  [[nodiscard]] const DRT_PROVIDER_DESCRIPTOR* provider(DRT_PROVIDER_KIND kind,
                                                        const std::string& name) const;

 private:
  void* handle_ = nullptr;
  std::string error_;
};

// True while some handle keeps the library at path mapped.
[[nodiscard]] bool library_is_mapped(const std::string& path);

// A SOCKET_ADDRESS_LIST laid out as api.md §4.3 says, pointing at its own sockaddr_in6 copies.
class address_list_buffer {
 public:
  explicit address_list_buffer(std::vector<sockaddr_in6> addresses);
  [[nodiscard]] SOCKET_ADDRESS_LIST* get() {
    return reinterpret_cast<SOCKET_ADDRESS_LIST*>(storage_.data());
  }

 private:
  std::vector<sockaddr_in6> addresses_;
  std::vector<std::uint64_t> storage_;  // 8-byte aligned, as SOCKET_ADDRESS needs
};

[[nodiscard]] sockaddr_in6 ipv6(const char* text, std::uint16_t port);

// A DRT_DATA viewing a vector (empty vector → {0, NULL}).
[[nodiscard]] DRT_DATA data_of(bytes& b);

// Copies a provider buffer into a vector and frees it with the provider's FreeData.
[[nodiscard]] bytes take(const DRT_SECURITY_PROVIDER& provider, DRT_DATA& data);

[[nodiscard]] bytes from_hex(const std::string& hex);

struct pack_input {
  std::uint8_t protocol_major = 1;
  std::uint8_t protocol_minor = 0;
  std::uint32_t flags = 0;
  bytes key;  // API order
  bytes payload;
  std::vector<sockaddr_in6> addresses;
  bytes nonce;  // empty = pNonce NULL
};

struct pack_output {
  HRESULT hr = E_FAIL;
  bytes cpa;
  bytes secured_payload;
  DRT_DATA classifier{1, nullptr};  // sentinels: the provider must overwrite them
  DRT_DATA cert_chain{1, nullptr};
};

[[nodiscard]] pack_output pack(const DRT_SECURITY_PROVIDER& provider, const pack_input& in);

struct unpack_output {
  HRESULT hr = E_FAIL;
  std::uint8_t protocol_major = 0;
  std::uint8_t protocol_minor = 0;
  bytes key;  // API order
  bytes payload;
  bool public_key_is_null = false;
  std::vector<sockaddr_in6> addresses;
  std::uint32_t flags = 0;
};

// secured_payload empty = pSecuredPayload NULL; nonce empty = pNonce NULL.
[[nodiscard]] unpack_output unpack(const DRT_SECURITY_PROVIDER& provider, bytes cpa, bytes nonce,
                                   bytes secured_payload);

// An independent writer for encoded CPAs (protocol.md §5.6) whose length fields can disagree
// with the data, to build malformed input. Defaults: the null profile, no addresses.
struct cpa_fields {
  std::uint8_t reserved = 0;
  int signature_length = -1;  // -1 = 2 + signature.size()
  bytes signature;
  std::uint8_t protocol_major = 1;
  std::uint8_t protocol_minor = 0;
  std::uint8_t profile_major = 0x4F;
  std::uint8_t profile_minor = 0x00;
  std::uint16_t key_length = 32;
  bytes key_wire = bytes(32, 0);
  std::uint16_t nonce_length = 16;
  bytes nonce = bytes(16, 0);
  bytes public_key = bytes(6, 0);  // header and data, written verbatim
  int address_count = -1;          // -1 = endpoints.size()
  std::uint16_t element_length = 18;
  std::vector<std::pair<std::uint16_t, bytes>> endpoints;  // port, 16-byte address
  std::uint32_t flags = 0;
  bytes payload_hash = bytes(32, 0);
};

[[nodiscard]] bytes build_cpa(const cpa_fields& fields);

}  // namespace drt::tests
