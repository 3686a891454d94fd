// drt-compare-opendht: runs one workload on OpenDRT, then on OpenDHT, in this invocation on
// [::1], and prints both with OpenDRT/OpenDHT ratios (docs/performance.md).
//
//   drt-compare-opendht [--nodes N] [--keys K] [--payload P] [--json] [--seed S] [--gap-ms G]
//                       [--settle-s S] [--publish-settle-s S2] [--dht-nodes-per-process M]
//                       [--only opendrt|opendht] [--drt-security openssl|wolfssl] [--verbose]
#include "compare.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace {

using compare::figures;
using compare::report;
using compare::workload;

[[noreturn]] void usage(int rc) {
  std::fprintf(rc == 0 ? stdout : stderr,
               "usage: drt-compare-opendht [--nodes N] [--keys K] [--payload P] [--json] [--seed S]\n"
               "         [--gap-ms G] [--settle-s S] [--publish-settle-s S2] [--dht-nodes-per-process M]\n"
               "         [--only opendrt|opendht] [--drt-security openssl|wolfssl] [--verbose]\n"
               "--only runs one side, in this process (for perf and heaptrack).\n"
               "Defaults: N=100, K=1000, P=1024, seed 1, G=0, S=2 s, S2=17 s, M=150.\n");
  std::exit(rc);
}

// Runs one side in a child process; its figures and notes come back over a pipe as
// "name value" / "# note" lines. An exception or a crash in the child is a failed run.
report run_in_child(const char* name, report (*side)(const workload&), const workload& w) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    FILE* out = ::fdopen(fds[1], "w");
    int rc = 0;
    try {
      const report r = side(w);
      for (const auto& n : r.notes) std::fprintf(out, "# %s\n", n.c_str());
      for (const auto& [k, v] : r.values) std::fprintf(out, "%s %.17g\n", k.c_str(), v);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "drt-compare-opendht: %s: %s\n", name, e.what());
      rc = 1;
    }
    std::fclose(out);
    std::fflush(nullptr);
    ::_exit(rc);
  }
  ::close(fds[1]);
  FILE* in = ::fdopen(fds[0], "r");
  report r;
  char* line = nullptr;
  std::size_t cap = 0;
  ssize_t len = 0;
  while ((len = getline(&line, &cap, in)) > 0) {
    std::string s(line, static_cast<std::size_t>(len));
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (s.rfind("# ", 0) == 0) {
      r.notes.push_back(s.substr(2));
      continue;
    }
    const auto sp = s.find(' ');
    if (sp != std::string::npos) r.values[s.substr(0, sp)] = std::strtod(s.c_str() + sp + 1, nullptr);
  }
  std::free(line);
  std::fclose(in);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(std::string(name) + " run failed (see above)");
  return r;
}

double get(const figures& f, const std::string& k) {
  const auto it = f.find(k);
  return it == f.end() ? NAN : it->second;
}

std::string cell(double v, const char* format) {
  if (std::isnan(v)) return "-";
  return compare::fmt(format, v);
}

std::string json_object(const figures& f) {
  std::string s = "{";
  bool first = true;
  for (const auto& k : compare::json_fields()) {
    const double v = get(f, k);
    s += (first ? "\"" : ",\"") + k + "\":" + (std::isnan(v) ? std::string("null") : compare::fmt("%.6g", v));
    first = false;
  }
  return s + "}";
}

}  // namespace

// OpenDRT holds N + K instances in one process, each with a UDP socket and an event descriptor,
// where a login session's soft limit is often 1,024 descriptors: take what the hard limit allows.
static bool raise_descriptor_limit(std::size_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return true;  // cannot tell: try as it is
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min<rlim_t>(needed, limit.rlim_max);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    std::fprintf(stderr,
                 "drt-compare-opendht: this workload needs about %zu file descriptors, the limit is %llu (hard "
                 "%llu); raise it (ulimit -n, or LimitNOFILE= for a service) or lower --nodes/--keys\n",
                 needed, static_cast<unsigned long long>(limit.rlim_cur),
                 static_cast<unsigned long long>(limit.rlim_max));
    return false;
  }
  return true;
}

