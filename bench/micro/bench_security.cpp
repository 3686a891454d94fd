// bench_security: the derived-key provider of every crypto plugin (drt-security-openssl.so and
// drt-security-wolfssl.so), called through its C table as libdrt calls it, side by side per
// operation and profile (O1 RSA-2048, O2 ECDSA P-256): SignData, VerifyData,
// SecureAndPackPayload, ValidateAndUnpackPayload, EncryptData, DecryptData. Both plugins get the
// same certificates. docs/security.md "Performance" has the figures.
//
// Remote credentials are verified once and then served from the plugin's process-wide 5-minute
// cache (docs/security.md), so Verify, Validate and Encrypt measure the public-key operation, not the
// chain verification; validate_first_contact measures a credential seen for the first time. A
// plugin missing from the build is skipped.
#include "certgen.hpp"

#include <drt/drt_provider.h>

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;
namespace cg = drt::certgen;

// The derived-key factory of a plugin (kept loaded for the process), or NULL if absent.
const DRT_PROVIDER_DESCRIPTOR* factory_of(const std::string& plugin) {
  const std::string path = std::string(OPENDRT_BENCH_PLUGIN_DIR) + "/drt-" + plugin + ".so";
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) return nullptr;
  auto entry = reinterpret_cast<DRT_PLUGIN_ENTRY_FN>(dlsym(h, DRT_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) return nullptr;
  const DRT_PLUGIN_DESCRIPTOR* d = entry();
  for (std::uint32_t i = 0; i < d->cProviders; ++i) {
    if (std::strcmp(d->pProviders[i].pszName, "derived-key") == 0) return &d->pProviders[i];
  }
  return nullptr;
}

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

DRT_SECURITY_PROVIDER* make_provider(const DRT_PROVIDER_DESCRIPTOR* factory, const cg::identity& root,
                                     const cg::identity& node) {
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
  if (factory->CreateSecurityProvider(&config, &p) != S_OK || p->Attach(p->pvContext) != S_OK) {
    throw std::runtime_error("cannot create the derived-key provider");
  }
  return p;
}

bytes credential_of(DRT_SECURITY_PROVIDER* p) {
  DRT_DATA c{};
  if (p->GetSerializedCredential(p->pvContext, &c) != S_OK) throw std::runtime_error("no credential");
  bytes out(c.pb, c.pb + c.cb);
  p->FreeData(p->pvContext, c.pb);
  return out;
}

// Two certified nodes of one profile under one EC root, the same for every plugin.
struct pki_of_profile {
  cg::identity root, a, b;
  explicit pki_of_profile(cg::key_type type) {
    cg::cert_spec ca;
    ca.is_ca = true;
    root = cg::issue(ca, cg::generate_key({cg::key_type::ec, 0}), nullptr);
    a = cg::issue({}, cg::generate_key({type, 2048}), &root);
    b = cg::issue({}, cg::generate_key({type, 2048}), &root);
  }
};

const pki_of_profile& pki(cg::key_type type) {
  static const pki_of_profile o1(cg::key_type::rsa);
  static const pki_of_profile o2(cg::key_type::ec);
  return type == cg::key_type::rsa ? o1 : o2;
}

// One plugin's pair of providers: a (signer, sender) and b (verifier, recipient).
struct pair_of_nodes {
  const DRT_PROVIDER_DESCRIPTOR* factory = nullptr;
  cg::key_type type{};
  DRT_SECURITY_PROVIDER* signer = nullptr;
  DRT_SECURITY_PROVIDER* verifier = nullptr;
  bytes key;         // a's derived key, API order
  bytes credential;  // a's credential
  bytes recipient_credential;  // b's credential

  pair_of_nodes(const DRT_PROVIDER_DESCRIPTOR* f, cg::key_type t) : factory(f), type(t) {
    const pki_of_profile& k = pki(type);
    signer = make_provider(factory, k.root, k.a);
    verifier = make_provider(factory, k.root, k.b);
    const auto wire = cg::derived_key_wire(k.a.cert.get());
    key.assign(wire.rbegin(), wire.rend());
    credential = credential_of(signer);
    recipient_credential = credential_of(verifier);
  }
};

