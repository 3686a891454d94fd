// core: provider plugins (docs/provider-abi.md) and the Windows-style create/delete functions
// that load the built-in plugins (spec/api.md §5.5-§5.7).
#include "api_common.hpp"
#include "provider_factory.hpp"
#include "runtime/utf8.hpp"

#include <arpa/inet.h>

#include <cstring>

#include <net/if.h>

namespace drt::core {
namespace {

std::shared_ptr<plugin_handle_object> find_plugin(HDRT_PLUGIN h) {
  return lib().handles.find<plugin_handle_object>(h, handle_kind::plugin);
}

HRESULT create_through_handle(HDRT_PLUGIN h, const char* name, const DRT_PROVIDER_CONFIG* cfg,
                              DRT_PROVIDER_KIND kind, void** out) {
  if (out == nullptr) return fail(E_INVALIDARG, "the output pointer is NULL");
  *out = nullptr;
  if (name == nullptr) return fail(E_INVALIDARG, "pszProvider is NULL");
  if (cfg != nullptr && cfg->cbSize != sizeof(DRT_PROVIDER_CONFIG)) {
    return fail(E_INVALIDARG, "pConfig->cbSize is " + std::to_string(cfg->cbSize));
  }
  if (HRESULT hr = library_check(); FAILED(hr)) return hr;
  auto plugin = find_plugin(h);
  if (!plugin) return fail(E_HANDLE, "hPlugin is not a live plugin handle");
  factory_request req;
  req.plugin = plugin->plugin;
  req.kind = kind;
  req.provider = name;
  req.plugin_handle_uses = plugin->live_providers;
  if (cfg != nullptr) {
    for (std::uint32_t i = 0; i < cfg->cParams; ++i) {
      const DRT_PROVIDER_PARAM& a = cfg->pParams[i];
      runtime::provider_param p;
      p.name = a.pszName ? a.pszName : "";
      p.type = a.eType;
      if (a.eType == DRT_PARAM_STRING && a.pszValue) p.text = a.pszValue;
      p.integer = a.llValue;
      p.real = a.dblValue;
      if (a.eType == DRT_PARAM_BYTES && a.data.pb) p.bytes.assign(a.data.pb, a.data.pb + a.data.cb);
      req.params.push_back(std::move(p));
    }
    if (cfg->pszBaseDirectory) req.base_directory = cfg->pszBaseDirectory;
  }
  const HRESULT hr = create_provider(req, out);
  return FAILED(hr) ? hr : succeed();
}

bool has_interface(std::uint32_t index) {
  char name[IF_NAMESIZE] = {};
  return ::if_indextoname(index, name) != nullptr;
}

}  // namespace
}  // namespace drt::core

using namespace drt::core;

// ---- plugin API ---------------------------------------------------------------------------------

