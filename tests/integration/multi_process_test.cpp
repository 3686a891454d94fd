// tests/integration: nodes in separate processes (drt-test-node) on [::1]: five processes
// resolve each other's keys; a node killed with SIGKILL (no revocation) drops out of the others'
// view within the maintenance time, and a restarted one rejoins.
#include "loopback_cloud.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

extern char** environ;

namespace {

using namespace std::chrono_literals;

// One drt-test-node child with pipes to its stdin and stdout.
class child_node {
 public:
  child_node(std::optional<std::uint16_t> seed, long key) {
    int in[2], out[2];
    // O_CLOEXEC: a later child must not inherit this child's pipe ends, or this child would
    // never see EOF on its stdin while that later one lives.
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> args = {OPENDRT_TEST_NODE_BINARY, "--key", std::to_string(key)};
    if (seed) {
      args.push_back("--seed");
      args.push_back(std::to_string(*seed));
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, OPENDRT_TEST_NODE_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    to_ = ::fdopen(in[1], "w");
    from_ = ::fdopen(out[0], "r");
    const std::string ready = read_line();
    if (ready.rfind("READY ", 0) != 0) throw std::runtime_error("child said: " + ready);
    port_ = static_cast<std::uint16_t>(std::stoul(ready.substr(6)));
  }
  ~child_node() {
    if (to_) std::fclose(to_);  // EOF: the child closes its node and exits
    if (from_) std::fclose(from_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  child_node(const child_node&) = delete;
  child_node& operator=(const child_node&) = delete;

  std::uint16_t port() const { return port_; }
  std::string ask(const std::string& command) {
    std::fprintf(to_, "%s\n", command.c_str());
    std::fflush(to_);
    return read_line();
  }
  void kill_hard() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::string read_line() {
    char buf[256];
    if (std::fgets(buf, sizeof buf, from_) == nullptr) return "EOF";
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
  std::uint16_t port_ = 0;
};

TEST(MultiProcess, FiveProcessesResolveEachOthersKeys) {
  std::vector<std::unique_ptr<child_node>> nodes;
  for (int i = 0; i < 5; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = nodes[0]->port();
    nodes.push_back(std::make_unique<child_node>(seed, 100 + i));
  }
  std::this_thread::sleep_for(1s);
  for (int from = 0; from < 5; ++from) {
    for (int owner = 0; owner < 5; ++owner) {
      if (owner == from) continue;
      EXPECT_EQ(nodes[from]->ask("search " + std::to_string(100 + owner)), "FOUND " + std::to_string(100 + owner))
          << "process " << from;
    }
  }
}

TEST(MultiProcess, AKilledNodeDropsOutAndARestartedOneRejoins) {
  std::vector<std::unique_ptr<child_node>> nodes;
  for (int i = 0; i < 4; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = nodes[0]->port();
    nodes.push_back(std::make_unique<child_node>(seed, 200 + i));
  }
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(nodes[1]->ask("search 203"), "FOUND 203");
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
  nodes[3] = std::make_unique<child_node>(nodes[0]->port(), 203);
  for (int i = 0; i < 40 && answer != "FOUND 203"; ++i) {
    std::this_thread::sleep_for(250ms);
    answer = nodes[1]->ask("search 203");
  }
  EXPECT_EQ(answer, "FOUND 203") << "the restarted node did not rejoin";
}

}  // namespace
