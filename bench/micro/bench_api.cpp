// bench_api: what the C API adds around the engine (docs/performance.md, "Microbenchmarks"):
// a whole cheap API call on a live instance (bench_handles has the handle lookup alone), and the cost of calling a provider through the plugin ABI (a function table in a
// dlopen'ed shared object, with its exception guard) against a direct call of the same check.
#include <drt/drt.h>
#include <drt/drt.hpp>

#include <benchmark/benchmark.h>

#include <net/if.h>

#include <vector>

namespace {

// A whole C API call that does little besides the handle lookup and a hop to the worker:
// DrtGetInstanceStatistics on an open instance (null security, [::1], no peers).
void BM_ApiGetInstanceStatistics(benchmark::State& state) {
  auto transport = drt::transport::ipv6_udp(DRT_LINK_LOCAL_SCOPE, if_nametoindex("lo"));
  auto security = drt::security_provider::null();
  auto bootstrap = drt::bootstrap_provider::static_list({});
  DRT_SETTINGS s{};
  s.dwSize = sizeof s;
  s.cbKey = DRT_KEY_SIZE;
  s.bProtocolMajorVersion = 1;
  s.ulMaxRoutingAddresses = 1;
  s.hTransport = transport.native_handle();
  s.pSecurityProvider = security.get();
  s.pBootstrapProvider = bootstrap.get();
  s.eSecurityMode = DRT_SECURE_RESOLVE;
  drt::node node = drt::node::open(s);
  DRT_INSTANCE_STATISTICS st{};
  st.dwSize = sizeof st;
  for (auto _ : state) {
    if (FAILED(DrtGetInstanceStatistics(node.native_handle(), &st))) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_ApiGetInstanceStatistics);

// ---- plugin ABI ----------------------------------------------------------------------------------

// The same argument check the null provider's RegisterKey makes, called directly.
__attribute__((noinline)) HRESULT direct_register_key(void* context, const DRT_REGISTRATION* r, void*) noexcept {
  if (r == nullptr || r->key.cb != DRT_KEY_SIZE || r->key.pb == nullptr) return E_INVALIDARG;
  return context != nullptr ? S_OK : DRT_E_SECURITYPROVIDER_NOT_ATTACHED;
}

struct registration_args {
  drt::key key{};
  DRT_REGISTRATION reg{};
  registration_args() {
    key[0] = 1;
    reg.key = DRT_DATA{DRT_KEY_SIZE, key.data()};
  }
};

void BM_ProviderCallDirect(benchmark::State& state) {
  registration_args a;
  int context = 0;
  HRESULT (*volatile fn)(void*, const DRT_REGISTRATION*, void*) = direct_register_key;  // no inlining
  for (auto _ : state) benchmark::DoNotOptimize(fn(&context, &a.reg, nullptr));
}
BENCHMARK(BM_ProviderCallDirect);

// RegisterKey of the security-openssl plugin's null provider, through the table that
// DrtCreateSecurityProviderFromPlugin returns (what the engine's adapter calls).
void BM_ProviderCallThroughPluginAbi(benchmark::State& state) {
  const drt::plugin plugin("security-openssl");
  auto provider = drt::security_provider::from_plugin(plugin, "null");
  DRT_SECURITY_PROVIDER* p = provider.get();
  if (FAILED(p->Attach(p->pvContext))) {
    state.SkipWithError("Attach failed");
    return;
  }
  registration_args a;
  for (auto _ : state) benchmark::DoNotOptimize(p->RegisterKey(p->pvContext, &a.reg, nullptr));
  p->Detach(p->pvContext);
}
BENCHMARK(BM_ProviderCallThroughPluginAbi);

}  // namespace

BENCHMARK_MAIN();
