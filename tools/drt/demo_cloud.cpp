// The demo's nodes on [::1], their certificates, events and searches (demo_cloud.hpp).
#include "demo_cloud.hpp"

#include "certgen.hpp"
#include "key_text.hpp"

#include <net/if.h>
#include <netinet/in.h>

#include <thread>

namespace drt::tool::demo {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

sockaddr_storage loopback(std::uint16_t port) {
  sockaddr_storage ss{};
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  a->sin6_addr = in6addr_loopback;
  a->sin6_port = htons(port);
  return ss;
}

}  // namespace

pki make_pki(std::size_t nodes, const std::function<void(std::size_t)>& progress) {
  pki out;
  certgen::cert_spec root_spec;
  root_spec.common_name = "OpenDRT demo root";
  root_spec.is_ca = true;
  const certgen::identity root = certgen::issue(root_spec, certgen::generate_key({}), nullptr);
  out.root_pem = bytes_of(certgen::cert_pem(root.cert.get()));
  for (std::size_t i = 0; i < nodes; ++i) {
    certgen::cert_spec spec;
    spec.common_name = "demo node " + std::to_string(i);
    const certgen::identity id = certgen::issue(spec, certgen::generate_key({}), &root);
    out.local.push_back(bytes_of(certgen::cert_pem(id.cert.get()) + certgen::key_pem(id.key.get())));
    out.derived.push_back(key_from_wire(certgen::derived_key_wire(id.cert.get())));
    progress(i + 1);
  }
  return out;
}

member open_member(security_kind security, DRT_SECURITY_MODE mode, const std::vector<std::uint8_t>& root,
                   const std::vector<std::uint8_t>& local_cert, std::optional<std::uint16_t> seed) {
  member m;
  m.transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  switch (security) {
    case security_kind::null:
      m.security = drt::security_provider::null();
      break;
    case security_kind::derived_key_openssl:
      m.security = drt::security_provider::derived_key(root, local_cert);
      break;
    case security_kind::derived_key_wolfssl: {
      const drt::plugin plugin("security-wolfssl");
      drt::provider_config config;
      config.set("root_cert", drt::byte_view(root)).set("local_cert", drt::byte_view(local_cert));
      m.security = drt::security_provider::from_plugin(plugin, "derived-key", &config);
      break;
    }
  }
  std::vector<sockaddr_storage> peers;
  if (seed) peers.push_back(loopback(*seed));
  m.bootstrap = drt::bootstrap_provider::static_list(peers);
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 1;  // [::1] is the only address in loopback mode
  s.pwzDrtInstancePrefix = "demo";
  s.hTransport = m.transport.native_handle();
  s.pSecurityProvider = m.security.get();
  s.pBootstrapProvider = m.bootstrap.get();
  s.eSecurityMode = mode;
  m.node = drt::node::open(s);
  return m;
}

void drain_events(member& m) {
  while (auto e = m.node.next_event()) {
    ++m.events;
    if (e->type == DRT_EVENT_STATUS_CHANGED) {
      m.status = e->status;
    } else if (e->type == DRT_EVENT_LEAFSET_KEY_CHANGED && e->remote_key.size() == DRT_KEY_SIZE) {
      ++m.leafset_changes;
      drt::key k{};
      std::copy(e->remote_key.begin(), e->remote_key.end(), k.begin());
      if (e->leafset_change == DRT_LEAFSET_KEY_ADDED) {
        m.leafset.insert(k);
      } else {
        m.leafset.erase(k);
      }
    }
  }
}

std::chrono::milliseconds settle_leaf_sets(std::vector<member>& nodes, std::chrono::milliseconds quiet,
                                           std::chrono::milliseconds limit) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto last_change = start;
  std::size_t changes = 0;
  for (;;) {
    std::size_t now_changes = 0;
    for (member& m : nodes) {
      drain_events(m);
      now_changes += m.leafset_changes;
    }
    const auto now = clock::now();
    if (now_changes != changes) {
      changes = now_changes;
      last_change = now;
    }
    if (now - last_change >= quiet || now - start >= limit) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool wait_status(member& m, DRT_STATUS wanted, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    drain_events(m);
    if (m.status == wanted) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

search_outcome run_search(drt::node& n, const drt::key& target, const drt::search_options& options,
                          std::chrono::milliseconds limit) {
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
  };
  search_outcome out;
  const auto start = clock::now();
  drt::search s = n.start_search(target, options, static_cast<std::uint32_t>(limit.count()));
  for (;;) {
    drt::search::poll p = s.next();
    if (p.st == drt::search::state::result) {
      if (out.results.empty()) out.first_ms = ms_since(start);
      out.results.push_back(std::move(*p.result));
      continue;
    }
    if (p.st != drt::search::state::in_progress) {
      out.end = p.st;
      break;
    }
    if (clock::now() - start > limit + std::chrono::milliseconds(500)) break;  // the engine missed its timeout
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  out.done_ms = ms_since(start);
  out.path = s.path();
  return out;
}

std::uint16_t port_of(const sockaddr_storage& ss) {
  if (ss.ss_family != AF_INET6) return 0;
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
}

}  // namespace drt::tool::demo
