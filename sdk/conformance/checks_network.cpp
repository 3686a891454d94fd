// sdk/conformance: the transport (drt_provider.h DRT_TRANSPORT_PROVIDER) and bootstrap
// (spec/api.md §4.6) provider contracts. Traffic goes to [::1] only.
#include "check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

namespace drt::conformance {
namespace {

using namespace std::chrono_literals;

// ---- transports --------------------------------------------------------------------------

// Records what the transport delivers; thread-safe (callbacks come from the transport's threads).
struct delivery_log {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::atomic<bool> detached{false};
  std::atomic<int> after_detach{0};
  DRT_TRANSPORT_CALLBACKS callbacks{};
  std::function<void(std::thread::id)> on_datagram_thread;  // set before Attach

  delivery_log() {
    callbacks.cbSize = sizeof callbacks;
    callbacks.pvContext = this;
    callbacks.OnDatagram = [](void* c, const sockaddr_in6*, const sockaddr_in6*, const std::uint8_t* pb, std::uint32_t cb) {
      auto* self = static_cast<delivery_log*>(c);
      if (self->on_datagram_thread) self->on_datagram_thread(std::this_thread::get_id());
      if (self->detached) ++self->after_detach;
      std::lock_guard lock(self->mutex);
      self->datagrams.emplace_back(pb, pb + cb);
      self->changed.notify_all();
    };
    callbacks.OnAddressChange = [](void*) {};
    callbacks.OnFault = [](void*, HRESULT) {};
  }
  bool wait_for(const std::vector<std::uint8_t>& wanted, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] {
      for (const auto& d : datagrams) {
        if (d == wanted) return true;
      }
      return false;
    });
  }
};

class transport_object {
 public:
  explicit transport_object(check_env& env) : env_(env) {
    provider_config config(env.settings(), env.base_directory());
    env.step("CreateTransportProvider");
    const HRESULT hr = env.provider().CreateTransportProvider(config.get(), &p_);
    if (FAILED(hr) || p_ == nullptr) {
      p_ = nullptr;
      env.fail("CreateTransportProvider failed with " + hresult_text(hr) +
               (config.detail().empty() ? "" : ": " + config.detail()) + " (give it settings with --config)");
    }
  }
  ~transport_object() {
    if (p_ == nullptr) return;
    if (attached_) detach();
    env_.step("DeleteTransportProvider");
    env_.provider().DeleteTransportProvider(p_);
  }
  transport_object(const transport_object&) = delete;
  transport_object& operator=(const transport_object&) = delete;

  DRT_TRANSPORT_PROVIDER& table() { return *p_; }
  // ABI 1.1 core receiving, if the table is long enough to hold it and sets a member of it.
  [[nodiscard]] bool offers_core_receive_members() const {
    return p_->cbSize >= sizeof(DRT_TRANSPORT_PROVIDER) && (p_->GetReceiveDescriptor || p_->Receive);
  }
  HRESULT attach(delivery_log& log) {
    env_.step("Attach");
    const HRESULT hr = p_->Attach(p_->pvContext, &log.callbacks);
    attached_ = SUCCEEDED(hr);
    return hr;
  }
  void detach() {
    env_.step("Detach");
    p_->Detach(p_->pvContext);
    attached_ = false;
  }
  std::uint16_t port() {
    std::uint16_t port = 0;
    env_.step("GetPort");
    const HRESULT hr = p_->GetPort(p_->pvContext, &port);
    env_.require(SUCCEEDED(hr) && port != 0, "GetPort gave " + hresult_text(hr) + " / port " + std::to_string(port));
    return port;
  }
  HRESULT send_to_loopback(std::uint16_t port, const std::vector<std::uint8_t>& data) {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(port);
    to.sin6_addr = in6addr_loopback;
    return p_->SendTo(p_->pvContext, &to, nullptr, data.data(), static_cast<std::uint32_t>(data.size()));
  }

 private:
  check_env& env_;
  DRT_TRANSPORT_PROVIDER* p_ = nullptr;
  bool attached_ = false;
};

void transport_create_and_delete(check_env& env) {
  transport_object t(env);
  DRT_TRANSPORT_PROVIDER& p = t.table();
  env.require(p.cbSize >= DRT_TRANSPORT_PROVIDER_SIZE_1_0, "cbSize is smaller than ABI 1.0's table");
  env.require(p.Attach && p.Detach && p.GetLocalAddresses && p.SendTo && p.FreeData && p.GetPort,
              "a member of the transport table is NULL");
}

void transport_attach_detach_pairs(check_env& env) {
  transport_object t(env);
  for (int i = 0; i < 3; ++i) {
    delivery_log log;
    const HRESULT hr = t.attach(log);
    env.require(SUCCEEDED(hr), "Attach #" + std::to_string(i + 1) + " failed with " + hresult_text(hr));
    t.detach();
  }
}

