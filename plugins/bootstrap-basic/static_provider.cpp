// The "static" provider (providers.hpp).
#include "bootstrap_provider.hpp"
#include "providers.hpp"

namespace drt::plugins::bootstrap {
namespace {

class static_provider final : public provider {
 public:
  explicit static_provider(std::vector<sockaddr_in6> seeds) : seeds_(std::move(seeds)) {}

 protected:
  HRESULT run(const std::shared_ptr<resolve_state>& resolve) override {
    if (resolve->budget_left()) resolve->deliver(seeds_);
    resolve->finish(DRT_E_NO_MORE);
    return S_OK;
  }

 private:
  const std::vector<sockaddr_in6> seeds_;
};

HRESULT create(const DRT_PROVIDER_CONFIG* config, DRT_BOOTSTRAP_PROVIDER** out) {
  std::vector<support::param> params;
  if (HRESULT hr = support::copy_params(config, params); FAILED(hr)) return hr;
  std::vector<sockaddr_in6> seeds;
  for (const auto& p : params) {
    if (p.name != "peers" || p.type != DRT_PARAM_STRING) {
      support::write_error_detail(config, "static: unknown or wrongly typed parameter '" + p.name + "'");
      return DRT_E_CONFIG_INVALID;
    }
    const auto a = support::parse_endpoint(p.text);
    if (!a) {
      support::write_error_detail(config, "static: peer '" + p.text + "' is not [address]:port");
      return DRT_E_CONFIG_INVALID;
    }
    if (ntohs(a->sin6_port) < 1024 || IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr) || IN6_IS_ADDR_MULTICAST(&a->sin6_addr)) {
      support::write_error_detail(config, "static: peer '" + p.text + "' has a port below 1024 or an unusable address");
      return DRT_E_INVALID_ADDRESS;
    }
    seeds.push_back(*a);
  }
  auto made = std::make_unique<static_provider>(std::move(seeds));
  *out = made.release()->table();
  return S_OK;
}

}  // namespace

HRESULT create_static(const DRT_PROVIDER_CONFIG* pConfig, DRT_BOOTSTRAP_PROVIDER** ppProvider) noexcept {
  if (ppProvider == nullptr) return E_INVALIDARG;
  *ppProvider = nullptr;
  return support::abi_guard([&] { return create(pConfig, ppProvider); });
}

void delete_provider(DRT_BOOTSTRAP_PROVIDER* pProvider) noexcept {
  if (pProvider == nullptr) return;
  support::abi_guard_void([&] { std::unique_ptr<provider>(static_cast<provider*>(pProvider->pvContext)); });
}

}  // namespace drt::plugins::bootstrap
