// tests/integration: nodes in separate processes (drt-test-node) on [::1]: five processes
// resolve each other's keys; a node killed with SIGKILL (no revocation) drops out of the others'
// view within the maintenance time, and a restarted one rejoins.
#include "child_node.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace {

using drt_test::child_node;

using namespace std::chrono_literals;

TEST(MultiProcess, FiveProcessesResolveEachOthersKeys) {
  std::vector<std::unique_ptr<child_node>> nodes;
  for (int i = 0; i < 5; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = nodes[0]->port();
    nodes.push_back(std::make_unique<child_node>(OPENDRT_TEST_NODE_BINARY, seed, 100 + i));
  }
  std::this_thread::sleep_for(1s);
  for (int from = 0; from < 5; ++from) {
    for (int owner = 0; owner < 5; ++owner) {
      if (owner == from) continue;
      EXPECT_EQ(nodes[from]->ask("find " + std::to_string(100 + owner)), "FOUND " + std::to_string(100 + owner))
          << "process " << from;
    }
  }
}

TEST(MultiProcess, AKilledNodeDropsOutAndARestartedOneRejoins) {
  std::vector<std::unique_ptr<child_node>> nodes;
  for (int i = 0; i < 4; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = nodes[0]->port();
    nodes.push_back(std::make_unique<child_node>(OPENDRT_TEST_NODE_BINARY, seed, 200 + i));
  }
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(nodes[1]->ask("find 203"), "FOUND 203");
  nodes[3]->kill_hard();  // no revocation leaves this node
  // protocol.md §3.11: the others notice within the maintenance period (an INQUIRE of a dead
  // publisher fails; leaf-set probing removes it). A search for its key must come back empty.
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    answer = nodes[1]->ask("search 203");
    if (answer == "MISSING 203") break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(answer, "MISSING 203") << "a SIGKILLed publisher's key is still found after 60 s";
  // Restarted with the same key, it rejoins and is found again.
  nodes[3] = std::make_unique<child_node>(OPENDRT_TEST_NODE_BINARY, nodes[0]->port(), 203);
  for (int i = 0; i < 40 && answer != "FOUND 203"; ++i) {
    std::this_thread::sleep_for(250ms);
    answer = nodes[1]->ask("search 203");
  }
  EXPECT_EQ(answer, "FOUND 203") << "the restarted node did not rejoin";
  // No registration lost: every live process's key is still found from every other one.
  for (int from = 0; from < 4; ++from) {
    for (int owner = 0; owner < 4; ++owner) {
      if (owner == from) continue;
      EXPECT_EQ(nodes[from]->ask("find " + std::to_string(200 + owner)), "FOUND " + std::to_string(200 + owner));
    }
  }
}

}  // namespace