void transport_double_attach_refused(check_env& env) {
  transport_object t(env);
  delivery_log log, second;
  env.require(SUCCEEDED(t.attach(log)), "Attach failed");
  env.step("Attach (second time)");
  const HRESULT hr = t.table().Attach(t.table().pvContext, &second.callbacks);
  env.require(hr == DRT_E_TRANSPORT_ALREADY_BOUND,
              "a second Attach gave " + hresult_text(hr) + "; expected DRT_E_TRANSPORT_ALREADY_BOUND");
}

void transport_local_addresses(check_env& env) {
  transport_object t(env);
  delivery_log log;
  env.require(SUCCEEDED(t.attach(log)), "Attach failed");
  SOCKET_ADDRESS_LIST* list = nullptr;
  env.step("GetLocalAddresses");
  const HRESULT hr = t.table().GetLocalAddresses(t.table().pvContext, &list);
  env.require(SUCCEEDED(hr), "GetLocalAddresses failed with " + hresult_text(hr));
  env.require(list != nullptr, "GetLocalAddresses succeeded with a NULL list (an empty list is a list)");
  std::string problem;
  for (int i = 0; i < list->iAddressCount; ++i) {
    const SOCKET_ADDRESS& a = list->Address[i];
    if (a.lpSockaddr == nullptr || a.iSockaddrLength < static_cast<int>(sizeof(sockaddr_in6)) ||
        a.lpSockaddr->sa_family != AF_INET6) {
      problem = "entry " + std::to_string(i) + " is not a sockaddr_in6";
    }
  }
  env.step("FreeData(address list)");
  t.table().FreeData(t.table().pvContext, list);
  env.require(problem.empty(), problem);
  t.port();
}

void transport_send_receive_loopback(check_env& env) {
  transport_object a(env), b(env);
  delivery_log log_a, log_b;
  env.require(SUCCEEDED(a.attach(log_a)) && SUCCEEDED(b.attach(log_b)), "Attach failed");
  const std::vector<std::uint8_t> data = {'d', 'r', 't', '-', 'k', 'i', 't', 0, 1, 2, 3, 255};
  env.step("SendTo([::1]:<port of the second transport>)");
  const HRESULT hr = a.send_to_loopback(b.port(), data);
  env.require(SUCCEEDED(hr), "SendTo failed with " + hresult_text(hr));
  env.require(log_b.wait_for(data, 5s), "the datagram sent to [::1] did not reach the second transport within 5 s");
}

// ABI 1.1 (DRT_TRANSPORT_CORE_RECEIVES): nothing to check for a transport that does not offer it.
void transport_core_receives(check_env& env) {
  transport_object a(env), b(env);
  if (!b.offers_core_receive_members()) return;
  DRT_TRANSPORT_PROVIDER& p = b.table();
  env.require(p.GetReceiveDescriptor && p.Receive, "GetReceiveDescriptor and Receive must be offered together");
  delivery_log log_a, log_b;
  log_b.callbacks.dwFlags = DRT_TRANSPORT_CORE_RECEIVES;
  std::atomic<bool> other_thread{false};
  const std::thread::id caller = std::this_thread::get_id();
  log_b.on_datagram_thread = [&](std::thread::id id) {
    if (id != caller) other_thread = true;
  };
  env.require(SUCCEEDED(a.attach(log_a)) && SUCCEEDED(b.attach(log_b)), "Attach failed");
  env.step("GetReceiveDescriptor");
  const int fd = p.GetReceiveDescriptor(p.pvContext);
  env.require(fd >= 0, "GetReceiveDescriptor gave " + std::to_string(fd) + " after an Attach with DRT_TRANSPORT_CORE_RECEIVES");
  const std::vector<std::uint8_t> data = {'c', 'o', 'r', 'e', 0, 1, 2};
  env.step("SendTo([::1]:<port of the receiving transport>)");
  env.require(SUCCEEDED(a.send_to_loopback(b.port(), data)), "SendTo failed");
  pollfd ready{fd, POLLIN, 0};
  env.step("poll(receive descriptor)");
  env.require(::poll(&ready, 1, 5000) == 1 && (ready.revents & POLLIN) != 0,
              "the receive descriptor did not become readable within 5 s of a datagram sent to it");
  bool got = false;
  for (int round = 0; round < 100 && !got; ++round) {
    std::uint32_t read = 0;
    env.step("Receive(64)");
    const HRESULT hr = p.Receive(p.pvContext, 64, &read);
    env.require(SUCCEEDED(hr), "Receive failed with " + hresult_text(hr));
    env.require(read <= 64, "Receive reported " + std::to_string(read) + " datagrams read, more than the 64 asked");
    got = log_b.wait_for(data, 0ms);
    if (!got) std::this_thread::sleep_for(10ms);
  }
  env.require(got, "Receive did not deliver the datagram waiting on the descriptor");
  env.require(!other_thread, "a datagram was delivered outside Receive (another thread) with DRT_TRANSPORT_CORE_RECEIVES");
}