int main(int argc, char** argv) {
  workload w;
  bool json = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--nodes") w.nodes = std::strtoul(next(), nullptr, 10);
    else if (a == "--keys") w.keys = std::strtoul(next(), nullptr, 10);
    else if (a == "--payload") w.payload = std::strtoul(next(), nullptr, 10);
    else if (a == "--seed") w.seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--gap-ms") w.gap_ms = std::strtod(next(), nullptr);
    else if (a == "--settle-s") w.settle_s = std::strtod(next(), nullptr);
    else if (a == "--publish-settle-s") w.publish_settle_s = std::strtod(next(), nullptr);
    else if (a == "--dht-nodes-per-process") w.dht_nodes_per_process = std::strtoul(next(), nullptr, 10);
    else if (a == "--only") only = next();
    else if (a == "--drt-security") w.drt_security_plugin = std::string("security-") + next();
    else if (a == "--json") json = true;
    else if (a == "--verbose") w.verbose = true;
    else if (a == "--help" || a == "-h") usage(0);
    else usage(2);
  }
  if (w.nodes < 2 || w.keys < 1 || w.payload < 1 || w.payload > 5120 ||
      (!only.empty() && only != "opendrt" && only != "opendht") ||
      (w.drt_security_plugin != "security-openssl" && w.drt_security_plugin != "security-wolfssl")) {
    std::fprintf(stderr, "drt-compare-opendht: need --nodes >= 2, --keys >= 1, 1 <= --payload <= 5120 (DRT's appData limit),\n"
                 "--only opendrt|opendht, --drt-security openssl|wolfssl\n");
    return 2;
  }

  if (!raise_descriptor_limit(3 * (w.nodes + w.keys) + 256)) return 1;

  std::printf("drt-compare-opendht: %zu nodes, %zu keys, %zu-byte payloads, on [::1], seed %" PRIu64 "\n", w.nodes,
              w.keys, w.payload, w.seed);
  std::printf("pacing: one operation at a time for both systems (the next starts when the previous completed), "
              "gap %.1f ms; pause %.1f s after formation and %.1f s after the last publish\n",
              w.gap_ms, w.settle_s, w.publish_settle_s);
  std::fflush(stdout);
  report drt, dht;
  try {
    // With --only, the one side runs in this process (so heaptrack and perf see it directly).
    if (only == "opendrt") {
      drt = compare::run_opendrt(w);
    } else if (only == "opendht") {
      dht = compare::run_opendht(w);
    } else {
      std::fprintf(stderr, "running OpenDRT...\n");
      drt = run_in_child("OpenDRT", compare::run_opendrt, w);
      std::fprintf(stderr, "running OpenDHT...\n");
      dht = run_in_child("OpenDHT", compare::run_opendht, w);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drt-compare-opendht: %s\n", e.what());
    return 1;
  }
  for (const auto& n : drt.notes) std::printf("OpenDRT  %s\n", n.c_str());
  for (const auto& n : dht.notes) std::printf("OpenDHT  %s\n", n.c_str());

  struct row {
    const char* label;
    const char* key;
    const char* format;
  };
  const row rows[] = {
      {"formation (all nodes connected)", "formation_s", "%.2f s"},
      {"publish p50", "publish_p50_ms", "%.2f ms"},
      {"publish p99", "publish_p99_ms", "%.2f ms"},
      {"lookup p50 (completion)", "lookup_p50_ms", "%.2f ms"},
      {"lookup p99 (completion)", "lookup_p99_ms", "%.2f ms"},
      {"lookup p50 (first value)", "lookup_first_p50_ms", "%.2f ms"},
      {"lookup p99 (first value)", "lookup_first_p99_ms", "%.2f ms"},
      {"absent key p50", "miss_p50_ms", "%.2f ms"},
      {"absent key p99", "miss_p99_ms", "%.2f ms"},
      {"success rate (present+absent)", "success_rate", "%.4f"},
      {"present keys correct", "present_ok", "%.0f"},
      {"absent keys correct", "absent_ok", "%.0f"},
      {"publishes confirmed", "published_ok", "%.0f"},
      {"searches per publish", "searches_per_publish", "%.2f"},
      {"peak RSS growth per node", "rss_kib_per_node", "%.0f KiB"},
      {"peak RSS growth per instance", "rss_kib_per_instance", "%.0f KiB"},
      {"CPU per operation", "cpu_ms_per_op", "%.3f ms"},
      {"  of it: CPU per publish", "cpu_ms_per_publish", "%.3f ms"},
      {"  of it: CPU per lookup", "cpu_ms_per_lookup", "%.3f ms"},
      {"idle CPU of the whole cloud", "idle_cpu_ms_per_s", "%.1f ms/s"},
      {"datagrams sent per publish", "datagrams_per_publish", "%.1f"},
      {"INQUIREs sent per publish", "inquires_per_publish", "%.1f"},
      {"datagrams sent per lookup", "datagrams_per_lookup", "%.1f"},
      {"INQUIREs sent per lookup", "inquires_per_lookup", "%.2f"},
      {"bytes sent per lookup", "bytes_per_lookup", "%.0f"},
      {"LOOKUPs answered busy (D21), run", "lookups_answered_busy", "%.0f"},
      {"  during formation", "busy_formation", "%.0f"},
      {"  during the publishes", "busy_publish", "%.0f"},
      {"  during the lookups", "lookups_answered_busy_in_lookups", "%.0f"},
      {"instances", "instances", "%.0f"},
      {"processes", "processes", "%.0f"},
  };
  std::printf("\n%-32s %14s %14s %16s\n", "figure", "OpenDRT", "OpenDHT", "OpenDRT/OpenDHT");
  std::printf("%s\n", std::string(32 + 1 + 14 + 1 + 14 + 1 + 16, '-').c_str());
  for (const row& r : rows) {
    const double a = get(drt.values, r.key), b = get(dht.values, r.key);
    const double ratio = (std::isnan(a) || std::isnan(b) || b == 0) ? NAN : a / b;
    std::printf("%-32s %14s %14s %16s\n", r.label, cell(a, r.format).c_str(), cell(b, r.format).c_str(),
                cell(ratio, "%.3f").c_str());
  }
  std::printf("(lookup = exact search of a published key from a random other node; completion = OpenDRT "
              "DRT_E_NO_MORE / OpenDHT done callback; first value = first matching value delivered)\n");
  if (json) std::printf("{\"opendrt\": %s, \"opendht\": %s}\n", json_object(drt.values).c_str(), json_object(dht.values).c_str());
  return 0;
}
