// The "dns" provider (api.md §5.7.1): getaddrinfo (AF_INET6) of one or more names on a thread
// of the provider, one thread per issued resolve. Parameters: "host" (string: names or numeric
// IPv6 addresses separated by spaces or ';'), "port" (integer 1024..65535).
#include "bootstrap_provider.hpp"
#include "providers.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <thread>

namespace drt::plugins::bootstrap {
namespace {

HRESULT hresult_from_gai(int rc) {
  switch (rc) {
    case EAI_NONAME: return DRT_HR_HOST_NOT_FOUND;
    case EAI_AGAIN: return DRT_HR_TRY_AGAIN;
    case EAI_FAIL: return DRT_HR_NO_RECOVERY;
#ifdef EAI_NODATA
    case EAI_NODATA: return DRT_HR_NO_DATA;
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return DRT_HR_NO_DATA;
#endif
    case EAI_FAMILY: return DRT_HR_NO_DATA;
    case EAI_MEMORY: return E_OUTOFMEMORY;
    case EAI_SYSTEM: return support::hresult_from_errno(errno, E_FAIL);
    default: return E_FAIL;
  }
}

struct addrinfo_deleter {
  void operator()(addrinfo* p) const noexcept { ::freeaddrinfo(p); }
};

// One name → its IPv6 addresses with the port, or the api.md §1.4 code of the failure.
HRESULT lookup(const std::string& name, std::uint16_t port, std::vector<sockaddr_in6>& out) {
  addrinfo hints{};
  // AF_UNSPEC, then keep the IPv6 results: a name with only IPv4 addresses is then told apart
  // from an unknown one (api.md §1.4: "no IPv6 result" → WSANO_DATA). IPv4 results are never
  // used and never mapped (api.md §5.7.1).
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* raw = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &raw);
  if (rc != 0) return hresult_from_gai(rc);
  std::unique_ptr<addrinfo, addrinfo_deleter> results(raw);
  for (const addrinfo* a = results.get(); a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET6 || a->ai_addrlen < sizeof(sockaddr_in6)) continue;
    sockaddr_in6 s;
    std::memcpy(&s, a->ai_addr, sizeof s);
    if (IN6_IS_ADDR_V4MAPPED(&s.sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&s.sin6_addr) ||
        IN6_IS_ADDR_MULTICAST(&s.sin6_addr)) {
      continue;
    }
    s.sin6_port = htons(port);
    s.sin6_flowinfo = 0;
    out.push_back(s);
  }
  return out.empty() ? DRT_HR_NO_DATA : S_OK;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == ';') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

class dns_provider final : public provider {
 public:
  dns_provider(std::vector<std::string> names, std::uint16_t port) : names_(std::move(names)), port_(port) {}

  ~dns_provider() override {
    for (auto& w : workers_) w.thread.join();
  }

 protected:
  HRESULT run(const std::shared_ptr<resolve_state>& resolve) override {
    reap();
    workers_.emplace_back();
    worker& w = workers_.back();
    w.thread = std::thread([resolve, names = names_, port = port_, done = w.done] {
      HRESULT last_failure = S_OK;
      bool any = false;
      for (const auto& name : names) {
        if (!resolve->active() || !resolve->budget_left()) break;
        std::vector<sockaddr_in6> found;
        const HRESULT hr = lookup(name, port, found);
        if (FAILED(hr)) {
          last_failure = hr;
          continue;
        }
        any = true;
        if (!resolve->deliver(std::move(found))) break;
      }
      resolve->finish(any || SUCCEEDED(last_failure) ? DRT_E_NO_MORE : last_failure);
      done->store(true);
    });
    return S_OK;
  }

 private:
  struct worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };

  // Joins the threads whose lookups are over (an ended resolve's thread may still be in
  // getaddrinfo; it is joined later, at the latest by the destructor).
  void reap() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const std::vector<std::string> names_;
  const std::uint16_t port_;
  std::list<worker> workers_;
};

HRESULT create(const DRT_PROVIDER_CONFIG* config, DRT_BOOTSTRAP_PROVIDER** out) {
  std::vector<support::param> params;
  if (HRESULT hr = support::copy_params(config, params); FAILED(hr)) return hr;
  std::vector<std::string> names;
  std::int64_t port = -1;
  for (const auto& p : params) {
    if (p.name == "host" && p.type == DRT_PARAM_STRING) {
      names = split_names(p.text);
    } else if (p.name == "port" && p.type == DRT_PARAM_INTEGER) {
      port = p.integer;
    } else {
      support::write_error_detail(config, "dns: unknown or wrongly typed parameter '" + p.name + "'");
      return DRT_E_CONFIG_INVALID;
    }
  }
  if (names.empty()) {
    support::write_error_detail(config, "dns: 'host' names no host");
    return E_INVALIDARG;
  }
  if (port < 1024 || port > 65535) {
    support::write_error_detail(config, "dns: 'port' must be 1024..65535");
    return E_INVALIDARG;
  }
  auto made = std::make_unique<dns_provider>(std::move(names), static_cast<std::uint16_t>(port));
  *out = made.release()->table();
  return S_OK;
}

}  // namespace

HRESULT create_dns(const DRT_PROVIDER_CONFIG* pConfig, DRT_BOOTSTRAP_PROVIDER** ppProvider) noexcept {
  if (ppProvider == nullptr) return E_INVALIDARG;
  *ppProvider = nullptr;
  return support::abi_guard([&] { return create(pConfig, ppProvider); });
}

}  // namespace drt::plugins::bootstrap
