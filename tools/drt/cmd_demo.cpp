// drt demo: a whole DRT cloud in one process on [::1] — certificates, joining, publishing,
// exact / nearest / range searches, a revocation — with a table of what happened and the
// figures measured (docs in README.md "The drt tool"; issue #10).
#include "certgen.hpp"
#include "command.hpp"
#include "demo_cloud.hpp"
#include "demo_report.hpp"
#include "demo_svg.hpp"
#include "key_text.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

namespace drt::tool {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using demo::member;

struct demo_options {
  std::size_t nodes = 16;
  std::size_t keys = 1;  // per node
  std::string security = "openssl";
  std::string mode = "resolve";
  bool json = false;
  std::string svg;
  std::uint64_t seed = 1;
  bool strict = false;  // a short nearest/range answer fails its check
};

// Progress on stderr: one line per phase; on a terminal also a counter updated in place.
class progress {
 public:
  progress() : tty_(isatty(STDERR_FILENO) != 0) {}
  void phase(const std::string& what) {
    end_counter();
    std::fprintf(stderr, "drt demo: %s\n", what.c_str());
  }
  void count(const char* what, std::size_t done, std::size_t total) {
    if (!tty_) return;
    std::fprintf(stderr, "\r  %s %zu/%zu", what, done, total);
    counting_ = true;
  }
  void end_counter() {
    if (counting_) std::fprintf(stderr, "\n");
    counting_ = false;
  }
  void note(const std::string& what) {
    end_counter();
    std::fprintf(stderr, "  %s\n", what.c_str());
  }

 private:
  bool tty_;
  bool counting_ = false;
};

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

DRT_SECURITY_MODE mode_of(const std::string& m) {
  if (m == "membership") return DRT_SECURE_MEMBERSHIP;
  if (m == "confidential") return DRT_SECURE_CONFIDENTIALPAYLOAD;
  return DRT_SECURE_RESOLVE;
}

// The demo's state: nodes, who owns which key, and what the phases found.
struct cloud {
  std::vector<member> nodes;
  struct published {
    drt::key key;
    std::size_t owner;
    std::size_t slot;  // index in nodes[owner].keys
    std::string data;
    bool live = true;
  };
  std::vector<published> keys;

  std::vector<drt::key> live_keys_except(std::size_t node) const {
    std::vector<drt::key> out;
    for (const published& p : keys) {
      if (p.live && p.owner != node) out.push_back(p.key);
    }
    return out;
  }
};

// The largest key, all bits set.
drt::key max_key() {
  drt::key k;
  k.fill(0xff);
  return k;
}

std::vector<drt::key> result_keys(const demo::search_outcome& r) {
  std::vector<drt::key> out;
  for (const drt::search_result& x : r.results) {
    drt::key k{};
    if (x.key.size() == k.size()) std::copy(x.key.begin(), x.key.end(), k.begin());
    out.push_back(k);
  }
  return out;
}

std::string hresult_hex(HRESULT hr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(hr));
  return buf;
}

// "[1a2b3c4d 5e6f7a8b]": the first 8 hex digits of each key.
std::string short_keys(const std::vector<drt::key>& keys) {
  std::string out = "[";
  for (const drt::key& k : keys) out += (out.size() > 1 ? " " : "") + key_hex(k).substr(0, 8);
  return out + "]";
}

struct showcase_search {
  std::size_t searcher = 0, owner = 0;
  std::vector<std::size_t> path;
  drt::key target{};
  bool found = false;
  std::size_t hops = 0;
  double spread = 0;
};

