// Test support for the transport and bootstrap plugins: load a plugin .so by path exactly as the
// core does (dlopen + DrtPluginDescriptor), build factory parameters, and run code inside
// network namespaces that the test creates itself.
#pragma once

#include <drt/drt_provider.h>

#include <netinet/in.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace drt::tests {

class provider_plugin {
 public:
  explicit provider_plugin(const std::string& path);
  ~provider_plugin();
  provider_plugin(const provider_plugin&) = delete;
  provider_plugin& operator=(const provider_plugin&) = delete;

  [[nodiscard]] bool loaded() const { return handle_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const DRT_PLUGIN_DESCRIPTOR* descriptor() const;
  [[nodiscard]] const DRT_PROVIDER_DESCRIPTOR* provider(DRT_PROVIDER_KIND kind, const std::string& name) const;

 private:
  void* handle_ = nullptr;
  std::string error_;
};

// Factory parameters that own their strings.
class params {
 public:
  params& integer(std::string name, std::int64_t value);
  params& text(std::string name, std::string value);
  // A config pointing at these parameters and at detail(); valid while *this is.
  [[nodiscard]] const DRT_PROVIDER_CONFIG* config();
  [[nodiscard]] std::string detail() const { return detail_.data(); }

 private:
  std::vector<std::unique_ptr<std::string>> strings_;
  std::vector<DRT_PROVIDER_PARAM> params_;
  std::vector<char> detail_ = std::vector<char>(512, '\0');
  DRT_PROVIDER_CONFIG config_{};
};

[[nodiscard]] sockaddr_in6 ipv6(const char* text, std::uint16_t port, std::uint32_t scope_id = 0);
[[nodiscard]] std::string text_of(const sockaddr_in6& a);
[[nodiscard]] std::uint32_t loopback_index();

// Failure deadline for waits: generous, never part of what a test asserts.
inline constexpr std::chrono::seconds deadline{30};

// Waits on a condition with the failure deadline; returns whether it became true.
template <class Predicate>
bool wait_for(std::mutex& m, std::condition_variable& cv, Predicate p) {
  std::unique_lock lock(m);
  return cv.wait_for(lock, deadline, p);
}

// Two network namespaces joined by a veth pair whose ends have the link-local addresses
// fe80::1 (namespace 0) and fe80::2 (namespace 1), added with nodad and without the
// kernel-generated ones. Deleted with everything in them by the destructor.
class netns_pair {
 public:
  // nullptr and a reason when this host does not let the test create namespaces.
  [[nodiscard]] static std::unique_ptr<netns_pair> create(std::string& why);
  struct key {
   private:
    key() = default;
    friend class netns_pair;
  };
  explicit netns_pair(key) {}
  ~netns_pair();
  [[nodiscard]] const std::string& name(int i) const { return names_[i]; }
  [[nodiscard]] const std::string& interface(int i) const { return interfaces_[i]; }
  // Runs fn on a new thread that entered namespace i (threads it starts inherit it), waits.
  // False, without running fn, if the thread could not enter the namespace.
  [[nodiscard]] bool run_in(int i, const std::function<void()>& fn) const;
  // Runs an `ip` command line inside namespace i; true on success.
  bool ip(int i, const std::string& arguments) const;

 private:
  std::string names_[2];
  std::string interfaces_[2];
};

}  // namespace drt::tests
