// bench_security_openssl: the derived-key provider of drt-security-openssl.so, called through
// its C table as libdrt calls it, per profile (O1 RSA-2048, O2 ECDSA P-256): SignData,
// VerifyData, SecureAndPackPayload, ValidateAndUnpackPayload. docs/security.md "Performance"
// sets the figures next to `openssl speed` for the raw primitive.
//
// Remote credentials are verified once and then served from the provider's 5-minute cache
// (docs/security.md), so Verify and Validate measure the signature check, not X509_verify_cert.
#include "certgen.hpp"

#include <drt/drt_provider.h>

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;
namespace cg = drt::certgen;

const DRT_PROVIDER_DESCRIPTOR* factory() {
  static const DRT_PROVIDER_DESCRIPTOR* f = [] {
    const std::string path = std::string(OPENDRT_BENCH_PLUGIN_DIR) + "/drt-security-openssl.so";
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) throw std::runtime_error(dlerror());
    auto entry = reinterpret_cast<DRT_PLUGIN_ENTRY_FN>(dlsym(h, DRT_PLUGIN_ENTRY_SYMBOL));
    const DRT_PLUGIN_DESCRIPTOR* d = entry();
    for (std::uint32_t i = 0; i < d->cProviders; ++i) {
      if (std::strcmp(d->pProviders[i].pszName, "derived-key") == 0) return &d->pProviders[i];
    }
    throw std::runtime_error("no derived-key provider");
  }();
  return f;
}

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

DRT_SECURITY_PROVIDER* make_provider(const cg::identity& root, const cg::identity& node) {
  bytes root_pem = text(cg::cert_pem(root.cert.get()));
  bytes local = text(cg::cert_pem(node.cert.get()) + cg::key_pem(node.key.get()));
  DRT_PROVIDER_PARAM params[2]{};
  params[0].pszName = "root_cert";
  params[0].eType = DRT_PARAM_BYTES;
  params[0].data = {static_cast<std::uint32_t>(root_pem.size()), root_pem.data()};
  params[1].pszName = "local_cert";
  params[1].eType = DRT_PARAM_BYTES;
  params[1].data = {static_cast<std::uint32_t>(local.size()), local.data()};
  const DRT_PROVIDER_CONFIG config{sizeof config, 2, params, nullptr, nullptr, 0};
  DRT_SECURITY_PROVIDER* p = nullptr;
  if (factory()->CreateSecurityProvider(&config, &p) != S_OK || p->Attach(p->pvContext) != S_OK) {
    throw std::runtime_error("cannot create the derived-key provider");
  }
  return p;
}

// Two nodes of one profile under one EC root: a signer and a verifier.
struct pair_of_nodes {
  cg::identity root, a, b;
  DRT_SECURITY_PROVIDER* signer = nullptr;
  DRT_SECURITY_PROVIDER* verifier = nullptr;
  bytes key;         // a's derived key, API order
  bytes credential;  // a's credential

  explicit pair_of_nodes(cg::key_type type) {
    cg::cert_spec ca;
    ca.is_ca = true;
    root = cg::issue(ca, cg::generate_key({cg::key_type::ec, 0}), nullptr);
    a = cg::issue({}, cg::generate_key({type, 2048}), &root);
    b = cg::issue({}, cg::generate_key({type, 2048}), &root);
    signer = make_provider(root, a);
    verifier = make_provider(root, b);
    const auto wire = cg::derived_key_wire(a.cert.get());
    key.assign(wire.rbegin(), wire.rend());
    DRT_DATA c{};
    signer->GetSerializedCredential(signer->pvContext, &c);
    credential.assign(c.pb, c.pb + c.cb);
    signer->FreeData(signer->pvContext, c.pb);
  }
};

pair_of_nodes& nodes(cg::key_type type) {
  static pair_of_nodes o1(cg::key_type::rsa);
  static pair_of_nodes o2(cg::key_type::ec);
  return type == cg::key_type::rsa ? o1 : o2;
}

bytes message() { return bytes(600, 0x5A); }  // about a signed REQUEST/LOOKUP
bytes payload() { return bytes(200, 0xA5); }  // application data of a registration
bytes nonce() { return bytes(16, 0x42); }

void sign_data(benchmark::State& state, cg::key_type type) {
  auto& n = nodes(type);
  bytes m = message();
  DRT_DATA buffer{static_cast<std::uint32_t>(m.size()), m.data()};
  for (auto _ : state) {
    DRT_DATA id{}, sig{};
    if (n.signer->SignData(n.signer->pvContext, 1, &buffer, &id, &sig) != S_OK) state.SkipWithError("SignData");
    n.signer->FreeData(n.signer->pvContext, id.pb);
    n.signer->FreeData(n.signer->pvContext, sig.pb);
  }
}

