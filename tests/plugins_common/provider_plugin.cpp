#include "provider_plugin.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace drt::tests {

provider_plugin::provider_plugin(const std::string& path) : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (handle_ == nullptr) error_ = dlerror();
}

provider_plugin::~provider_plugin() {
  if (handle_ != nullptr) dlclose(handle_);
}

const DRT_PLUGIN_DESCRIPTOR* provider_plugin::descriptor() const {
  if (handle_ == nullptr) return nullptr;
  auto entry = reinterpret_cast<DRT_PLUGIN_ENTRY_FN>(dlsym(handle_, DRT_PLUGIN_ENTRY_SYMBOL));
  return entry == nullptr ? nullptr : entry();
}

const DRT_PROVIDER_DESCRIPTOR* provider_plugin::provider(DRT_PROVIDER_KIND kind, const std::string& name) const {
  const DRT_PLUGIN_DESCRIPTOR* d = descriptor();
  if (d == nullptr) return nullptr;
  for (std::uint32_t i = 0; i < d->cProviders; ++i) {
    const auto* p = reinterpret_cast<const DRT_PROVIDER_DESCRIPTOR*>(reinterpret_cast<const std::byte*>(d->pProviders) +
                                                                     i * std::size_t{d->cbProviderSize});
    if (p->eKind == kind && p->pszName != nullptr && name == p->pszName) return p;
  }
  return nullptr;
}

params& params::integer(std::string name, std::int64_t value) {
  strings_.push_back(std::make_unique<std::string>(std::move(name)));
  DRT_PROVIDER_PARAM p{};
  p.pszName = strings_.back()->c_str();
  p.eType = DRT_PARAM_INTEGER;
  p.llValue = value;
  params_.push_back(p);
  return *this;
}

params& params::text(std::string name, std::string value) {
  strings_.push_back(std::make_unique<std::string>(std::move(name)));
  const char* n = strings_.back()->c_str();
  strings_.push_back(std::make_unique<std::string>(std::move(value)));
  DRT_PROVIDER_PARAM p{};
  p.pszName = n;
  p.eType = DRT_PARAM_STRING;
  p.pszValue = strings_.back()->c_str();
  params_.push_back(p);
  return *this;
}

const DRT_PROVIDER_CONFIG* params::config() {
  config_ = DRT_PROVIDER_CONFIG{sizeof(DRT_PROVIDER_CONFIG), static_cast<std::uint32_t>(params_.size()),
                                params_.empty() ? nullptr : params_.data(), nullptr, detail_.data(),
                                static_cast<std::uint32_t>(detail_.size())};
  return &config_;
}

sockaddr_in6 ipv6(const char* text, std::uint16_t port, std::uint32_t scope_id) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  sa.sin6_scope_id = scope_id;
  if (inet_pton(AF_INET6, text, &sa.sin6_addr) != 1) throw std::invalid_argument(text);
  return sa;
}

std::string text_of(const sockaddr_in6& a) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  return "[" + std::string(text) + "%" + std::to_string(a.sin6_scope_id) + "]:" + std::to_string(ntohs(a.sin6_port));
}

std::uint32_t loopback_index() { return if_nametoindex("lo"); }

namespace {

std::atomic<int> netns_serial{0};

bool run_quiet(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace

std::unique_ptr<netns_pair> netns_pair::create(std::string& why) {
  if (geteuid() != 0) {
    why = "creating network namespaces needs root (ip netns add)";
    return nullptr;
  }
  auto pair = std::make_unique<netns_pair>(key{});
  const std::string tag = std::to_string(getpid() % 100000) + "x" + std::to_string(netns_serial++);
  for (int i = 0; i < 2; ++i) {
    pair->names_[i] = "odrt" + tag + (i == 0 ? "a" : "b");
    pair->interfaces_[i] = "od" + tag + (i == 0 ? "a" : "b");
  }
  if (!run_quiet("ip netns add " + pair->names_[0])) {
    why = "`ip netns add` is not permitted here (no CAP_SYS_ADMIN or no iproute2)";
    pair->names_[0].clear();
    return nullptr;
  }
  const std::string a = pair->names_[0], b = pair->names_[1], va = pair->interfaces_[0], vb = pair->interfaces_[1];
  const bool ok = run_quiet("ip netns add " + b) && run_quiet("ip link add " + va + " type veth peer name " + vb) &&
                  run_quiet("ip link set " + va + " netns " + a) && run_quiet("ip link set " + vb + " netns " + b) &&
                  pair->ip(0, "link set lo up") && pair->ip(1, "link set lo up") &&
                  pair->ip(0, "link set " + va + " addrgenmode none") && pair->ip(1, "link set " + vb + " addrgenmode none") &&
                  pair->ip(0, "addr add fe80::1/64 dev " + va + " nodad") &&
                  pair->ip(1, "addr add fe80::2/64 dev " + vb + " nodad") && pair->ip(0, "link set " + va + " up") &&
                  pair->ip(1, "link set " + vb + " up");
  if (!ok) {
    why = "setting up the veth pair between the test's namespaces failed";
    return nullptr;
  }
  return pair;
}

netns_pair::~netns_pair() {
  for (const auto& n : names_) {
    if (!n.empty()) run_quiet("ip netns del " + n);
  }
}

bool netns_pair::ip(int i, const std::string& arguments) const {
  return run_quiet("ip -n " + names_[i] + " " + arguments);
}

bool netns_pair::run_in(int i, const std::function<void()>& fn) const {
  bool entered = false;
  std::thread t([&] {
    const int fd = ::open(("/var/run/netns/" + names_[i]).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    entered = ::setns(fd, CLONE_NEWNET) == 0;
    ::close(fd);
    if (entered) fn();
  });
  t.join();
  return entered;
}

}  // namespace drt::tests
