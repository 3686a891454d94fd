// drt-sim: builds a simulated DRT cloud of N engines on virtual time, runs lookups from random
// nodes and prints one JSON line of figures (issue #5; docs/simulator.md). Progress on stderr.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "sim/network.hpp"

namespace {

using drt::engine::key256;

// VmHWM (peak) or VmRSS (now) of this process, MiB.
double rss_mib(const char* field = "VmHWM:") {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t n = std::char_traits<char>::length(field);
  while (std::getline(f, line))
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(n)) / 1024.0;
  return 0;
}
double peak_rss_mib() { return rss_mib(); }

key256 random_key(drt::engine::random_source& r) {
  key256 k;
  for (auto& l : k.limb) l = r.next_u64();
  return k;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())) - 1));
  return v[i];
}

struct options {
  std::size_t nodes = 1000;
  std::size_t lookups = 1000;
  double churn_pct_per_min = 0;
  double loss_pct = 0;
  double duplicate_pct = 0;
  double reorder_pct = 0;
  bool partition = false;
  std::uint64_t seed = 1;
  bool json_only = false;
  bool verbose = false;
  std::uint32_t join_interval_ms = 0;
  std::uint32_t lookup_rate_per_s = 500;
  std::uint32_t latency_ms_mean = 40;
  std::uint64_t settle_ms = 45'000;
  std::uint64_t partition_ms = 60'000;
  std::string mode = "resolve";  // security mode of every node (null provider)
};