// Providers stay alive for the process, like the plugins.
pair_of_nodes& nodes(const DRT_PROVIDER_DESCRIPTOR* factory, cg::key_type type) {
  static std::map<std::pair<const DRT_PROVIDER_DESCRIPTOR*, cg::key_type>, std::unique_ptr<pair_of_nodes>> all;
  auto& slot = all[{factory, type}];
  if (!slot) slot = std::make_unique<pair_of_nodes>(factory, type);
  return *slot;
}

bytes message() { return bytes(600, 0x5A); }  // about a signed REQUEST/LOOKUP
bytes payload() { return bytes(200, 0xA5); }  // application data of a registration
bytes nonce() { return bytes(16, 0x42); }
bytes secret() { return bytes(1024, 0x3C); }  // one buffer of confidential application data

using bench_fn = void (*)(benchmark::State&, pair_of_nodes&);

void sign_data(benchmark::State& state, pair_of_nodes& n) {
  bytes m = message();
  DRT_DATA buffer{static_cast<std::uint32_t>(m.size()), m.data()};
  for (auto _ : state) {
    DRT_DATA id{}, sig{};
    if (n.signer->SignData(n.signer->pvContext, 1, &buffer, &id, &sig) != S_OK) state.SkipWithError("SignData");
    n.signer->FreeData(n.signer->pvContext, id.pb);
    n.signer->FreeData(n.signer->pvContext, sig.pb);
  }
}

void verify_data(benchmark::State& state, pair_of_nodes& n) {
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

void secure_and_pack(benchmark::State& state, pair_of_nodes& n) {
  for (auto _ : state) {
    packed p = secure_once(n);
    if (p.cpa.empty()) state.SkipWithError("SecureAndPackPayload");
    benchmark::DoNotOptimize(p);
  }
}

// One ValidateAndUnpackPayload at v of a proof with `chain` as its credential, outputs freed (out
// of the timing when free_untimed).
void validate_once(benchmark::State& state, DRT_SECURITY_PROVIDER* v, DRT_DATA& cpa, DRT_DATA& chain, DRT_DATA& nonce,
                   DRT_DATA& secured, bool free_untimed) {
  std::uint8_t major = 0, minor = 0;
  std::uint32_t flags = 0;
  DRT_DATA key{}, payload_out{};
  CERT_PUBLIC_KEY_INFO* info = nullptr;
  SOCKET_ADDRESS_LIST* list = nullptr;
  if (v->ValidateAndUnpackPayload(v->pvContext, &cpa, &chain, nullptr, &nonce, &secured, &major, &minor, &key,
                                  &payload_out, &info, &list, &flags) != S_OK) {
    state.SkipWithError("ValidateAndUnpackPayload");
  }
  if (free_untimed) state.PauseTiming();
  for (void* pv : {static_cast<void*>(key.pb), static_cast<void*>(payload_out.pb), static_cast<void*>(info),
                   static_cast<void*>(list)}) {
    v->FreeData(v->pvContext, pv);
  }
  if (free_untimed) state.ResumeTiming();
}

void validate_and_unpack(benchmark::State& state, pair_of_nodes& n) {
  packed p = secure_once(n);
  bytes nc = nonce();
  DRT_DATA cpa{static_cast<std::uint32_t>(p.cpa.size()), p.cpa.data()};
  DRT_DATA chain{static_cast<std::uint32_t>(p.chain.size()), p.chain.data()};
  DRT_DATA secured{static_cast<std::uint32_t>(p.payload.size()), p.payload.data()};
  DRT_DATA no{16, nc.data()};
  for (auto _ : state) validate_once(state, n.verifier, cpa, chain, no, secured, false);
}

// The same for a credential this process has not verified yet: PKCS#7 decoding, chain
// verification up to the root, then the proof. This is what a process pays for every new peer
// its instances validate (drt-compare-opendht: ~50 INQUIREs per publish, docs/performance.md).
// The credentials are a's key, each in a certificate of its own (fresh serial), so that each is
// new to the plugin's process-wide cache of verified credentials. One per iteration (main()
// fixes the iteration count to the pool's size).
constexpr int first_contact_pool = 300;

const std::vector<bytes>& fresh_credentials(pair_of_nodes& n) {
  static std::map<std::pair<const DRT_PROVIDER_DESCRIPTOR*, cg::key_type>, std::vector<bytes>> pools;
  auto& pool = pools[{n.factory, n.type}];
  if (!pool.empty()) return pool;
  const pki_of_profile& k = pki(n.type);
  for (int i = 0; i < first_contact_pool; ++i) {
    EVP_PKEY_up_ref(k.a.key.get());
    const cg::identity again = cg::issue({}, cg::pkey_ptr(k.a.key.get()), &k.root);
    DRT_SECURITY_PROVIDER* p = make_provider(n.factory, k.root, again);
    pool.push_back(credential_of(p));
    p->Detach(p->pvContext);
    n.factory->DeleteSecurityProvider(p);
  }
  return pool;
}

void validate_first_contact(benchmark::State& state, pair_of_nodes& n) {
  const std::vector<bytes>& pool = fresh_credentials(n);
  packed p = secure_once(n);
  bytes nc = nonce();
  DRT_DATA cpa{static_cast<std::uint32_t>(p.cpa.size()), p.cpa.data()};
  DRT_DATA secured{static_cast<std::uint32_t>(p.payload.size()), p.payload.data()};
  DRT_DATA no{16, nc.data()};
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == pool.size()) {
      state.SkipWithError("more iterations than fresh credentials");
      break;
    }
    DRT_DATA chain{static_cast<std::uint32_t>(pool[next].size()), const_cast<std::uint8_t*>(pool[next].data())};
    ++next;
    validate_once(state, n.verifier, cpa, chain, no, secured, true);
  }
}

