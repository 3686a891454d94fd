// sdk/conformance: the provider conformance kit (drt-conformance). It loads a provider plugin by
// path with no libdrt and no network beyond ::1, and checks the whole contract of
// docs/provider-abi.md and spec/api.md §4.5-§4.6 for every provider the plugin offers.
//
// Each check runs in a child process by default, so that a provider that crashes, hangs or
// aborts fails that one check (reporting the last call it was making) instead of the kit.
// Not thread-safe: run() is called once per process.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace drt::conformance {

struct options {
  std::string plugin_path;
  std::vector<std::string> providers;  // empty = every provider the plugin offers
  std::string config_path;             // provider settings (docs/conformance.md); empty = none
  std::string filter = "*";            // GoogleTest syntax: "pos1:pos2-neg1:neg2"
  std::optional<std::array<std::uint8_t, 32>> key;  // key to register; default: derived or fixed
  bool isolate = true;                 // one child process per check
  std::chrono::milliseconds timeout{30000};  // per check, when isolated
  std::string junit_path;              // write a JUnit XML report there
  bool list_only = false;              // print the checks that would run
};

enum class status { passed, failed, skipped };

struct outcome {
  std::string suite;  // "plugin", "security/<provider>", "transport/<provider>", ...
  std::string name;
  status result = status::failed;
  std::string message;  // why it failed or was skipped
  double milliseconds = 0;
};

// Runs the checks and prints a GoogleTest-style report on `out`. Returns the process exit
// status: 0 every selected check passed (or was skipped), 1 a check failed, 2 bad usage (the
// plugin file or the configuration could not be read; the reason is printed).
int run(const options& opts, std::ostream& out, std::vector<outcome>* outcomes = nullptr);

// GoogleTest filter semantics: ':'-separated glob patterns ('*', '?'), then optionally '-' and
// negative patterns. "suite.name" is matched.
bool filter_matches(const std::string& filter, const std::string& full_name);

}  // namespace drt::conformance