void transport_detach_stops_callbacks(check_env& env) {
  transport_object a(env), b(env);
  delivery_log log_a, log_b;
  env.require(SUCCEEDED(a.attach(log_a)) && SUCCEEDED(b.attach(log_b)), "Attach failed");
  const std::uint16_t port = b.port();
  std::atomic<bool> stop{false};
  std::thread flood([&] {
    const std::vector<std::uint8_t> data(200, 0x5A);
    while (!stop) (void)a.send_to_loopback(port, data);
  });
  std::this_thread::sleep_for(50ms);
  b.detach();
  log_b.detached = true;
  std::this_thread::sleep_for(100ms);
  stop = true;
  flood.join();
  env.require(log_b.after_detach == 0,
              std::to_string(log_b.after_detach.load()) + " OnDatagram call(s) arrived after Detach returned");
}

void transport_send_unbound_refused(check_env& env) {
  transport_object t(env);
  const std::vector<std::uint8_t> data = {1};
  env.step("SendTo before Attach");
  const HRESULT hr = t.send_to_loopback(9, data);
  env.require(FAILED(hr), "SendTo before Attach succeeded (expected DRT_E_TRANSPORT_NOT_BOUND)");
}

// ---- bootstrap ---------------------------------------------------------------------------

class bootstrap_object {
 public:
  explicit bootstrap_object(check_env& env) : env_(env) {
    provider_config config(env.settings(), env.base_directory());
    env.step("CreateBootstrapProvider");
    const HRESULT hr = env.provider().CreateBootstrapProvider(config.get(), &p_);
    if (FAILED(hr) || p_ == nullptr) {
      p_ = nullptr;
      env.fail("CreateBootstrapProvider failed with " + hresult_text(hr) +
               (config.detail().empty() ? "" : ": " + config.detail()) + " (give it settings with --config)");
    }
  }
  ~bootstrap_object() {
    if (p_ == nullptr) return;
    if (attached_) {
      env_.step("Detach");
      p_->Detach(p_->pvContext);
    }
    env_.step("DeleteBootstrapProvider");
    env_.provider().DeleteBootstrapProvider(p_);
  }
  bootstrap_object(const bootstrap_object&) = delete;
  bootstrap_object& operator=(const bootstrap_object&) = delete;
  DRT_BOOTSTRAP_PROVIDER& table() { return *p_; }
  void attach() {
    env_.step("Attach");
    const HRESULT hr = p_->Attach(p_->pvContext);
    env_.require(SUCCEEDED(hr), "Attach failed with " + hresult_text(hr));
    attached_ = true;
  }

 private:
  check_env& env_;
  DRT_BOOTSTRAP_PROVIDER* p_ = nullptr;
  bool attached_ = false;
};

struct resolve_log {
  std::mutex mutex;
  std::condition_variable changed;
  int results = 0, finals = 0, malformed = 0;
  HRESULT final_hr = S_OK;
  std::atomic<bool> ended{false};
  std::atomic<int> after_end{0};

  static void callback(HRESULT hr, void* c, SOCKET_ADDRESS_LIST* list, BOOL) {
    auto* self = static_cast<resolve_log*>(c);
    if (self->ended) ++self->after_end;
    std::lock_guard lock(self->mutex);
    if (hr == S_OK) {
      ++self->results;
      if (list == nullptr || list->iAddressCount <= 0) ++self->malformed;
      for (int i = 0; list != nullptr && i < list->iAddressCount; ++i) {
        const SOCKET_ADDRESS& a = list->Address[i];
        if (a.lpSockaddr == nullptr || a.iSockaddrLength < static_cast<int>(sizeof(sockaddr_in6))) ++self->malformed;
      }
    } else {
      ++self->finals;
      self->final_hr = hr;
    }
    self->changed.notify_all();
  }
  bool wait_final(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return finals > 0; });
  }
};

void bootstrap_create_and_delete(check_env& env) {
  bootstrap_object b(env);
  DRT_BOOTSTRAP_PROVIDER& t = b.table();
  env.require(t.Attach && t.Detach && t.InitResolve && t.IssueResolve && t.EndResolve && t.Register && t.Unregister,
              "a member of the bootstrap table is NULL (spec/api.md §4.6 needs all seven)");
}

