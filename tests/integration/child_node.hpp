// tests/integration: one drt-test-node child process with pipes to its stdin and stdout, for
// the multi-process tests and bench_multi_process. Not thread-safe: one user per object.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace drt_test {

// One drt-test-node child with pipes to its stdin and stdout.
class child_node {
 public:
  child_node(const std::string& binary, std::optional<std::uint16_t> seed, long key) {
    int in[2], out[2];
    // O_CLOEXEC: a later child must not inherit this child's pipe ends, or this child would
    // never see EOF on its stdin while that later one lives.
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> args = {binary, "--key", std::to_string(key)};
    if (seed) {
      args.push_back("--seed");
      args.push_back(std::to_string(*seed));
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
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

}  // namespace drt_test
