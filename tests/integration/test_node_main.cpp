// drt-test-node: one DRT node in its own process, for the multi-process tests. It opens a node
// on [::1] (bootstrapping from --seed PORT, if given), publishes key_of(--key N) with the text
// "value N", prints "READY <port>", then answers commands on stdin, one per line:
//   search N   -> "FOUND N" or "MISSING N" (one search)
//   find N     -> the same, searching again for up to 20 s while it is missing
//   status     -> "STATUS <DRT_STATUS>"
//   bench C R N1 N2 ...  -> C searches cycling over those keys, one at a time, at most R per
//                 second (0: as fast as they complete):
//                 "BENCH <found> <C> <lookups per second> <p50 us> <p99 us>"
// and closes the node cleanly at EOF (the parent ending, or closing the pipe).
#include "loopback_cloud.hpp"

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <iostream>
#include <sstream>
#include <thread>
#include <string>

int main(int argc, char** argv) {
  std::vector<std::uint16_t> seeds;
  long key = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seed") seeds.push_back(static_cast<std::uint16_t>(std::strtoul(argv[i + 1], nullptr, 10)));
    else if (a == "--key") key = std::strtol(argv[i + 1], nullptr, 10);
  }
  try {
    drt_test::cloud_node n = drt_test::open_node(seeds);
    std::optional<drt::registration> reg;
    if (key >= 0) {
      const std::string value = "value " + std::to_string(key);
      reg = n.node.register_key(drt_test::key_of(static_cast<std::uint32_t>(key)),
                                std::vector<std::uint8_t>(value.begin(), value.end()));
    }
    std::cout << "READY " << n.transport.port() << std::endl;
    std::optional<DRT_STATUS> status;
    for (std::string line; std::getline(std::cin, line);) {
      while (auto e = n.node.next_event()) {
        if (e->type == DRT_EVENT_STATUS_CHANGED) status = e->status;
      }
      if (line.rfind("search ", 0) == 0 || line.rfind("find ", 0) == 0) {
        const bool retry = line[0] == 'f';
        const auto id = static_cast<std::uint32_t>(std::stoul(line.substr(retry ? 5 : 7)));
        const auto r = retry ? drt_test::search_until_found(n.node, drt_test::key_of(id))
                             : drt_test::run_search(n.node, drt_test::key_of(id), {}, std::chrono::milliseconds(3000));
        const std::string want = "value " + std::to_string(id);
        const bool found = r.results.size() == 1 && r.results[0].data == std::vector<std::uint8_t>(want.begin(), want.end());
        std::cout << (found ? "FOUND " : "MISSING ") << id << std::endl;
      } else if (line.rfind("bench ", 0) == 0) {
        std::istringstream args(line.substr(6));
        std::size_t count = 0;
        double rate = 0;
        args >> count >> rate;
        std::vector<std::uint32_t> ids;
        for (std::uint32_t id; args >> id;) ids.push_back(id);
        std::vector<double> micros;
        std::size_t found = 0;
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < count && !ids.empty(); ++i) {
          if (rate > 0) {  // pace: the i-th search starts no earlier than i / rate seconds in
            std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<long long>(1e6 * static_cast<double>(i) / rate)));
          }
          const std::uint32_t id = ids[i % ids.size()];
          const auto r = drt_test::run_search(n.node, drt_test::key_of(id), {}, std::chrono::milliseconds(3000));
          if (!r.results.empty()) {
            ++found;
            micros.push_back(static_cast<double>(r.first_result.count()));
          }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::sort(micros.begin(), micros.end());
        auto pct = [&](double p) { return micros.empty() ? 0.0 : micros[static_cast<std::size_t>(p * static_cast<double>(micros.size() - 1))]; };
        std::cout << "BENCH " << found << " " << count << " " << (seconds > 0 ? static_cast<double>(count) / seconds : 0.0) << " "
                  << pct(0.5) << " " << pct(0.99) << std::endl;
      } else if (line == "status") {
        std::cout << "STATUS " << (status ? static_cast<int>(*status) : -1) << std::endl;
      } else {
        std::cout << "ERROR unknown command" << std::endl;
      }
    }
  } catch (const drt::error& e) {
    std::cerr << "drt-test-node: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
