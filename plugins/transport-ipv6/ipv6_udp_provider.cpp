#include "ipv6_udp_provider.hpp"

#include "udp_transport.hpp"

#include <plugin_support.hpp>

#include <set>
#include <tuple>

namespace drt::plugins::transport {
namespace {

using support::abi_guard;
using support::abi_guard_void;

// api.md §5.5.1 row 8 is a per-process condition, so this plugin keeps the one process-wide
// table it needs: the (scope, scope id, port) of every live transport it created. It lives as
// long as the plugin is mapped, which is at least as long as any transport it made.
class scope_registry {
 public:
  using key = std::tuple<int, std::uint32_t, std::uint16_t>;
  std::mutex mutex;
  std::set<key> live;
};

scope_registry& registry() {
  static scope_registry instance;
  return instance;
}

scope_registry::key registry_key(const transport_options& o, std::uint16_t port) {
  const bool link = o.scope.scope == DRT_LINK_LOCAL_SCOPE;
  return {o.scope.loopback ? 4 : static_cast<int>(o.scope.scope), link ? o.scope.scope_id : 0, port};
}

// What the table's pvContext points to: the transport and its registry entry.
struct provider_object {
  std::unique_ptr<udp_transport> transport;
  scope_registry::key key;
  ~provider_object() {
    transport.reset();
    std::lock_guard lock(registry().mutex);
    registry().live.erase(key);
  }
};

udp_transport& self(void* ctx) { return *static_cast<provider_object*>(ctx)->transport; }

HRESULT t_attach(void* ctx, const DRT_TRANSPORT_CALLBACKS* callbacks) noexcept {
  return abi_guard([&] { return self(ctx).attach(callbacks); });
}
void t_detach(void* ctx) noexcept {
  abi_guard_void([&] { self(ctx).detach(); });
}
HRESULT t_local_addresses(void* ctx, SOCKET_ADDRESS_LIST** out) noexcept {
  if (out != nullptr) *out = nullptr;
  return abi_guard([&] { return self(ctx).local_addresses(out); });
}
HRESULT t_send_to(void* ctx, const sockaddr_in6* to, const sockaddr_in6* from, const std::uint8_t* pb,
                  std::uint32_t cb) noexcept {
  return abi_guard([&] { return self(ctx).send_to(to, from, pb, cb); });
}
void t_free_data(void*, void* pv) noexcept { std::free(pv); }
HRESULT t_get_port(void* ctx, std::uint16_t* port) noexcept {
  if (port == nullptr) return DRT_E_TRANSPORT_INVALID_ARGUMENT;
  *port = self(ctx).port();
  return S_OK;
}
int t_receive_descriptor(void* ctx) noexcept { return self(ctx).receive_descriptor(); }
HRESULT t_receive(void* ctx, std::uint32_t max, std::uint32_t* read) noexcept {
  if (read != nullptr) *read = 0;
  return abi_guard([&] { return self(ctx).receive(max, read); });
}
HRESULT t_statistics(void* ctx, DRT_IPV6_UDP_STATISTICS* out) noexcept {
  if (out == nullptr || out->cbSize < sizeof(DRT_IPV6_UDP_STATISTICS)) return E_INVALIDARG;
  *out = self(ctx).statistics();
  return S_OK;
}

struct parsed {
  HRESULT hr = S_OK;
  std::string detail;
};

parsed bad(HRESULT hr, std::string detail) { return {hr, std::move(detail)}; }

bool is_integer(const support::param& p) { return p.type == DRT_PARAM_INTEGER || p.type == DRT_PARAM_BOOLEAN; }

// Reads the parameters in the order of the api.md §5.5.1 table.
parsed read_options(const std::vector<support::param>& params, transport_options& o) {
  std::int64_t scope = DRT_GLOBAL_SCOPE, scope_id = 0, port = 0;
  bool loopback = false;
  for (const auto& p : params) {
    if (!is_integer(p)) return bad(DRT_E_CONFIG_INVALID, "ipv6-udp: parameter '" + p.name + "' must be an integer");
    if (p.name == "scope") {
      scope = p.integer;
    } else if (p.name == "scope_id") {
      scope_id = p.integer;
    } else if (p.name == "port") {
      port = p.integer;
    } else if (p.name == "locality_threshold") {
      if (p.integer < 0 || p.integer > UINT32_MAX) return bad(DRT_E_CONFIG_INVALID, "ipv6-udp: locality_threshold out of range");
      o.locality_threshold = static_cast<std::uint32_t>(p.integer);
    } else if (p.name == "loopback") {
      loopback = p.integer != 0;
    } else if (p.name == "options.max_datagram_bytes") {
      if (p.integer < 20 || p.integer > 65507) return bad(DRT_E_CONFIG_INVALID, "ipv6-udp: options.max_datagram_bytes must be 20..65507");
      o.datagram_bytes_max = static_cast<std::uint32_t>(p.integer);
    } else if (p.name == "options.send_queue_max") {
      if (p.integer < 1 || p.integer > 65536) return bad(DRT_E_CONFIG_INVALID, "ipv6-udp: options.send_queue_max must be 1..65536");
      o.send_queue_max = static_cast<std::uint32_t>(p.integer);
    } else {
      return bad(DRT_E_CONFIG_INVALID, "ipv6-udp: unknown parameter '" + p.name + "'");
    }
  }
  if (scope < DRT_GLOBAL_SCOPE || scope > DRT_LINK_LOCAL_SCOPE) {
    return bad(DRT_E_INVALID_SCOPE, "ipv6-udp: scope " + std::to_string(scope) + " is not 1, 2 or 3");
  }
  if ((port >= 1 && port <= 1023) || port < 0 || port > 65535) {
    return bad(DRT_E_INVALID_PORT, "ipv6-udp: port " + std::to_string(port) + " is not 0 or 1024..65535");
  }
  if (scope_id < 0 || scope_id > UINT32_MAX) return bad(DRT_E_INVALID_SCOPE, "ipv6-udp: scope_id out of range");
  o.scope.scope = static_cast<DRT_SCOPE>(scope);
  o.scope.scope_id = static_cast<std::uint32_t>(scope_id);
  o.port = static_cast<std::uint16_t>(port);
  if (o.scope.scope == DRT_LINK_LOCAL_SCOPE) {
    if (o.scope.scope_id == DRT_LINK_LOCAL_ISATAP_SCOPEID) return bad(DRT_E_INVALID_SCOPE, "ipv6-udp: ISATAP is not supported");
    if (o.scope.scope_id != 0 && !interface_exists(o.scope.scope_id)) {
      return bad(DRT_E_INVALID_SCOPE, "ipv6-udp: no interface has index " + std::to_string(o.scope.scope_id));
    }
    // api.md §5.5.1 loopback mode: link-local scope on a loopback interface.
    if (o.scope.scope_id != 0 && interface_is_loopback(o.scope.scope_id)) loopback = true;
  } else if (loopback) {
    return bad(DRT_E_INVALID_SCOPE, "ipv6-udp: loopback mode needs link-local scope");
  }
  o.scope.loopback = loopback;
  return {};
}

HRESULT create(const DRT_PROVIDER_CONFIG* config, DRT_TRANSPORT_PROVIDER** out) {
  std::vector<support::param> params;
  if (HRESULT hr = support::copy_params(config, params); FAILED(hr)) return hr;
  transport_options options;
  if (parsed r = read_options(params, options); FAILED(r.hr)) {
    support::write_error_detail(config, r.detail);
    return r.hr;
  }
  auto object = std::make_unique<provider_object>();
  std::string detail;
  std::unique_lock lock(registry().mutex);
  if (options.port != 0 && registry().live.count(registry_key(options, options.port)) != 0) {
    support::write_error_detail(config, "ipv6-udp: a transport for this scope and port " +
                                            std::to_string(options.port) + " already exists in this process");
    return DRT_E_TRANSPORT_ALREADY_EXISTS_FOR_SCOPE;
  }
  if (HRESULT hr = udp_transport::create(options, object->transport, detail); FAILED(hr)) {
    support::write_error_detail(config, "ipv6-udp: " + detail);
    return hr;
  }
  object->key = registry_key(options, object->transport->port());
  registry().live.insert(object->key);
  lock.unlock();
  DRT_IPV6_UDP_TABLE& table = object->transport->full_table();
  table.base = DRT_TRANSPORT_PROVIDER{sizeof(DRT_TRANSPORT_PROVIDER), object.get(), t_attach, t_detach,
                                      t_local_addresses, t_send_to, t_free_data, t_get_port,
                                      t_receive_descriptor, t_receive};
  table.GetStatistics = t_statistics;
  *out = &table.base;
  object.release();  // owned through table.base.pvContext until delete_ipv6_udp
  return S_OK;
}

}  // namespace

HRESULT create_ipv6_udp(const DRT_PROVIDER_CONFIG* pConfig, DRT_TRANSPORT_PROVIDER** ppProvider) noexcept {
  if (ppProvider == nullptr) return E_INVALIDARG;
  *ppProvider = nullptr;
  return abi_guard([&] { return create(pConfig, ppProvider); });
}

void delete_ipv6_udp(DRT_TRANSPORT_PROVIDER* pProvider) noexcept {
  if (pProvider == nullptr) return;
  abi_guard_void([&] { std::unique_ptr<provider_object>(static_cast<provider_object*>(pProvider->pvContext)); });
}

}  // namespace drt::plugins::transport