// EncryptData of one 1 KiB buffer to b's credential: a fresh content key, its wrap (RSA-OAEP
// or ECDH-ES with a fresh ephemeral key) and AES-256-GCM.
void encrypt_data(benchmark::State& state, pair_of_nodes& n) {
  bytes plain = secret();
  DRT_DATA in{static_cast<std::uint32_t>(plain.size()), plain.data()};
  DRT_DATA cred{static_cast<std::uint32_t>(n.recipient_credential.size()), n.recipient_credential.data()};
  for (auto _ : state) {
    DRT_DATA out{}, token{};
    if (n.signer->EncryptData(n.signer->pvContext, &cred, 1, &in, &out, &token) != S_OK) {
      state.SkipWithError("EncryptData");
    }
    n.signer->FreeData(n.signer->pvContext, out.pb);
    n.signer->FreeData(n.signer->pvContext, token.pb);
  }
}

// DecryptData of that buffer at b (in place, so each iteration starts from a copy of 1 KiB).
void decrypt_data(benchmark::State& state, pair_of_nodes& n) {
  bytes plain = secret();
  DRT_DATA in{static_cast<std::uint32_t>(plain.size()), plain.data()};
  DRT_DATA cred{static_cast<std::uint32_t>(n.recipient_credential.size()), n.recipient_credential.data()};
  DRT_DATA out{}, token{};
  if (n.signer->EncryptData(n.signer->pvContext, &cred, 1, &in, &out, &token) != S_OK) {
    state.SkipWithError("EncryptData");
    return;
  }
  const bytes sealed(out.pb, out.pb + out.cb);
  bytes work = sealed;
  for (auto _ : state) {
    work = sealed;
    DRT_DATA buffer{static_cast<std::uint32_t>(work.size()), work.data()};
    if (n.verifier->DecryptData(n.verifier->pvContext, &token, nullptr, 1, &buffer) != S_OK) {
      state.SkipWithError("DecryptData");
    }
  }
  n.signer->FreeData(n.signer->pvContext, out.pb);
  n.signer->FreeData(n.signer->pvContext, token.pb);
}

