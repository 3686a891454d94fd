// core/runtime: the TOML node configuration (docs/configuration.md, spec/api.md §7.1).
//
// parse_config_file() only reads and validates the file; it creates nothing. Turning the result
// into providers and an instance is open_from_config() in core/api_config.cpp.
#pragma once

#include <drt/drt_provider.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drt::runtime {

// One setting handed to a provider factory (see DRT_PROVIDER_PARAM): strings own their text.
struct provider_param {
  std::string name;  // "root_cert", "options.trusted_keys", ...
  DRT_PARAM_TYPE type = DRT_PARAM_STRING;
  std::string text;           // DRT_PARAM_STRING
  std::int64_t integer = 0;   // DRT_PARAM_INTEGER, DRT_PARAM_BOOLEAN
  double real = 0.0;          // DRT_PARAM_FLOAT
  std::vector<std::uint8_t> bytes;  // DRT_PARAM_BYTES
};

// Where a provider was chosen in the file, so that a failure to load or create it (which only
// happens after parsing) still names the file, the line and the key.
struct provider_origin {
  std::uint32_t line = 1;
  std::string key;  // "security.plugin" when the plugin key is set, else "security.provider"
};

struct transport_config {
  std::optional<std::string> plugin;  // name or path; unset = built-in "transport-ipv6"
  std::string provider = "ipv6-udp";
  DRT_SCOPE scope = DRT_GLOBAL_SCOPE;
  bool loopback = false;              // scope = "loopback"
  std::uint32_t scope_id = 0;         // from `interface` (index, or name resolved with if_nametoindex)
  std::uint16_t port = 0;
  std::uint32_t locality_threshold = 0;
  std::vector<provider_param> options;  // from [transport.options]
  provider_origin origin;
};

struct security_config {
  std::string provider;               // "derived-key", "null", or a plugin provider name
  std::optional<std::string> plugin;  // unset = built-in "security-openssl"
  std::vector<std::uint8_t> root_cert;   // file bytes, empty if not given
  std::vector<std::uint8_t> local_cert;  // local_cert bytes followed by local_key bytes
  bool has_root_cert = false;
  bool has_local_cert = false;
  std::vector<provider_param> options;
  provider_origin origin;
};

struct bootstrap_config {
  std::string provider;               // "static", "dns", "multicast", or a plugin provider name
  std::optional<std::string> plugin;  // unset = built-in "bootstrap-basic"
  std::vector<std::string> peers;     // static: "[addr]:port" or "[addr%ifname]:port", as written
  std::string host;                   // dns
  std::uint16_t port = 0;             // dns
  std::uint32_t interface_index = 0;  // multicast
  std::optional<std::string> group;   // multicast "[ff..]:port"
  std::string cloud_name;             // multicast
  std::vector<provider_param> options;
  provider_origin origin;
};

struct node_config {
  std::string path;  // the file, as given
  std::string base_directory;  // the file's directory: relative paths resolve against it
  std::optional<std::string> instance_prefix;
  DRT_SECURITY_MODE security_mode = DRT_SECURE_RESOLVE;
  std::uint32_t max_routing_addresses = 4;
  std::uint8_t protocol_major = 1;
  std::uint8_t protocol_minor = 0;
  transport_config transport;
  security_config security;
  bootstrap_config bootstrap;
};

// Reads and validates `path`. On failure returns the HRESULT of spec/api.md §7.1 rows 4-7 and
// sets the thread's last-error detail to "<message> <path>:<line>: <key>: <problem>".
[[nodiscard]] HRESULT parse_config_file(const std::string& path, node_config& out);

// The same for text already read; `path` names the file in messages and anchors relative paths.
// Exposed for the fuzz target (tests/fuzz/fuzz_config.cpp).
[[nodiscard]] HRESULT parse_config_text(const std::string& path, const std::string& text, node_config& out);

// Parses "[addr]:port" or "[addr%ifname]:port" (the form of `bootstrap.peers` and
// `bootstrap.group`): AF_INET6, port in network byte order, scope id from ifname (if_nametoindex).
// nullopt if the text has another form, the port is above 65535 or no interface has that name.
// Says nothing about usability (port below 1024, unspecified or multicast address).
[[nodiscard]] std::optional<sockaddr_in6> parse_ipv6_endpoint(std::string_view text);

}  // namespace drt::runtime