void write_svg(const std::string& file, const cloud& c, const showcase_search& show, const demo::summary& sum) {
  demo::ring_picture p;
  p.title = "OpenDRT demo: " + std::to_string(c.nodes.size()) + " nodes on the key ring";
  std::map<drt::key, std::size_t> owner_of;
  for (const auto& k : c.keys) owner_of[k.key] = k.owner;
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    p.node_keys.push_back(c.nodes[i].keys.front());
    p.labels.push_back("n" + std::to_string(i));
    for (const drt::key& remote : c.nodes[i].leafset) {
      auto it = owner_of.find(remote);
      if (it == owner_of.end() || it->second == i) continue;
      p.links.emplace_back(std::min(i, it->second), std::max(i, it->second));
    }
  }
  std::sort(p.links.begin(), p.links.end());
  p.links.erase(std::unique(p.links.begin(), p.links.end()), p.links.end());
  p.has_search = show.found;
  p.searcher = show.searcher;
  p.owner = show.owner;
  p.path = show.path;
  p.caption = "Search from n" + std::to_string(show.searcher) + " for the key of n" + std::to_string(show.owner) +
              " (" + key_hex(show.target).substr(0, 12) + "...): " + std::to_string(show.path.size()) +
              " node(s) contacted, the longest path of the exact searches.";
  p.caption2 = "Searches ok " + std::to_string(sum.search_ok) + "/" + std::to_string(sum.search_total) + "; security " +
               sum.security + ", mode " + sum.mode + ". Dots sit at their key's angle; 0 at the top.";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw usage_error("--svg: cannot write " + file);
  out << demo::render_svg(p);
  if (!out.flush()) throw std::runtime_error("--svg: writing " + file + " failed");
}