void bootstrap_resolve_completes(check_env& env) {
  bootstrap_object b(env);
  b.attach();
  resolve_log log;
  DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx = nullptr;
  BOOL fatal = FALSE;
  env.step("InitResolve(timeout 2000 ms, 10 results)");
  HRESULT hr = b.table().InitResolve(b.table().pvContext, FALSE, 2000, 10, &ctx, &fatal);
  env.require(SUCCEEDED(hr), "InitResolve failed with " + hresult_text(hr));
  env.step("IssueResolve");
  hr = b.table().IssueResolve(b.table().pvContext, &log, resolve_log::callback, ctx, &fatal);
  const bool got_final = SUCCEEDED(hr) && log.wait_final(10s);
  env.step("EndResolve");
  b.table().EndResolve(b.table().pvContext, ctx);
  log.ended = true;
  env.require(SUCCEEDED(hr), "IssueResolve failed with " + hresult_text(hr));
  env.require(got_final, "no final callback (DRT_E_NO_MORE or a failure) within 10 s of a 2 s resolve");
  std::lock_guard lock(log.mutex);
  env.require(log.finals == 1, std::to_string(log.finals) + " final callbacks; exactly one is required");
  env.require(log.malformed == 0, "an S_OK callback carried an empty list or an entry that is not a sockaddr_in6");
}

void bootstrap_end_resolve_stops_callbacks(check_env& env) {
  bootstrap_object b(env);
  b.attach();
  for (int i = 0; i < 20; ++i) {
    resolve_log log;
    DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx = nullptr;
    BOOL fatal = FALSE;
    env.step("InitResolve #" + std::to_string(i));
    if (FAILED(b.table().InitResolve(b.table().pvContext, FALSE, 5000, 10, &ctx, &fatal))) continue;
    env.step("IssueResolve #" + std::to_string(i));
    (void)b.table().IssueResolve(b.table().pvContext, &log, resolve_log::callback, ctx, &fatal);
    env.step("EndResolve #" + std::to_string(i) + " (cancel at once)");
    b.table().EndResolve(b.table().pvContext, ctx);
    log.ended = true;
    std::this_thread::sleep_for(5ms);
    env.require(log.after_end == 0, "a resolve callback ran after EndResolve returned");
  }
}

void bootstrap_register_unregister(check_env& env) {
  bootstrap_object b(env);
  b.attach();
  struct {
    SOCKET_ADDRESS_LIST list;
    sockaddr_in6 address;
  } addresses{};
  addresses.address.sin6_family = AF_INET6;
  addresses.address.sin6_port = htons(3540);
  addresses.address.sin6_addr = in6addr_loopback;
  addresses.list.iAddressCount = 1;
  addresses.list.Address[0].lpSockaddr = reinterpret_cast<sockaddr*>(&addresses.address);
  addresses.list.Address[0].iSockaddrLength = sizeof(sockaddr_in6);
  env.step("Register([::1]:3540)");
  (void)b.table().Register(b.table().pvContext, &addresses.list);  // a failure is allowed (§4.6)
  env.step("Unregister");
  b.table().Unregister(b.table().pvContext);
  env.step("Register(again)");
  (void)b.table().Register(b.table().pvContext, &addresses.list);
  env.step("Unregister");
  b.table().Unregister(b.table().pvContext);
}

}  // namespace

const std::vector<check>& transport_checks() {
  static const std::vector<check> all = {
      {applies_to::transport, "create_and_delete", "the factory makes a complete table", transport_create_and_delete},
      {applies_to::transport, "attach_detach_pairs", "Attach works again after Detach", transport_attach_detach_pairs},
      {applies_to::transport, "double_attach_refused", "a second Attach is DRT_E_TRANSPORT_ALREADY_BOUND", transport_double_attach_refused},
      {applies_to::transport, "local_addresses", "GetLocalAddresses gives sockaddr_in6 entries freed by FreeData; GetPort a port", transport_local_addresses},
      {applies_to::transport, "send_receive_loopback", "a datagram sent to [::1]:<port> reaches the other transport", transport_send_receive_loopback},
      {applies_to::transport, "core_receives", "if offered (ABI 1.1): Receive delivers on the caller's thread what the descriptor reports", transport_core_receives},
      {applies_to::transport, "detach_stops_callbacks", "no OnDatagram after Detach returns, even under a flood", transport_detach_stops_callbacks},
      {applies_to::transport, "send_unbound_refused", "SendTo before Attach fails", transport_send_unbound_refused},
  };
  return all;
}

const std::vector<check>& bootstrap_checks() {
  static const std::vector<check> all = {
      {applies_to::bootstrap, "create_and_delete", "the factory makes a table with all seven members", bootstrap_create_and_delete},
      {applies_to::bootstrap, "resolve_completes", "a resolve ends with exactly one final callback; results are well formed", bootstrap_resolve_completes},
      {applies_to::bootstrap, "end_resolve_stops_callbacks", "no callback after EndResolve returns (cancel at once, 20 times)", bootstrap_end_resolve_stops_callbacks},
      {applies_to::bootstrap, "register_unregister", "Register and Unregister pairs", bootstrap_register_unregister},
  };
  return all;
}

}  // namespace drt::conformance
