// tests/integration: a cloud of real DRT instances in one process, each with its own IPv6 UDP
// transport bound to [::1] (loopback mode), bootstrapping from the first node, with the null
// security provider. Helpers wait with generous deadlines that only bound a failure.
#pragma once

#include <drt/drt.hpp>

#include <net/if.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace drt_test {

struct cloud_node {
  drt::transport transport;
  drt::security_provider security;
  drt::bootstrap_provider bootstrap;
  drt::node node;
};

inline sockaddr_storage loopback(std::uint16_t port) {
  sockaddr_storage ss{};
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  a->sin6_addr = in6addr_loopback;
  a->sin6_port = htons(port);
  return ss;
}

// Opens a node on [::1] whose bootstrap list is `seeds` (empty: the first node of the cloud).
inline cloud_node open_node(const std::vector<std::uint16_t>& seeds, DRT_SECURITY_MODE mode = DRT_SECURE_RESOLVE) {
  cloud_node n;
  n.transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  n.security = drt::security_provider::null();
  std::vector<sockaddr_storage> peers;
  for (std::uint16_t p : seeds) peers.push_back(loopback(p));
  n.bootstrap = drt::bootstrap_provider::static_list(peers);
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 4;
  s.hTransport = n.transport.native_handle();
  s.pSecurityProvider = n.security.get();
  s.pBootstrapProvider = n.bootstrap.get();
  s.eSecurityMode = mode;
  n.node = drt::node::open(s);
  return n;
}

// Waits until the node has reported `wanted`; returns the last status seen.
inline std::optional<DRT_STATUS> wait_status(drt::node& n, DRT_STATUS wanted, std::chrono::milliseconds limit) {
  std::optional<DRT_STATUS> last;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    while (auto e = n.next_event()) {
      if (e->type == DRT_EVENT_STATUS_CHANGED) last = e->status;
    }
    if (last == wanted) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return last;
}

struct search_outcome {
  drt::search::state end = drt::search::state::in_progress;
  std::vector<drt::search_result> results;
  std::chrono::microseconds first_result{0};
  std::chrono::microseconds elapsed{0};
  std::size_t path_length = 0;
  std::vector<DRT_ADDRESS> path;
};

// Runs a search to its end (or the limit), collecting results and timings.
inline search_outcome run_search(drt::node& n, const drt::key& target, const drt::search_options& options = {},
                                 std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  search_outcome out;
  const auto start = std::chrono::steady_clock::now();
  drt::search s = n.start_search(target, options, static_cast<std::uint32_t>(limit.count()));
  for (;;) {
    drt::search::poll p = s.next();
    if (p.st == drt::search::state::result) {
      if (out.results.empty()) {
        out.first_result = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
      }
      out.results.push_back(std::move(*p.result));
      continue;
    }
    if (p.st != drt::search::state::in_progress) {
      out.end = p.st;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  out.path = s.path();
  out.path_length = out.path.size();
  return out;
}

// Searches until a result comes back or `limit` passes. A freshly formed cloud answers every key
// within a maintenance period (protocol.md §3.11); before that a leaf set may still miss an
// entry. Tests that check reachability, not first-try latency, use this.
inline search_outcome search_until_found(drt::node& n, const drt::key& target, const drt::search_options& options = {},
                                         std::chrono::milliseconds limit = std::chrono::milliseconds(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  search_outcome r = run_search(n, target, options);
  while (r.results.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    r = run_search(n, target, options);
  }
  return r;
}

inline drt::key key_of(std::uint32_t i) {
  drt::key k{};
  for (std::size_t b = 0; b < k.size(); ++b) k[b] = static_cast<std::uint8_t>((i * 2654435761u >> (b % 4 * 8)) + b * 31);
  k[0] = static_cast<std::uint8_t>(i);
  k[1] = static_cast<std::uint8_t>(i >> 8);
  return k;
}

}  // namespace drt_test
