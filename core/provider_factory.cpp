// core: plugin factories, provider registration and transport handles.
#include "provider_factory.hpp"

#include "errors.hpp"
#include "instance.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace drt::core {

bool copy_transport_table(const DRT_TRANSPORT_PROVIDER& in, DRT_TRANSPORT_PROVIDER& out) {
  if (in.cbSize < DRT_TRANSPORT_PROVIDER_SIZE_1_0) return false;
  // An older table is shorter: what its ABI minor lacks reads as NULL (docs/provider-abi.md §6).
  out = DRT_TRANSPORT_PROVIDER{};
  std::memcpy(&out, &in, std::min<std::size_t>(in.cbSize, sizeof out));
  out.cbSize = sizeof out;
  if (out.GetReceiveDescriptor == nullptr || out.Receive == nullptr) {
    out.GetReceiveDescriptor = nullptr;  // both or neither
    out.Receive = nullptr;
  }
  return out.Attach && out.Detach && out.GetLocalAddresses && out.SendTo && out.FreeData && out.GetPort;
}

namespace {

std::vector<DRT_PROVIDER_PARAM> to_abi(const std::vector<runtime::provider_param>& params) {
  std::vector<DRT_PROVIDER_PARAM> out;
  out.reserve(params.size());
  for (const auto& p : params) {
    DRT_PROVIDER_PARAM a{};
    a.pszName = p.name.c_str();
    a.eType = p.type;
    a.pszValue = p.type == DRT_PARAM_STRING ? p.text.c_str() : nullptr;
    a.llValue = p.integer;
    a.dblValue = p.real;
    if (p.type == DRT_PARAM_BYTES) {
      a.data.cb = static_cast<std::uint32_t>(p.bytes.size());
      a.data.pb = const_cast<std::uint8_t*>(p.bytes.data());
    }
    out.push_back(a);
  }
  return out;
}

const char* kind_name(DRT_PROVIDER_KIND kind) {
  switch (kind) {
    case DRT_PROVIDER_KIND_SECURITY: return "security";
    case DRT_PROVIDER_KIND_TRANSPORT: return "transport";
    default: return "bootstrap";
  }
}

HRESULT wrap_transport(std::shared_ptr<created_provider> made, void** out) {
  auto t = std::make_shared<transport_object>();
  if (!copy_transport_table(*static_cast<DRT_TRANSPORT_PROVIDER*>(made->provider), t->table)) {
    return fail(DRT_E_INVALID_TRANSPORT_PROVIDER, made->plugin->path() + ": the transport table is incomplete");
  }
  t->owner = std::move(made);
  *out = lib().handles.insert(handle_kind::transport, t);
  return S_OK;
}

}  // namespace

runtime::provider_param string_param(std::string name, std::string value) {
  runtime::provider_param p;
  p.name = std::move(name);
  p.type = DRT_PARAM_STRING;
  p.text = std::move(value);
  return p;
}

runtime::provider_param integer_param(std::string name, std::int64_t value) {
  runtime::provider_param p;
  p.name = std::move(name);
  p.type = DRT_PARAM_INTEGER;
  p.integer = value;
  return p;
}

runtime::provider_param bytes_param(std::string name, const std::uint8_t* pb, std::uint32_t cb) {
  runtime::provider_param p;
  p.name = std::move(name);
  p.type = DRT_PARAM_BYTES;
  p.bytes.assign(pb, pb + cb);
  return p;
}

