// core/runtime: reads and validates the TOML node configuration (spec/api.md §7.1,
// docs/configuration.md): the schema, table by table. "First matching row wins" holds across the
// whole file: the file is read (row 4) and parsed (row 5), then every structural check of row 6
// runs over all tables, and an API-equivalent value failure (row 7) found on the way is reported
// only if no row-6 problem follows it (config_keys.hpp).
#include "runtime/config_file.hpp"

#include "errors.hpp"
#include "runtime/config_keys.hpp"
#include "runtime/utf8.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

namespace drt::runtime::config {
namespace {

// Row 5. toml++ checks UTF-8 too; checking first pins the rules of spec/api.md §1.5. A newline
// byte never occurs inside a multi-byte sequence, so each line can be checked on its own.
HRESULT parse_toml(const std::string& path, const std::string& text, toml::table& root) {
  std::size_t start = 0;
  for (line_t line = 1; start <= text.size(); ++line) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (!is_valid_utf8(std::string_view(text).substr(start, end - start))) {
      return core::fail(DRT_E_CONFIG_SYNTAX,
                        path + ':' + std::to_string(line) + ": not valid UTF-8");
    }
    start = end + 1;
  }
  try {
    root = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    return core::fail(DRT_E_CONFIG_SYNTAX, path + ':' + std::to_string(line_of(e.source())) + ": " +
                                               std::string(e.description()));
  }
  return S_OK;
}

// ---- Provider choice ----------------------------------------------------------------------------

struct provider_choice {
  bool builtin = true;
  std::string phrase;  // `provider "dns"`, for "does not apply to ..."
};

// `provider` and `plugin`, shared by the three provider tables. A name that is not built in needs
// `plugin`. A plugin path (it contains '/') is resolved against the file's directory here, since
// the loader would resolve it against the process's working directory.
HRESULT parse_provider_choice(context& cx, const section& s, key_list builtins, bool required,
                              std::string& provider, std::optional<std::string>& plugin,
                              provider_origin& origin, provider_choice& out) {
  std::optional<located<std::string>> plugin_text;
  if (HRESULT hr = get_string(cx, s, "plugin", plugin_text); FAILED(hr)) return hr;
  if (plugin_text) {
    plugin = plugin_text->value;
    if (plugin->find('/') != std::string::npos) plugin = cx.resolve(*plugin);
    if (plugin->empty()) {
      cx.value_error(E_INVALIDARG, plugin_text->line, s.key("plugin"), "must not be empty");
    }
  }
  std::optional<located<std::string>> name;
  if (HRESULT hr = get_string(cx, s, "provider", name); FAILED(hr)) return hr;
  if (!name && required) return cx.invalid(s.line, s.key("provider"), "required key is missing");
  if (name) {
    if (name->value.empty()) return cx.invalid(name->line, s.key("provider"), "must not be empty");
    provider = name->value;
  }
  out.builtin = contains(builtins, provider);
  out.phrase = "provider " + in_quotes(provider);
  origin.line = plugin_text ? plugin_text->line : (name ? name->line : s.line);
  origin.key = s.key(plugin_text ? "plugin" : "provider");
  if (!out.builtin && !plugin) {
    std::string known;
    for (std::string_view b : builtins) known += (known.empty() ? "" : ", ") + in_quotes(b);
    return cx.invalid(name ? name->line : s.line, s.key("provider"),
                      "unknown provider " + in_quotes(provider) + " (built in: " + known +
                          "; any other name needs the plugin key)");
  }
  return S_OK;
}

// ---- [drt] --------------------------------------------------------------------------------------

constexpr std::array<std::string_view, 5> drt_keys{"instance_prefix", "security_mode",
                                                   "max_routing_addresses", "protocol_major",
                                                   "protocol_minor"};

constexpr std::array<choice<DRT_SECURITY_MODE>, 3> security_modes{{
    {"resolve", DRT_SECURE_RESOLVE},
    {"membership", DRT_SECURE_MEMBERSHIP},
    {"confidential", DRT_SECURE_CONFIDENTIALPAYLOAD},
}};

HRESULT parse_drt_table(context& cx, const section& s, node_config& out) {
  if (HRESULT hr = check_keys(cx, s, drt_keys, drt_keys, ""); FAILED(hr)) return hr;
  std::optional<located<std::string>> prefix;
  if (HRESULT hr = get_string(cx, s, "instance_prefix", prefix); FAILED(hr)) return hr;
  if (prefix) {
    out.instance_prefix = prefix->value;
    if (!is_valid_utf8(prefix->value) || utf8_code_points(prefix->value) > 128) {
      cx.value_error(DRT_E_INVALID_INSTANCE_PREFIX, prefix->line, s.key("instance_prefix"),
                     "longer than 128 characters or not valid UTF-8");
    }
  }
  std::optional<located<DRT_SECURITY_MODE>> mode;
  if (HRESULT hr = get_enum(cx, s, "security_mode", security_modes, mode); FAILED(hr)) return hr;
  if (mode) out.security_mode = mode->value;
  std::optional<located<std::int64_t>> addresses;
  HRESULT hr = get_integer(cx, s, "max_routing_addresses", int64_min, int64_max, addresses);
  if (FAILED(hr)) return hr;
  if (addresses && (addresses->value < 1 || addresses->value > 20)) {
    cx.value_error(DRT_E_INVALID_MAX_ADDRESSES, addresses->line, s.key("max_routing_addresses"),
                   "must be from 1 to 20");
  } else if (addresses) {
    out.max_routing_addresses = static_cast<std::uint32_t>(addresses->value);
  }
  std::optional<located<std::int64_t>> major;
  std::optional<located<std::int64_t>> minor;
  if (HRESULT h = get_integer(cx, s, "protocol_major", 0, 255, major); FAILED(h)) return h;
  if (HRESULT h = get_integer(cx, s, "protocol_minor", 0, 255, minor); FAILED(h)) return h;
  if (major) out.protocol_major = static_cast<std::uint8_t>(major->value);
  if (minor) out.protocol_minor = static_cast<std::uint8_t>(minor->value);
  return S_OK;
}

// ---- [transport] --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 7> transport_keys{
    "plugin", "provider", "scope", "interface", "port", "locality_threshold", "options"};