extern "C" DRT_EXPORT HRESULT DrtLoadProviderPlugin(const char* pszNameOrPath, HDRT_PLUGIN* phPlugin) {
  return guarded([&]() -> HRESULT {
    if (phPlugin == nullptr) return fail(E_INVALIDARG, "phPlugin is NULL");
    *phPlugin = nullptr;
    if (pszNameOrPath == nullptr || *pszNameOrPath == '\0') return fail(E_INVALIDARG, "no plugin name or path");
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto obj = std::make_shared<plugin_handle_object>();
    if (HRESULT hr = drt::core::lib().plugins.load(pszNameOrPath, obj->plugin); FAILED(hr)) return hr;
    *phPlugin = lib().handles.insert(handle_kind::plugin, obj);
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtUnloadProviderPlugin(HDRT_PLUGIN hPlugin) {
  return guarded([&]() -> HRESULT {
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto plugin = find_plugin(hPlugin);
    if (!plugin) return fail(E_HANDLE, "hPlugin is not a live plugin handle");
    if (plugin->live_providers->load() > 0) {
      return fail(DRT_E_STILL_IN_USE, std::to_string(plugin->live_providers->load()) +
                                          " provider(s) created through this handle are alive; delete them first");
    }
    lib().handles.remove(hPlugin, handle_kind::plugin);
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtGetPluginDescriptor(HDRT_PLUGIN hPlugin, const DRT_PLUGIN_DESCRIPTOR** ppDescriptor) {
  return guarded([&]() -> HRESULT {
    if (ppDescriptor == nullptr) return fail(E_INVALIDARG, "ppDescriptor is NULL");
    *ppDescriptor = nullptr;
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    auto plugin = find_plugin(hPlugin);
    if (!plugin) return fail(E_HANDLE, "hPlugin is not a live plugin handle");
    *ppDescriptor = &plugin->plugin->descriptor();
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtCreateSecurityProviderFromPlugin(HDRT_PLUGIN hPlugin, const char* pszProvider,
                                                                  const DRT_PROVIDER_CONFIG* pConfig,
                                                                  DRT_SECURITY_PROVIDER** ppProvider) {
  return guarded([&] {
    return create_through_handle(hPlugin, pszProvider, pConfig, DRT_PROVIDER_KIND_SECURITY,
                                 reinterpret_cast<void**>(ppProvider));
  });
}

extern "C" DRT_EXPORT HRESULT DrtCreateBootstrapProviderFromPlugin(HDRT_PLUGIN hPlugin, const char* pszProvider,
                                                                   const DRT_PROVIDER_CONFIG* pConfig,
                                                                   DRT_BOOTSTRAP_PROVIDER** ppProvider) {
  return guarded([&] {
    return create_through_handle(hPlugin, pszProvider, pConfig, DRT_PROVIDER_KIND_BOOTSTRAP,
                                 reinterpret_cast<void**>(ppProvider));
  });
}

extern "C" DRT_EXPORT HRESULT DrtCreateTransportFromPlugin(HDRT_PLUGIN hPlugin, const char* pszProvider,
                                                           const DRT_PROVIDER_CONFIG* pConfig,
                                                           HDRT_TRANSPORT* phTransport) {
  return guarded([&] {
    return create_through_handle(hPlugin, pszProvider, pConfig, DRT_PROVIDER_KIND_TRANSPORT, phTransport);
  });
}

extern "C" DRT_EXPORT void DrtDeleteSecurityProvider(DRT_SECURITY_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_SECURITY); });
}

extern "C" DRT_EXPORT void DrtDeleteBootstrapProvider(DRT_BOOTSTRAP_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_BOOTSTRAP); });
}

extern "C" DRT_EXPORT HRESULT DrtCreateTransport(const DRT_TRANSPORT_PROVIDER* pProvider, HDRT_TRANSPORT* phTransport) {
  return guarded([&]() -> HRESULT {
    if (pProvider == nullptr || phTransport == nullptr) return fail(E_INVALIDARG, "pProvider or phTransport is NULL");
    *phTransport = nullptr;
    auto obj = std::make_shared<transport_object>();
    if (!copy_transport_table(*pProvider, obj->table)) {
      return fail(DRT_E_INVALID_TRANSPORT_PROVIDER, "cbSize is too small or a function member is NULL");
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    *phTransport = lib().handles.insert(handle_kind::transport, obj);
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtDeleteTransport(HDRT_TRANSPORT hTransport) {
  return guarded([&] { return delete_transport(hTransport); });
}

// ---- Windows-style functions backed by the built-in plugins --------------------------------------

extern "C" DRT_EXPORT HRESULT DrtCreateIpv6UdpTransport(DRT_SCOPE scope, uint32_t dwScopeId,
                                                        uint32_t dwLocalityThreshold, uint16_t* pwPort,
                                                        HDRT_TRANSPORT* phTransport) {
  return guarded([&]() -> HRESULT {
    if (pwPort == nullptr) return fail(DRT_E_INVALID_PORT, "pwPort is NULL");
    if (phTransport == nullptr) return fail(DRT_E_INVALID_TRANSPORT_PROVIDER, "phTransport is NULL");
    *phTransport = nullptr;
    // A C caller may pass any int (api.md §1.2: enums have the size of int); reading a value
    // outside 1..3 as a DRT_SCOPE would be undefined behaviour in C++, so read the int.
    static_assert(sizeof(DRT_SCOPE) == sizeof(int));
    int raw_scope = 0;
    std::memcpy(&raw_scope, &scope, sizeof raw_scope);
    if (raw_scope < DRT_GLOBAL_SCOPE || raw_scope > DRT_LINK_LOCAL_SCOPE) {
      return fail(DRT_E_INVALID_SCOPE, "scope " + std::to_string(raw_scope) + " is not 1, 2 or 3");
    }
    if (*pwPort >= 1 && *pwPort <= 1023) return fail(DRT_E_INVALID_PORT, "ports 1 to 1023 are not allowed");
    if (raw_scope == DRT_LINK_LOCAL_SCOPE &&
        (dwScopeId == DRT_LINK_LOCAL_ISATAP_SCOPEID || (dwScopeId != 0 && !has_interface(dwScopeId)))) {
      return fail(DRT_E_INVALID_SCOPE, "no interface has index " + std::to_string(dwScopeId));
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::vector<drt::runtime::provider_param> params{
        integer_param("scope", raw_scope), integer_param("scope_id", dwScopeId),
        integer_param("locality_threshold", dwLocalityThreshold), integer_param("port", *pwPort)};
    void* handle = nullptr;
    HRESULT hr = create_provider_from(builtin_transport_plugin, DRT_PROVIDER_KIND_TRANSPORT, "ipv6-udp",
                                      std::move(params), {}, &handle);
    if (FAILED(hr)) return hr;
    auto t = lib().handles.find<transport_object>(handle, handle_kind::transport);
    uint16_t port = 0;
    if (FAILED(hr = t->table.GetPort(t->table.pvContext, &port))) {
      (void)delete_transport(handle);
      return fail(hr, "the transport cannot report its port");
    }
    *pwPort = port;
    *phTransport = handle;
    return succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtDeleteIpv6UdpTransport(HDRT_TRANSPORT hTransport) {
  return guarded([&] { return delete_transport(hTransport); });
}

extern "C" DRT_EXPORT HRESULT DrtCreateNullSecurityProvider(DRT_SECURITY_PROVIDER** ppSecurityProvider) {
  return guarded([&]() -> HRESULT {
    if (ppSecurityProvider == nullptr) return fail(E_INVALIDARG, "ppSecurityProvider is NULL");
    *ppSecurityProvider = nullptr;
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    const HRESULT hr = create_provider_from(builtin_security_plugin, DRT_PROVIDER_KIND_SECURITY, "null", {}, {},
                                            reinterpret_cast<void**>(ppSecurityProvider));
    return FAILED(hr) ? hr : succeed();
  });
}

extern "C" DRT_EXPORT void DrtDeleteNullSecurityProvider(DRT_SECURITY_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_SECURITY); });
}

extern "C" DRT_EXPORT HRESULT DrtCreateDerivedKeySecurityProvider(const DRT_DATA* pRootCert, const DRT_DATA* pLocalCert,
                                                                  DRT_SECURITY_PROVIDER** ppSecurityProvider) {
  return guarded([&]() -> HRESULT {
    if (ppSecurityProvider == nullptr) return fail(E_INVALIDARG, "ppSecurityProvider is NULL");
    *ppSecurityProvider = nullptr;
    if (pRootCert == nullptr || pRootCert->pb == nullptr || pRootCert->cb == 0) return fail(E_INVALIDARG, "pRootCert is empty");
    if (pLocalCert != nullptr && (pLocalCert->pb == nullptr || pLocalCert->cb == 0)) {
      return fail(E_INVALIDARG, "pLocalCert is empty");
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::vector<drt::runtime::provider_param> params{bytes_param("root_cert", pRootCert->pb, pRootCert->cb)};
    if (pLocalCert) params.push_back(bytes_param("local_cert", pLocalCert->pb, pLocalCert->cb));
    const HRESULT hr = create_provider_from(builtin_security_plugin, DRT_PROVIDER_KIND_SECURITY, "derived-key",
                                            std::move(params), {}, reinterpret_cast<void**>(ppSecurityProvider));
    return FAILED(hr) ? hr : succeed();
  });
}

extern "C" DRT_EXPORT void DrtDeleteDerivedKeySecurityProvider(DRT_SECURITY_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_SECURITY); });
}

extern "C" DRT_EXPORT HRESULT DrtCreateDerivedKey(const DRT_DATA* pLocalCert, DRT_DATA* pKey) {
  return guarded([&]() -> HRESULT {
    if (pLocalCert == nullptr || pLocalCert->pb == nullptr || pLocalCert->cb == 0) return fail(E_INVALIDARG, "pLocalCert is empty");
    if (pKey == nullptr || pKey->pb == nullptr || pKey->cb != DRT_KEY_SIZE) {
      return fail(E_INVALIDARG, "pKey must point to 32 writable bytes with cb 32");
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::shared_ptr<drt::runtime::loaded_plugin> plugin;
    if (HRESULT hr = drt::core::lib().plugins.load(builtin_security_plugin, plugin); FAILED(hr)) return hr;
    const DRT_PROVIDER_DESCRIPTOR* d = plugin->find(DRT_PROVIDER_KIND_SECURITY, "derived-key");
    if (d == nullptr || d->DeriveKey == nullptr) {
      return fail(DRT_E_PLUGIN_NO_SUCH_PROVIDER, plugin->path() + " offers no 'derived-key' key derivation");
    }
    const HRESULT hr = d->DeriveKey(pLocalCert, pKey);
    return FAILED(hr) ? fail(hr) : succeed();
  });
}

extern "C" DRT_EXPORT HRESULT DrtCreateDnsBootstrapResolver(uint16_t port, const char* pwszAddress,
                                                            DRT_BOOTSTRAP_PROVIDER** ppModule) {
  return guarded([&]() -> HRESULT {
    if (ppModule == nullptr) return fail(E_INVALIDARG, "ppModule is NULL");
    *ppModule = nullptr;
    if (pwszAddress == nullptr || std::string_view(pwszAddress).find_first_not_of(" ;") == std::string_view::npos ||
        !drt::runtime::is_valid_utf8(pwszAddress)) {
      return fail(E_INVALIDARG, "pwszAddress is NULL, empty or not UTF-8");
    }
    if (port < 1024) return fail(E_INVALIDARG, "port is below 1024");
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::vector<drt::runtime::provider_param> params{string_param("host", pwszAddress), integer_param("port", port)};
    const HRESULT hr = create_provider_from(builtin_bootstrap_plugin, DRT_PROVIDER_KIND_BOOTSTRAP, "dns",
                                            std::move(params), {}, reinterpret_cast<void**>(ppModule));
    return FAILED(hr) ? hr : succeed();
  });
}

extern "C" DRT_EXPORT void DrtDeleteDnsBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_BOOTSTRAP); });
}

extern "C" DRT_EXPORT HRESULT DrtCreatePnrpBootstrapResolver(BOOL, const char*, const char*, const char*,
                                                             DRT_BOOTSTRAP_PROVIDER** ppResolver) {
  if (ppResolver != nullptr) *ppResolver = nullptr;
  return fail(E_NOTIMPL, "PNRP is Windows-only; use the static, multicast or DNS resolver");
}

extern "C" DRT_EXPORT void DrtDeletePnrpBootstrapResolver(DRT_BOOTSTRAP_PROVIDER*) { succeed(); }

namespace {

std::string endpoint_text(const sockaddr_in6& a) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  std::string s = "[" + std::string(text);
  if (a.sin6_scope_id != 0) s += "%" + std::to_string(a.sin6_scope_id);
  return s + "]:" + std::to_string(ntohs(a.sin6_port));
}

}  // namespace

extern "C" DRT_EXPORT HRESULT DrtCreateStaticBootstrapResolver(uint32_t cAddresses, const struct sockaddr_storage* pAddresses,
                                                               DRT_BOOTSTRAP_PROVIDER** ppResolver) {
  return guarded([&]() -> HRESULT {
    if (ppResolver == nullptr) return fail(E_INVALIDARG, "ppResolver is NULL");
    *ppResolver = nullptr;
    if (cAddresses > 0 && pAddresses == nullptr) return fail(E_INVALIDARG, "pAddresses is NULL");
    std::vector<drt::runtime::provider_param> params;
    for (uint32_t i = 0; i < cAddresses; ++i) {
      const auto& ss = pAddresses[i];
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
      if (ss.ss_family != AF_INET6 || ntohs(a->sin6_port) < 1024 || IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) ||
          IN6_IS_ADDR_MULTICAST(&a->sin6_addr)) {
        return fail(DRT_E_INVALID_ADDRESS, "entry " + std::to_string(i));
      }
      params.push_back(string_param("peers", endpoint_text(*a)));
    }
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    const HRESULT hr = create_provider_from(builtin_bootstrap_plugin, DRT_PROVIDER_KIND_BOOTSTRAP, "static",
                                            std::move(params), {}, reinterpret_cast<void**>(ppResolver));
    return FAILED(hr) ? hr : succeed();
  });
}

extern "C" DRT_EXPORT void DrtDeleteStaticBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_BOOTSTRAP); });
}

