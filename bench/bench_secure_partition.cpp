// bench_secure_partition [nodes] [seed]: a partition that heals at scale with the real security
// provider: `nodes` (default 200) simulated nodes, each with security-openssl's derived-key
// provider and its own certificate, split in half for 2 minutes, healed for three maintenance
// periods; then every key is searched from the other half. Prints the resolvable-key share.
#include "derived_key_sim.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const std::size_t nodes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200;
  const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 71;
  const auto start = std::chrono::steady_clock::now();
  const auto out = drt::hostile::run_secure_partition(nodes, seed);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("secure partition: %zu nodes (derived-key, OpenSSL), seed %llu: %zu/%zu keys found after heal (%.1f %%), "
              "leaf sets correct %.1f %%, other-half keys in node 0's leaf set while split: %zu; %.1f s wall\n",
              out.nodes, static_cast<unsigned long long>(seed), out.keys_found, out.keys_searched, out.found_pct(),
              100 * out.leaf_sets_correct, out.cross_leaf_entries_during_split, wall);
  return out.keys_found == out.keys_searched ? 0 : 1;
}
