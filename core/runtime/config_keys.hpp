// core/runtime: typed, located keys of a TOML table, for the configuration parser
// (config_file.cpp). Every failure is reported as "<path>:<line>: <key>: <problem>"
// (spec/api.md §2.5, §7.1). Structural problems (§7.1 row 6) fail at once; a value that fails the
// API's own check (row 7) is only remembered, so that a later row-6 problem still wins.
#pragma once

#include "runtime/config_file.hpp"

#include <toml++/toml.h>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drt::runtime::config {

using line_t = std::uint32_t;
using key_list = std::span<const std::string_view>;

inline constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t uint32_max = std::numeric_limits<std::uint32_t>::max();

struct problem_report {
  HRESULT hr = S_OK;
  line_t line = 1;
  std::string key;  // dotted: "drt.max_routing_addresses", "bootstrap.peers[2]"
  std::string problem;
};

// What every table parser shares: where errors point, how relative paths resolve, and the first
// row-7 failure, held back until every row-6 check has passed.
struct context {
  std::string path;
  std::string base_directory;
  std::optional<problem_report> first_value_error;

  // Sets the thread's detail text and returns p.hr.
  HRESULT report(const problem_report& p) const;
  HRESULT invalid(line_t line, std::string key, std::string problem) const;         // row 6
  void value_error(HRESULT hr, line_t line, std::string key, std::string problem);  // row 7
  std::string resolve(const std::string& file) const;  // against base_directory unless absolute
};

// One table of the file; `table` is null when the file has none (errors then point at line 1).
struct section {
  const toml::table* table = nullptr;
  std::string name;  // "" for the root
  line_t line = 1;   // the table's header

  std::string key(std::string_view leaf) const;
  const toml::node* find(std::string_view leaf) const;
};

template <class T>
struct located {
  T value{};
  line_t line = 1;
};

template <class T>
struct choice {
  std::string_view text;
  T value;
};

line_t line_of(const toml::source_region& region);  // 1 when toml++ does not know
std::string in_quotes(std::string_view text);
bool contains(key_list keys, std::string_view key);
HRESULT wrong_type(const context& cx, const toml::node& node, std::string key,
                   std::string_view expected);

// The whole file into `out`; returns 0 or the errno of the failing open or read.
int read_whole_file(const std::string& path, std::string& out);
std::string errno_text(int err);

// Row 6: every key of `s` must be in `allowed`. A key in `known` but not in `allowed` "does not
// apply to <chosen>"; any other is unknown. The first bad key in file order is reported.
HRESULT check_keys(const context& cx, const section& s, key_list allowed, key_list known,
                   std::string_view chosen);

// Getters leave `out` empty when the key is absent and fail (row 6) on a wrong type.
// Strings refuse an embedded NUL, since they end up as C strings.
HRESULT get_string(const context& cx, const section& s, std::string_view leaf,
                   std::optional<located<std::string>>& out);
// [min, max] is the range of the type the key maps to; outside it is row 6.
HRESULT get_integer(const context& cx, const section& s, std::string_view leaf, std::int64_t min,
                    std::int64_t max, std::optional<located<std::int64_t>>& out);
// An interface name or index (0..2^32-1). One this host lacks is DRT_E_INVALID_SCOPE (row 7), as
// for DrtCreateIpv6UdpTransport and DrtCreateMulticastBootstrapResolver.
HRESULT get_interface(context& cx, const section& s, std::string_view leaf,
                      std::optional<located<std::uint32_t>>& out);
// [<table>.options], flattened as docs/provider-abi.md says; only its own type is checked.
HRESULT get_options(const context& cx, const section& s, std::vector<provider_param>& out);

template <class T, std::size_t N>
HRESULT get_enum(const context& cx, const section& s, std::string_view leaf,
                 const std::array<choice<T>, N>& choices, std::optional<located<T>>& out) {
  std::optional<located<std::string>> text;
  if (HRESULT hr = get_string(cx, s, leaf, text); FAILED(hr) || !text) return hr;
  std::string expected;
  for (const choice<T>& c : choices) {
    if (c.text == text->value) {
      out = located<T>{c.value, text->line};
      return S_OK;
    }
    expected += (expected.empty() ? "" : ", ") + in_quotes(c.text);
  }
  return cx.invalid(
      text->line, s.key(leaf),
      "unknown value " + in_quotes(text->value) + " (expected one of " + expected + ")");
}

}  // namespace drt::runtime::config
