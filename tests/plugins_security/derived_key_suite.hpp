// The derived-key provider suite (protocol.md §5.6, §5.6a; api.md §4.5, §5.6, §6), shared by
// every crypto plugin. It drives the provider only through the plugin ABI, for each pairing of
// the local node's profile with its peer's (O2/O2, O1/O1, O2/O1, O1/O2). A plugin joins with
// one line in its test file:
//
//   OPENDRT_INSTANTIATE_DERIVED_KEY_SUITE(SecurityWolfssl, OPENDRT_TEST_PLUGIN_DIR "/drt-security-wolfssl.so");
#pragma once

#include "plugin_harness.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace drt::tests {

struct derived_key_param {
  std::string plugin_path;
  key_type me;    // the profile of the node under test
  key_type peer;  // the profile of the node it talks to
};

[[nodiscard]] std::vector<derived_key_param> derived_key_params(const std::string& plugin_path);
[[nodiscard]] std::string derived_key_param_name(const ::testing::TestParamInfo<derived_key_param>& info);

struct provider_deleter {
  const DRT_PROVIDER_DESCRIPTOR* factory = nullptr;
  void operator()(DRT_SECURITY_PROVIDER* p) const {
    if (p == nullptr) return;
    p->Detach(p->pvContext);
    factory->DeleteSecurityProvider(p);
  }
};
using provider_ptr = std::unique_ptr<DRT_SECURITY_PROVIDER, provider_deleter>;

// One DRT_PROVIDER_PARAM of type BYTES or STRING.
struct setting {
  std::string name;
  bytes value;        // DRT_PARAM_BYTES when text is empty
  std::string text;   // DRT_PARAM_STRING (a path) when non-empty
};

struct secured {
  HRESULT hr = E_FAIL;
  bytes cpa;
  bytes payload;
  bytes chain;
  DRT_DATA classifier{1, nullptr};
};

struct unpacked {
  HRESULT hr = E_FAIL;
  std::uint8_t major = 0, minor = 0;
  bytes key;
  bytes payload;
  std::string public_key_oid;
  bytes public_key_parameters;
  bytes public_key;
  bool public_key_is_null = true;
  std::vector<sockaddr_in6> addresses;
  std::uint32_t flags = 0;
};

class DerivedKeySuite : public ::testing::TestWithParam<derived_key_param> {
 protected:
  void SetUp() override;

  // Creates a provider; hr receives the factory's result, detail its error line.
  provider_ptr create(const std::vector<setting>& settings, HRESULT& hr, std::string* detail = nullptr,
                      const char* base_directory = nullptr);
  // root = pki().root; local = identity with its key (PEM), or none. Attached.
  provider_ptr attached(const identity* local);
  provider_ptr attached_me() { return attached(&me()); }
  provider_ptr attached_peer() { return attached(&peer()); }

  [[nodiscard]] const identity& me() const { return pki().nodes[index_of(GetParam().me)][0]; }
  [[nodiscard]] const identity& peer() const { return pki().nodes[index_of(GetParam().peer)][1]; }

  secured secure(const DRT_SECURITY_PROVIDER& p, const bytes& key, const bytes& payload,
                 const bytes& nonce, std::uint32_t flags = 0,
                 const std::vector<sockaddr_in6>& addresses = {});
  unpacked validate(const DRT_SECURITY_PROVIDER& p, bytes cpa, bytes chain, bytes nonce,
                    bytes payload);
  bytes credential_of(const DRT_SECURITY_PROVIDER& p, HRESULT* hr = nullptr);
  HRESULT validate_credential(const DRT_SECURITY_PROVIDER& p, bytes credential);
  HRESULT sign(const DRT_SECURITY_PROVIDER& p, const std::vector<bytes>& parts, bytes& key_id, bytes& sig);
  HRESULT verify(const DRT_SECURITY_PROVIDER& p, const std::vector<bytes>& parts, bytes credential,
                 bytes key_id, bytes sig);
  HRESULT encrypt(const DRT_SECURITY_PROVIDER& p, bytes recipient_credential,
                  const std::vector<bytes>& plain, std::vector<bytes>& sealed, bytes& keytoken);
  HRESULT decrypt(const DRT_SECURITY_PROVIDER& p, bytes keytoken, std::vector<bytes>& buffers);

  std::unique_ptr<plugin_library> library_;
  const DRT_PROVIDER_DESCRIPTOR* factory_ = nullptr;
};

}  // namespace drt::tests

#define OPENDRT_INSTANTIATE_DERIVED_KEY_SUITE(Prefix, PluginPath)                              \
  INSTANTIATE_TEST_SUITE_P(Prefix, DerivedKeySuite,                                           \
                           ::testing::ValuesIn(::drt::tests::derived_key_params(PluginPath)), \
                           ::drt::tests::derived_key_param_name)
