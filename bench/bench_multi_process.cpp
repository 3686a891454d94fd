// bench_multi_process: P nodes, each in its own process (drt-test-node) on [::1], each
// publishing one key; then every process searches the others' keys at the same time, one search
// at a time each. Prints per-process and total lookups per second and latency (to the first
// result). Issue #6's multi-process figures come from here.
//
//   bench_multi_process [--processes P] [--lookups L] [--rate R]   (L and R per process; R = 0:
//   as fast as searches complete). Publishers answer at most 200 LOOKUPs/s (protocol.md D21),
//   so an unpaced run measures the rate limiter more than the lookup path.
#include "../tests/integration/child_node.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  int processes = 5;
  int lookups = 1000;
  double rate = 40;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--processes") processes = std::atoi(argv[i + 1]);
    else if (a == "--lookups") lookups = std::atoi(argv[i + 1]);
    else if (a == "--rate") rate = std::atof(argv[i + 1]);
  }
  if (processes < 2) processes = 2;
  std::vector<std::unique_ptr<drt_test::child_node>> nodes;
  for (int i = 0; i < processes; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = nodes[0]->port();
    nodes.push_back(std::make_unique<drt_test::child_node>(OPENDRT_TEST_NODE_BINARY, seed, 500 + i));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<std::string> answers(static_cast<std::size_t>(processes));
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < processes; ++i) {
    std::string command = "bench " + std::to_string(lookups) + " " + std::to_string(rate);
    for (int j = 0; j < processes; ++j) {
      if (j != i) command += " " + std::to_string(500 + j);
    }
    threads.emplace_back([&, i, command] { answers[static_cast<std::size_t>(i)] = nodes[static_cast<std::size_t>(i)]->ask(command); });
  }
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long found_total = 0, total = 0;
  double worst_p99 = 0, sum_p50 = 0;
  for (int i = 0; i < processes; ++i) {
    std::istringstream in(answers[static_cast<std::size_t>(i)]);
    std::string word;
    long found = 0, count = 0;
    double rate = 0, p50 = 0, p99 = 0;
    in >> word >> found >> count >> rate >> p50 >> p99;
    std::printf("process %d: %ld/%ld found, %.0f lookups/s, p50 %.3f ms, p99 %.3f ms\n", i, found, count, rate, p50 / 1000,
                p99 / 1000);
    found_total += found;
    total += count;
    sum_p50 += p50;
    worst_p99 = std::max(worst_p99, p99);
  }
  std::printf("offered rate: %s per process\n", rate > 0 ? (std::to_string(static_cast<int>(rate)) + " lookups/s").c_str() : "unpaced");
  std::printf("total: %d processes, %ld/%ld found, %.0f lookups/s together, mean p50 %.3f ms, worst p99 %.3f ms\n",
              processes, found_total, total, static_cast<double>(total) / wall, sum_p50 / processes / 1000, worst_p99 / 1000);
  std::printf("{\"processes\":%d,\"found\":%ld,\"lookups\":%ld,\"lookups_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", processes,
              found_total, total, static_cast<double>(total) / wall, sum_p50 / processes / 1000, worst_p99 / 1000);
  return found_total == total ? 0 : 1;
}
