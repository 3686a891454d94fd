// Process figures, percentiles, the demo's table and JSON line (demo_report.hpp).
#include "demo_report.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <ostream>
#include <sstream>

namespace drt::tool::demo {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::int64_t rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::int64_t kib = 0;
      fields >> kib;
      return kib;
    }
  }
  return 0;
}

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

bool summary::ok() const {
  return joined == nodes && register_ok == keys && search_ok == search_total && search_total > 0 && revoke_ok;
}

void print_table(std::ostream& out, const summary& s) {
  out << "\nOpenDRT demo: " << s.nodes << " nodes on [::1] in one process, " << s.keys << " keys, security "
      << s.security << ", mode " << s.mode << "\n\n";
  out << pad("phase", 12) << pad("checks", 11) << pad("time", 9) << "what happened\n";
  out << std::string(12 + 11 + 9 + 40, '-') << "\n";
  for (const phase_row& r : s.phases) {
    const std::string checks =
        r.total == 0 ? "" : std::to_string(r.ok) + "/" + std::to_string(r.total) + (r.ok == r.total ? "" : " !");
    out << pad(r.phase, 12) << pad(checks, 11) << pad(fixed(r.seconds, 2) + " s", 9) << r.detail << "\n";
  }
  out << std::string(12 + 11 + 9 + 40, '-') << "\n";
  out << "searches ok       " << s.search_ok << "/" << s.search_total << " (exact " << s.exact_ok << "/"
      << s.exact_total << "; nearest answers exactly the 3 closest " << s.near_complete << "/" << s.near_total
      << ", range answers complete " << s.range_complete << "/" << s.range_total << ")\n";
  out << "latency           p50 " << fixed(percentile(s.first_result_ms, 0.5), 2) << " ms, p99 "
      << fixed(percentile(s.first_result_ms, 0.99), 2) << " ms (exact searches, to the first result)\n";
  out << "path length       " << fixed(mean(s.hops), 2) << " nodes contacted per exact search (mean)\n";
  out << "revocation        "
      << (s.revoke_ok ? "gone after " + fixed(s.revoke_ms, 0) + " ms" : std::string("STILL FOUND")) << "\n";
  out << "memory            " << s.rss_kib_per_node << " KiB RSS per node\n";
  out << "CPU               " << fixed(s.cpu_ms_per_op, 3) << " ms per search (all threads, both ends)\n";
  out << "wall time         " << fixed(s.wall_s, 2) << " s\n";
  out << "result            " << (s.ok() ? "OK: every check passed" : "FAILED: see the rows marked !") << "\n";
}

void print_json(std::ostream& out, const summary& s) {
  out << "{\"nodes\":" << s.nodes << ",\"joined\":" << s.joined << ",\"keys\":" << s.keys
      << ",\"register_ok\":" << s.register_ok
      << ",\"search_ok\":" << s.search_ok << ",\"search_total\":" << s.search_total << ",\"exact_ok\":" << s.exact_ok
      << ",\"exact_total\":" << s.exact_total << ",\"nearest_complete\":" << s.near_complete
      << ",\"nearest_total\":" << s.near_total << ",\"range_complete\":" << s.range_complete
      << ",\"range_total\":" << s.range_total << ",\"search_p50_ms\":" << fixed(percentile(s.first_result_ms, 0.5), 3)
      << ",\"search_p99_ms\":" << fixed(percentile(s.first_result_ms, 0.99), 3)
      << ",\"hops_mean\":" << fixed(mean(s.hops), 2) << ",\"revoke_ok\":" << (s.revoke_ok ? "true" : "false")
      << ",\"revoke_ms\":" << fixed(s.revoke_ms, 1) << ",\"rss_kib_per_node\":" << s.rss_kib_per_node
      << ",\"cpu_ms_per_op\":" << fixed(s.cpu_ms_per_op, 3) << ",\"wall_s\":" << fixed(s.wall_s, 2)
      << ",\"security\":" << json_string(s.security) << ",\"mode\":" << json_string(s.mode)
      << ",\"ok\":" << (s.ok() ? "true" : "false") << "}\n";
}

}  // namespace drt::tool::demo
