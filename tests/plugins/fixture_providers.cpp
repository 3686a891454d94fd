// Fixture: a working plugin with one provider of each kind that needs no network, so that the
// loader, the *FromPlugin factories and DrtOpenFromConfigFile can be tested end to end:
//   transport "memory"   one [::1]:<port> address (param "port", default 4500); datagrams sent
//                        are counted and dropped;
//   bootstrap "nobody"   every resolve ends at once with DRT_E_NO_MORE (first node of a cloud);
//   security  "refuse"   the factory fails with param "fail_with" (default E_ACCESSDENIED) and
//                        writes a detail line, as a provider with a bad configuration does.
#include <drt/drt_provider.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace {

// `name` from the API, or `options.name` from a configuration file's options table.
const DRT_PROVIDER_PARAM* find_param(const DRT_PROVIDER_CONFIG* config, const char* name) {
  if (config == nullptr) return nullptr;
  for (std::uint32_t i = 0; i < config->cParams; ++i) {
    const char* n = config->pParams[i].pszName;
    if (std::strncmp(n, "options.", 8) == 0) n += 8;
    if (std::strcmp(n, name) == 0) return &config->pParams[i];
  }
  return nullptr;
}

// ---- transport "memory" ----

struct memory_transport {
  DRT_TRANSPORT_PROVIDER table{};
  DRT_TRANSPORT_CALLBACKS callbacks{};
  std::uint16_t port = 4500;
  bool attached = false;
  std::uint64_t sent = 0;
};

memory_transport* self_of(void* c) { return static_cast<memory_transport*>(c); }

HRESULT create_memory_transport(const DRT_PROVIDER_CONFIG* config, DRT_TRANSPORT_PROVIDER** out) {
  auto t = std::unique_ptr<memory_transport>(new (std::nothrow) memory_transport);
  if (!t) return E_OUTOFMEMORY;
  if (const auto* p = find_param(config, "port")) {
    if (p->eType != DRT_PARAM_INTEGER || p->llValue < 1024 || p->llValue > 65535) {
      if (config->cbErrorDetail > 0) std::snprintf(config->pszErrorDetail, config->cbErrorDetail, "port must be 1024..65535");
      return DRT_E_CONFIG_INVALID;
    }
    t->port = static_cast<std::uint16_t>(p->llValue);
  }
  DRT_TRANSPORT_PROVIDER& table = t->table;
  table.cbSize = sizeof table;
  table.pvContext = t.get();
  table.Attach = [](void* c, const DRT_TRANSPORT_CALLBACKS* cb) -> HRESULT {
    if (self_of(c)->attached) return DRT_E_TRANSPORT_ALREADY_BOUND;
    self_of(c)->attached = true;
    self_of(c)->callbacks = *cb;
    return S_OK;
  };
  table.Detach = [](void* c) { self_of(c)->attached = false; };
  table.GetLocalAddresses = [](void* c, SOCKET_ADDRESS_LIST** list_out) -> HRESULT {
    *list_out = nullptr;
    const std::size_t bytes = sizeof(SOCKET_ADDRESS_LIST) + sizeof(sockaddr_in6);
    auto* block = static_cast<std::uint8_t*>(std::calloc(1, bytes));
    if (block == nullptr) return E_OUTOFMEMORY;
    auto* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(block);
    auto* a = reinterpret_cast<sockaddr_in6*>(block + sizeof(SOCKET_ADDRESS_LIST));
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(self_of(c)->port);
    a->sin6_addr = in6addr_loopback;
    list->iAddressCount = 1;
    list->Address[0].lpSockaddr = reinterpret_cast<sockaddr*>(a);
    list->Address[0].iSockaddrLength = sizeof(sockaddr_in6);
    *list_out = list;
    return S_OK;
  };
  table.SendTo = [](void* c, const sockaddr_in6*, const sockaddr_in6*, const std::uint8_t*, std::uint32_t) -> HRESULT {
    ++self_of(c)->sent;
    return S_OK;
  };
  table.FreeData = [](void*, void* p) { std::free(p); };
  table.GetPort = [](void* c, std::uint16_t* port) -> HRESULT {
    *port = self_of(c)->port;
    return S_OK;
  };
  *out = &t.release()->table;
  return S_OK;
}

void delete_memory_transport(DRT_TRANSPORT_PROVIDER* p) {
  if (p != nullptr) std::unique_ptr<memory_transport>(self_of(p->pvContext)).reset();
}

// ---- bootstrap "nobody" ----

HRESULT create_nobody(const DRT_PROVIDER_CONFIG*, DRT_BOOTSTRAP_PROVIDER** out) {
  auto* b = new (std::nothrow) DRT_BOOTSTRAP_PROVIDER{};
  if (b == nullptr) return E_OUTOFMEMORY;
  b->Attach = [](void*) -> HRESULT { return S_OK; };
  b->Detach = [](void*) {};
  b->InitResolve = [](void*, BOOL, std::uint32_t, std::uint32_t, DRT_BOOTSTRAP_RESOLVE_CONTEXT* ctx,
                      BOOL* fatal) -> HRESULT {
    *ctx = nullptr;
    *fatal = FALSE;
    return S_OK;
  };
  b->IssueResolve = [](void*, void* cb_ctx, DRT_BOOTSTRAP_RESOLVE_CALLBACK cb, DRT_BOOTSTRAP_RESOLVE_CONTEXT,
                       BOOL* fatal) -> HRESULT {
    *fatal = FALSE;
    cb(DRT_E_NO_MORE, cb_ctx, nullptr, FALSE);
    return S_OK;
  };
  b->EndResolve = [](void*, DRT_BOOTSTRAP_RESOLVE_CONTEXT) {};
  b->Register = [](void*, const SOCKET_ADDRESS_LIST*) -> HRESULT { return S_OK; };
  b->Unregister = [](void*) {};
  *out = b;
  return S_OK;
}

void delete_nobody(DRT_BOOTSTRAP_PROVIDER* p) { std::unique_ptr<DRT_BOOTSTRAP_PROVIDER>(p).reset(); }

// ---- security "refuse" ----

HRESULT create_refusing(const DRT_PROVIDER_CONFIG* config, DRT_SECURITY_PROVIDER** out) {
  *out = nullptr;
  HRESULT hr = E_ACCESSDENIED;
  if (const auto* p = find_param(config, "fail_with"); p != nullptr && p->eType == DRT_PARAM_INTEGER) {
    hr = static_cast<HRESULT>(p->llValue);
  }
  if (config != nullptr && config->cbErrorDetail > 0) {
    std::snprintf(config->pszErrorDetail, config->cbErrorDetail, "the fixture refuses on purpose");
  }
  return hr;
}

void delete_refusing(DRT_SECURITY_PROVIDER*) {}

const DRT_PROVIDER_DESCRIPTOR providers[] = {
    {sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_TRANSPORT, "memory", "in-memory transport on [::1]", nullptr,
     nullptr, create_memory_transport, delete_memory_transport, nullptr, nullptr, nullptr},
    {sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_BOOTSTRAP, "nobody", "finds no peer", nullptr, nullptr,
     nullptr, nullptr, create_nobody, delete_nobody, nullptr},
    {sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_SECURITY, "refuse", "factory always fails", create_refusing,
     delete_refusing, nullptr, nullptr, nullptr, nullptr, nullptr},
};

const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, DRT_PLUGIN_ABI_MAJOR, DRT_PLUGIN_ABI_MINOR,
                                          "fixture-providers", "1", sizeof providers / sizeof providers[0],
                                          sizeof(DRT_PROVIDER_DESCRIPTOR), providers};

}  // namespace

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return &descriptor; }
