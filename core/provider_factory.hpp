// core: creating providers through plugins, shared by the public plugin API, the Windows-style
// Drt*Create* functions and DrtOpenFromConfigFile.
#pragma once

#include "library.hpp"
#include "runtime/config_file.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace drt::core {

// Built-in plugins and their providers (docs/provider-abi.md).
inline constexpr const char* builtin_security_plugin = "security-openssl";
inline constexpr const char* builtin_transport_plugin = "transport-ipv6";
inline constexpr const char* builtin_bootstrap_plugin = "bootstrap-basic";

struct factory_request {
  std::shared_ptr<runtime::loaded_plugin> plugin;
  DRT_PROVIDER_KIND kind = DRT_PROVIDER_KIND_SECURITY;
  std::string provider;
  std::vector<runtime::provider_param> params;
  std::string base_directory;
  std::shared_ptr<std::atomic<int>> plugin_handle_uses;  // set when made through an HDRT_PLUGIN
};

// Calls the plugin's factory. Security and bootstrap providers are registered in
// library::created and returned in *out; a transport is wrapped in a new transport handle,
// returned in *out. Sets the detail on failure.
[[nodiscard]] HRESULT create_provider(const factory_request& req, void** out);

// Loads a plugin by name or path, then create_provider.
[[nodiscard]] HRESULT create_provider_from(std::string_view plugin, DRT_PROVIDER_KIND kind,
                                           std::string provider,
                                           std::vector<runtime::provider_param> params,
                                           std::string base_directory, void** out);

runtime::provider_param string_param(std::string name, std::string value);
runtime::provider_param integer_param(std::string name, std::int64_t value);
runtime::provider_param bytes_param(std::string name, const std::uint8_t* pb, std::uint32_t cb);

// DrtDeleteIpv6UdpTransport / DrtDeleteTransport (spec/api.md §5.5.2).
[[nodiscard]] HRESULT delete_transport(HDRT_TRANSPORT h);

// Copies a transport table of any ABI 1.x size into the current layout (members its minor lacks
// are NULL; GetReceiveDescriptor and Receive are kept only as a pair). False if the table is
// shorter than ABI 1.0's or lacks a required member.
[[nodiscard]] bool copy_transport_table(const DRT_TRANSPORT_PROVIDER& in, DRT_TRANSPORT_PROVIDER& out);

}  // namespace drt::core
