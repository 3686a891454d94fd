// drt node | register | search: one node opened from a TOML file (DrtOpenFromConfigFile,
// docs/configuration.md). `node` and `register` stay running, publishing the keys of the file's
// [[keys]] entries and those given with --key/--data, and log status changes and events until
// SIGINT/SIGTERM; `search` joins as a resolve-only node, searches once and exits 0 (found),
// 1 (not found) or 2 (error).
#include "command.hpp"
#include "config_keys.hpp"
#include "key_text.hpp"

#include <drt/drt.hpp>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>

namespace drt::tool {
namespace {

using clock_type = std::chrono::steady_clock;

// A file descriptor closed on destruction.
class fd_owner {
 public:
  explicit fd_owner(int fd) : fd_(fd) {}
  fd_owner(const fd_owner&) = delete;
  fd_owner& operator=(const fd_owner&) = delete;
  ~fd_owner() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// "2026-11-25T16:04:17.123Z" for log lines.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void log_line(const std::string& what) { std::cout << timestamp() << " " << what << std::endl; }

const char* status_name(DRT_STATUS s) {
  switch (s) {
    case DRT_ACTIVE: return "ACTIVE";
    case DRT_ALONE: return "ALONE";
    case DRT_NO_NETWORK: return "NO_NETWORK";
    case DRT_FAULTED: return "FAULTED";
  }
  return "UNKNOWN";
}

std::string hex_bytes(const std::vector<std::uint8_t>& b) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t x : b) {
    out += digits[x >> 4];
    out += digits[x & 15];
  }
  return out;
}

std::string key_text(const std::vector<std::uint8_t>& k) {
  if (k.size() != DRT_KEY_SIZE) return hex_bytes(k);
  drt::key key{};
  std::copy(k.begin(), k.end(), key.begin());
  return key_hex(key);
}

std::string address_text(const sockaddr_storage& ss) {
  if (ss.ss_family != AF_INET6) return "?";
  const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
  return "[" + std::string(buf) + "]:" + std::to_string(ntohs(a->sin6_port));
}

// Opens the node of a configuration file; a file the library refuses is bad input (exit 2).
drt::node open_config(const std::string& path, int event_fd) {
  try {
    return drt::node::open_config(path, event_fd);
  } catch (const drt::error& e) {
    throw usage_error("--config " + path + ": " + e.what());
  }
}

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later (the node's
// workers), and returns a signalfd that reports them. The old mask comes back on destruction.
class signal_watch {
 public:
  signal_watch() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    fd_ = signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) throw std::runtime_error("signalfd failed");
  }
  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;
  ~signal_watch() {
    ::close(fd_);
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  // The signal number received, 0 if none.
  int take() const {
    signalfd_siginfo info{};
    return ::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo) : 0;
  }

 private:
  sigset_t set_{}, old_{};
  int fd_ = -1;
};

void log_event(const drt::event& e) {
  switch (e.type) {
    case DRT_EVENT_STATUS_CHANGED: {
      std::string line = "status " + std::string(status_name(e.status));
      if (FAILED(e.hr)) line += " (" + std::string(DrtErrorMessage(e.hr)) + ")";
      if (!e.bootstrap_addresses.empty()) {
        line += ", bootstrap addresses:";
        for (const auto& a : e.bootstrap_addresses) line += " " + address_text(a);
      }
      log_line(line);
      break;
    }
    case DRT_EVENT_LEAFSET_KEY_CHANGED:
      log_line(std::string("leaf set ") + (e.leafset_change == DRT_LEAFSET_KEY_ADDED ? "+ " : "- ") +
               key_text(e.remote_key) + " (local key " + key_text(e.local_key).substr(0, 12) + "...)");
      break;
    case DRT_EVENT_REGISTRATION_STATE_CHANGED:
      log_line("registration " + key_text(e.local_key) + " is UNRESOLVABLE (" + DrtErrorMessage(e.hr) + ")");
      break;
  }
}

struct node_options {
  std::string config;
  std::vector<std::string> keys;
  std::vector<std::string> data;
  unsigned stats_seconds = 60;  // 0: only at exit
};

