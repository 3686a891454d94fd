// tests/api: application-supplied providers (as Microsoft's DRT SDK sample writes its own), with
// knobs that make each call fail and counters of what the core called. Plain C tables.
#pragma once

#include <drt/drt_provider.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

namespace drt_test {

// Knobs are set by the test thread and read by libdrt's worker; counters the other way round:
// all atomic, so that the ThreadSanitizer run sees no race in the fixtures themselves.
struct fake_transport {
  std::atomic<HRESULT> attach_result{S_OK};
  std::atomic<HRESULT> addresses_result{S_OK};
  std::atomic<bool> has_address{true};
  std::atomic<int> attached{0}, detached{0};
  DRT_TRANSPORT_CALLBACKS callbacks{};
  DRT_TRANSPORT_PROVIDER table{};

  fake_transport() {
    table.cbSize = sizeof table;
    table.pvContext = this;
    table.Attach = [](void* c, const DRT_TRANSPORT_CALLBACKS* cb) -> HRESULT {
      auto* self = static_cast<fake_transport*>(c);
      if (FAILED(self->attach_result)) return self->attach_result;
      ++self->attached;
      self->callbacks = *cb;
      return S_OK;
    };
    table.Detach = [](void* c) { ++static_cast<fake_transport*>(c)->detached; };
    table.GetLocalAddresses = [](void* c, SOCKET_ADDRESS_LIST** out) -> HRESULT {
      auto* self = static_cast<fake_transport*>(c);
      *out = nullptr;
      if (FAILED(self->addresses_result)) return self->addresses_result;
      const std::size_t n = self->has_address ? 1 : 0;
      const std::size_t bytes = sizeof(SOCKET_ADDRESS_LIST) + sizeof(sockaddr_in6);
      auto* block = static_cast<std::uint8_t*>(std::calloc(1, bytes));
      auto* list = reinterpret_cast<SOCKET_ADDRESS_LIST*>(block);
      auto* a = reinterpret_cast<sockaddr_in6*>(block + sizeof(SOCKET_ADDRESS_LIST));
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(4000);
      a->sin6_addr = in6addr_loopback;
      list->iAddressCount = static_cast<int>(n);
      list->Address[0].lpSockaddr = reinterpret_cast<sockaddr*>(a);
      list->Address[0].iSockaddrLength = sizeof(sockaddr_in6);
      *out = list;
      return S_OK;
    };
    table.SendTo = [](void*, const sockaddr_in6*, const sockaddr_in6*, const std::uint8_t*, std::uint32_t) -> HRESULT {
      return S_OK;
    };
    table.FreeData = [](void*, void* p) { std::free(p); };
    table.GetPort = [](void*, std::uint16_t* port) -> HRESULT {
      *port = 4000;
      return S_OK;
    };
  }
};

struct fake_bootstrap {
  std::atomic<HRESULT> attach_result{S_OK};
  std::atomic<HRESULT> init_result{S_OK};
  std::atomic<BOOL> init_fatal{FALSE};
  std::atomic<HRESULT> final_result{DRT_E_NO_MORE};
  std::atomic<int> attached{0}, detached{0}, ended{0}, registered{0}, unregistered{0}, init_calls{0};
  std::function<void()> on_issue_resolve;  // runs inside IssueResolve, i.e. inside a provider callback
  DRT_BOOTSTRAP_PROVIDER table{};

