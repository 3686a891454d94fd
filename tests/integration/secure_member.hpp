// tests/integration: one member of a cloud on [::1] secured by the derived-key provider, with a
// certificate made for the test (tools/certgen), optionally sending through a transport that
// records every datagram (tests of what goes on the wire).
#pragma once

#include "certgen.hpp"
#include "loopback_cloud.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace drt_test {

// Every datagram the members of a test sent, as the wire saw it.
struct capture {
  std::mutex mutex;
  std::vector<std::vector<std::uint8_t>> datagrams;
};

// The in-tree IPv6 UDP transport ("ipv6-udp" of the transport-ipv6 plugin) behind a table that
// keeps a copy of every datagram before sending it. Lives until after the transport handle made
// from table() is deleted (the handle's table points here).
class recording_transport {
 public:
  explicit recording_transport(capture& into) : capture_(into), plugin_("transport-ipv6") {
    const DRT_PLUGIN_DESCRIPTOR& d = plugin_.descriptor();
    const DRT_PROVIDER_DESCRIPTOR* ipv6 = nullptr;
    for (std::uint32_t i = 0; i < d.cProviders; ++i) {
      const auto* p = reinterpret_cast<const DRT_PROVIDER_DESCRIPTOR*>(reinterpret_cast<const std::uint8_t*>(d.pProviders) +
                                                                       std::size_t{i} * d.cbProviderSize);
      if (p->eKind == DRT_PROVIDER_KIND_TRANSPORT && std::string(p->pszName) == "ipv6-udp") ipv6 = p;
    }
    if (ipv6 == nullptr) throw std::runtime_error("transport-ipv6 offers no ipv6-udp transport");
    drt::provider_config config;
    config.set("scope", std::int64_t{DRT_LINK_LOCAL_SCOPE}).set("scope_id", std::int64_t{if_nametoindex("lo")});
    drt::check(ipv6->CreateTransportProvider(config.native(), &inner_));
    delete_inner_ = ipv6->DeleteTransportProvider;
    table_ = *inner_;
    table_.cbSize = sizeof table_;
    table_.pvContext = this;
    table_.Attach = [](void* c, const DRT_TRANSPORT_CALLBACKS* cb) { return self(c).inner_->Attach(self(c).inner_->pvContext, cb); };
    table_.Detach = [](void* c) { self(c).inner_->Detach(self(c).inner_->pvContext); };
    table_.GetLocalAddresses = [](void* c, SOCKET_ADDRESS_LIST** out) {
      return self(c).inner_->GetLocalAddresses(self(c).inner_->pvContext, out);
    };
    table_.SendTo = [](void* c, const sockaddr_in6* to, const sockaddr_in6* from, const std::uint8_t* pb, std::uint32_t cb) {
      {
        std::lock_guard lock(self(c).capture_.mutex);
        self(c).capture_.datagrams.emplace_back(pb, pb + cb);
      }
      return self(c).inner_->SendTo(self(c).inner_->pvContext, to, from, pb, cb);
    };
    table_.FreeData = [](void* c, void* pv) { self(c).inner_->FreeData(self(c).inner_->pvContext, pv); };
    table_.GetPort = [](void* c, std::uint16_t* port) { return self(c).inner_->GetPort(self(c).inner_->pvContext, port); };
    // ABI 1.1: every member copied from the inner table must be forwarded, or it would get our context.
    table_.GetReceiveDescriptor = [](void* c) { return self(c).inner_->GetReceiveDescriptor(self(c).inner_->pvContext); };
    table_.Receive = [](void* c, std::uint32_t max, std::uint32_t* read) {
      return self(c).inner_->Receive(self(c).inner_->pvContext, max, read);
    };
  }
  ~recording_transport() {
    if (inner_ != nullptr) delete_inner_(inner_);
  }
  recording_transport(const recording_transport&) = delete;
  recording_transport& operator=(const recording_transport&) = delete;

  const DRT_TRANSPORT_PROVIDER& table() const { return table_; }
  std::uint16_t port() const {
    std::uint16_t p = 0;
    drt::check(inner_->GetPort(inner_->pvContext, &p));
    return p;
  }

 private:
  static recording_transport& self(void* c) { return *static_cast<recording_transport*>(c); }

  capture& capture_;
  drt::plugin plugin_;
  DRT_TRANSPORT_PROVIDER* inner_ = nullptr;
  void (*delete_inner_)(DRT_TRANSPORT_PROVIDER*) = nullptr;
  DRT_TRANSPORT_PROVIDER table_{};
};

struct secure_member {
  std::unique_ptr<recording_transport> recording;  // declared first: outlives the transport handle
  drt::transport transport;
  drt::security_provider security;
  drt::bootstrap_provider bootstrap;
  drt::node node;
  drt::key key{};
  std::optional<drt::registration> registration;

  std::uint16_t port() const { return recording ? recording->port() : transport.port(); }
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
  capture* into = nullptr;                     // send through a recording_transport copying there
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
  if (o.into != nullptr) {
    m.recording = std::make_unique<recording_transport>(*o.into);
    m.transport = drt::transport::from_table(m.recording->table());
  } else {
    m.transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  }
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