extern "C" DRT_EXPORT HRESULT DrtCreateMulticastBootstrapResolver(uint32_t ifIndex, const struct sockaddr_in6* pGroup,
                                                                  const char* pszCloudName,
                                                                  DRT_BOOTSTRAP_PROVIDER** ppResolver) {
  return guarded([&]() -> HRESULT {
    if (ppResolver == nullptr) return fail(E_INVALIDARG, "ppResolver is NULL");
    *ppResolver = nullptr;
    const std::string_view cloud = pszCloudName ? pszCloudName : "";
    if (cloud.size() > 64 || !drt::runtime::is_valid_utf8(cloud)) {
      return fail(E_INVALIDARG, "pszCloudName is longer than 64 bytes or not UTF-8");
    }
    if (pGroup != nullptr && (pGroup->sin6_family != AF_INET6 || !IN6_IS_ADDR_MULTICAST(&pGroup->sin6_addr) ||
                              ntohs(pGroup->sin6_port) < 1024)) {
      return fail(DRT_E_INVALID_ADDRESS, "pGroup is not an IPv6 multicast group with a port >= 1024");
    }
    if (ifIndex != 0 && !has_interface(ifIndex)) return fail(DRT_E_INVALID_SCOPE, "no interface has index " + std::to_string(ifIndex));
    if (HRESULT hr = library_check(); FAILED(hr)) return hr;
    std::vector<drt::runtime::provider_param> params{integer_param("interface", ifIndex),
                                                     string_param("cloud_name", std::string(cloud))};
    if (pGroup) params.push_back(string_param("group", endpoint_text(*pGroup)));
    const HRESULT hr = create_provider_from(builtin_bootstrap_plugin, DRT_PROVIDER_KIND_BOOTSTRAP, "multicast",
                                            std::move(params), {}, reinterpret_cast<void**>(ppResolver));
    return FAILED(hr) ? hr : succeed();
  });
}

extern "C" DRT_EXPORT void DrtDeleteMulticastBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* p) {
  guarded_void([&] { delete_created_provider(p, DRT_PROVIDER_KIND_BOOTSTRAP); });
}
