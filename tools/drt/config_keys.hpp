// The `[[keys]]` entries of a node's configuration file (docs/configuration.md §8): keys that
// `drt node` publishes, each with its data given inline or as a file. libdrt accepts the array
// but leaves its contents to the application; this is where they are checked.
#pragma once

#include <drt/drt.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace drt::tool {

struct key_to_publish {
  drt::key key{};
  std::vector<std::uint8_t> data;  // 1..DRT_MAX_PAYLOAD_SIZE bytes
  std::string origin;              // for log lines: "a.toml keys[0]" or "--key 1"
  std::string data_origin;         // "12 bytes from a.txt" / "12 bytes inline"
};

// The keys that the file at config_path lists. Throws usage_error("<path>:<line>: keys[i].<field>:
// <problem>") on a bad entry. A file that is not readable TOML gives an empty list: opening it
// with the library then reports the problem with the library's own text.
[[nodiscard]] std::vector<key_to_publish> read_config_keys(const std::string& config_path);

// The bytes of a data file (1..DRT_MAX_PAYLOAD_SIZE); what names the setting in errors.
[[nodiscard]] std::vector<std::uint8_t> read_data_file(const std::string& path, const std::string& what);

}  // namespace drt::tool