constexpr std::array<std::string_view, 3> plugin_provider_keys{"plugin", "provider", "options"};
constexpr std::array<std::string_view, 1> transport_builtins{"ipv6-udp"};

enum class scope_choice { global, site_local, link_local, loopback };

constexpr std::array<choice<scope_choice>, 4> scopes{{
    {"global", scope_choice::global},
    {"site-local", scope_choice::site_local},
    {"link-local", scope_choice::link_local},
    {"loopback", scope_choice::loopback},
}};

// "loopback" is link-local scope on the loopback interface (spec/api.md §5.5.1, loopback mode).
void apply_scope(context& cx, const section& s, const located<scope_choice>& scope,
                 transport_config& out) {
  switch (scope.value) {
    case scope_choice::global: out.scope = DRT_GLOBAL_SCOPE; break;
    case scope_choice::site_local: out.scope = DRT_SITE_LOCAL_SCOPE; break;
    case scope_choice::link_local: out.scope = DRT_LINK_LOCAL_SCOPE; break;
    case scope_choice::loopback:
      out.scope = DRT_LINK_LOCAL_SCOPE;
      out.loopback = true;
      out.scope_id = ::if_nametoindex("lo");
      if (out.scope_id == 0) {
        cx.value_error(DRT_E_INVALID_SCOPE, scope.line, s.key("scope"),
                       "this host has no loopback interface named \"lo\"");
      }
      break;
  }
}