  fake_bootstrap() {
    table.pvContext = this;
    table.Attach = [](void* c) -> HRESULT {
      auto* self = static_cast<fake_bootstrap*>(c);
      if (FAILED(self->attach_result)) return self->attach_result;
      ++self->attached;
      return S_OK;
    };
    table.Detach = [](void* c) { ++static_cast<fake_bootstrap*>(c)->detached; };
    table.InitResolve = [](void* c, BOOL, std::uint32_t, std::uint32_t, DRT_BOOTSTRAP_RESOLVE_CONTEXT* ctx,
                           BOOL* fatal) -> HRESULT {
      auto* self = static_cast<fake_bootstrap*>(c);
      ++self->init_calls;
      *ctx = self;
      *fatal = self->init_fatal;
      return self->init_result;
    };
    table.IssueResolve = [](void* c, void* cb_ctx, DRT_BOOTSTRAP_RESOLVE_CALLBACK cb, DRT_BOOTSTRAP_RESOLVE_CONTEXT,
                            BOOL*) -> HRESULT {
      // First node of a cloud: no peers; the final call comes from inside IssueResolve.
      auto* self = static_cast<fake_bootstrap*>(c);
      if (self->on_issue_resolve) self->on_issue_resolve();
      cb(self->final_result, cb_ctx, nullptr, FALSE);
      return S_OK;
    };
    table.EndResolve = [](void* c, DRT_BOOTSTRAP_RESOLVE_CONTEXT) { ++static_cast<fake_bootstrap*>(c)->ended; };
    table.Register = [](void* c, const SOCKET_ADDRESS_LIST*) -> HRESULT {
      ++static_cast<fake_bootstrap*>(c)->registered;
      return S_OK;
    };
    table.Unregister = [](void* c) { ++static_cast<fake_bootstrap*>(c)->unregistered; };
  }
};

// A security provider written in the application that accepts everything and counts calls.
struct fake_security {
  std::atomic<HRESULT> attach_result{S_OK};
  std::atomic<HRESULT> register_result{S_OK};
  std::atomic<int> attached{0}, detached{0}, registered{0}, unregistered{0};
  DRT_SECURITY_PROVIDER table{};

  fake_security() {
    table.pvContext = this;
    table.Attach = [](void* c) -> HRESULT {
      auto* self = static_cast<fake_security*>(c);
      if (FAILED(self->attach_result)) return self->attach_result;
      ++self->attached;
      return S_OK;
    };
    table.Detach = [](void* c) { ++static_cast<fake_security*>(c)->detached; };
    table.RegisterKey = [](void* c, const DRT_REGISTRATION*, void*) -> HRESULT {
      auto* self = static_cast<fake_security*>(c);
      if (FAILED(self->register_result)) return self->register_result;
      ++self->registered;
      return S_OK;
    };
    table.UnregisterKey = [](void* c, const DRT_DATA*, void*) -> HRESULT {
      ++static_cast<fake_security*>(c)->unregistered;
      return S_OK;
    };
    table.ValidateAndUnpackPayload = [](void*, DRT_DATA*, DRT_DATA*, DRT_DATA*, DRT_DATA*, DRT_DATA*, std::uint8_t*,
                                        std::uint8_t*, DRT_DATA*, DRT_DATA*, CERT_PUBLIC_KEY_INFO**,
                                        SOCKET_ADDRESS_LIST**, std::uint32_t*) -> HRESULT { return E_NOTIMPL; };
    table.SecureAndPackPayload = [](void*, void*, std::uint8_t, std::uint8_t, std::uint32_t, const DRT_DATA*,
                                    const DRT_DATA*, const SOCKET_ADDRESS_LIST*, const DRT_DATA*, DRT_DATA*,
                                    DRT_DATA*, DRT_DATA*, DRT_DATA*) -> HRESULT { return E_NOTIMPL; };
    table.FreeData = [](void*, void* p) { std::free(p); };
  }
};

// DRT_SETTINGS of a resolve-mode instance on these providers (32-byte keys, 4 addresses).
inline DRT_SETTINGS settings_for(HDRT_TRANSPORT transport, fake_security& security, fake_bootstrap& bootstrap) {
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = 32;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 4;
  s.hTransport = transport;
  s.pSecurityProvider = &security.table;
  s.pBootstrapProvider = &bootstrap.table;
  s.eSecurityMode = DRT_SECURE_RESOLVE;
  return s;
}

}  // namespace drt_test
