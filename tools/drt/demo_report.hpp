// demo_report: what `drt demo` measured and how it is shown: process figures (RSS, CPU time),
// percentiles, the human table (stdout) and the one-line JSON summary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace drt::tool::demo {

// VmRSS of this process in KiB (/proc/self/status), 0 if unknown.
[[nodiscard]] std::int64_t rss_kib();
// User + system CPU time of this process (all threads) in milliseconds.
[[nodiscard]] double cpu_ms();
// The p-quantile (0..1) of v by nearest rank; 0 for an empty v.
[[nodiscard]] double percentile(std::vector<double> v, double p);

// One row of the table: a phase, its checks and what it showed.
struct phase_row {
  std::string phase;
  std::size_t ok = 0;
  std::size_t total = 0;
  double seconds = 0;
  std::string detail;
};

struct summary {
  std::string security;  // "openssl (derived-key, EC P-256)" or "null"
  std::string mode;      // resolve | membership | confidential
  std::size_t nodes = 0;
  std::size_t keys = 0;
  std::size_t joined = 0;       // nodes that reached ACTIVE
  std::size_t register_ok = 0;
  std::size_t search_ok = 0;     // exact + nearest + range searches whose results were right
  std::size_t search_total = 0;
  std::size_t exact_ok = 0, exact_total = 0;
  std::size_t near_complete = 0, near_total = 0;    // answers with all the keys that exist
  std::size_t range_complete = 0, range_total = 0;
  std::vector<double> first_result_ms;  // exact searches that found their key
  std::vector<double> hops;             // nodes contacted, exact searches
  bool revoke_ok = false;
  double revoke_ms = 0;                 // from DrtUnregisterKey to the first search that missed it
  std::int64_t rss_kib_per_node = 0;
  double cpu_ms_per_op = 0;
  double wall_s = 0;
  std::vector<phase_row> phases;
  [[nodiscard]] bool ok() const;
};

void print_table(std::ostream& out, const summary& s);
void print_json(std::ostream& out, const summary& s);

}  // namespace drt::tool::demo
