// core: DrtOpenFromConfigFile (spec/api.md §7.1): parse, create transport, security and
// bootstrap providers in that order, DrtOpen; on any failure delete what was created.
#include "api_common.hpp"
#include "provider_factory.hpp"

namespace drt::core {

HRESULT open_instance(const DRT_SETTINGS* s, int event_fd, const void* context, HDRT* out,
                      std::shared_ptr<instance>* keep);

namespace {

using runtime::node_config;

std::vector<runtime::provider_param> transport_params(const runtime::transport_config& t) {
  // A plugin transport gets only its options; the ipv6-udp keys do not apply to it.
  if (t.plugin && t.provider != "ipv6-udp") return t.options;
  std::vector<runtime::provider_param> p{integer_param("scope", t.scope), integer_param("scope_id", t.scope_id),
                                         integer_param("port", t.port),
                                         integer_param("locality_threshold", t.locality_threshold)};
  if (t.loopback) p.push_back(integer_param("loopback", 1));
  p.insert(p.end(), t.options.begin(), t.options.end());
  return p;
}

std::vector<runtime::provider_param> security_params(const runtime::security_config& s) {
  std::vector<runtime::provider_param> p;
  if (s.has_root_cert) p.push_back(bytes_param("root_cert", s.root_cert.data(), static_cast<std::uint32_t>(s.root_cert.size())));
  if (s.has_local_cert) p.push_back(bytes_param("local_cert", s.local_cert.data(), static_cast<std::uint32_t>(s.local_cert.size())));
  p.insert(p.end(), s.options.begin(), s.options.end());
  return p;
}

std::vector<runtime::provider_param> bootstrap_params(const runtime::bootstrap_config& b) {
  std::vector<runtime::provider_param> p;
  if (b.provider == "static") {
    for (const auto& peer : b.peers) p.push_back(string_param("peers", peer));
  } else if (b.provider == "dns") {
    p.push_back(string_param("host", b.host));
    p.push_back(integer_param("port", b.port));
  } else if (b.provider == "multicast") {
    p.push_back(integer_param("interface", b.interface_index));
    if (b.group) p.push_back(string_param("group", *b.group));
    p.push_back(string_param("cloud_name", b.cloud_name));
  }
  p.insert(p.end(), b.options.begin(), b.options.end());
  return p;
}

// Deletes, in reverse order of creation, what the file made (unless an instance adopted it).
struct created_set {
  void* transport = nullptr;
  void* security = nullptr;
  void* bootstrap = nullptr;
  std::vector<std::function<void()>> release() {
    std::vector<std::function<void()>> out;
    if (bootstrap) out.emplace_back([p = bootstrap] { delete_created_provider(p, DRT_PROVIDER_KIND_BOOTSTRAP); });
    if (security) out.emplace_back([p = security] { delete_created_provider(p, DRT_PROVIDER_KIND_SECURITY); });
    if (transport) out.emplace_back([p = transport] { (void)delete_transport(p); });
    transport = security = bootstrap = nullptr;
    return out;
  }
  // Runs after a failure was reported: keep that failure's detail, which the deletions would reset.
  ~created_set() {
    const std::string detail = last_error_detail();
    for (auto& f : release()) f();
    set_last_error_detail(detail);
  }
};

// Loading or creating a provider fails after parsing; say where in the file it was chosen.
HRESULT located_failure(HRESULT hr, const node_config& c, const runtime::provider_origin& origin) {
  std::string specifics = last_error_detail();
  const std::string message = DrtErrorMessage(hr);
  if (specifics.rfind(message, 0) == 0) specifics.erase(0, message.size());
  while (!specifics.empty() && specifics.front() == ' ') specifics.erase(0, 1);
  return fail(hr, c.path + ':' + std::to_string(origin.line) + ": " + origin.key + ": " + specifics);
}

HRESULT create_all(const node_config& c, created_set& made) {
  HRESULT hr = create_provider_from(c.transport.plugin.value_or(builtin_transport_plugin), DRT_PROVIDER_KIND_TRANSPORT,
                                    c.transport.provider, transport_params(c.transport), c.base_directory,
                                    &made.transport);
  if (FAILED(hr)) return located_failure(hr, c, c.transport.origin);
  hr = create_provider_from(c.security.plugin.value_or(builtin_security_plugin), DRT_PROVIDER_KIND_SECURITY,
                            c.security.provider, security_params(c.security), c.base_directory, &made.security);
  if (FAILED(hr)) return located_failure(hr, c, c.security.origin);
  hr = create_provider_from(c.bootstrap.plugin.value_or(builtin_bootstrap_plugin), DRT_PROVIDER_KIND_BOOTSTRAP,
                            c.bootstrap.provider, bootstrap_params(c.bootstrap), c.base_directory, &made.bootstrap);
  if (FAILED(hr)) return located_failure(hr, c, c.bootstrap.origin);
  return hr;
}

HRESULT open_from_config(const char* path, int event_fd, const void* context, HDRT* out) {
  if (out == nullptr) return fail(E_INVALIDARG, "out is NULL");
  *out = nullptr;
  if (path == nullptr) return fail(E_INVALIDARG, "path is NULL");
  if (!event_fd_is_acceptable(event_fd)) return fail(E_INVALIDARG, "event_fd is not -1 or an open descriptor");
  if (HRESULT hr = library_check(); FAILED(hr)) return hr;
  node_config cfg;
  if (HRESULT hr = runtime::parse_config_file(path, cfg); FAILED(hr)) return hr;
  created_set made;
  if (HRESULT hr = create_all(cfg, made); FAILED(hr)) return hr;
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = cfg.protocol_major;
  s.bProtocolMinorVersion = cfg.protocol_minor;
  s.ulMaxRoutingAddresses = cfg.max_routing_addresses;
  s.pwzDrtInstancePrefix = cfg.instance_prefix ? cfg.instance_prefix->c_str() : nullptr;
  s.hTransport = made.transport;
  s.pSecurityProvider = static_cast<DRT_SECURITY_PROVIDER*>(made.security);
  s.pBootstrapProvider = static_cast<DRT_BOOTSTRAP_PROVIDER*>(made.bootstrap);
  s.eSecurityMode = cfg.security_mode;
  std::shared_ptr<instance> inst;
  const HRESULT hr = open_instance(&s, event_fd, context, out, &inst);
  if (FAILED(hr)) return hr;
  inst->owned_cleanup = made.release();  // DrtClose deletes them (spec/api.md §5.1.2)
  return hr;
}

}  // namespace
}  // namespace drt::core

extern "C" DRT_EXPORT HRESULT DrtOpenFromConfigFile(const char* path, int event_fd, const void* context, HDRT* out) {
  return drt::core::guarded([&] { return drt::core::open_from_config(path, event_fd, context, out); });
}
