// sdk/conformance: owning wrappers the security checks use to call a provider's C table:
// the provider object (created from the kit's settings, detached and deleted at scope exit) and
// buffers the provider returned (released with its own FreeData).
#pragma once

#include "check.hpp"

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

namespace drt::conformance {

using bytes = std::vector<std::uint8_t>;

class security_object {
 public:
  // Creates the provider with env's settings (and `extra` settings); fails the check if the
  // factory fails. Attaches unless attach is false.
  explicit security_object(check_env& env, bool attach = true, const std::vector<setting>& extra = {});
  ~security_object();
  security_object(const security_object&) = delete;
  security_object& operator=(const security_object&) = delete;

  DRT_SECURITY_PROVIDER& table() { return *p_; }
  void* ctx() { return p_->pvContext; }
  HRESULT attach();
  void detach();
  bool attached() const { return attached_; }

 private:
  check_env& env_;
  DRT_SECURITY_PROVIDER* p_ = nullptr;
  bool attached_ = false;
};

// A buffer returned by the provider; FreeData'd on destruction.
class provider_buffer {
 public:
  explicit provider_buffer(security_object& owner) : owner_(&owner) {}
  ~provider_buffer() { release(); }
  provider_buffer(provider_buffer&& o) noexcept : owner_(o.owner_), data(o.data) { o.data = {}; }
  provider_buffer(const provider_buffer&) = delete;
  provider_buffer& operator=(const provider_buffer&) = delete;
  void release();
  bytes copy() const { return data.pb ? bytes(data.pb, data.pb + data.cb) : bytes(); }

 private:
  security_object* owner_;

 public:
  DRT_DATA data{};
};

// The outputs of one SecureAndPackPayload call.
struct packed_proof {
  HRESULT hr = E_FAIL;
  bytes cpa, classifier, secured_payload, cert_chain;
};

// The outputs of one ValidateAndUnpackPayload call (provider buffers already released).
struct unpacked_proof {
  HRESULT hr = E_FAIL;
  std::uint8_t major = 0, minor = 0;
  bytes key, payload;
  std::vector<sockaddr_in6> addresses;
  bool has_public_key = false;
  std::uint32_t flags = 0;
};

// A stand-in owner endpoint: [::1]:3540.
sockaddr_in6 sample_endpoint();

packed_proof secure_and_pack(check_env& env, security_object& s, std::uint32_t flags, const bytes& key,
                             const bytes* payload, const bytes* nonce);
unpacked_proof validate_and_unpack(check_env& env, security_object& s, const bytes& cpa, const bytes& chain,
                                   const bytes& classifier, const bytes* nonce, const bytes* secured_payload);

bytes env_key(const check_env& env);
bytes sample_nonce(std::uint8_t seed);
bytes sample_payload();

}  // namespace drt::conformance