HRESULT parse_ipv6_udp_keys(context& cx, const section& s, transport_config& out) {
  std::optional<located<scope_choice>> scope;
  if (HRESULT hr = get_enum(cx, s, "scope", scopes, scope); FAILED(hr)) return hr;
  std::optional<located<std::uint32_t>> interface;
  if (HRESULT hr = get_interface(cx, s, "interface", interface); FAILED(hr)) return hr;
  if (interface && (!scope || scope->value != scope_choice::link_local)) {
    return cx.invalid(interface->line, s.key("interface"), "applies only to scope \"link-local\"");
  }
  if (scope) apply_scope(cx, s, *scope, out);
  if (interface) out.scope_id = interface->value;
  std::optional<located<std::int64_t>> port;
  if (HRESULT hr = get_integer(cx, s, "port", 0, 65535, port); FAILED(hr)) return hr;
  if (port) {
    out.port = static_cast<std::uint16_t>(port->value);
    if (port->value >= 1 && port->value <= 1023) {
      cx.value_error(DRT_E_INVALID_PORT, port->line, s.key("port"),
                     "ports 1 to 1023 are not allowed (0 = any free port)");
    }
  }
  std::optional<located<std::int64_t>> threshold;
  if (HRESULT hr = get_integer(cx, s, "locality_threshold", 0, uint32_max, threshold); FAILED(hr)) {
    return hr;
  }
  if (threshold) out.locality_threshold = static_cast<std::uint32_t>(threshold->value);
  return S_OK;
}

HRESULT parse_transport_table(context& cx, const section& s, transport_config& out) {
  provider_choice chosen;
  HRESULT hr =
      parse_provider_choice(cx, s, transport_builtins, false, out.provider, out.plugin, out.origin, chosen);
  if (FAILED(hr)) return hr;
  const key_list allowed =
      chosen.builtin ? key_list(transport_keys) : key_list(plugin_provider_keys);
  if (hr = check_keys(cx, s, allowed, transport_keys, chosen.phrase); FAILED(hr)) return hr;
  if (chosen.builtin) {
    if (hr = parse_ipv6_udp_keys(cx, s, out); FAILED(hr)) return hr;
  }
  return get_options(cx, s, out.options);
}

// ---- [security] ---------------------------------------------------------------------------------

constexpr std::array<std::string_view, 6> security_keys{"provider",   "plugin",    "root_cert",
                                                        "local_cert", "local_key", "options"};
constexpr std::array<std::string_view, 2> security_builtins{"derived-key", "null"};

// spec/api.md §6: PEM if, after optional whitespace, the bytes begin with "-----BEGIN ".
bool is_pem(const std::vector<std::uint8_t>& bytes) {
  const auto text = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const std::size_t start = text.find_first_not_of(" \t\r\n\f\v");
  return start != std::string_view::npos && text.substr(start).starts_with("-----BEGIN ");
}

// A file named by a key: unreadable is row 6; empty is row 7 (the create function's `cb == 0`).
HRESULT read_key_file(context& cx, const section& s, std::string_view leaf,
                      const located<std::string>& file, std::vector<std::uint8_t>& out) {
  const std::string resolved = cx.resolve(file.value);
  std::string bytes;
  if (const int err = read_whole_file(resolved, bytes); err != 0) {
    return cx.invalid(file.line, s.key(leaf),
                      "cannot read " + in_quotes(resolved) + ": " + errno_text(err));
  }
  if (bytes.empty()) {
    cx.value_error(E_INVALIDARG, file.line, s.key(leaf), in_quotes(resolved) + " is empty");
  }
  out.assign(bytes.begin(), bytes.end());
  return S_OK;
}

// local_key is appended to local_cert (spec/api.md §7.1); a PEM pair gets a newline between them
// so that a certificate file without a final newline does not run into the key's BEGIN line.
HRESULT parse_local_credential(context& cx, const section& s, security_config& out) {
  std::optional<located<std::string>> cert;
  std::optional<located<std::string>> key;
  if (HRESULT hr = get_string(cx, s, "local_cert", cert); FAILED(hr)) return hr;
  if (HRESULT hr = get_string(cx, s, "local_key", key); FAILED(hr)) return hr;
  if (key && !cert) return cx.invalid(key->line, s.key("local_key"), "requires local_cert");
  if (!cert) return S_OK;
  if (HRESULT hr = read_key_file(cx, s, "local_cert", *cert, out.local_cert); FAILED(hr)) return hr;
  out.has_local_cert = true;
  if (!key) return S_OK;
  std::vector<std::uint8_t> key_bytes;
  if (HRESULT hr = read_key_file(cx, s, "local_key", *key, key_bytes); FAILED(hr)) return hr;
  if (out.local_cert.empty() || key_bytes.empty()) return S_OK;  // already a row-7 failure
  const bool cert_pem = is_pem(out.local_cert);
  if (cert_pem != is_pem(key_bytes)) {
    return cx.invalid(
        key->line, s.key("local_key"),
        std::string(cert_pem ? "is DER but local_cert is PEM" : "is PEM but local_cert is DER") +
            "; both must be PEM or both DER");
  }
  if (cert_pem && out.local_cert.back() != '\n') out.local_cert.push_back('\n');
  out.local_cert.insert(out.local_cert.end(), key_bytes.begin(), key_bytes.end());
  return S_OK;
}