// One line: traffic, and every datagram the node refused, by reason (hostile or broken peers).
std::string statistics_text(const DRT_INSTANCE_STATISTICS& s) {
  std::string line = "statistics: sent " + std::to_string(s.datagramsSent) + " datagrams (" +
                     std::to_string(s.bytesSent) + " bytes, " + std::to_string(s.retransmissions) +
                     " retransmitted), received " + std::to_string(s.datagramsReceived) + ", dropped " +
                     std::to_string(s.droppedTotal);
  std::string reasons;
  for (std::uint32_t slot = 0; slot < DRT_DROP_REASON_SLOTS; ++slot) {
    if (s.dropped[slot] == 0) continue;
    const char* name = DrtDropReasonName(slot);
    reasons += (reasons.empty() ? "" : ", ") + std::string(name != nullptr ? name : "slot " + std::to_string(slot)) +
               " " + std::to_string(s.dropped[slot]);
  }
  if (!reasons.empty()) line += " (" + reasons + ")";
  if (s.lookupsAnsweredBusy != 0) line += ", lookups refused by the rate limit " + std::to_string(s.lookupsAnsweredBusy);
  if (s.datagramsOverflowed != 0) line += ", overflowed " + std::to_string(s.datagramsOverflowed);
  return line;
}

void run_node(const node_options& o, bool one_key) {
  if (one_key && o.keys.size() != 1) throw usage_error("--key: register takes exactly one key");
  if (o.keys.size() != o.data.size()) {
    throw usage_error("--data: give one --data FILE for each --key (" + std::to_string(o.keys.size()) + " keys, " +
                      std::to_string(o.data.size()) + " data files)");
  }
  // `register` publishes exactly its one key; `node` the file's keys, then the command line's.
  std::vector<key_to_publish> keys = one_key ? std::vector<key_to_publish>{} : read_config_keys(o.config);
  for (std::size_t i = 0; i < o.keys.size(); ++i) {
    key_to_publish k;
    k.key = parse_key(o.keys[i], "--key");
    k.data = read_data_file(o.data[i], "--data");
    k.origin = "--key " + std::to_string(i + 1);
    k.data_origin = std::to_string(k.data.size()) + " bytes from " + o.data[i];
    keys.push_back(std::move(k));
  }
  signal_watch signals;  // before the node starts its threads
  fd_owner events(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (events.get() < 0) throw std::runtime_error("eventfd failed");
  drt::node node = open_config(o.config, events.get());
  log_line("opened " + node.instance_name() + " from " + o.config +
           (node.open_result() == DRT_S_RETRY ? " (first bootstrap round failed; retrying)" : ""));
  std::vector<drt::registration> registrations;
  for (const key_to_publish& k : keys) {
    try {
      registrations.push_back(node.register_key(k.key, k.data));
    } catch (const drt::error& e) {
      throw usage_error(k.origin + ": DrtRegisterKey refused " + key_hex(k.key) + ": " + e.what());
    }
    log_line("registered " + key_hex(k.key) + " (" + k.data_origin + ", " + k.origin + ")");
  }
  if (keys.empty()) log_line("no keys to publish: this node only routes and resolves");
  log_line("running; SIGINT or SIGTERM stops it");
  int signal = 0;
  auto next_stats = clock_type::now() + std::chrono::seconds(o.stats_seconds);
  while (signal == 0) {
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {events.get(), POLLIN, 0}};
    if (::poll(fds, 2, 1000) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    std::uint64_t count = 0;
    if (::read(events.get(), &count, sizeof count) < 0) count = 0;  // nothing pending is fine
    while (auto e = node.next_event()) log_event(*e);
    signal = signals.take();
    if (o.stats_seconds != 0 && clock_type::now() >= next_stats) {
      next_stats = clock_type::now() + std::chrono::seconds(o.stats_seconds);
      log_line(statistics_text(node.statistics()));
    }
  }
  log_line(statistics_text(node.statistics()));
  log_line(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + "; unregistering " +
           std::to_string(registrations.size()) + " key(s)");
  registrations.clear();  // DrtUnregisterKey each: revokes through the leaf set
  node.close();
  log_line("closed");
}

struct search_cli {
  std::string config;
  std::string key;
  bool nearest = false;
  std::string min, max;
  bool iterative = false;
  bool json = false;
  std::uint32_t count = 0;  // 0: 1 for exact, 3 for nearest/range
  std::uint32_t timeout_ms = 5000;
  std::uint32_t join_ms = 10000;
};

std::string json_escape(const std::vector<std::uint8_t>& bytes) {
  std::string out = "\"";
  for (std::uint8_t c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool printable(const std::vector<std::uint8_t>& b) {
  for (std::uint8_t c : b) {
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// Printable data as text, without one trailing newline (files made with echo end with one).
std::string text_of(const std::vector<std::uint8_t>& b) {
  std::string s(b.begin(), b.end());
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

const char* match_name(DRT_MATCH_TYPE t) {
  switch (t) {
    case DRT_MATCH_EXACT: return "exact";
    case DRT_MATCH_NEAR: return "near";
    case DRT_MATCH_INTERMEDIATE: return "intermediate";
  }
  return "?";
}

int run_search_command(const search_cli& o) {
  if (o.nearest && (!o.min.empty() || !o.max.empty())) throw usage_error("--nearest: not together with --min/--max");
  if (o.min.empty() != o.max.empty()) throw usage_error(o.min.empty() ? "--min: needed with --max" : "--max: needed with --min");
  const drt::key target = parse_key(o.key, "KEY");
  drt::search_options options;
  options.iterative = o.iterative;
  options.max_endpoints = o.count != 0 ? o.count : (o.nearest || !o.min.empty() ? 3 : 1);
  if (o.nearest) {
    options.min_key = drt::key{};
    drt::key top;
    top.fill(0xff);
    options.max_key = top;
  } else if (!o.min.empty()) {
    options.min_key = parse_key(o.min, "--min");
    options.max_key = parse_key(o.max, "--max");
    if (key_compare(*options.min_key, target) > 0 || key_compare(target, *options.max_key) > 0) {
      throw usage_error("KEY: must lie inside [--min, --max]");
    }
  }
  fd_owner events(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  drt::node node = open_config(o.config, events.get());
  // Join: wait for ACTIVE (a resolve-only node may also search while ALONE: then only local
  // candidates exist and nothing is found).
  const auto start = clock_type::now();
  std::optional<DRT_STATUS> status;
  while (status != DRT_ACTIVE && clock_type::now() - start < std::chrono::milliseconds(o.join_ms)) {
    while (auto e = node.next_event()) {
      if (e->type == DRT_EVENT_STATUS_CHANGED) status = e->status;
    }
    if (status == DRT_FAULTED) {
      std::cerr << "drt: search: the node FAULTED while joining\n";
      throw exit_status(2);
    }
    if (status != DRT_ACTIVE) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (status != DRT_ACTIVE) {
    std::cerr << "drt: search: not ACTIVE after " << o.join_ms << " ms (status "
              << (status ? status_name(*status) : "none yet") << "); searching anyway\n";
  }
  const double join_ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
  const auto search_start = clock_type::now();
  drt::search s = node.start_search(target, options, o.timeout_ms);
  std::vector<drt::search_result> results;
  bool timed_out = false;
  for (;;) {
    drt::search::poll p = s.next();
    if (p.st == drt::search::state::result) {
      if (p.result->type == DRT_MATCH_INTERMEDIATE) {
        if (!o.json) std::cout << "hop    " << key_text(p.result->key) << "\n";
        s.continue_search();
      } else {
        results.push_back(std::move(*p.result));
      }
      continue;
    }
    if (p.st == drt::search::state::complete) break;
    if (p.st == drt::search::state::timed_out) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double search_ms = std::chrono::duration<double, std::milli>(clock_type::now() - search_start).count();
  const std::vector<DRT_ADDRESS> path = s.path();
  if (o.json) {
    std::cout << "{\"target\":\"" << key_hex(target) << "\",\"found\":" << (results.empty() ? "false" : "true")
              << ",\"timed_out\":" << (timed_out ? "true" : "false") << ",\"join_ms\":" << join_ms
              << ",\"search_ms\":" << search_ms << ",\"path\":[";
    for (std::size_t i = 0; i < path.size(); ++i) {
      std::cout << (i ? "," : "") << "\"" << address_text(path[i].socketAddress) << "\"";
    }
    std::cout << "],\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"type\":\"" << match_name(results[i].type) << "\",\"key\":\""
                << key_text(results[i].key) << "\",\"data\":" << json_escape(results[i].data) << ",\"data_hex\":\""
                << hex_bytes(results[i].data) << "\"}";
    }
    std::cout << "]}\n";
  } else {
    for (const drt::search_result& r : results) {
      std::cout << match_name(r.type) << (r.type == DRT_MATCH_EXACT ? "  " : "   ") << key_text(r.key) << "  "
                << (printable(r.data) ? text_of(r.data) : "0x" + hex_bytes(r.data)) << "\n";
    }
    std::cerr << "drt: search: " << results.size() << " result(s) in " << static_cast<long>(search_ms) << " ms, "
              << path.size() << " node(s) contacted" << (timed_out ? ", timed out" : "") << "\n";
  }
  std::cout.flush();
  return results.empty() ? 1 : 0;
}

}  // namespace

void add_node_commands(CLI::App& app) {
  auto n = std::make_shared<node_options>();
  CLI::App* node = app.add_subcommand(
      "node", "Run one node from a configuration file (docs/configuration.md) until SIGINT/SIGTERM, publishing "
              "the file's [[keys]] entries and each --key with the bytes of the matching --data file; logs "
              "status changes and events with UTC timestamps; unregisters its keys before it exits");
  node->add_option("--config", n->config, "TOML node file (DrtOpenFromConfigFile)")->required();
  node->add_option("--key", n->keys,
                   "A key to publish in addition to the file's [[keys]] (repeatable): 64 hex digits, @FILE or "
                   "sha256:TEXT");
  node->add_option("--data", n->data, "The data for the --key at the same position (a file, 1..5120 bytes)");
  node->add_option("--stats-interval", n->stats_seconds,
                   "Seconds between statistics lines (traffic, dropped datagrams by reason); 0: only at exit")
      ->capture_default_str();
  node->callback([n] { run_node(*n, false); });

  auto r = std::make_shared<node_options>();
  CLI::App* reg = app.add_subcommand(
      "register", "Publish one key with its data from a node opened from a configuration file, and stay running "
                  "to keep it published until SIGINT/SIGTERM (then unregister it)");
  reg->add_option("--config", r->config, "TOML node file (DrtOpenFromConfigFile)")->required();
  reg->add_option("--key", r->keys, "The key: 64 hex digits, @FILE or sha256:TEXT (with derived-key security: "
                                    "the node certificate's derived key, see drt key derive)")
      ->required()
      ->expected(1);
  reg->add_option("--data", r->data, "File whose bytes (1..5120) are published with the key")->required()->expected(1);
  reg->callback([r] { run_node(*r, true); });

  auto s = std::make_shared<search_cli>();
  CLI::App* search = app.add_subcommand(
      "search", "Join as a resolve-only node from a configuration file, search once, print the results "
                "(\"exact|near KEY DATA\"), exit 0 found, 1 not found, 2 error");
  search->add_option("--config", s->config, "TOML node file (DrtOpenFromConfigFile); no keys are published")->required();
  search->add_option("KEY", s->key, "The target: 64 hex digits, @FILE or sha256:TEXT")->required();
  search->add_flag("--nearest", s->nearest, "Return the keys closest to KEY anywhere on the ring (see --count)");
  search->add_option("--min", s->min, "Lower end of a key range (with --max; KEY must lie inside)");
  search->add_option("--max", s->max, "Upper end of a key range (with --min)");
  search->add_option("--count", s->count, "Most results wanted (default 1 exact, 3 with --nearest or a range)")
      ->check(CLI::Range(1, 16));
  search->add_flag("--iterative", s->iterative, "Iterative search: print each hop (one result at most)");
  search->add_flag("--json", s->json, "Print one JSON object with the results and the path instead of text");
  search->add_option("--timeout", s->timeout_ms, "Search timeout in ms")->capture_default_str();
  search->add_option("--join-timeout", s->join_ms, "How long to wait for the node to become ACTIVE, in ms")
      ->capture_default_str();
  search->callback([s] {
    int rc = 2;
    try {
      rc = run_search_command(*s);
    } catch (const drt::error& e) {
      std::cerr << "drt: search: " << e.what() << "\n";
      rc = 2;
    } catch (const exit_status&) {
      throw;
    } catch (const usage_error&) {
      throw;
    } catch (const std::exception& e) {
      std::cerr << "drt: search: " << e.what() << "\n";
      rc = 2;
    }
    if (rc != 0) throw exit_status(rc);
  });
}

}  // namespace drt::tool
