// sdk/conformance: how a check is written. A check is a function of a check_env; it calls the
// provider, records each call as a step (so a crash can be reported against the call that
// crashed), and fails by require()/fail(), or skips by skip().
#pragma once

#include "kit.hpp"
#include "plugin_under_test.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace drt::conformance {

struct check_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct check_skipped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a check sees: the plugin, the provider under test and its settings, the key to use.
class check_env {
 public:
  check_env(const plugin_under_test& plugin, const DRT_PROVIDER_DESCRIPTOR* provider, std::vector<setting> settings,
            std::string base_directory, std::array<std::uint8_t, 32> key, std::function<void(const std::string&)> on_step)
      : plugin_(plugin), provider_(provider), settings_(std::move(settings)), base_directory_(std::move(base_directory)),
        key_(key), on_step_(std::move(on_step)) {}

  const plugin_under_test& plugin() const { return plugin_; }
  const DRT_PROVIDER_DESCRIPTOR& provider() const { return *provider_; }
  const std::vector<setting>& settings() const { return settings_; }
  const std::string& base_directory() const { return base_directory_; }
  const std::array<std::uint8_t, 32>& key() const { return key_; }

  // Records the call about to be made ("SecureAndPackPayload(nonce 16 bytes)").
  void step(const std::string& what) const { on_step_(what); }
  void require(bool condition, const std::string& message) const {
    if (!condition) throw check_failed(message);
  }
  [[noreturn]] void fail(const std::string& message) const { throw check_failed(message); }
  [[noreturn]] void skip(const std::string& why) const { throw check_skipped(why); }

 private:
  const plugin_under_test& plugin_;
  const DRT_PROVIDER_DESCRIPTOR* provider_;
  std::vector<setting> settings_;
  std::string base_directory_;
  std::array<std::uint8_t, 32> key_;
  std::function<void(const std::string&)> on_step_;
};

enum class applies_to { plugin, security, transport, bootstrap };

struct check {
  applies_to kind;
  const char* name;
  const char* summary;  // one line: what it proves
  void (*body)(check_env&);
};

// Every check of each suite (checks_*.cpp).
const std::vector<check>& plugin_checks();
const std::vector<check>& security_checks();
const std::vector<check>& transport_checks();
const std::vector<check>& bootstrap_checks();

// Shared helpers for checks.
std::string hresult_text(long hr);  // "0x80622009"

}  // namespace drt::conformance
