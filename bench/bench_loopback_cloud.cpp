// bench_loopback_cloud: N real instances in this process, each with its own UDP transport on
// [::1], null security in the --mode given (resolve, membership, confidential: the protocol's
// cost of a mode without crypto); K keys published; then exact lookups of random keys from random
// other nodes, timed one at a time. Prints lookups per second and latency percentiles (first result
// and completion), plus the share found. Issue #6's figures come from here.
//
//   bench_loopback_cloud [--nodes N] [--keys K] [--lookups L] [--seed S] [--mode M]
#include "../tests/integration/loopback_cloud.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

struct options {
  std::size_t nodes = 20;
  std::uint32_t keys = 100;
  std::uint32_t lookups = 2000;
  std::uint64_t seed = 1;
  DRT_SECURITY_MODE mode = DRT_SECURE_RESOLVE;  // with the null provider: the protocol's cost of a mode
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> unsigned long {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_loopback_cloud: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::strtoul(argv[++i], nullptr, 10);
    };
    if (a == "--nodes") o.nodes = next();
    else if (a == "--keys") o.keys = static_cast<std::uint32_t>(next());
    else if (a == "--lookups") o.lookups = static_cast<std::uint32_t>(next());
    else if (a == "--seed") o.seed = next();
    else if (a == "--mode" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m == "resolve") o.mode = DRT_SECURE_RESOLVE;
      else if (m == "membership") o.mode = DRT_SECURE_MEMBERSHIP;
      else if (m == "confidential") o.mode = DRT_SECURE_CONFIDENTIALPAYLOAD;
      else {
        std::fprintf(stderr, "bench_loopback_cloud: --mode resolve|membership|confidential\n");
        std::exit(2);
      }
    } else {
      std::fprintf(stderr, "usage: bench_loopback_cloud [--nodes N] [--keys K] [--lookups L] [--seed S] [--mode resolve|membership|confidential]\n");
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  if (o.nodes < 2) o.nodes = 2;
  return o;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const options o = parse(argc, argv);
  std::mt19937_64 rng(o.seed);
  std::vector<drt_test::cloud_node> nodes;
  std::vector<drt::registration> registrations;
  std::vector<std::size_t> owner(o.keys);
  const auto setup_start = std::chrono::steady_clock::now();
  // Each node publishes its share of the keys as it joins (key k on node k mod N).
  for (std::size_t i = 0; i < o.nodes; ++i) {
    std::vector<std::uint16_t> seeds;
    if (i > 0) seeds.push_back(nodes[0].transport.port());
    nodes.push_back(drt_test::open_node(seeds, o.mode));
    for (std::uint32_t k = static_cast<std::uint32_t>(i); k < o.keys; k += static_cast<std::uint32_t>(o.nodes)) {
      owner[k] = i;
      const std::string value = "value " + std::to_string(k);
      const std::vector<std::uint8_t> bytes(value.begin(), value.end());
      registrations.push_back(nodes[i].node.register_key(drt_test::key_of(k), bytes));
    }
    if (i > 0) drt_test::wait_status(nodes[i].node, DRT_ACTIVE, 10s);
    std::fprintf(stderr, "\ropening nodes: %zu/%zu", i + 1, o.nodes);
  }
  std::fprintf(stderr, "\npublished %u keys; settling\n", o.keys);
  std::this_thread::sleep_for(1s);
  const double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count();

  std::vector<double> first_ms, done_ms;
  std::size_t found = 0;
  double hops = 0;
  const auto run_start = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < o.lookups; ++i) {
    const std::uint32_t k = static_cast<std::uint32_t>(rng() % o.keys);
    std::size_t from = rng() % o.nodes;
    if (from == owner[k]) from = (from + 1) % o.nodes;
    const auto r = drt_test::run_search(nodes[from].node, drt_test::key_of(k));
    const std::string want = "value " + std::to_string(k);
    if (r.results.size() == 1 && r.results[0].data == std::vector<std::uint8_t>(want.begin(), want.end())) {
      ++found;
      first_ms.push_back(static_cast<double>(r.first_result.count()) / 1000.0);
    }
    done_ms.push_back(static_cast<double>(r.elapsed.count()) / 1000.0);
    hops += static_cast<double>(r.path_length);
    if (i % 100 == 0) std::fprintf(stderr, "\rlookups: %u/%u", i, o.lookups);
  }
  const double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  std::fprintf(stderr, "\n");
  const char* mode_name = o.mode == DRT_SECURE_RESOLVE ? "resolve" : o.mode == DRT_SECURE_MEMBERSHIP ? "membership" : "confidential";
  std::printf("nodes %zu, keys %u, lookups %u (one at a time), mode %s, setup %.2f s\n", o.nodes, o.keys, o.lookups,
              mode_name, setup_s);
  std::printf("found          %zu / %u (%.2f %%)\n", found, o.lookups, 100.0 * static_cast<double>(found) / o.lookups);
  std::printf("lookups/s      %.0f\n", o.lookups / run_s);
  std::printf("first result   p50 %.3f ms  p99 %.3f ms\n", percentile(first_ms, 0.5), percentile(first_ms, 0.99));
  std::printf("completion     p50 %.3f ms  p99 %.3f ms\n", percentile(done_ms, 0.5), percentile(done_ms, 0.99));
  std::printf("path length    mean %.2f nodes contacted\n", hops / o.lookups);
  std::printf("{\"mode\":\"%s\",\"nodes\":%zu,\"keys\":%u,\"lookups\":%u,\"found\":%zu,\"lookups_per_s\":%.1f,\"first_p50_ms\":%.3f,"
              "\"first_p99_ms\":%.3f,\"done_p50_ms\":%.3f,\"done_p99_ms\":%.3f,\"path_mean\":%.2f}\n",
              mode_name, o.nodes, o.keys, o.lookups, found, o.lookups / run_s, percentile(first_ms, 0.5), percentile(first_ms, 0.99),
              percentile(done_ms, 0.5), percentile(done_ms, 0.99), hops / o.lookups);
  return 0;
}
