// The OpenDRT side of drt-compare-opendht: N instances in this process on [::1], derived-key
// security (EC P-256, profile O2) in DRT_SECURE_RESOLVE mode, one engine worker thread.
//
// The derived-key provider lets an instance register exactly one key: the SHA-256 of its
// certificate's public key (docs/security.md). K published keys therefore take K certificates
// and K publishing instances. Each publisher is opened (resolve-only, bootstrapped through a
// random one of the N cloud nodes) before the publish phase; "publish k" is DrtRegisterKey on
// publisher k with the P-byte payload, timed until an exact search from a random cloud node
// returns it (the key is findable), retrying a search that ends without it.
#include "compare.hpp"

#include <drt/drt.hpp>

#include "certgen.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

namespace compare {
namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

sockaddr_storage loopback(std::uint16_t port) {
  sockaddr_storage ss{};
  auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
  a->sin6_family = AF_INET6;
  a->sin6_addr = in6addr_loopback;
  a->sin6_port = htons(port);
  return ss;
}

// An eventfd the instance makes readable while it has queued events; closed after the instance
// (first member, destroyed last).
struct event_descriptor {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  event_descriptor() {
    if (fd < 0) throw std::runtime_error("eventfd failed");
  }
  ~event_descriptor() { ::close(fd); }
  event_descriptor(const event_descriptor&) = delete;
  event_descriptor& operator=(const event_descriptor&) = delete;
};

struct instance {
  event_descriptor events;
  drt::transport transport;
  drt::security_provider security;
  drt::bootstrap_provider bootstrap;
  drt::node node;
  DRT_STATUS status = DRT_NO_NETWORK;
};

struct credential {
  std::vector<std::uint8_t> cert_and_key;  // PEM certificate followed by its PKCS#8 private key
  drt::key key{};                          // its derived key, API order
};

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

credential make_credential(const drt::certgen::identity& root, std::size_t i) {
  namespace cg = drt::certgen;
  cg::cert_spec spec;
  spec.common_name = "bench " + std::to_string(i);
  const cg::identity id = cg::issue(spec, cg::generate_key({}), &root);
  credential c;
  c.cert_and_key = bytes_of(cg::cert_pem(id.cert.get()) + cg::key_pem(id.key.get()));
  const auto wire = cg::derived_key_wire(id.cert.get());
  for (std::size_t b = 0; b < wire.size(); ++b) c.key[b] = wire[wire.size() - 1 - b];
  return c;
}

std::unique_ptr<instance> open_instance(const std::vector<std::uint8_t>& root_pem, const credential& c,
                                        std::optional<std::uint16_t> seed, const drt::plugin* security_plugin) {
  auto n = std::make_unique<instance>();
  n->transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  if (security_plugin == nullptr) {
    n->security = drt::security_provider::derived_key(root_pem, c.cert_and_key);  // the built-in: OpenSSL
  } else {
    drt::provider_config config;
    config.set("root_cert", drt::byte_view(root_pem)).set("local_cert", drt::byte_view(c.cert_and_key));
    n->security = drt::security_provider::from_plugin(*security_plugin, "derived-key", &config);
  }
  std::vector<sockaddr_storage> peers;
  if (seed) peers.push_back(loopback(*seed));
  n->bootstrap = drt::bootstrap_provider::static_list(peers);
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 1;  // [::1] is the only address in loopback mode
  s.pwzDrtInstancePrefix = "bench";
  s.hTransport = n->transport.native_handle();
  s.pSecurityProvider = n->security.get();
  s.pBootstrapProvider = n->bootstrap.get();
  s.eSecurityMode = DRT_SECURE_RESOLVE;
  n->node = drt::node::open(s, n->events.fd);
  return n;
}

void drain(instance& n) {
  while (auto e = n.node.next_event())
    if (e->type == DRT_EVENT_STATUS_CHANGED) n.status = e->status;
}

// What an application does with its instances' event handles: waits for them (one epoll set) and
// reads the queued events (mostly leaf-set changes) of the instances that signal. Left unread
// they pile up to 4096 per instance (api.md §4.11) and would count as the library's memory.
class event_watch {
 public:
  event_watch() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
  }
  ~event_watch() { ::close(epoll_); }
  event_watch(const event_watch&) = delete;
  event_watch& operator=(const event_watch&) = delete;

