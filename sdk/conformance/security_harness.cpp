// sdk/conformance: the security provider wrappers (security_harness.hpp).
#include "security_harness.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace drt::conformance {

security_object::security_object(check_env& env, bool attach, const std::vector<setting>& extra) : env_(env) {
  std::vector<setting> settings = env.settings();
  settings.insert(settings.end(), extra.begin(), extra.end());
  provider_config config(settings, env.base_directory());
  env.step("CreateSecurityProvider");
  const HRESULT hr = env.provider().CreateSecurityProvider(config.get(), &p_);
  if (FAILED(hr) || p_ == nullptr) {
    p_ = nullptr;
    env.fail("CreateSecurityProvider failed with " + hresult_text(hr) + (config.detail().empty() ? "" : ": " + config.detail()) +
             " (give the provider its settings with --config)");
  }
  if (attach) {
    const HRESULT a = this->attach();
    env.require(SUCCEEDED(a), "Attach failed with " + hresult_text(a));
  }
}

security_object::~security_object() {
  if (p_ == nullptr) return;
  if (attached_) detach();
  env_.step("DeleteSecurityProvider");
  env_.provider().DeleteSecurityProvider(p_);
}

HRESULT security_object::attach() {
  env_.step("Attach");
  const HRESULT hr = p_->Attach(p_->pvContext);
  if (SUCCEEDED(hr)) attached_ = true;
  return hr;
}

void security_object::detach() {
  env_.step("Detach");
  p_->Detach(p_->pvContext);
  attached_ = false;
}

void provider_buffer::release() {
  if (data.pb != nullptr) owner_->table().FreeData(owner_->ctx(), data.pb);
  data = {};
}

sockaddr_in6 sample_endpoint() {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(3540);
  a.sin6_addr = in6addr_loopback;
  return a;
}

namespace {
DRT_DATA view(const bytes& b) { return DRT_DATA{static_cast<std::uint32_t>(b.size()), const_cast<std::uint8_t*>(b.data())}; }
}  // namespace

packed_proof secure_and_pack(check_env& env, security_object& s, std::uint32_t flags, const bytes& key,
                             const bytes* payload, const bytes* nonce) {
  struct {
    SOCKET_ADDRESS_LIST list;
    sockaddr_in6 address;
  } addresses{};
  addresses.address = sample_endpoint();
  addresses.list.iAddressCount = 1;
  addresses.list.Address[0].lpSockaddr = reinterpret_cast<sockaddr*>(&addresses.address);
  addresses.list.Address[0].iSockaddrLength = sizeof(sockaddr_in6);
  const DRT_DATA k = view(key);
  const DRT_DATA p = payload ? view(*payload) : DRT_DATA{};
  const DRT_DATA n = nonce ? view(*nonce) : DRT_DATA{};
  provider_buffer cpa(s), classifier(s), secured(s), chain(s);
  env.step(std::string("SecureAndPackPayload(flags ") + std::to_string(flags) + ")");
  packed_proof out;
  out.hr = s.table().SecureAndPackPayload(s.ctx(), nullptr, 1, 0, flags, &k, payload ? &p : nullptr, &addresses.list,
                                          nonce ? &n : nullptr, &cpa.data, &classifier.data, &secured.data, &chain.data);
  out.cpa = cpa.copy();
  out.classifier = classifier.copy();
  out.secured_payload = secured.copy();
  out.cert_chain = chain.copy();
  env.step("FreeData(SecureAndPackPayload outputs)");
  return out;
}

unpacked_proof validate_and_unpack(check_env& env, security_object& s, const bytes& cpa, const bytes& chain,
                                   const bytes& classifier, const bytes* nonce, const bytes* secured_payload) {
  DRT_DATA c = view(cpa), ch = view(chain), cl = view(classifier);
  DRT_DATA n = nonce ? view(*nonce) : DRT_DATA{};
  DRT_DATA sp = secured_payload ? view(*secured_payload) : DRT_DATA{};
  provider_buffer key(s), payload(s);
  CERT_PUBLIC_KEY_INFO* public_key = nullptr;
  SOCKET_ADDRESS_LIST* list = nullptr;
  unpacked_proof out;
  env.step("ValidateAndUnpackPayload(" + std::to_string(cpa.size()) + "-byte proof)");
  out.hr = s.table().ValidateAndUnpackPayload(s.ctx(), &c, chain.empty() ? nullptr : &ch,
                                              classifier.empty() ? nullptr : &cl, nonce ? &n : nullptr,
                                              secured_payload ? &sp : nullptr, &out.major, &out.minor, &key.data,
                                              &payload.data, &public_key, &list, &out.flags);
  if (SUCCEEDED(out.hr)) {
    out.key = key.copy();
    out.payload = payload.copy();
    out.has_public_key = public_key != nullptr;
    if (list != nullptr) {
      for (int i = 0; i < list->iAddressCount; ++i) {
        const SOCKET_ADDRESS& a = list->Address[i];
        if (a.lpSockaddr != nullptr && a.iSockaddrLength >= static_cast<int>(sizeof(sockaddr_in6))) {
          sockaddr_in6 copy;
          std::memcpy(&copy, a.lpSockaddr, sizeof copy);
          out.addresses.push_back(copy);
        }
      }
    }
  }
  env.step("FreeData(ValidateAndUnpackPayload outputs)");
  if (public_key != nullptr) s.table().FreeData(s.ctx(), public_key);
  if (list != nullptr) s.table().FreeData(s.ctx(), list);
  return out;
}

bytes env_key(const check_env& env) { return bytes(env.key().begin(), env.key().end()); }

bytes sample_nonce(std::uint8_t seed) {
  bytes n(16);
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(seed + i * 7);
  return n;
}

bytes sample_payload() {
  const char text[] = "drt-conformance payload";
  return bytes(text, text + sizeof text - 1);
}

}  // namespace drt::conformance