HRESULT create_provider(const factory_request& req, void** out) {
  *out = nullptr;
  const DRT_PROVIDER_DESCRIPTOR* d = req.plugin->find(req.kind, req.provider);
  if (d == nullptr) {
    return fail(DRT_E_PLUGIN_NO_SUCH_PROVIDER, req.plugin->path() + " offers no " + kind_name(req.kind) +
                                                   " provider named '" + req.provider + "'");
  }
  const auto abi_params = to_abi(req.params);
  std::array<char, 512> detail{};
  const DRT_PROVIDER_CONFIG config{sizeof(DRT_PROVIDER_CONFIG), static_cast<std::uint32_t>(abi_params.size()),
                                   abi_params.data(),
                                   req.base_directory.empty() ? nullptr : req.base_directory.c_str(),
                                   detail.data(), static_cast<std::uint32_t>(detail.size())};
  auto made = std::make_shared<created_provider>();
  made->kind = req.kind;
  made->plugin = req.plugin;
  made->descriptor = d;
  HRESULT hr = E_FAIL;
  switch (req.kind) {
    case DRT_PROVIDER_KIND_SECURITY: {
      DRT_SECURITY_PROVIDER* p = nullptr;
      hr = d->CreateSecurityProvider(&config, &p);
      made->provider = SUCCEEDED(hr) ? p : nullptr;
      break;
    }
    case DRT_PROVIDER_KIND_TRANSPORT: {
      DRT_TRANSPORT_PROVIDER* p = nullptr;
      hr = d->CreateTransportProvider(&config, &p);
      made->provider = SUCCEEDED(hr) ? p : nullptr;
      break;
    }
    case DRT_PROVIDER_KIND_BOOTSTRAP: {
      DRT_BOOTSTRAP_PROVIDER* p = nullptr;
      hr = d->CreateBootstrapProvider(&config, &p);
      made->provider = SUCCEEDED(hr) ? p : nullptr;
      break;
    }
  }
  detail.back() = '\0';
  if (FAILED(hr) || made->provider == nullptr) {
    hr = FAILED(hr) ? hr : E_FAIL;
    const std::string why = detail[0] ? std::string(": ") + detail.data() : std::string();
    return fail(hr, req.plugin->path() + ": creating " + kind_name(req.kind) + " provider '" + req.provider + "' failed" + why);
  }
  if (req.plugin_handle_uses) {
    made->plugin_handle_uses = req.plugin_handle_uses;
    ++*req.plugin_handle_uses;
  }
  if (req.kind == DRT_PROVIDER_KIND_TRANSPORT) return wrap_transport(std::move(made), out);
  *out = made->provider;
  std::lock_guard lock(lib().mutex);
  lib().created[made->provider] = std::move(made);
  return S_OK;
}

HRESULT create_provider_from(std::string_view plugin, DRT_PROVIDER_KIND kind, std::string provider,
                             std::vector<runtime::provider_param> params, std::string base_directory,
                             void** out) {
  factory_request req;
  if (HRESULT hr = lib().plugins.load(plugin, req.plugin); FAILED(hr)) return hr;
  req.kind = kind;
  req.provider = std::move(provider);
  req.params = std::move(params);
  req.base_directory = std::move(base_directory);
  return create_provider(req, out);
}

HRESULT delete_transport(HDRT_TRANSPORT h) {
  if (library_unavailable()) return fail(E_UNEXPECTED, "libdrt is shutting down");
  auto t = lib().handles.find<transport_object>(h, handle_kind::transport);
  if (!t) return fail(DRT_E_INVALID_TRANSPORT_PROVIDER, "not a live transport handle");
  {
    std::lock_guard lock(lib().mutex);
    if (t->attached_instance != nullptr &&
        callback_scope::active_for(static_cast<const instance*>(t->attached_instance))) {
      return fail(DRT_E_TRANSPORT_EXECUTING_CALLBACK);
    }
    if (t->busy) return fail(DRT_E_TRANSPORTPROVIDER_IN_USE, "a DrtOpen or DrtClose using it is in progress");
    if (t->attached_instance != nullptr) return fail(DRT_E_TRANSPORT_STILL_BOUND);
    t->deleting = true;
  }
  lib().handles.remove(h, handle_kind::transport);
  return succeed();  // the plugin's Delete runs when the last reference goes
}

}  // namespace drt::core