int run_demo(const demo_options& o) {
  const bool derived = o.security != "null";
  if (derived && o.keys != 1) {
    throw usage_error("--keys " + std::to_string(o.keys) +
                      ": more than one key per node needs --security null (the derived-key provider accepts only "
                      "the node's own derived key)");
  }
  if (!o.svg.empty()) {
    std::ofstream probe(o.svg, std::ios::app);
    if (!probe) throw usage_error("--svg: cannot write " + o.svg);
  }

  const auto wall_start = clock_type::now();
  progress prog;
  demo::summary sum;
  sum.security = !derived                  ? std::string("null")
                 : o.security == "mixed" ? std::string("mixed (derived-key, EC P-256; openssl and wolfssl nodes alternate)")
                                         : o.security + " (derived-key, EC P-256)";
  sum.mode = o.mode;
  sum.nodes = o.nodes;
  sum.keys = o.nodes * o.keys;
  std::mt19937_64 rng(o.seed);

  // 1. Certificates.
  demo::pki pki;
  if (derived) {
    const auto t = clock_type::now();
    prog.phase("making a root CA and " + std::to_string(o.nodes) + " node certificates (EC P-256, in memory)");
    pki = demo::make_pki(o.nodes, [&](std::size_t i) { prog.count("certificates", i, o.nodes); });
    sum.phases.push_back({"certificates", 0, 0, seconds_since(t),
                          "root CA + " + std::to_string(o.nodes) + " node certificates; key = SHA-256 of public key"});
  }

  // 2. Join: open each node, publish its key(s), wait until it is in the cloud.
  cloud c;
  c.nodes.reserve(o.nodes);
  const auto rss_before = demo::rss_kib();
  auto t = clock_type::now();
  prog.phase("starting " + std::to_string(o.nodes) + " nodes on [::1], security " + sum.security + ", mode " + o.mode);
  std::size_t joined = 0;
  std::string join_problem;
  for (std::size_t i = 0; i < o.nodes; ++i) {
    std::optional<std::uint16_t> seed;
    if (i > 0) seed = c.nodes[0].transport.port();
    try {
      // mixed: even nodes on security-openssl, odd ones on security-wolfssl.
      const bool wolf = o.security == "wolfssl" || (o.security == "mixed" && i % 2 == 1);
      const demo::security_kind kind = !derived ? demo::security_kind::null
                                       : wolf   ? demo::security_kind::derived_key_wolfssl
                                                : demo::security_kind::derived_key_openssl;
      c.nodes.push_back(demo::open_member(kind,
                                          mode_of(o.mode), pki.root_pem, derived ? pki.local[i] : std::vector<std::uint8_t>{},
                                          seed));
    } catch (const drt::error& e) {
      prog.end_counter();
      std::cerr << "drt: demo: node " << i << ": DrtOpen failed (security " << o.security << ", mode " << o.mode
                << "): " << hresult_hex(e.code()) << " " << e.what() << "\n";
      return 1;
    }
    member& m = c.nodes.back();
    for (std::size_t k = 0; k < o.keys; ++k) {
      const drt::key key = derived ? pki.derived[i] : sha256_key("demo node " + std::to_string(i) + " key " + std::to_string(k));
      const std::string data = "hello from node " + std::to_string(i) + (o.keys > 1 ? ", key " + std::to_string(k) : "");
      try {
        m.registrations.push_back(m.node.register_key(key, bytes_of(data)));
        m.keys.push_back(key);
        c.keys.push_back({key, i, m.keys.size() - 1, data, true});
        ++sum.register_ok;
      } catch (const drt::error& e) {
        if (join_problem.empty()) join_problem = "node " + std::to_string(i) + " DrtRegisterKey: " + e.what();
      }
    }
    if (m.keys.empty()) {
      std::cerr << "drt: demo: node " << i << " could not publish a key: " << join_problem << "\n";
      return 1;
    }
    const bool in = demo::wait_status(m, i == 0 ? DRT_ALONE : DRT_ACTIVE, 10s);
    if (in) {
      ++joined;
    } else if (join_problem.empty()) {
      join_problem = "node " + std::to_string(i) + " did not reach " + (i == 0 ? "ALONE" : "ACTIVE") + " in 10 s";
    }
    prog.count("nodes joined", i + 1, o.nodes);
  }
  if (!demo::wait_status(c.nodes[0], DRT_ACTIVE, 10s)) {
    --joined;  // counted when it was ALONE
    if (join_problem.empty()) join_problem = "node 0 did not become ACTIVE after the others joined";
  }
  sum.joined = joined;
  const auto rss_after = demo::rss_kib();
  sum.rss_kib_per_node = (rss_after - rss_before) / static_cast<std::int64_t>(o.nodes);
  sum.phases.push_back({"join", joined, o.nodes, seconds_since(t),
                        join_problem.empty() ? "each node published " + std::string(o.keys == 1 ? "its key" : std::to_string(o.keys) + " keys") +
                                                   " and joined through node 0 (static bootstrap)"
                                             : join_problem});
  sum.phases.push_back({"publish", sum.register_ok, sum.keys, 0,
                        derived ? "key = the node's derived key, data = a short text" : "keys = SHA-256 of a text, data = a short text"});
  // Let the leaf sets settle: searches for the keys nearest a target need complete leaf sets.
  prog.phase("waiting until no leaf set has changed for 1.5 s");
  const auto settled = demo::settle_leaf_sets(c.nodes, 1500ms, 10s);
  sum.phases[sum.phases.size() - 2].detail += "; leaf sets settled " + std::to_string(settled.count()) + " ms later";

  // 3. Exact searches: every key from a different node.
  const double cpu_start = demo::cpu_ms();
  t = clock_type::now();
  prog.phase("exact search for each of the " + std::to_string(c.keys.size()) + " keys from another node");
  showcase_search show;
  std::map<std::uint16_t, std::size_t> node_of_port;
  for (std::size_t i = 0; i < c.nodes.size(); ++i) node_of_port[c.nodes[i].transport.port()] = i;
  std::string exact_miss;
  for (std::size_t n = 0; n < c.keys.size(); ++n) {
    const auto& p = c.keys[n];
    const std::size_t from = o.nodes == 1 ? p.owner : (p.owner + 1 + rng() % (o.nodes - 1)) % o.nodes;
    const demo::search_outcome r = demo::run_search(c.nodes[from].node, p.key, {}, 5000ms);
    ++sum.exact_total;
    const bool ok = !r.results.empty() && result_keys(r).front() == p.key && r.results.front().data == bytes_of(p.data) &&
                    r.results.front().type == DRT_MATCH_EXACT;
    if (ok) {
      ++sum.exact_ok;
      sum.first_result_ms.push_back(r.first_ms);
      // The picture shows the longest path; among those, searcher and owner farthest apart.
      const double apart = std::abs(key_turn(c.nodes[from].keys.front()) - key_turn(c.nodes[p.owner].keys.front()));
      const double spread = std::min(apart, 1 - apart);
      if (!show.found || r.path.size() > show.hops || (r.path.size() == show.hops && spread > show.spread)) {
        show = {from, p.owner, {}, p.key, true, r.path.size(), spread};
        for (const DRT_ADDRESS& a : r.path) {
          auto it = node_of_port.find(demo::port_of(a.socketAddress));
          if (it != node_of_port.end()) show.path.push_back(it->second);
        }
      }
    } else if (exact_miss.empty()) {
      exact_miss = "first miss: key of node " + std::to_string(p.owner) + " from node " + std::to_string(from) + " (" +
                   std::to_string(r.results.size()) + " results)";
    }
    sum.hops.push_back(static_cast<double>(r.path.size()));
    prog.count("searches", n + 1, c.keys.size());
  }
  sum.phases.push_back({"exact", sum.exact_ok, sum.exact_total, seconds_since(t),
                        exact_miss.empty() ? "every key found with its data, from a node that does not own it" : exact_miss});

  // 4. Nearest: the 3 registered keys closest to a random target, over the whole key space.
  t = clock_type::now();
  const std::size_t probes = std::min<std::size_t>(8, o.nodes);
  prog.phase("nearest search: the 3 keys closest to " + std::to_string(probes) + " random targets");
  std::size_t near_ok = 0, near_complete = 0;
  std::string near_miss;
  for (std::size_t j = 0; j < probes; ++j) {
    const drt::key target = sha256_key("demo nearest target " + std::to_string(j) + " " + std::to_string(rng()));
    const std::size_t from = j % o.nodes;
    const std::vector<drt::key> expect_all = c.live_keys_except(from);
    std::vector<drt::key> expect = expect_all;
    std::sort(expect.begin(), expect.end(), [&](const drt::key& a, const drt::key& b) {
      const int d = key_compare(key_distance(a, target), key_distance(b, target));
      return d != 0 ? d < 0 : key_compare(a, b) < 0;
    });
    expect.resize(std::min<std::size_t>(3, expect.size()));
    drt::search_options near;
    near.max_endpoints = 3;
    near.min_key = drt::key{};
    near.max_key = max_key();
    const demo::search_outcome r = demo::run_search(c.nodes[from].node, target, near, 5000ms);
    const std::vector<drt::key> got = result_keys(r);
    // Correct: the closest key first, then keys of others in order of distance, none twice.
    // Complete: exactly the 3 closest (the engine's later rounds sometimes return a farther key
    // or stop early; --strict fails those answers too).
    const std::set<drt::key> live(expect_all.begin(), expect_all.end());
    bool correct = !got.empty() && !expect.empty() && got.front() == expect.front() &&
                   std::set<drt::key>(got.begin(), got.end()).size() == got.size();
    for (std::size_t x = 0; correct && x < got.size(); ++x) {
      correct = live.count(got[x]) == 1 &&
                (x == 0 || key_compare(key_distance(got[x - 1], target), key_distance(got[x], target)) <= 0);
    }
    const bool complete = correct && got == expect;
    if (complete) ++near_complete;
    if (complete || (correct && !o.strict)) ++near_ok;
    if (!complete && near_miss.empty()) {
      near_miss = std::string(correct ? "not the 3 closest" : "wrong") + ": target " + short_keys({target}) +
                  " from node " + std::to_string(from) + ": got " + short_keys(got) + ", closest " + short_keys(expect);
    }
  }
  sum.near_complete = near_complete;
  sum.near_total = probes;
  sum.phases.push_back({"nearest", near_ok, probes, seconds_since(t),
                        near_miss.empty() ? "the closest 3 keys on the ring, closest first"
                                          : "closest key first; exactly the 3 closest " + std::to_string(near_complete) +
                                                "/" + std::to_string(probes) + "; " + near_miss});

  // 5. Range: [k(a), k(a+2)] of the sorted keys, target k(a+1): every key inside comes back.
  t = clock_type::now();
  std::vector<drt::key> sorted;
  for (const auto& p : c.keys) sorted.push_back(p.key);
  std::sort(sorted.begin(), sorted.end(), [](const drt::key& a, const drt::key& b) { return key_compare(a, b) < 0; });
  const std::size_t ranges = sorted.size() >= 3 ? std::min<std::size_t>(8, sorted.size() - 2) : 0;
  prog.phase("range search: " + std::to_string(ranges) + " ranges spanning 3 neighbouring keys each");
  std::size_t range_ok = 0, range_complete = 0;
  std::string range_miss;
  std::map<drt::key, std::size_t> owner_of;
  for (const auto& p : c.keys) owner_of[p.key] = p.owner;
  for (std::size_t j = 0; j < ranges; ++j) {
    const std::size_t a = j * (sorted.size() - 2) / ranges;
    const drt::key lo = sorted[a], mid = sorted[a + 1], hi = sorted[a + 2];
    std::size_t from = (owner_of[mid] + 1 + j) % o.nodes;
    std::vector<drt::key> expect;
    for (std::size_t x = a; x <= a + 2; ++x) {
      if (owner_of[sorted[x]] != from) expect.push_back(sorted[x]);
    }
    drt::search_options range;
    range.max_endpoints = 16;
    range.min_key = lo;
    range.max_key = hi;
    const demo::search_outcome r = demo::run_search(c.nodes[from].node, mid, range, 5000ms);
    std::vector<drt::key> got = result_keys(r);
    std::sort(got.begin(), got.end());
    std::sort(expect.begin(), expect.end());
    // Correct: the target itself, nothing outside the range, no duplicates. Complete: every key inside.
    const bool correct = std::includes(expect.begin(), expect.end(), got.begin(), got.end()) &&
                         std::adjacent_find(got.begin(), got.end()) == got.end() &&
                         std::find(got.begin(), got.end(), mid) != got.end();
    if (correct && got == expect) ++range_complete;
    if (correct && (got == expect || !o.strict)) ++range_ok;
    if ((!correct || got != expect) && range_miss.empty()) {
      range_miss = std::string(correct ? "short" : "wrong") + ": range " + short_keys({lo, hi}) + " from node " +
                   std::to_string(from) + ": got " + short_keys(got) + ", want " + short_keys(expect);
    }
  }
  sum.range_complete = range_complete;
  sum.range_total = ranges;
  sum.phases.push_back({"range", range_ok, ranges, seconds_since(t),
                        range_miss.empty() ? "exactly the keys inside [min, max], none outside"
                                           : "complete " + std::to_string(range_complete) + "/" +
                                                 std::to_string(ranges) + "; " + range_miss});
  sum.search_ok = sum.exact_ok + near_ok + range_ok;
  sum.search_total = sum.exact_total + probes + ranges;
  sum.cpu_ms_per_op = (demo::cpu_ms() - cpu_start) / static_cast<double>(std::max<std::size_t>(1, sum.search_total));

  // 6. Revoke one key; search until it is gone (bounded), then check another key still answers.
  t = clock_type::now();
  if (o.nodes >= 3) {
    const std::size_t victim_index = c.keys.size() / 2;
    auto& victim = c.keys[victim_index];
    const std::size_t from = (victim.owner + 1) % o.nodes;
    prog.phase("revoking the key of node " + std::to_string(victim.owner) + " (" + key_hex(victim.key).substr(0, 12) +
               "...) and searching for it from node " + std::to_string(from));
    c.nodes[victim.owner].registrations[victim.slot].reset();  // DrtUnregisterKey
    victim.live = false;
    const auto revoked_at = clock_type::now();
    bool gone = false;
    std::size_t attempts = 0;
    while (!gone && clock_type::now() - revoked_at < 10s) {
      ++attempts;
      const demo::search_outcome r = demo::run_search(c.nodes[from].node, victim.key, {}, 3000ms);
      gone = r.results.empty();
      if (gone) sum.revoke_ms = std::chrono::duration<double, std::milli>(clock_type::now() - revoked_at).count();
      else std::this_thread::sleep_for(50ms);
    }
    // Another key is still found from the same node.
    const auto& other = c.keys[(victim_index + 1) % c.keys.size()];
    const std::size_t other_from = other.owner == from ? (from + 1) % o.nodes : from;
    const demo::search_outcome still = demo::run_search(c.nodes[other_from].node, other.key, {}, 5000ms);
    const bool other_ok = !still.results.empty() && result_keys(still).front() == other.key;
    sum.revoke_ok = gone && other_ok;
    sum.phases.push_back(
        {"revoke", static_cast<std::size_t>(gone) + static_cast<std::size_t>(other_ok), 2, seconds_since(t),
         std::string(gone ? "revoked key gone after " + std::to_string(std::lround(sum.revoke_ms)) + " ms (" +
                                std::to_string(attempts) + " searches)"
                          : "revoked key STILL FOUND after 10 s") +
             (other_ok ? "; other keys still found" : "; another key was NOT found")});
  } else {
    sum.revoke_ok = true;
    sum.phases.push_back({"revoke", 0, 0, 0, "skipped: needs 3 nodes"});
  }

  for (member& m : c.nodes) demo::drain_events(m);
  if (!o.svg.empty()) {
    write_svg(o.svg, c, show, sum);
    prog.note("wrote " + o.svg);
  }

  // 7. Leave: unregister and close every node.
  t = clock_type::now();
  prog.phase("closing the nodes");
  while (!c.nodes.empty()) c.nodes.pop_back();  // registrations, node, providers, transport
  sum.phases.push_back({"leave", 0, 0, seconds_since(t), "every node unregistered its keys and closed"});
  sum.wall_s = seconds_since(wall_start);

  demo::print_table(std::cout, sum);
  if (o.json) demo::print_json(std::cout, sum);
  std::cout.flush();
  return sum.ok() ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto o = std::make_shared<demo_options>();
  CLI::App* demo = app.add_subcommand(
      "demo",
      "Run a whole DRT cloud in this process on [::1] (nothing leaves this machine): certificates, nodes "
      "joining, every key searched from another node, nearest and range searches, a revocation; then a table "
      "of what happened and what it cost. Exit 0 when every check passed, 1 when one failed, 2 on bad options");
  demo->add_option("--nodes", o->nodes, "Number of nodes, 2..200")->check(CLI::Range(2, 200))->capture_default_str();
  demo->add_option("--keys", o->keys,
                   "Keys published per node, 1..32; above 1 only with --security null (the derived-key provider "
                   "accepts only the node's derived key; multi-key nodes are a known engine weak spot)")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  demo->add_option("--security", o->security,
                   "openssl: derived-key provider with a fresh root CA and EC P-256 node certificates; null: no "
                   "authentication; wolfssl: the same provider on security-wolfssl; mixed: openssl and wolfssl nodes "
                   "alternate in one cloud")
      ->check(CLI::IsMember({"null", "openssl", "wolfssl", "mixed"}))
      ->capture_default_str();
  demo->add_option("--mode", o->mode,
                   "DRT security mode: resolve, membership (every node proves its certificate), confidential")
      ->check(CLI::IsMember({"resolve", "membership", "confidential"}))
      ->capture_default_str();
  demo->add_flag("--json", o->json, "After the table, print one JSON line with the figures (for scripts)");
  demo->add_option("--svg", o->svg, "Write a picture of the key ring (nodes, leaf-set links, one search path) to FILE");
  demo->add_flag("--strict", o->strict,
                 "Fail a nearest answer that is not exactly the 3 closest keys, and a range answer that misses "
                 "a key inside the range (known engine weaknesses; by default they are counted and shown)");
  demo->add_option("--seed", o->seed, "Seed for the choice of searching nodes and targets")->capture_default_str();
  demo->callback([o] {
    const int rc = run_demo(*o);
    if (rc != 0) throw exit_status(rc);
  });
}

}  // namespace drt::tool
