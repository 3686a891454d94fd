// sdk/conformance: selecting, running (isolated in child processes) and reporting checks.
#include "check.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

namespace drt::conformance {
namespace {

using clock_type = std::chrono::steady_clock;

bool glob_match(const char* pattern, const char* text) {
  if (*pattern == '\0') return *text == '\0';
  if (*pattern == '*') return glob_match(pattern + 1, text) || (*text != '\0' && glob_match(pattern, text + 1));
  if (*text == '\0') return false;
  return (*pattern == '?' || *pattern == *text) && glob_match(pattern + 1, text + 1);
}

bool any_pattern_matches(const std::string& patterns, const std::string& name) {
  std::size_t start = 0;
  while (start <= patterns.size()) {
    const std::size_t end = std::min(patterns.find(':', start), patterns.size());
    const std::string p = patterns.substr(start, end - start);
    if (!p.empty() && glob_match(p.c_str(), name.c_str())) return true;
    start = end + 1;
  }
  return false;
}

struct task {
  std::string suite;
  const check* what;
  const DRT_PROVIDER_DESCRIPTOR* provider;  // null for plugin checks
  std::string full_name() const { return suite + "." + what->name; }
};

const char* kind_word(DRT_PROVIDER_KIND k) {
  switch (k) {
    case DRT_PROVIDER_KIND_SECURITY: return "security";
    case DRT_PROVIDER_KIND_TRANSPORT: return "transport";
    case DRT_PROVIDER_KIND_BOOTSTRAP: return "bootstrap";
  }
  return "unknown";
}

const std::vector<check>& checks_for(DRT_PROVIDER_KIND k) {
  static const std::vector<check> none;
  switch (k) {
    case DRT_PROVIDER_KIND_SECURITY: return security_checks();
    case DRT_PROVIDER_KIND_TRANSPORT: return transport_checks();
    case DRT_PROVIDER_KIND_BOOTSTRAP: return bootstrap_checks();
  }
  return none;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

std::array<std::uint8_t, 32> key_for(const options& opts, const DRT_PROVIDER_DESCRIPTOR* p,
                                     const std::vector<setting>& settings) {
  if (opts.key) return *opts.key;
  std::array<std::uint8_t, 32> key{};
  key.fill(0x42);
  if (p != nullptr && p->eKind == DRT_PROVIDER_KIND_SECURITY && p->DeriveKey != nullptr) {
    for (const setting& s : settings) {
      if (s.name == "local_cert" && s.type == DRT_PARAM_BYTES && !s.bytes.empty()) {
        std::array<std::uint8_t, 32> derived{};
        DRT_DATA cert{static_cast<std::uint32_t>(s.bytes.size()), const_cast<std::uint8_t*>(s.bytes.data())};
        DRT_DATA out{32, derived.data()};
        if (SUCCEEDED(p->DeriveKey(&cert, &out))) return derived;
      }
    }
  }
  return key;
}

outcome run_inline(const task& t, check_env& env) {
  outcome o{t.suite, t.what->name, status::passed, {}, 0};
  try {
    t.what->body(env);
  } catch (const check_failed& e) {
    o.result = status::failed;
    o.message = e.what();
  } catch (const check_skipped& e) {
    o.result = status::skipped;
    o.message = e.what();
  } catch (const std::exception& e) {
    o.result = status::failed;
    o.message = std::string("the check threw: ") + e.what();
  }
  return o;
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Runs the check in a child. The child reports "step …", then "pass" / "fail …" / "skip …" on a
// pipe; its stderr goes to a second pipe so that sanitizer reports at exit become the message.
outcome run_isolated(const task& t, const std::function<check_env(std::function<void(const std::string&)>)>& make_env,
                     std::chrono::milliseconds timeout) {
  outcome o{t.suite, t.what->name, status::failed, {}, 0};
  int report[2], errors[2];
  if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(errors, O_CLOEXEC) != 0) {
    o.message = std::string("kit: pipe: ") + std::strerror(errno);
    return o;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    o.message = std::string("kit: fork: ") + std::strerror(errno);
    return o;
  }
  if (pid == 0) {
    ::close(report[0]);
    ::close(errors[0]);
    ::dup2(errors[1], STDERR_FILENO);
    const int fd = report[1];
    check_env env = make_env([fd](const std::string& s) { write_all(fd, "step " + one_line(s) + "\n"); });
    const outcome r = run_inline(t, env);
    const char* word = r.result == status::passed ? "pass" : r.result == status::skipped ? "skip" : "fail";
    write_all(fd, std::string(word) + " " + one_line(r.message) + "\n");
    // exit(), not _exit(): LeakSanitizer and the plugin's own destructors must run.
    std::exit(r.result == status::failed ? 1 : 0);
  }
  ::close(report[1]);
  ::close(errors[1]);
  std::string reported, stderr_text, last_step;
  const auto deadline = clock_type::now() + timeout;
  bool timed_out = false;
  pollfd fds[2] = {{report[0], POLLIN, 0}, {errors[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? reported : stderr_text).append(buf, static_cast<std::size_t>(n));
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  for (pollfd& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  std::string verdict;
  std::istringstream lines(reported);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("step ", 0) == 0) {
      last_step = line.substr(5);
    } else {
      verdict = line;
    }
  }
  const std::string during = last_step.empty() ? "" : " during " + last_step;
  if (timed_out) {
    o.message = "no result within " + std::to_string(timeout.count()) + " ms (hang?)" + during;
    return o;
  }
  const bool check_finished = verdict.rfind("pass", 0) == 0 || verdict.rfind("skip", 0) == 0;
  const bool clean_exit = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
  if (check_finished && !clean_exit) {
    // The check itself was fine, but the process failed at exit: a sanitizer (leak) report,
    // or a plugin destructor that crashed.
    const std::string how = WIFSIGNALED(wstatus) ? std::string("signal ") + strsignal(WTERMSIG(wstatus))
                                                 : "status " + std::to_string(WEXITSTATUS(wstatus));
    const std::string tail = stderr_text.size() > 1500 ? stderr_text.substr(0, 1500) + " …" : stderr_text;
    o.message = "the check passed but its process failed at exit (" + how + "; a sanitizer report?): " + one_line(tail);
    return o;
  }
  if (WIFSIGNALED(wstatus)) {
    o.message = std::string("the provider crashed: ") + strsignal(WTERMSIG(wstatus)) + during;
    return o;
  }
  if (check_finished) {
    o.result = verdict[1] == 'k' ? status::skipped : status::passed;
    o.message = verdict.size() > 5 ? verdict.substr(5) : "";
    return o;
  }
  if (verdict.rfind("fail", 0) == 0) {
    o.message = verdict.size() > 5 ? verdict.substr(5) : "failed";
    return o;
  }
  o.message = "the check process ended without a result (exit status " +
              std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1) + ")" + during;
  return o;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

void write_junit(const std::string& path, const std::string& plugin, const std::vector<outcome>& all) {
  std::map<std::string, std::vector<const outcome*>> by_suite;
  std::size_t failures = 0, skipped = 0;
  for (const outcome& o : all) {
    by_suite[o.suite].push_back(&o);
    failures += o.result == status::failed;
    skipped += o.result == status::skipped;
  }
  std::ofstream out(path);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"drt-conformance " << xml_escape(plugin) << "\" tests=\"" << all.size()
      << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\" errors=\"0\">\n";
  for (const auto& [suite, list] : by_suite) {
    std::size_t f = 0, s = 0;
    double ms = 0;
    for (const outcome* o : list) {
      f += o->result == status::failed;
      s += o->result == status::skipped;
      ms += o->milliseconds;
    }
    out << "  <testsuite name=\"" << xml_escape(suite) << "\" tests=\"" << list.size() << "\" failures=\"" << f
        << "\" skipped=\"" << s << "\" errors=\"0\" time=\"" << ms / 1000.0 << "\">\n";
    for (const outcome* o : list) {
      out << "    <testcase classname=\"" << xml_escape(suite) << "\" name=\"" << xml_escape(o->name) << "\" time=\""
          << o->milliseconds / 1000.0 << "\"";
      if (o->result == status::passed) {
        out << "/>\n";
      } else if (o->result == status::skipped) {
        out << "><skipped message=\"" << xml_escape(o->message) << "\"/></testcase>\n";
      } else {
        out << "><failure message=\"" << xml_escape(o->message) << "\"/></testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

bool filter_matches(const std::string& filter, const std::string& full_name) {
  const std::size_t dash = filter.find('-');
  std::string positive = filter.substr(0, dash);
  const std::string negative = dash == std::string::npos ? "" : filter.substr(dash + 1);
  if (positive.empty()) positive = "*";
  return any_pattern_matches(positive, full_name) && !any_pattern_matches(negative, full_name);
}

std::string hresult_text(long hr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(hr));
  return buf;
}

int run(const options& opts, std::ostream& out, std::vector<outcome>* outcomes) {
  kit_config config;
  if (!opts.config_path.empty()) {
    std::string error;
    if (!load_kit_config(opts.config_path, config, error)) {
      out << "drt-conformance: " << error << "\n";
      return 2;
    }
  }
  plugin_under_test plugin(opts.plugin_path);
  if (!plugin.mapped() && plugin.error().rfind("no file at", 0) == 0) {
    out << "drt-conformance: " << plugin.error() << "\n";
    return 2;
  }

  std::vector<task> tasks;
  for (const check& c : plugin_checks()) tasks.push_back({"plugin", &c, nullptr});
  // Provider suites need a descriptor the plugin checks accept at least structurally.
  const std::vector<DRT_PROVIDER_DESCRIPTOR> providers = plugin.providers();
  const bool abi_ok = plugin.descriptor() != nullptr && plugin.descriptor()->wAbiMajor == DRT_PLUGIN_ABI_MAJOR &&
                      plugin.descriptor()->wAbiMinor <= DRT_PLUGIN_ABI_MINOR;
  std::vector<std::string> unknown = opts.providers;
  if (abi_ok) {
    for (const DRT_PROVIDER_DESCRIPTOR& p : providers) {
      if (p.pszName == nullptr) continue;
      const std::string name = p.pszName;
      if (!opts.providers.empty() && std::find(opts.providers.begin(), opts.providers.end(), name) == opts.providers.end()) {
        continue;
      }
      std::erase(unknown, name);
      for (const check& c : checks_for(p.eKind)) {
        tasks.push_back({std::string(kind_word(p.eKind)) + "/" + name, &c, &p});
      }
    }
  }
  if (!unknown.empty() && abi_ok) {
    out << "drt-conformance: " << opts.plugin_path << " offers no provider named '" << unknown.front() << "'\n";
    return 2;
  }
  std::erase_if(tasks, [&](const task& t) { return !filter_matches(opts.filter, t.full_name()); });

  if (opts.list_only) {
    for (const task& t : tasks) out << t.full_name() << "  — " << t.what->summary << "\n";
    return 0;
  }

  std::vector<outcome> results;
  const auto started = clock_type::now();
  out << "[==========] Running " << plural(tasks.size(), "check") << " on " << opts.plugin_path << "\n";
  for (const task& t : tasks) {
    const std::vector<setting> settings = t.provider ? config.for_provider(t.provider->pszName) : config.common;
    const auto key = key_for(opts, t.provider, settings);
    auto make_env = [&](std::function<void(const std::string&)> on_step) {
      return check_env(plugin, t.provider, settings, config.base_directory, key, std::move(on_step));
    };
    out << "[ RUN      ] " << t.full_name() << "\n" << std::flush;
    const auto t0 = clock_type::now();
    outcome o;
    if (opts.isolate) {
      o = run_isolated(t, make_env, opts.timeout);
    } else {
      check_env env = make_env([](const std::string&) {});
      o = run_inline(t, env);
    }
    o.milliseconds = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    const long ms = static_cast<long>(o.milliseconds);
    if (o.result == status::passed) {
      out << "[       OK ] " << t.full_name() << " (" << ms << " ms)\n";
    } else if (o.result == status::skipped) {
      out << "[  SKIPPED ] " << t.full_name() << " (" << ms << " ms)\n  " << o.message << "\n";
    } else {
      out << "  " << o.message << "\n[  FAILED  ] " << t.full_name() << " (" << ms << " ms)\n";
    }
    results.push_back(std::move(o));
  }
  const long total_ms =
      static_cast<long>(std::chrono::duration<double, std::milli>(clock_type::now() - started).count());
  std::size_t passed = 0, skipped = 0, failed = 0;
  for (const outcome& o : results) {
    passed += o.result == status::passed;
    skipped += o.result == status::skipped;
    failed += o.result == status::failed;
  }
  out << "[==========] " << plural(results.size(), "check") << " ran. (" << total_ms << " ms total)\n";
  out << "[  PASSED  ] " << plural(passed, "check") << ".\n";
  if (skipped > 0) {
    out << "[  SKIPPED ] " << plural(skipped, "check") << ", listed below:\n";
    for (const outcome& o : results) {
      if (o.result == status::skipped) out << "[  SKIPPED ] " << o.suite << "." << o.name << "\n";
    }
  }
  if (failed > 0) {
    out << "[  FAILED  ] " << plural(failed, "check") << ", listed below:\n";
    for (const outcome& o : results) {
      if (o.result == status::failed) out << "[  FAILED  ] " << o.suite << "." << o.name << "\n";
    }
    out << "\n " << failed << " FAILED " << (failed == 1 ? "CHECK" : "CHECKS") << "\n";
  }
  if (!opts.junit_path.empty()) write_junit(opts.junit_path, opts.plugin_path, results);
  if (outcomes != nullptr) *outcomes = results;
  return failed > 0 ? 1 : 0;
}

}  // namespace drt::conformance
