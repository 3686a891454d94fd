// Fixtures for the null provider tests: the plugin loaded by path, a provider created from it
// (optionally attached), and the worked example of docs/security.md.
#pragma once

#include "plugin_harness.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace drt::tests {

// The plugin under test: security-openssl unless the build names another plugin with the same
// null provider (security-wolfssl compiles these tests a second time, tests/plugins_security).
#ifndef OPENDRT_TEST_SECURITY_PLUGIN
#define OPENDRT_TEST_SECURITY_PLUGIN "security-openssl"
#endif
inline const std::string plugin_name = OPENDRT_TEST_SECURITY_PLUGIN;
inline const std::string plugin_path =
    std::string(OPENDRT_TEST_PLUGIN_DIR) + "/drt-" + plugin_name + ".so";

// The example of docs/security.md: key 00..1F (API order), nonce A0..AF, one endpoint
// [2001:db8::1]:3540, payload "hello", protocol 1.0, flags 0.
inline const bytes example_key = [] {
  bytes key(32);
  std::iota(key.begin(), key.end(), std::uint8_t{0});
  return key;
}();
inline const bytes example_nonce = from_hex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
inline const bytes example_payload = {'h', 'e', 'l', 'l', 'o'};
inline const bytes example_cpa = from_hex(
    "00 0200 01 00 4F 00"
    " 2000 1F1E1D1C1B1A191817161514131211100F0E0D0C0B0A09080706050403020100"
    " 1000 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"
    " 000000000000"
    " 0100 1200 0DD4 20010DB8000000000000000000000001"
    " 00000000"
    " 2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824");

inline pack_input example_input() {
  return {.protocol_major = 1,
          .protocol_minor = 0,
          .flags = 0,
          .key = example_key,
          .payload = example_payload,
          .addresses = {ipv6("2001:db8::1", 3540)},
          .nonce = example_nonce};
}

inline std::vector<sockaddr_in6> many_addresses(int n) {
  std::vector<sockaddr_in6> out;
  for (int i = 0; i < n; ++i)
    out.push_back(ipv6("2001:db8::7", static_cast<std::uint16_t>(2000 + i)));
  return out;
}

inline bool same_endpoint(const sockaddr_in6& a, const sockaddr_in6& b) {
  return a.sin6_family == b.sin6_family && a.sin6_port == b.sin6_port &&
         std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
}

class SecurityOpensslPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(library_.loaded()) << library_.error();
    factory_ = library_.provider(DRT_PROVIDER_KIND_SECURITY, "null");
    ASSERT_NE(factory_, nullptr);
  }
  plugin_library library_{plugin_path};
  const DRT_PROVIDER_DESCRIPTOR* factory_ = nullptr;
};

class NullProvider : public SecurityOpensslPlugin {
 protected:
  void SetUp() override {
    SecurityOpensslPlugin::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(factory_->CreateSecurityProvider(nullptr, &provider_), S_OK);
  }
  void TearDown() override {
    if (provider_ == nullptr) return;
    provider_->Detach(provider_->pvContext);
    factory_->DeleteSecurityProvider(provider_);
  }
  [[nodiscard]] const DRT_SECURITY_PROVIDER& p() const { return *provider_; }
  DRT_SECURITY_PROVIDER* provider_ = nullptr;
};

class AttachedNullProvider : public NullProvider {
 protected:
  void SetUp() override {
    NullProvider::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(provider_->Attach(provider_->pvContext), S_OK);
  }
};

using NullProviderCreate = SecurityOpensslPlugin;
using NullProviderAttach = NullProvider;
using NullProviderRegisterKey = AttachedNullProvider;
using NullProviderSecure = AttachedNullProvider;
using NullProviderValidate = AttachedNullProvider;
using NullProviderCredentials = AttachedNullProvider;
using NullProviderEncryption = AttachedNullProvider;

}  // namespace drt::tests