  void add(instance& n) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &n;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, n.events.fd, &ev) != 0) throw std::runtime_error("epoll_ctl failed");
  }
  // Reads the events of every instance that signals, waiting up to `wait_ms` for the first.
  void drain_ready(int wait_ms = 0) {
    epoll_event ready[64];
    for (int got = ::epoll_wait(epoll_, ready, 64, wait_ms); got > 0; got = ::epoll_wait(epoll_, ready, 64, 0)) {
      for (int i = 0; i < got; ++i) drain(*static_cast<instance*>(ready[i].data.ptr));
      if (got < 64) break;
    }
  }

 private:
  int epoll_;
};

// A pause of `seconds` during which the application keeps reading events as they come.
void pause_draining(double seconds, event_watch& watch) {
  const auto end = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                           std::chrono::duration<double>(seconds));
  while (clock_type::now() < end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock_type::now()).count();
    watch.drain_ready(static_cast<int>(std::clamp<long long>(left, 0, 250)));
  }
}

// Waits until every instance is ACTIVE; false after the limit.
bool wait_all_active(std::vector<std::unique_ptr<instance>>& v, std::chrono::seconds limit) {
  const auto deadline = clock_type::now() + limit;
  for (;;) {
    std::size_t active = 0;
    for (auto& n : v) {
      drain(*n);
      active += n->status == DRT_ACTIVE ? 1 : 0;
    }
    if (active == v.size()) return true;
    if (clock_type::now() > deadline) {
      std::fprintf(stderr, "opendrt: only %zu of %zu instances ACTIVE\n", active, v.size());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

struct lookup_outcome {
  double first_ms = NAN;  // first result returned by DrtGetSearchResult
  double done_ms = NAN;   // DRT_E_NO_MORE (or the timeout)
  bool completed = false;
  std::vector<drt::search_result> results;
  std::size_t path_length = 0;  // nodes contacted; only filled with --verbose
};

// One exact search, waiting on an eventfd (no polling loop): first result and completion times.
lookup_outcome run_lookup(drt::node& from, const drt::key& target, int efd, std::uint32_t timeout_ms,
                          bool with_path = false) {
  lookup_outcome out;
  const auto start = clock_type::now();
  drt::search s = from.start_search(target, {}, timeout_ms, efd);
  for (;;) {
    drt::search::poll p = s.next();
    if (p.st == drt::search::state::result) {
      if (out.results.empty()) out.first_ms = ms_since(start);
      out.results.push_back(std::move(*p.result));
      continue;
    }
    if (p.st != drt::search::state::in_progress) {
      out.done_ms = ms_since(start);
      out.completed = p.st == drt::search::state::complete;
      if (with_path) out.path_length = s.path().size();
      return out;
    }
    pollfd pfd{efd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout_ms) + 1000) == 0) {  // the engine missed its own timeout
      out.done_ms = ms_since(start);
      return out;
    }
    std::uint64_t count = 0;
    [[maybe_unused]] auto r = ::read(efd, &count, sizeof count);
  }
}

struct traffic {
  double datagrams = 0, bytes = 0, busy = 0, inquires = 0;
};

traffic sum_statistics(std::vector<std::unique_ptr<instance>>& a, std::vector<std::unique_ptr<instance>>& b) {
  traffic t;
  for (auto* v : {&a, &b})
    for (auto& n : *v) {
      DRT_INSTANCE_STATISTICS st{};
      st.dwSize = sizeof st;
      if (FAILED(DrtGetInstanceStatistics(n->node.native_handle(), &st))) continue;
      t.datagrams += static_cast<double>(st.datagramsSent);
      t.bytes += static_cast<double>(st.bytesSent);
      t.busy += static_cast<double>(st.lookupsAnsweredBusy);
      t.inquires += static_cast<double>(st.inquiresSent);
    }
  return t;
}

}  // namespace

