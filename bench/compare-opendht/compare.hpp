// drt-compare-opendht: the same workload on OpenDRT and on OpenDHT, one after the other in one
// invocation on [::1] (docs/performance.md). This header holds what both sides share: the
// workload description, the figures each side reports, and process-level measurements.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace compare {

struct workload {
  std::size_t nodes = 100;
  std::size_t keys = 1000;
  std::size_t payload = 1024;
  std::uint64_t seed = 1;
  // Both systems: every operation runs alone (the next starts when the previous one completed),
  // and this long between operations. One-at-a-time already keeps each OpenDRT publisher far
  // below its LOOKUP rate limit (200/s, burst 50: protocol.md D21).
  double gap_ms = 0;
  double settle_s = 2;  // after formation, for both systems
  // After the last publish, for both systems: one OpenDRT maintenance period (15 s ± 10 %, protocol.md
  // §3.11) and a bit. A key published moments ago may be missing from a neighbour's leaf set
  // until maintenance repairs it, and an exact search from that neighbour then ends with
  // DRT_E_NO_MORE at once (docs/performance.md). The idle CPU is measured over this pause.
  double publish_settle_s = 17;
  std::size_t dht_nodes_per_process = 150;  // OpenDHT's select() loop aborts past ~1,000 descriptors
  bool verbose = false;
  std::string drt_security_plugin = "security-openssl";  // OpenDRT's derived-key provider: openssl or wolfssl
};

// The figures each side reports; the JSON keys, in output order. Both sides fill the same names.
inline const std::vector<std::string>& json_fields() {
  static const std::vector<std::string> f = {
      "formation_s",         "publish_p50_ms",      "publish_p99_ms", "lookup_p50_ms", "lookup_p99_ms",
      "lookup_first_p50_ms", "lookup_first_p99_ms", "miss_p50_ms",    "miss_p99_ms",   "success_rate",
      "rss_kib_per_node",    "cpu_ms_per_op"};
  return f;
}

// name -> value; a missing name means "not measurable for this system".
using figures = std::map<std::string, double>;

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// What both sides measure the same way, and the figures made of it.
struct measured {
  std::vector<double> first_ms, done_ms;  // present keys found: first value, completion
  std::vector<double> miss_ms;            // absent keys answered correctly: completion
  std::size_t correct = 0, miss_correct = 0, published = 0;
  // CPU ms at the edges of the phases: publishes start, publishes end, pause end, lookups end.
  double cpu_start = 0, cpu_published = 0, cpu_settled = 0, cpu_end = 0;
};

inline void put_measured(figures& f, const measured& m, const workload& w) {
  const double lookups = 2.0 * static_cast<double>(w.keys);
  f["lookup_p50_ms"] = percentile(m.done_ms, 0.5);
  f["lookup_p99_ms"] = percentile(m.done_ms, 0.99);
  f["lookup_first_p50_ms"] = percentile(m.first_ms, 0.5);
  f["lookup_first_p99_ms"] = percentile(m.first_ms, 0.99);
  f["miss_p50_ms"] = percentile(m.miss_ms, 0.5);
  f["miss_p99_ms"] = percentile(m.miss_ms, 0.99);
  f["success_rate"] = static_cast<double>(m.correct + m.miss_correct) / lookups;
  f["present_ok"] = static_cast<double>(m.correct);
  f["absent_ok"] = static_cast<double>(m.miss_correct);
  f["published_ok"] = static_cast<double>(m.published);
  // Every CPU cycle of the side's processes during the publish phase and the lookup phase,
  // without the pause between them (its idle CPU is reported on its own), over 3K operations.
  f["cpu_ms_per_op"] = ((m.cpu_published - m.cpu_start) + (m.cpu_end - m.cpu_settled)) / (3.0 * static_cast<double>(w.keys));
  // Where it goes: publishes alone, lookups (present + absent) alone, and the idle load of the
  // whole cloud while nothing is asked (CPU ms per wall second during the settle pause).
  f["cpu_ms_per_publish"] = (m.cpu_published - m.cpu_start) / static_cast<double>(w.keys);
  f["cpu_ms_per_lookup"] = (m.cpu_end - m.cpu_settled) / lookups;
  if (w.publish_settle_s > 0) f["idle_cpu_ms_per_s"] = (m.cpu_settled - m.cpu_published) / w.publish_settle_s;
}

// Peak resident set of this process (VmHWM), KiB.
inline double peak_rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6));
  return 0;
}

// User + system CPU time of this process (all threads), ms.
inline double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

// The P-byte payload published under key number k: the same bytes for both systems, so a
// lookup's answer is checked byte for byte.
inline std::vector<std::uint8_t> payload_of(std::size_t k, std::size_t size) {
  std::vector<std::uint8_t> out(size);
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (k + 1);
  for (auto& b : out) {
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    b = static_cast<std::uint8_t>(x >> 56);
  }
  return out;
}

struct report {
  figures values;                  // json_fields() plus extra figures (datagrams, setup times)
  std::vector<std::string> notes;  // lines for the readable output
};

// Each side runs in its own child process (clean RSS baseline, nothing shared), forked by main.
report run_opendrt(const workload& w);
report run_opendht(const workload& w);

inline std::string fmt(const char* f, double a) {
  char b[128];
  std::snprintf(b, sizeof b, f, a);
  return b;
}

}  // namespace compare
