// The OpenDHT side of drt-compare-opendht: N dht::DhtRunner nodes on [::1] with RSA-2048
// identities, hosted in worker processes of at most `dht_nodes_per_process` nodes each (one
// OpenDHT process aborts past ~1,000 descriptors: its UDP loop uses select()). This process
// drives the workers over socketpairs with one command at a time; the workers time each
// operation themselves (steady_clock is CLOCK_MONOTONIC, one clock for every process).
//
// Publish k: putSigned of the P-byte payload from a random node, until its done callback.
// Lookup: get from a random node; first value that matches the payload, and the done callback.
#include "compare.hpp"

#include <opendht.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace compare {
namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

dht::SockAddr loopback(in_port_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  a.sin6_port = htons(port);
  return dht::SockAddr(reinterpret_cast<const sockaddr*>(&a), sizeof a);
}

// ---- worker process ------------------------------------------------------------------------

struct hosted_node {
  dht::crypto::Identity identity;
  std::unique_ptr<dht::DhtRunner> runner;
  std::atomic<bool> connected{false};
};

constexpr auto op_limit = std::chrono::seconds(30);

// Serves commands from `in` until "quit"; nodes [first, first + count) live here.
void worker_main(const workload& w, std::size_t first, std::size_t count, FILE* in, FILE* out) {
  const double rss_base = peak_rss_kib();
  std::vector<std::unique_ptr<hosted_node>> nodes;
  auto t = clock_type::now();
  for (std::size_t i = 0; i < count; ++i) {
    auto n = std::make_unique<hosted_node>();
    n->identity = dht::crypto::generateIdentity("bench " + std::to_string(first + i), {}, 2048);
    nodes.push_back(std::move(n));
  }
  std::fprintf(out, "%.3f\n", ms_since(t) / 1e3);
  std::fflush(out);

  char* line = nullptr;
  std::size_t cap = 0;
  while (getline(&line, &cap, in) > 0) {
    std::istringstream cmd(line);
    std::string op;
    cmd >> op;
    std::ostringstream reply;
    if (op == "run") {
      for (auto& n : nodes) {
        n->runner = std::make_unique<dht::DhtRunner>();
        dht::DhtRunner::Config config;
        config.dht_config.id = n->identity;
        config.threaded = true;
        config.bind6 = loopback(0);
        dht::DhtRunner::Context context;
        hosted_node* self = n.get();
        context.statusChangedCallback = [self](dht::NodeStatus, dht::NodeStatus s6) {
          self->connected = s6 == dht::NodeStatus::Connected;
        };
        n->runner->run(config, std::move(context));
      }
      reply << nodes[0]->runner->getBoundPort(AF_INET6);
    } else if (op == "boot") {
      unsigned port = 0;
      cmd >> port;
      for (auto& n : nodes)
        if (n->runner->getBoundPort(AF_INET6) != port) n->runner->bootstrap(loopback(static_cast<in_port_t>(port)));
    } else if (op == "formed") {
      std::size_t c = 0;
      for (auto& n : nodes) c += n->connected ? 1 : 0;
      reply << c;
    } else if (op == "put" || op == "get") {
      std::size_t node = 0, k = 0;
      std::string hex;
      long long expect = -1;
      cmd >> node >> hex >> expect;
      k = static_cast<std::size_t>(expect);
      dht::DhtRunner& r = *nodes.at(node - first)->runner;
      const dht::InfoHash h(hex);
      const auto start = clock_type::now();
      if (op == "put") {
        auto done = std::make_shared<std::promise<bool>>();
        auto f = done->get_future();
        r.putSigned(h, dht::Value(payload_of(k, w.payload)), [done](bool ok) { done->set_value(ok); });
        const bool ok = f.wait_for(op_limit) == std::future_status::ready && f.get();
        reply << ms_since(start) << ' ' << (ok ? 1 : 0);
      } else {
        struct state {
          std::mutex m;
          double first = NAN;
          std::size_t values = 0, matches = 0;
          std::promise<void> done;
        };
        auto st = std::make_shared<state>();
        auto f = st->done.get_future();
        const std::vector<std::uint8_t> want = expect >= 0 ? payload_of(k, w.payload) : std::vector<std::uint8_t>{};
        r.get(
            h,
            [st, want, start](const std::vector<std::shared_ptr<dht::Value>>& values) {
              std::lock_guard lock(st->m);
              for (const auto& v : values) {
                ++st->values;
                if (!want.empty() && v->isSigned() && v->data == want) {
                  if (st->matches++ == 0) st->first = ms_since(start);
                }
              }
              return true;
            },
            [st](bool, const std::vector<std::shared_ptr<dht::Node>>&) { st->done.set_value(); });
        const bool completed = f.wait_for(op_limit) == std::future_status::ready;
        const double done_ms = ms_since(start);
        std::lock_guard lock(st->m);
        // Correct: a present key yields its payload (once or more: several replicas may answer
        // with the same value); an absent key yields nothing.
        const bool ok = completed && (expect >= 0 ? st->matches > 0 && st->matches == st->values : st->values == 0);
        reply << st->first << ' ' << done_ms << ' ' << (ok ? 1 : 0);
      }
    } else if (op == "cpu") {
      reply << cpu_ms();
    } else if (op == "rss") {
      reply << peak_rss_kib() - rss_base;
    } else if (op == "quit") {
      for (auto& n : nodes)
        if (n->runner) n->runner->join();
      std::fprintf(out, "bye\n");
      std::fflush(out);
      break;
    }
    std::fprintf(out, "%s\n", reply.str().c_str());
    std::fflush(out);
  }
  std::free(line);
}