void verify_data(benchmark::State& state, cg::key_type type) {
  auto& n = nodes(type);
  bytes m = message();
  DRT_DATA buffer{static_cast<std::uint32_t>(m.size()), m.data()};
  DRT_DATA id{}, sig{};
  n.signer->SignData(n.signer->pvContext, 1, &buffer, &id, &sig);
  DRT_DATA cred{static_cast<std::uint32_t>(n.credential.size()), n.credential.data()};
  for (auto _ : state) {
    if (n.verifier->VerifyData(n.verifier->pvContext, 1, &buffer, &cred, &id, &sig) != S_OK) {
      state.SkipWithError("VerifyData");
    }
  }
  n.signer->FreeData(n.signer->pvContext, id.pb);
  n.signer->FreeData(n.signer->pvContext, sig.pb);
}

struct packed {
  bytes cpa, payload, chain;
};

packed secure_once(pair_of_nodes& n) {
  bytes k = n.key, p = payload(), nc = nonce();
  DRT_DATA key{32, k.data()}, pl{static_cast<std::uint32_t>(p.size()), p.data()}, no{16, nc.data()};
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(3540);
  inet_pton(AF_INET6, "2001:db8::1", &sa.sin6_addr);
  SOCKET_ADDRESS_LIST list{1, {{reinterpret_cast<sockaddr*>(&sa), sizeof sa}}};
  DRT_DATA cpa{}, classifier{}, secured{}, chain{};
  const HRESULT hr = n.signer->SecureAndPackPayload(n.signer->pvContext, nullptr, 1, 0, 0, &key, &pl, &list, &no,
                                                    &cpa, &classifier, &secured, &chain);
  packed out;
  if (hr == S_OK) {
    out.cpa.assign(cpa.pb, cpa.pb + cpa.cb);
    out.payload.assign(secured.pb, secured.pb + secured.cb);
    out.chain.assign(chain.pb, chain.pb + chain.cb);
  }
  for (void* pv : {static_cast<void*>(cpa.pb), static_cast<void*>(secured.pb), static_cast<void*>(chain.pb)}) {
    n.signer->FreeData(n.signer->pvContext, pv);
  }
  return out;
}

void secure_and_pack(benchmark::State& state, cg::key_type type) {
  auto& n = nodes(type);
  for (auto _ : state) {
    packed p = secure_once(n);
    if (p.cpa.empty()) state.SkipWithError("SecureAndPackPayload");
    benchmark::DoNotOptimize(p);
  }
}

void validate_and_unpack(benchmark::State& state, cg::key_type type) {
  auto& n = nodes(type);
  packed p = secure_once(n);
  bytes nc = nonce();
  DRT_DATA cpa{static_cast<std::uint32_t>(p.cpa.size()), p.cpa.data()};
  DRT_DATA chain{static_cast<std::uint32_t>(p.chain.size()), p.chain.data()};
  DRT_DATA secured{static_cast<std::uint32_t>(p.payload.size()), p.payload.data()};
  DRT_DATA no{16, nc.data()};
  DRT_SECURITY_PROVIDER* v = n.verifier;
  for (auto _ : state) {
    std::uint8_t major = 0, minor = 0;
    std::uint32_t flags = 0;
    DRT_DATA key{}, payload_out{};
    CERT_PUBLIC_KEY_INFO* info = nullptr;
    SOCKET_ADDRESS_LIST* list = nullptr;
    if (v->ValidateAndUnpackPayload(v->pvContext, &cpa, &chain, nullptr, &no, &secured, &major, &minor, &key,
                                    &payload_out, &info, &list, &flags) != S_OK) {
      state.SkipWithError("ValidateAndUnpackPayload");
    }
    for (void* pv : {static_cast<void*>(key.pb), static_cast<void*>(payload_out.pb), static_cast<void*>(info),
                     static_cast<void*>(list)}) {
      v->FreeData(v->pvContext, pv);
    }
  }
}

BENCHMARK_CAPTURE(sign_data, O1_RSA2048, cg::key_type::rsa);
BENCHMARK_CAPTURE(sign_data, O2_P256, cg::key_type::ec);
BENCHMARK_CAPTURE(verify_data, O1_RSA2048, cg::key_type::rsa);
BENCHMARK_CAPTURE(verify_data, O2_P256, cg::key_type::ec);
BENCHMARK_CAPTURE(secure_and_pack, O1_RSA2048, cg::key_type::rsa);
BENCHMARK_CAPTURE(secure_and_pack, O2_P256, cg::key_type::ec);
BENCHMARK_CAPTURE(validate_and_unpack, O1_RSA2048, cg::key_type::rsa);
BENCHMARK_CAPTURE(validate_and_unpack, O2_P256, cg::key_type::ec);

}  // namespace

BENCHMARK_MAIN();
