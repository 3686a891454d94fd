// drt-conformance: check any provider plugin against the OpenDRT provider contract.
#include "kit.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

bool parse_key(const std::string& hex, std::array<std::uint8_t, 32>& out) {
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return false;
    }
    out[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "drt-conformance: load an OpenDRT provider plugin by path and check its whole contract\n"
      "(descriptor and ABI, attach/detach, every entry point with valid, NULL, truncated,\n"
      "oversized and tampered input, memory ownership, threads), with no network beyond [::1].\n"
      "Each check runs in its own child process, so a crash or hang fails one check.\n"
      "Exit status: 0 all selected checks passed or were skipped, 1 a check failed, 2 bad usage.\n"
      "Documentation: docs/conformance.md"};
  app.name("drt-conformance");
  drt::conformance::options opts;
  std::string key_hex;
  long timeout_ms = 30000;
  bool no_fork = false;
  app.add_option("plugin", opts.plugin_path, "the plugin .so to check (a path)")->required();
  app.add_option("--provider", opts.providers, "check only this provider (repeatable; default: every provider)");
  app.add_option("--config", opts.config_path,
                 "TOML file with provider settings: top-level keys for every provider, [providers.<name>] for one;\n"
                 "values string/integer/boolean/float, { file = \"path\" } or { hex = \"..\" } for bytes");
  app.add_option("--filter", opts.filter, "GoogleTest-style filter over suite.check names, e.g. 'security/*-*.concurrent_objects'");
  app.add_option("--key", key_hex, "64 hex digits: the key to register (default: DeriveKey of local_cert, else 42..42)");
  app.add_option("--junit", opts.junit_path, "also write a JUnit XML report to this file");
  app.add_option("--timeout-ms", timeout_ms, "per-check time limit in milliseconds")->check(CLI::Range(100L, 3600000L));
  app.add_flag("--list", opts.list_only, "list the checks that would run, and exit");
  app.add_flag("--no-fork", no_fork, "run checks in this process (for a debugger; a crash then ends the run)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!key_hex.empty()) {
    std::array<std::uint8_t, 32> key{};
    if (!parse_key(key_hex, key)) {
      std::cerr << "drt-conformance: --key: expected 64 hex digits, got '" << key_hex << "'\n";
      return 2;
    }
    opts.key = key;
  }
  opts.isolate = !no_fork;
  opts.timeout = std::chrono::milliseconds(timeout_ms);
  return drt::conformance::run(opts, std::cout);
}