// ---- driver ----------------------------------------------------------------------------------

struct worker_link {
  pid_t pid = -1;
  FILE* to = nullptr;
  FILE* from = nullptr;
  std::size_t first = 0, count = 0;

  std::string ask(const std::string& command) {
    std::fprintf(to, "%s\n", command.c_str());
    std::fflush(to);
    return read_line(command);
  }
  std::string read_line(const std::string& command) {
    char* line = nullptr;
    std::size_t cap = 0;
    if (getline(&line, &cap, from) <= 0) {
      std::free(line);
      throw std::runtime_error("OpenDHT worker died during: " + command);
    }
    std::string s(line);
    std::free(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  double ask_number(const std::string& command) { return std::stod(ask(command)); }
};

std::string hex_of(const std::array<std::uint8_t, 20>& b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

}  // namespace

report run_opendht(const workload& w) {
  report rep;
  auto& f = rep.values;
  const std::size_t per = std::max<std::size_t>(1, w.dht_nodes_per_process);
  const std::size_t processes = (w.nodes + per - 1) / per;
  std::vector<worker_link> workers(processes);
  for (std::size_t p = 0; p < processes; ++p) {
    worker_link& wl = workers[p];
    wl.first = p * w.nodes / processes;
    wl.count = (p + 1) * w.nodes / processes - wl.first;
    int down[2], up[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, down) != 0 ||
        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, up) != 0)
      throw std::runtime_error("socketpair failed");
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      for (std::size_t q = 0; q < p; ++q) {
        std::fclose(workers[q].to);
        std::fclose(workers[q].from);
      }
      ::close(down[1]);
      ::close(up[0]);
      FILE* in = ::fdopen(down[0], "r");
      FILE* out = ::fdopen(up[1], "w");
      int rc = 0;
      try {
        worker_main(w, wl.first, wl.count, in, out);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "opendht worker %zu: %s\n", p, e.what());
        rc = 1;
      }
      std::fflush(nullptr);
      ::_exit(rc);
    }
    ::close(down[0]);
    ::close(up[1]);
    wl.pid = pid;
    wl.to = ::fdopen(down[1], "w");
    wl.from = ::fdopen(up[0], "r");
  }
  auto worker_of = [&](std::size_t node) -> worker_link& {
    for (auto& wl : workers)
      if (node >= wl.first && node < wl.first + wl.count) return wl;
    throw std::logic_error("no worker hosts that node");
  };

  // Identities (generated by the workers in parallel; not in any timing below).
  auto t = clock_type::now();
  for (auto& wl : workers) (void)wl.read_line("identity generation");  // each worker's first line
  f["keygen_s"] = ms_since(t) / 1e3;
  rep.notes.push_back(fmt("identities: %.0f RSA-2048 (OpenDHT's default is 4096; 2048 keeps key generation from dominating), ",
                          static_cast<double>(w.nodes)) +
                      fmt("%.2f s (not in any timing below)", f["keygen_s"]));
  rep.notes.push_back(fmt("processes: %.0f worker processes", static_cast<double>(processes)) +
                      fmt(" of at most %.0f nodes each (OpenDHT's select() loop aborts past ~1,000 descriptors)",
                          static_cast<double>(per)));
  f["processes"] = static_cast<double>(processes);
  f["instances"] = static_cast<double>(w.nodes);

  // Formation: every node bound to [::1], bootstrapped to node 0, until each is Connected
  // (at least one good node: the counterpart of DRT_ACTIVE).
  t = clock_type::now();
  std::vector<unsigned> first_ports;
  for (auto& wl : workers) first_ports.push_back(static_cast<unsigned>(wl.ask_number("run")));
  for (auto& wl : workers) wl.ask("boot " + std::to_string(first_ports[0]));
  for (;;) {
    std::size_t formed = 0;
    for (auto& wl : workers) formed += static_cast<std::size_t>(wl.ask_number("formed"));
    if (formed == w.nodes) break;
    if (ms_since(t) > 120e3) throw std::runtime_error("OpenDHT nodes did not connect");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  f["formation_s"] = ms_since(t) / 1e3;
  std::this_thread::sleep_for(std::chrono::duration<double>(w.settle_s));

  std::mt19937_64 rng(w.seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  auto random_hash = [&] {
    std::array<std::uint8_t, 20> b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return hex_of(b);
  };
  auto gap = [&] {
    if (w.gap_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(w.gap_ms));
  };
  auto cpu_total = [&] {
    double c = 0;
    for (auto& wl : workers) c += wl.ask_number("cpu");
    return c;
  };

  const double cpu_start = cpu_total();
  std::vector<std::string> keys(w.keys);
  std::vector<std::size_t> publisher(w.keys);
  std::vector<double> publish_ms;
  std::size_t published = 0;
  for (std::size_t k = 0; k < w.keys; ++k) {
    keys[k] = random_hash();
    publisher[k] = pick(w.nodes);
    std::istringstream r(worker_of(publisher[k]).ask("put " + std::to_string(publisher[k]) + " " + keys[k] + " " +
                                                      std::to_string(k)));
    double ms = 0;
    int ok = 0;
    r >> ms >> ok;
    if (ok != 0) {
      publish_ms.push_back(ms);
      ++published;
    }
    gap();
  }
  f["publish_p50_ms"] = percentile(publish_ms, 0.5);
  f["publish_p99_ms"] = percentile(publish_ms, 0.99);
  const double cpu_published = cpu_total();
  std::this_thread::sleep_for(std::chrono::duration<double>(w.publish_settle_s));
  const double cpu_settled = cpu_total();

  std::vector<std::size_t> order(w.keys);
  for (std::size_t k = 0; k < w.keys; ++k) order[k] = k;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<double> first_ms, done_ms, miss_ms;
  std::size_t correct = 0, miss_correct = 0;
  auto lookup = [&](const std::string& hex, long long expect, std::size_t avoid) {
    std::size_t from = pick(w.nodes);
    if (from == avoid && w.nodes > 1) from = (from + 1) % w.nodes;
    std::istringstream r(worker_of(from).ask("get " + std::to_string(from) + " " + hex + " " + std::to_string(expect)));
    std::string first;
    double done = 0;
    int ok = 0;
    r >> first >> done >> ok;
    return std::tuple<double, double, bool>(first == "nan" ? NAN : std::stod(first), done, ok != 0);
  };
  for (std::size_t k : order) {
    auto [first, done, ok] = lookup(keys[k], static_cast<long long>(k), publisher[k]);
    if (ok) {
      ++correct;
      first_ms.push_back(first);
      done_ms.push_back(done);
    } else if (w.verbose) {
      std::fprintf(stderr, "opendht: lookup of key %zu failed\n", k);
    }
    gap();
  }
  for (std::size_t i = 0; i < w.keys; ++i) {
    auto [first, done, ok] = lookup(random_hash(), -1, w.nodes);
    if (ok) {
      ++miss_correct;
      miss_ms.push_back(done);
    }
    gap();
  }
  const double cpu_end = cpu_total();

  put_measured(f, {std::move(first_ms), std::move(done_ms), std::move(miss_ms), correct, miss_correct, published,
                   cpu_start, cpu_published, cpu_settled, cpu_end},
               w);
  double rss = 0;
  for (auto& wl : workers) rss += wl.ask_number("rss");
  f["rss_kib_per_node"] = rss / static_cast<double>(w.nodes);
  f["rss_kib_per_instance"] = f["rss_kib_per_node"];

  for (auto& wl : workers) {
    wl.ask("quit");
    std::fclose(wl.to);
    std::fclose(wl.from);
    int status = 0;
    ::waitpid(wl.pid, &status, 0);
  }
  return rep;
}

}  // namespace compare