HRESULT parse_security_table(context& cx, const section& s, security_config& out) {
  provider_choice chosen;
  HRESULT hr =
      parse_provider_choice(cx, s, security_builtins, true, out.provider, out.plugin, out.origin, chosen);
  if (FAILED(hr)) return hr;
  const bool derived = out.provider == "derived-key";
  const key_list allowed = derived ? key_list(security_keys) : key_list(plugin_provider_keys);
  if (hr = check_keys(cx, s, allowed, security_keys, chosen.phrase); FAILED(hr)) return hr;
  if (derived) {
    std::optional<located<std::string>> root;
    if (hr = get_string(cx, s, "root_cert", root); FAILED(hr)) return hr;
    if (!root) {
      return cx.invalid(s.line, s.key("root_cert"),
                        "required key is missing (provider \"derived-key\")");
    }
    if (hr = read_key_file(cx, s, "root_cert", *root, out.root_cert); FAILED(hr)) return hr;
    out.has_root_cert = true;
    if (hr = parse_local_credential(cx, s, out); FAILED(hr)) return hr;
  }
  return get_options(cx, s, out.options);
}

// ---- [bootstrap] --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 9> bootstrap_keys{
    "provider", "plugin", "peers", "host", "port", "interface", "group", "cloud_name", "options"};
constexpr std::array<std::string_view, 4> static_keys{"provider", "plugin", "peers", "options"};
constexpr std::array<std::string_view, 5> dns_keys{"provider", "plugin", "host", "port", "options"};
constexpr std::array<std::string_view, 6> multicast_keys{"provider", "plugin",     "interface",
                                                         "group",    "cloud_name", "options"};
constexpr std::array<std::string_view, 3> bootstrap_builtins{"static", "dns", "multicast"};

constexpr std::string_view endpoint_forms = "is not \"[ipv6]:port\" or \"[ipv6%ifname]:port\"";

// spec/api.md §5.7.3 row 3: the reason a static peer is unusable, or empty.
std::string peer_problem(std::string_view text) {
  const std::optional<sockaddr_in6> peer = parse_ipv6_endpoint(text);
  if (!peer) return std::string(endpoint_forms);
  if (ntohs(peer->sin6_port) < 1024) return "has a port below 1024";
  if (IN6_IS_ADDR_UNSPECIFIED(&peer->sin6_addr)) return "is the unspecified address";
  if (IN6_IS_ADDR_MULTICAST(&peer->sin6_addr)) return "is a multicast address";
  return {};
}

// spec/api.md §5.7.4 row 3: the reason a multicast group is unusable, or empty.
std::string group_problem(std::string_view text) {
  const std::optional<sockaddr_in6> group = parse_ipv6_endpoint(text);
  if (!group) return std::string(endpoint_forms);
  if (!IN6_IS_ADDR_MULTICAST(&group->sin6_addr)) return "is not a multicast address";
  if (ntohs(group->sin6_port) < 1024) return "has a port below 1024";
  return {};
}

HRESULT parse_static_keys(context& cx, const section& s, bootstrap_config& out) {
  const toml::node* node = s.find("peers");
  if (node == nullptr) return S_OK;
  const auto* peers = node->as_array();
  if (peers == nullptr) return wrong_type(cx, *node, s.key("peers"), "an array of strings");
  for (std::size_t i = 0; i < peers->size(); ++i) {
    const toml::node& element = *peers->get(i);
    const std::string key = s.key("peers") + '[' + std::to_string(i) + ']';
    const line_t line = line_of(element.source());
    const auto* peer = element.as_string();
    if (peer == nullptr) return wrong_type(cx, element, key, "a string");
    if (peer->get().find('\0') != std::string::npos) {
      return cx.invalid(line, key, "contains a NUL character");
    }
    if (std::string problem = peer_problem(peer->get()); !problem.empty()) {
      cx.value_error(DRT_E_INVALID_ADDRESS, line, key, in_quotes(peer->get()) + " " + problem);
    }
    out.peers.push_back(peer->get());
  }
  return S_OK;
}

