#include "loopback_cloud.hpp"
#include <gtest/gtest.h>
using namespace std::chrono_literals;
using namespace drt_test;
TEST(Multi, Keys) {
  int nodes_n = std::getenv("N") ? atoi(std::getenv("N")) : 3;
  int keys_n = std::getenv("K") ? atoi(std::getenv("K")) : 5;
  std::vector<cloud_node> nodes; std::vector<drt::registration> regs;
  for (int i = 0; i < nodes_n; ++i) {
    std::vector<std::uint16_t> seeds; if (i) seeds.push_back(nodes[0].transport.port());
    nodes.push_back(open_node(seeds));
    for (int k = 0; k < keys_n; ++k) { std::vector<std::uint8_t> v{1}; regs.push_back(nodes[i].node.register_key(key_of(i*keys_n+k), v)); }
    if (i) wait_status(nodes[i].node, DRT_ACTIVE, 10s);
  }
  std::this_thread::sleep_for(500ms);
  for (int id = 0; id < nodes_n*keys_n; ++id) for (int from = 0; from < nodes_n; ++from) {
    if (from == id / keys_n) continue;
    auto r = run_search(nodes[from].node, key_of(id));
    if (r.results.size() != 1) printf("MISS key %d (owner %d) from %d, path %zu\n", id, id/keys_n, from, r.path_length);
  }
}