report run_opendrt(const workload& w) {
  namespace cg = drt::certgen;
  report rep;
  auto& f = rep.values;
  const double rss_base = peak_rss_kib();
  std::mt19937_64 rng(w.seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::uint32_t timeout_ms = 10000;

  // Certificates: N cloud nodes + K publishers, EC P-256 (profile O2), one root.
  auto t = clock_type::now();
  cg::cert_spec root_spec;
  root_spec.common_name = "bench root";
  root_spec.is_ca = true;
  const cg::identity root = cg::issue(root_spec, cg::generate_key({}), nullptr);
  const std::vector<std::uint8_t> root_pem = bytes_of(cg::cert_pem(root.cert.get()));
  std::vector<credential> node_creds, pub_creds;
  for (std::size_t i = 0; i < w.nodes; ++i) node_creds.push_back(make_credential(root, i));
  for (std::size_t k = 0; k < w.keys; ++k) pub_creds.push_back(make_credential(root, w.nodes + k));
  f["keygen_s"] = ms_since(t) / 1e3;
  rep.notes.push_back(fmt("certificates: %.0f EC P-256 (derived keys), ", static_cast<double>(w.nodes + w.keys)) +
                      fmt("%.2f s (not in any timing below)", f["keygen_s"]));

  // The derived-key provider: libdrt's built-in (the OpenSSL plugin) unless another is asked for.
  std::optional<drt::plugin> security_plugin;
  if (w.drt_security_plugin != "security-openssl") security_plugin.emplace(w.drt_security_plugin);
  const drt::plugin* sp = security_plugin ? &*security_plugin : nullptr;
  rep.notes.push_back("derived-key provider: " + w.drt_security_plugin);

  // Formation: node 0 alone, the others bootstrap through it and register their own key.
  t = clock_type::now();
  std::vector<std::unique_ptr<instance>> cloud, publishers;
  event_watch watch;  // the application's wait on every instance's event descriptor
  std::vector<drt::registration> node_regs, key_regs;
  for (std::size_t i = 0; i < w.nodes; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = cloud[0]->transport.port();
    cloud.push_back(open_instance(root_pem, node_creds[i], seed, sp));
    watch.add(*cloud.back());
    const std::string id = "node " + std::to_string(i);
    node_regs.push_back(cloud.back()->node.register_key(node_creds[i].key, bytes_of(id)));
  }
  if (!wait_all_active(cloud, std::chrono::seconds(120))) throw std::runtime_error("OpenDRT cloud did not form");
  f["formation_s"] = ms_since(t) / 1e3;
  f["busy_formation"] = sum_statistics(cloud, publishers).busy;
  pause_draining(w.settle_s, watch);

  // Publishers: resolve-only instances, each bootstrapped through a random cloud node.
  t = clock_type::now();
  for (std::size_t k = 0; k < w.keys; ++k) {
    publishers.push_back(open_instance(root_pem, pub_creds[k], cloud[pick(w.nodes)]->transport.port(), sp));
    watch.add(*publishers.back());
  }
  if (!wait_all_active(publishers, std::chrono::seconds(120))) throw std::runtime_error("OpenDRT publishers did not join");
  f["publishers_open_s"] = ms_since(t) / 1e3;
  rep.notes.push_back(fmt("publisher instances: %.0f", static_cast<double>(w.keys)) +
                      fmt(" opened and ACTIVE in %.2f s (one per published key; not in formation_s)",
                          f["publishers_open_s"]));

  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  const traffic before_publish = sum_statistics(cloud, publishers);
  const double cpu_start = cpu_ms();
  auto gap = [&] {
    if (w.gap_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(w.gap_ms));
  };

  // Publish: register, then search from a random cloud node until the key is found.
  std::vector<double> publish_ms;
  std::size_t published = 0, publish_searches = 0;
  for (std::size_t k = 0; k < w.keys; ++k) {
    const auto payload = payload_of(k, w.payload);
    const auto start = clock_type::now();
    key_regs.push_back(publishers[k]->node.register_key(pub_creds[k].key, payload));
    drt::node& from = cloud[pick(w.nodes)]->node;
    for (;;) {
      lookup_outcome o = run_lookup(from, pub_creds[k].key, efd, timeout_ms);
      ++publish_searches;
      if (!o.results.empty() && o.results[0].data == payload) {
        publish_ms.push_back(ms_since(start));
        ++published;
        break;
      }
      if (ms_since(start) > timeout_ms) break;
      // Not findable yet: ask again in 5 ms (at most 200 searches/s). Retrying at once would send the key's
      // neighbourhood thousands of LOOKUPs a second and meet the 200/s limit (D21).
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    watch.drain_ready();
    gap();
  }
  f["publish_p50_ms"] = percentile(publish_ms, 0.5);
  f["publish_p99_ms"] = percentile(publish_ms, 0.99);
  const double cpu_published = cpu_ms();
  const traffic after_publish = sum_statistics(cloud, publishers);
  f["busy_publish"] = after_publish.busy - before_publish.busy;
  f["datagrams_per_publish"] = (after_publish.datagrams - before_publish.datagrams) / static_cast<double>(w.keys);
  f["inquires_per_publish"] = (after_publish.inquires - before_publish.inquires) / static_cast<double>(w.keys);
  pause_draining(w.publish_settle_s, watch);
  const double cpu_settled = cpu_ms();

  // Lookups of present keys (each key once, random order) from random cloud nodes, then absent keys.
  std::vector<std::size_t> order(w.keys);
  for (std::size_t k = 0; k < w.keys; ++k) order[k] = k;
  std::shuffle(order.begin(), order.end(), rng);
  const traffic before = sum_statistics(cloud, publishers);
  std::vector<double> first_ms, done_ms, miss_ms;
  std::size_t correct = 0, miss_correct = 0;
  for (std::size_t k : order) {
    watch.drain_ready();
    const auto payload = payload_of(k, w.payload);
    lookup_outcome o = run_lookup(cloud[pick(w.nodes)]->node, pub_creds[k].key, efd, timeout_ms, w.verbose);
    const bool ok = o.completed && o.results.size() == 1 && o.results[0].type == DRT_MATCH_EXACT &&
                    o.results[0].data == payload;
    if (ok) {
      ++correct;
      first_ms.push_back(o.first_ms);
      done_ms.push_back(o.done_ms);
      if (w.verbose && o.done_ms > 2.0)
        std::fprintf(stderr, "opendrt: slow lookup of key %zu: %.2f ms, %zu nodes contacted\n", k, o.done_ms,
                     o.path_length);
    } else if (w.verbose) {
      std::fprintf(stderr, "opendrt: lookup of key %zu: %zu results (first data %s), completed %d after %.1f ms\n", k,
                   o.results.size(), o.results.empty() ? "-" : (o.results[0].data == payload ? "right" : "wrong"),
                   o.completed ? 1 : 0, o.done_ms);
    }
    gap();
  }
  for (std::size_t i = 0; i < w.keys; ++i) {
    watch.drain_ready();
    drt::key absent{};
    for (auto& b : absent) b = static_cast<std::uint8_t>(rng());
    lookup_outcome o = run_lookup(cloud[pick(w.nodes)]->node, absent, efd, timeout_ms);
    if (o.completed && o.results.empty()) {
      ++miss_correct;
      miss_ms.push_back(o.done_ms);
    }
    gap();
  }
  const traffic after = sum_statistics(cloud, publishers);
  const double cpu_end = cpu_ms();
  ::close(efd);

  put_measured(f, {std::move(first_ms), std::move(done_ms), std::move(miss_ms), correct, miss_correct, published,
                   cpu_start, cpu_published, cpu_settled, cpu_end},
               w);
  f["searches_per_publish"] = static_cast<double>(publish_searches) / static_cast<double>(w.keys);
  const double lookups = 2.0 * static_cast<double>(w.keys);
  f["datagrams_per_lookup"] = (after.datagrams - before.datagrams) / lookups;
  f["bytes_per_lookup"] = (after.bytes - before.bytes) / lookups;
  f["lookups_answered_busy"] = after.busy;  // the whole run (formation, publishes, lookups)
  f["lookups_answered_busy_in_lookups"] = after.busy - before.busy;
  f["inquires_per_lookup"] = (after.inquires - before.inquires) / lookups;
  f["rss_kib_per_node"] = (peak_rss_kib() - rss_base) / static_cast<double>(w.nodes);
  f["rss_kib_per_instance"] = (peak_rss_kib() - rss_base) / static_cast<double>(w.nodes + w.keys);
  f["instances"] = static_cast<double>(w.nodes + w.keys);
  f["processes"] = 1;

  key_regs.clear();
  node_regs.clear();
  publishers.clear();
  cloud.clear();
  security_plugin.reset();  // after every provider made from it
  return rep;
}

}  // namespace compare