HRESULT parse_dns_keys(context& cx, const section& s, bootstrap_config& out) {
  std::optional<located<std::string>> host;
  std::optional<located<std::int64_t>> port;
  if (HRESULT hr = get_string(cx, s, "host", host); FAILED(hr)) return hr;
  if (!host) return cx.invalid(s.line, s.key("host"), "required key is missing (provider \"dns\")");
  if (HRESULT hr = get_integer(cx, s, "port", 0, 65535, port); FAILED(hr)) return hr;
  if (!port) return cx.invalid(s.line, s.key("port"), "required key is missing (provider \"dns\")");
  out.host = host->value;
  out.port = static_cast<std::uint16_t>(port->value);
  // spec/api.md §5.7.1 rows 2 and 3.
  if (!is_valid_utf8(host->value) || host->value.find_first_not_of(" ;") == std::string::npos) {
    cx.value_error(E_INVALIDARG, host->line, s.key("host"),
                   "empty, only separators, or not valid UTF-8");
  }
  if (port->value < 1024) cx.value_error(E_INVALIDARG, port->line, s.key("port"), "below 1024");
  return S_OK;
}

HRESULT parse_multicast_keys(context& cx, const section& s, bootstrap_config& out) {
  std::optional<located<std::uint32_t>> interface;
  if (HRESULT hr = get_interface(cx, s, "interface", interface); FAILED(hr)) return hr;
  if (interface) out.interface_index = interface->value;
  std::optional<located<std::string>> group;
  if (HRESULT hr = get_string(cx, s, "group", group); FAILED(hr)) return hr;
  if (group) {
    out.group = group->value;
    if (std::string problem = group_problem(group->value); !problem.empty()) {
      cx.value_error(DRT_E_INVALID_ADDRESS, group->line, s.key("group"),
                     in_quotes(group->value) + " " + problem);
    }
  }
  std::optional<located<std::string>> cloud;
  if (HRESULT hr = get_string(cx, s, "cloud_name", cloud); FAILED(hr)) return hr;
  if (cloud) {
    out.cloud_name = cloud->value;
    if (cloud->value.size() > 64 || !is_valid_utf8(cloud->value)) {
      cx.value_error(E_INVALIDARG, cloud->line, s.key("cloud_name"),
                     "longer than 64 bytes or not valid UTF-8");
    }
  }
  return S_OK;
}

HRESULT parse_bootstrap_table(context& cx, const section& s, bootstrap_config& out) {
  provider_choice chosen;
  HRESULT hr =
      parse_provider_choice(cx, s, bootstrap_builtins, true, out.provider, out.plugin, out.origin, chosen);
  if (FAILED(hr)) return hr;
  key_list allowed = plugin_provider_keys;
  if (out.provider == "static") allowed = static_keys;
  if (out.provider == "dns") allowed = dns_keys;
  if (out.provider == "multicast") allowed = multicast_keys;
  if (hr = check_keys(cx, s, allowed, bootstrap_keys, chosen.phrase); FAILED(hr)) return hr;
  if (out.provider == "static") hr = parse_static_keys(cx, s, out);
  if (out.provider == "dns") hr = parse_dns_keys(cx, s, out);
  if (out.provider == "multicast") hr = parse_multicast_keys(cx, s, out);
  if (FAILED(hr)) return hr;
  return get_options(cx, s, out.options);
}

// ---- The file -----------------------------------------------------------------------------------

constexpr std::array<std::string_view, 4> top_level_tables{"drt", "transport", "security",
                                                           "bootstrap"};