// The oracle's answer: the registered keys in [min,max] closest to target (§1.1 order).
// The searcher's own key is left out: without fAllowCurrentInstanceMatch it is never a result.
std::vector<key256> oracle_nearest(const std::vector<key256>& keys, const key256& target, const key256& lo, const key256& hi,
                                   std::size_t k, const std::optional<key256>& own) {
  // Candidates: k + 2 keys on each side of the target, and k + 2 at each end of the range (ring
  // distance wraps around); O(k log N) per search instead of a scan of every key.
  const auto first = std::lower_bound(keys.begin(), keys.end(), lo);
  const auto last = std::upper_bound(first, keys.end(), hi);
  const auto at = std::lower_bound(first, last, target);
  const std::ptrdiff_t span = static_cast<std::ptrdiff_t>(k) + 2;
  std::vector<key256> in;
  auto take = [&](auto from, auto to) {
    for (auto it = from; it != to; ++it)
      if ((!own || !(*it == *own)) && std::find(in.begin(), in.end(), *it) == in.end()) in.push_back(*it);
  };
  take(at - std::min(span, at - first), at + std::min(span, last - at));
  take(first, first + std::min(span, last - first));
  take(last - std::min(span, last - first), last);
  std::sort(in.begin(), in.end(), [&](const key256& a, const key256& b) { return drt::engine::closer_to(target, a, b); });
  if (in.size() > k) in.resize(k);
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"drt-sim: a deterministic simulation of a DRT cloud (OpenDRT protocol engine, null security).\n"
               "Builds --nodes engines that each register one random key, waits for convergence, runs --lookups\n"
               "searches from random nodes (80% exact lookups of registered keys, 10% of absent keys, 10% nearest\n"
               "and range searches checked against a brute-force oracle) and prints one JSON line last."};
  options o;
  app.add_option("--nodes,-n", o.nodes, "Number of nodes (each publishes one key)")->check(CLI::Range(2, 2'000'000));
  app.add_option("--lookups,-l", o.lookups, "Number of searches to run after convergence");
  app.add_option("--churn", o.churn_pct_per_min, "Churn: percent of nodes leaving (and as many joining) per virtual minute during the lookups")->check(CLI::Range(0.0, 100.0));
  app.add_option("--loss", o.loss_pct, "Percent of datagrams lost")->check(CLI::Range(0.0, 100.0));
  app.add_option("--duplicate", o.duplicate_pct, "Percent of datagrams delivered twice")->check(CLI::Range(0.0, 100.0));
  app.add_option("--reorder", o.reorder_pct, "Percent of datagrams given an extra random delay (reordering)")->check(CLI::Range(0.0, 100.0));
  app.add_flag("--partition", o.partition, "After convergence split the cloud in two halves for --partition-ms, heal, wait 3 maintenance periods, then run the lookups");
  app.add_option("--partition-ms", o.partition_ms, "Virtual duration of the partition");
  app.add_option("--seed,-s", o.seed, "64-bit seed; the same seed gives the same run and trace hash");
  app.add_flag("--verbose,-v", o.verbose, "Print every failed search with its search path on stderr");
  app.add_flag("--json", o.json_only, "Print only the JSON line on stdout (progress still goes to stderr)");
  app.add_option("--join-interval-ms", o.join_interval_ms, "Virtual time between two joins while building (default: 20 ms up to 1,000 nodes, 10 up to 10,000, else 5)");
  app.add_option("--lookup-rate", o.lookup_rate_per_s, "Searches started per virtual second");
  app.add_option("--latency-ms", o.latency_ms_mean, "Mean one-way link latency (per link uniform in [5, 2*mean-5], plus 0-10 ms jitter)");
  app.add_option("--settle-ms", o.settle_ms, "Virtual time to wait after the last join before the lookups");
  app.add_option("--mode", o.mode, "Security mode of every node, with the null provider: resolve, membership or confidential (the protocol's messages of that mode; nothing is encrypted)")
      ->check(CLI::IsMember({"resolve", "membership", "confidential"}));
  CLI11_PARSE(app, argc, argv);

  const auto wall_start = std::chrono::steady_clock::now();
  auto wall_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(); };
  if (o.join_interval_ms == 0) o.join_interval_ms = o.nodes <= 1000 ? 20 : o.nodes <= 10'000 ? 10 : 5;

  drt::sim::network_config cfg;
  cfg.loss_pct = 0;  // loss starts with the lookups
  cfg.duplicate_pct = o.duplicate_pct;
  cfg.reorder_pct = o.reorder_pct;
  cfg.latency_ms_mean = o.latency_ms_mean;
  cfg.security_mode = o.mode == "confidential" ? 2 : o.mode == "membership" ? 1 : 0;
  drt::sim::network net(o.seed, cfg);
  drt::engine::seeded_random workload(o.seed ^ 0x9E3779B97F4A7C15ull);

  // 1. Build. Loss and churn apply only after convergence, so the figures measure the steady state.
  std::fprintf(stderr, "drt-sim: seed=0x%" PRIx64 " building %zu nodes\n", o.seed, o.nodes);
  for (std::size_t i = 0; i < o.nodes; ++i) {
    net.add_node(random_key(workload));
    net.run_for(o.join_interval_ms);
    if ((i + 1) % 5000 == 0)
      std::fprintf(stderr, "drt-sim: %zu nodes joined, t=%.0f s virtual, %.1f s wall, RSS %.0f MiB\n", i + 1, net.now_ms() / 1000.0,
                   wall_s(), rss_mib("VmRSS:"));
  }
  net.run_for(o.settle_ms);
  const double leaf_ok = net.leaf_set_correct_fraction();
  {
    // Where the build's datagrams went (requests by type; answers make up the rest).
    std::uint64_t sent = 0, lookups = 0, inquires = 0, floods = 0, retx = 0;
    for (std::size_t i : net.live_nodes()) {
      const auto& c = net.engine(i).counters();
      sent += c.datagrams_sent, lookups += c.lookups_sent, inquires += c.inquires_sent, floods += c.floods_sent;
      retx += c.retransmissions;
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, o.nodes));
    std::fprintf(stderr, "drt-sim: per node so far: %.1f datagrams sent (%.1f LOOKUP, %.1f INQUIRE, %.1f FLOOD, %.1f resent)\n",
                 double(sent) / n, double(lookups) / n, double(inquires) / n, double(floods) / n, double(retx) / n);
  }
  std::fprintf(stderr, "drt-sim: converged at t=%.0f s virtual, %.1f s wall, RSS %.0f MiB (peak %.0f); leaf sets correct %.4f\n",
               net.now_ms() / 1000.0, wall_s(), rss_mib("VmRSS:"), peak_rss_mib(), leaf_ok);

  // 2. Partition and heal.
  double cross_before_heal = -1;
  if (o.partition) {
    net.split_in_half();
    net.run_for(o.partition_ms);
    // How far the halves drifted apart: share of leaf-set entries naming a node of the other half.
    std::map<key256, std::size_t> owner;
    for (std::size_t i : net.live_nodes()) owner[*net.key_of(i)] = i;
    std::size_t cross = 0, total = 0;
    for (std::size_t i : net.live_nodes())
      for (const auto& ls : net.engine(i).cache().leaf_sets())
        for (const auto* side : {&ls.below, &ls.above})
          for (const auto& k : *side) {
            ++total;
            auto it = owner.find(k);
            cross += it != owner.end() && it->second % 2 != i % 2 ? 1 : 0;
          }
    cross_before_heal = total ? double(cross) / double(total) : 0;
    std::fprintf(stderr, "drt-sim: before heal %.4f of leaf-set entries name the other half\n", cross_before_heal);
    net.heal();
    std::fprintf(stderr, "drt-sim: partition healed at t=%.0f s virtual\n", net.now_ms() / 1000.0);
    net.run_for(3 * drt::sim::network::maintenance_period_ms());
  }

  // 3. Lookups (with churn).
  struct pending_lookup {
    std::uint64_t handle;
    int kind;  // 0 exact present, 1 absent, 2 nearest, 3 range
    key256 target, lo, hi;
    std::size_t want;
    std::vector<key256> oracle;
  };
  std::vector<pending_lookup> pending;
  std::size_t exact_total = 0, exact_ok = 0, absent_total = 0, absent_ok = 0, near_total = 0, near_ok = 0, range_total = 0,
              range_ok = 0;
  std::vector<double> hops, latencies;
  const std::uint64_t msgs_before = net.datagrams_sent();
  const std::uint64_t interval_ms = std::max<std::uint64_t>(1, 1000 / std::max<std::uint32_t>(1, o.lookup_rate_per_s));
  const std::uint64_t per_tick = std::max<std::uint64_t>(1, o.lookup_rate_per_s / 1000);
  double churn_credit = 0;
  std::size_t issued = 0;
  auto collect = [&](bool all) {
    for (auto it = pending.begin(); it != pending.end();) {
      const auto& out = net.outcome(it->handle);
      if (!out.done && !all) { ++it; continue; }
      const auto& r = out.results;
      bool ok = false;
      if (it->kind == 0) ok = r.size() == 1 && r[0].key == it->target && r[0].type == drt::engine::match_type::exact;
      else if (it->kind == 1) ok = out.done && r.empty();
      else {
        ok = out.done && r.size() == it->oracle.size();
        for (std::size_t i = 0; ok && i < r.size(); ++i) ok = r[i].key == it->oracle[i];
      }
      if (out.done && it->kind <= 1) {
        hops.push_back(out.lookups_sent);
        latencies.push_back(static_cast<double>(out.finished_ms - out.started_ms));
      }
      if (!ok && o.verbose) {
        std::fprintf(stderr, "drt-sim: FAILED kind %d from node %zu target %016" PRIx64 "... done %d results %zu\n", it->kind,
                     out.from, it->target.limb[3], out.done, r.size());
        for (const auto& p : out.path)
          std::fprintf(stderr, "   hop %016" PRIx64 "... flags 0x%02x nearness %u latency %u ms\n", p.key.limb[3], p.flags, p.nearness, p.latency_ms);
      }
      (it->kind == 0 ? exact_ok : it->kind == 1 ? absent_ok : it->kind == 2 ? near_ok : range_ok) += ok ? 1 : 0;
      net.forget(it->handle);
      it = pending.erase(it);
    }
  };
  cfg.loss_pct = o.loss_pct;
  net.set_config(cfg);
  if (o.loss_pct > 0) std::fprintf(stderr, "drt-sim: loss %.2f%% from now on\n", o.loss_pct);
  // Live nodes and their sorted keys change only with churn: recompute them then, not per lookup.
  std::vector<std::size_t> live = net.live_nodes();
  std::vector<key256> keys = net.live_keys();
  while (issued < o.lookups) {
    // churn: leaves and joins at the configured rate
    churn_credit += o.churn_pct_per_min / 100.0 * static_cast<double>(o.nodes) * static_cast<double>(interval_ms) / 60'000.0;
    bool churned = false;
    while (churn_credit >= 1.0) {
      churn_credit -= 1.0;
      const std::size_t victim = live[workload.uniform(live.size())];
      net.remove_node(victim, workload.uniform(2) == 0);
      net.add_node(random_key(workload));
      live = net.live_nodes();
      churned = true;
    }
    if (churned) keys = net.live_keys();
    for (std::uint64_t t = 0; t < per_tick && issued < o.lookups; ++t, ++issued) {
      const std::size_t from = live[workload.uniform(live.size())];
      if (net.engine(from).status() != drt::engine::node_status::active) continue;
      pending_lookup p{};
      const std::uint64_t dice = workload.uniform(100);
      drt::engine::search_info info;
      if (dice < 80) {
        // a registered key of a node that has been up for 30 s (its registration has spread)
        std::size_t j = live[workload.uniform(live.size())];
        for (int tries = 0; tries < 10 && (j == from || net.now_ms() < net.joined_ms(j) + 30'000); ++tries)
          j = live[workload.uniform(live.size())];
        // Not its own key (excluded without fAllowCurrentInstanceMatch), and a key whose
        // registration has had 30 s to spread.
        if (j == from || !net.key_of(j) || net.now_ms() < net.joined_ms(j) + 30'000) continue;
        p.kind = 0;
        p.target = *net.key_of(j);
        info.target = p.target;
        ++exact_total;
      } else if (dice < 90) {
        p.kind = 1;
        p.target = random_key(workload);
        info.target = p.target;
        ++absent_total;
      } else {
        p.target = random_key(workload);
        info.target = p.target;
        if (dice < 95 || o.churn_pct_per_min > 0) {
          p.kind = 2;  // nearest over the whole ring
          p.lo = key256{};
          p.hi = drt::engine::key_max();
          p.want = 1;
          ++near_total;
        } else {
          p.kind = 3;  // range search: 3 closest within ±(2^256 / N) · 4
          const key256 width = drt::engine::div_small(drt::engine::key_max(), std::max<std::size_t>(1, o.nodes / 4));
          p.lo = drt::engine::sub_mod(p.target, width);
          if (p.target < p.lo) p.lo = key256{};  // no wrap: ranges use plain comparison (§1.1)
          p.hi = drt::engine::add_mod(p.target, width);
          if (p.hi < p.target) p.hi = drt::engine::key_max();
          p.want = 3;
          ++range_total;
        }
        info.minimum = p.lo;
        info.maximum = p.hi;
        info.max_endpoints = static_cast<std::uint32_t>(p.want);
        p.oracle = oracle_nearest(keys, p.target, p.lo, p.hi, p.want, net.key_of(from));
      }
      p.handle = net.start_search(from, info);
      if (p.handle != 0) pending.push_back(std::move(p));
    }
    net.run_for(interval_ms);
    collect(false);
    if (issued % 10'000 == 0 && issued > 0)
      std::fprintf(stderr, "drt-sim: %zu lookups issued, t=%.0f s virtual, %.1f s wall\n", issued, net.now_ms() / 1000.0, wall_s());
  }
  for (int i = 0; i < 1200 && !pending.empty(); ++i) {
    net.run_for(100);
    collect(false);
  }
  collect(true);
  const std::uint64_t msgs = net.datagrams_sent() - msgs_before;
  const std::size_t lookups_done = exact_total + absent_total + near_total + range_total;

  double hops_sum = 0;
  for (double h : hops) hops_sum += h;
  const std::size_t live_count = net.live_nodes().size();
  const double rss = peak_rss_mib();
  double cache_entries = 0;
  for (std::size_t i : net.live_nodes()) cache_entries += static_cast<double>(net.engine(i).cache().size());
  cache_entries /= static_cast<double>(std::max<std::size_t>(1, live_count));
  {
    // Route-cache shape: mean entries per level (pinned leaf-set entries included).
    std::vector<double> per_level(drt::engine::cache_levels_max + 1, 0.0);
    int deepest = 0;
    for (std::size_t i : net.live_nodes())
      for (const auto& e : net.engine(i).cache().entries()) {
        per_level[e.level] += 1;
        deepest = std::max<int>(deepest, e.level);
      }
    std::fprintf(stderr, "drt-sim: cache entries per level:");
    for (int l = 0; l <= deepest; ++l)
      std::fprintf(stderr, " %d:%.1f", l, per_level[static_cast<std::size_t>(l)] / double(std::max<std::size_t>(1, live_count)));
    std::fprintf(stderr, "\n");
  }
  char line[1600];
  std::snprintf(line, sizeof line,
                "{\"mode\":\"%s\",\"nodes\":%zu,\"lookups\":%zu,\"success_rate\":%.5f,\"hops_mean\":%.3f,\"hops_p99\":%.0f,"
                "\"msgs_per_lookup\":%.2f,\"virtual_latency_p50_ms\":%.0f,\"virtual_latency_p99_ms\":%.0f,\"wall_s\":%.1f,"
                "\"peak_rss_mib\":%.1f,\"bytes_per_node\":%.0f,\"rss_bytes_per_node\":%.0f,\"exact_lookups\":%zu,"
                "\"absent_ok_rate\":%.5f,\"absent_lookups\":%zu,\"nearest_ok_rate\":%.5f,\"nearest_lookups\":%zu,"
                "\"range_ok_rate\":%.5f,\"range_lookups\":%zu,\"leafset_correct\":%.4f,\"cache_entries_mean\":%.1f,\"live_nodes\":%zu,"
                "\"churn_pct_per_min\":%.2f,\"loss_pct\":%.2f,\"partition\":%s,\"cross_leaf_before_heal\":%.4f,\"seed\":%" PRIu64 ",\"virtual_s\":%.0f,"
                "\"trace_hash\":\"%016" PRIx64 "\"}",
                o.mode.c_str(), o.nodes, lookups_done, exact_total ? double(exact_ok) / double(exact_total) : 1.0,
                hops.empty() ? 0.0 : hops_sum / double(hops.size()), percentile(hops, 0.99),
                lookups_done ? double(msgs) / double(lookups_done) : 0.0, percentile(latencies, 0.5), percentile(latencies, 0.99),
                wall_s(), rss, double(net.engine_bytes_total()) / double(std::max<std::size_t>(1, live_count)),
                rss * 1048576.0 / double(std::max<std::size_t>(1, net.size())), exact_total,
                absent_total ? double(absent_ok) / double(absent_total) : 1.0, absent_total,
                near_total ? double(near_ok) / double(near_total) : 1.0, near_total,
                range_total ? double(range_ok) / double(range_total) : 1.0, range_total, leaf_ok, cache_entries, live_count, o.churn_pct_per_min,
                o.loss_pct, o.partition ? "true" : "false", cross_before_heal, o.seed, net.now_ms() / 1000.0, net.trace_hash());
  if (!o.json_only)
    std::fprintf(stderr, "drt-sim: exact %zu/%zu, absent %zu/%zu, nearest %zu/%zu, range %zu/%zu\n", exact_ok, exact_total,
                 absent_ok, absent_total, near_ok, near_total, range_ok, range_total);
  std::printf("%s\n", line);
  return 0;
}