// DecryptData as a network sees it: every message brings a new keytoken (for O2 a new ephemeral
// point), so each iteration opens the next of 256 buffers sealed beforehand. decrypt_data above
// reuses one keytoken, which a per-point cache (wolfSSL's FP_ECC) can serve from precomputed
// tables; this one cannot.
void decrypt_fresh_data(benchmark::State& state, pair_of_nodes& n) {
  bytes plain = secret();
  DRT_DATA in{static_cast<std::uint32_t>(plain.size()), plain.data()};
  DRT_DATA cred{static_cast<std::uint32_t>(n.recipient_credential.size()), n.recipient_credential.data()};
  struct sealed_buffer {
    bytes data, token;
  };
  std::vector<sealed_buffer> pool;
  for (int i = 0; i < 256; ++i) {
    DRT_DATA out{}, token{};
    if (n.signer->EncryptData(n.signer->pvContext, &cred, 1, &in, &out, &token) != S_OK) {
      state.SkipWithError("EncryptData");
      return;
    }
    pool.push_back({bytes(out.pb, out.pb + out.cb), bytes(token.pb, token.pb + token.cb)});
    n.signer->FreeData(n.signer->pvContext, out.pb);
    n.signer->FreeData(n.signer->pvContext, token.pb);
  }
  std::size_t next = 0;
  bytes work;
  for (auto _ : state) {
    const sealed_buffer& b = pool[next++ % pool.size()];
    work = b.data;
    DRT_DATA buffer{static_cast<std::uint32_t>(work.size()), work.data()};
    DRT_DATA token{static_cast<std::uint32_t>(b.token.size()), const_cast<std::uint8_t*>(b.token.data())};
    if (n.verifier->DecryptData(n.verifier->pvContext, &token, nullptr, 1, &buffer) != S_OK) {
      state.SkipWithError("DecryptData");
    }
  }
}

}  // namespace

// Registered so that the plugins of one operation and profile come out next to each other:
// sign_data/O1_RSA2048/openssl, sign_data/O1_RSA2048/wolfssl, sign_data/O2_P256/openssl, ...
int main(int argc, char** argv) {
  const std::pair<const char*, bench_fn> operations[] = {
      {"sign_data", sign_data},           {"verify_data", verify_data},
      {"secure_and_pack", secure_and_pack}, {"validate_and_unpack", validate_and_unpack},
      {"validate_first_contact", validate_first_contact},
      {"encrypt_data", encrypt_data},     {"decrypt_data", decrypt_data},
      {"decrypt_fresh_data", decrypt_fresh_data}};
  const std::pair<const char*, cg::key_type> profiles[] = {{"O1_RSA2048", cg::key_type::rsa},
                                                           {"O2_P256", cg::key_type::ec}};
  std::vector<std::pair<std::string, const DRT_PROVIDER_DESCRIPTOR*>> plugins;
  for (const char* name : {"openssl", "wolfssl"}) {
    if (const DRT_PROVIDER_DESCRIPTOR* f = factory_of(std::string("security-") + name)) {
      plugins.emplace_back(name, f);
    } else {
      std::fprintf(stderr, "bench_security: drt-security-%s.so not found, skipped\n", name);
    }
  }
  for (const auto& [op_name, fn] : operations) {
    for (const auto& [profile_name, type] : profiles) {
      for (const auto& [plugin_name, factory] : plugins) {
        const std::string name = std::string(op_name) + "/" + profile_name + "/" + plugin_name;
        auto* b = benchmark::RegisterBenchmark(name.c_str(), [fn = fn, factory = factory, type = type](benchmark::State& s) {
          fn(s, nodes(factory, type));
        });
        if (fn == validate_first_contact) b->Iterations(first_contact_pool);
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