// Entries the library accepts at the top level but leaves to the application: `[[keys]]` lists
// keys to publish, which `drt node` reads (docs/configuration.md §8). An instance opened from a
// file registers nothing by itself, because only the application can own the registrations.
constexpr std::array<std::string_view, 5> top_level_entries{"drt", "transport", "security",
                                                            "bootstrap", "keys"};

// `keys`, if present, must be an array of tables; their contents are the application's.
HRESULT check_application_keys(const context& cx, const toml::table& root) {
  const toml::node* node = root.get("keys");
  if (node == nullptr) return S_OK;
  const toml::array* list = node->as_array();
  if (list == nullptr) return wrong_type(cx, *node, "keys", "an array of tables ([[keys]])");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::node& entry = *list->get(i);
    if (!entry.is_table()) {
      return wrong_type(cx, entry, "keys[" + std::to_string(i) + "]", "a table ([[keys]])");
    }
  }
  return S_OK;
}

HRESULT get_section(const context& cx, const toml::table& root, std::string_view name,
                    section& out) {
  out = section{nullptr, std::string(name), 1};
  const toml::node* node = root.get(name);
  if (node == nullptr) return S_OK;
  out.table = node->as_table();
  if (out.table == nullptr) return wrong_type(cx, *node, std::string(name), "a table");
  out.line = line_of(node->source());
  return S_OK;
}

HRESULT parse_root(context& cx, const toml::table& root, node_config& out) {
  const section whole{&root, "", 1};
  HRESULT hr = check_keys(cx, whole, top_level_entries, top_level_entries, "");
  if (FAILED(hr)) return hr;
  if (hr = check_application_keys(cx, root); FAILED(hr)) return hr;
  std::array<section, 4> sections;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (hr = get_section(cx, root, top_level_tables[i], sections[i]); FAILED(hr)) return hr;
  }
  if (hr = parse_drt_table(cx, sections[0], out); FAILED(hr)) return hr;
  if (hr = parse_transport_table(cx, sections[1], out.transport); FAILED(hr)) return hr;
  if (hr = parse_security_table(cx, sections[2], out.security); FAILED(hr)) return hr;
  return parse_bootstrap_table(cx, sections[3], out.bootstrap);
}

// The file's directory as an absolute path (symbolic links are not resolved).
std::string base_directory_of(const std::string& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) absolute = path;
  return absolute.lexically_normal().parent_path().string();
}

}  // namespace
}  // namespace drt::runtime::config

namespace drt::runtime {

HRESULT parse_config_file(const std::string& path, node_config& out) {
  std::string text;
  if (const int err = config::read_whole_file(path, text); err != 0) {
    return core::fail(core::hresult_from_errno(err),
                      path + ": cannot read: " + config::errno_text(err));
  }
  return parse_config_text(path, text, out);
}

HRESULT parse_config_text(const std::string& path, const std::string& text, node_config& out) {
  toml::table root;
  if (HRESULT hr = config::parse_toml(path, text, root); FAILED(hr)) return hr;
  config::context cx{path, config::base_directory_of(path), std::nullopt};
  node_config parsed;
  parsed.path = path;
  parsed.base_directory = cx.base_directory;
  if (HRESULT hr = config::parse_root(cx, root, parsed); FAILED(hr)) return hr;
  if (cx.first_value_error) return cx.report(*cx.first_value_error);
  out = std::move(parsed);
  return S_OK;
}

std::optional<sockaddr_in6> parse_ipv6_endpoint(std::string_view text) {
  const std::size_t close = text.find("]:");
  if (text.empty() || text.front() != '[' || close == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(1, close - 1);
  const std::string_view port_text = text.substr(close + 2);
  if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::uint32_t port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || port > 65535) return std::nullopt;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(static_cast<std::uint16_t>(port));
  if (const std::size_t percent = host.find('%'); percent != std::string_view::npos) {
    const std::string interface(host.substr(percent + 1));
    address.sin6_scope_id = interface.empty() ? 0 : ::if_nametoindex(interface.c_str());
    if (address.sin6_scope_id == 0) return std::nullopt;
    host = host.substr(0, percent);
  }
  const std::string address_text(host);
  if (::inet_pton(AF_INET6, address_text.c_str(), &address.sin6_addr) != 1) return std::nullopt;
  return address;
}

}  // namespace drt::runtime
