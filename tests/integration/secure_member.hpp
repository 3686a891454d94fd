// tests/integration: one member of a cloud on [::1] secured by the derived-key provider, with a
// certificate made for the test (tools/certgen).
#pragma once

#include "certgen.hpp"
#include "loopback_cloud.hpp"

#include <optional>
#include <string>

namespace drt_test {

struct secure_member {
  drt::transport transport;
  drt::security_provider security;
  drt::bootstrap_provider bootstrap;
  drt::node node;
  drt::key key{};
  std::optional<drt::registration> registration;
};

inline drt::certgen::identity make_root(const char* name) {
  drt::certgen::cert_spec ca;
  ca.is_ca = true;
  ca.common_name = name;
  return drt::certgen::issue(ca, drt::certgen::generate_key({drt::certgen::key_type::ec, 0}), nullptr);
}

inline drt::byte_view text_view(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct member_options {
  drt::certgen::key_type type = drt::certgen::key_type::ec;
  std::optional<std::uint16_t> seed;           // bootstrap port; none: the first node
  DRT_SECURITY_MODE mode = DRT_SECURE_RESOLVE;
  std::string plugin;                          // empty: DrtCreateDerivedKeySecurityProvider
  std::int64_t not_after = 0;                  // Unix seconds; 0: certgen's default (a year)
};

// A member with a certificate from `issuer` that trusts `trust_root`. Its key is the
// certificate's derived key; it publishes nothing yet.
inline secure_member open_secure_member(const drt::certgen::identity& issuer,
                                        const drt::certgen::identity& trust_root, const member_options& o) {
  namespace cg = drt::certgen;
  secure_member m;
  cg::cert_spec spec;
  spec.common_name = "member";
  spec.not_after = o.not_after;
  const cg::identity id = cg::issue(spec, cg::generate_key({o.type, 2048}), &issuer);
  const std::string root_pem = cg::cert_pem(trust_root.cert.get());
  const std::string local_pem = cg::cert_pem(id.cert.get()) + cg::key_pem(id.key.get());
  if (o.plugin.empty()) {
    m.security = drt::security_provider::derived_key(text_view(root_pem), text_view(local_pem));
  } else {
    drt::plugin p(o.plugin);
    drt::provider_config config;
    config.set("root_cert", text_view(root_pem)).set("local_cert", text_view(local_pem));
    m.security = drt::security_provider::from_plugin(p, "derived-key", &config);
  }
  const auto wire = cg::derived_key_wire(id.cert.get());
  for (std::size_t i = 0; i < 32; ++i) m.key[i] = wire[31 - i];  // API order is little-endian
  m.transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  std::vector<sockaddr_storage> peers;
  if (o.seed) peers.push_back(loopback(*o.seed));
  m.bootstrap = drt::bootstrap_provider::static_list(peers);
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 4;
  s.hTransport = m.transport.native_handle();
  s.pSecurityProvider = m.security.get();
  s.pBootstrapProvider = m.bootstrap.get();
  s.eSecurityMode = o.mode;
  m.node = drt::node::open(s);
  return m;
}

}  // namespace drt_test
