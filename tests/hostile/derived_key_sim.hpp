// The simulator with the real derived-key provider: a small PKI made with tools/certgen and, per
// node, security-openssl's derived-key provider loaded through the core's security_adapter (the
// same C-table copy layer libdrt uses), so every CPA, chain and signature in these runs is real
// OpenSSL work. Node keys are the certificates' derived keys. Not thread-safe.
#pragma once

#include "certgen.hpp"
#include "derived_key_provider.hpp"
#include "runtime/security_adapter.hpp"
#include "sim/network.hpp"

#include <memory>
#include <string>
#include <vector>

namespace drt::hostile {

using bytes = std::vector<std::uint8_t>;

// One attached provider and its adapter; detaches and deletes the provider on destruction.
class owned_provider final : public engine::security_provider {
 public:
  // nullptr when the provider cannot be created (the chain does not verify, …).
  static std::unique_ptr<owned_provider> create(const std::string& root_pem, const std::string& local_pem);
  ~owned_provider() override;
  HRESULT register_key(const engine::key256& k, void* c) override { return adapter_->register_key(k, c); }
  HRESULT unregister_key(const engine::key256& k, void* c) override { return adapter_->unregister_key(k, c); }
  HRESULT secure_and_pack_payload(void* kc, std::uint8_t ma, std::uint8_t mi, std::uint32_t f, const engine::key256& k,
                                  const bytes* p, std::span<const engine::endpoint> a, engine::byte_span n,
                                  engine::packed_payload& out) override {
    return adapter_->secure_and_pack_payload(kc, ma, mi, f, k, p, a, n, out);
  }
  HRESULT validate_and_unpack_payload(engine::byte_span cpa, engine::byte_span chain, engine::byte_span cl,
                                      engine::byte_span n, const bytes* sp, engine::unpacked_payload& out) override {
    return adapter_->validate_and_unpack_payload(cpa, chain, cl, n, sp, out);
  }
  HRESULT get_serialized_credential(bytes& c) override { return adapter_->get_serialized_credential(c); }
  HRESULT validate_remote_credential(engine::byte_span c) override { return adapter_->validate_remote_credential(c); }
  HRESULT sign_data(std::span<const engine::byte_span> b, bytes& k, bytes& s) override { return adapter_->sign_data(b, k, s); }
  HRESULT verify_data(std::span<const engine::byte_span> b, engine::byte_span c, engine::byte_span k,
                      engine::byte_span s) override {
    return adapter_->verify_data(b, c, k, s);
  }
  HRESULT encrypt_data(engine::byte_span c, std::span<const engine::byte_span> b, std::vector<bytes>& e,
                       bytes& t) override {
    return adapter_->encrypt_data(c, b, e, t);
  }
  HRESULT decrypt_data(engine::byte_span t, void* kc, std::vector<bytes>& b) override {
    return adapter_->decrypt_data(t, kc, b);
  }

 private:
  owned_provider() = default;
  DRT_SECURITY_PROVIDER* table_ = nullptr;
  std::unique_ptr<runtime::security_adapter> adapter_;
};

struct identity_pem {
  std::string cert_and_key;  // the certificate, then its private key
  engine::key256 key;        // its derived key
};

// A root and `nodes` EC P-256 node certificates under it (O2; `rsa_every` > 0 makes every
// rsa_every-th one RSA-2048, O1), plus `strangers` nodes under an unrelated root.
struct test_pki {
  std::string root_pem;
  std::string other_root_pem;  // the strangers' root
  std::vector<identity_pem> nodes;
  std::vector<identity_pem> strangers;
};
test_pki make_pki(std::size_t nodes, std::size_t strangers = 0, std::size_t rsa_every = 0);

// Adds one simulated node per PKI node (its derived key registered), `spacing_ms` apart.
void add_secure_nodes(sim::network& net, const test_pki& pki, std::uint64_t spacing_ms = 20);

// Share of the registered keys of live nodes found exactly by a search from another live node.
double found_fraction(sim::network& net, engine::random_source& w, std::uint64_t max_ms = 30'000);

}  // namespace drt::hostile

namespace drt::hostile {

// A partition that heals, with the real provider: `nodes` derived-key nodes join, the network
// splits in half (even / odd index) for `split_ms`, heals, runs three maintenance periods, and
// then every live key is searched from a node of the other half.
struct partition_outcome {
  std::size_t nodes = 0;
  std::size_t keys_searched = 0;
  std::size_t keys_found = 0;
  double leaf_sets_correct = 0;  // network::leaf_set_correct_fraction() at the end
  std::size_t cross_leaf_entries_during_split = 0;  // other-half keys in node 0's leaf set while split
  double found_pct() const { return keys_searched == 0 ? 100.0 : 100.0 * double(keys_found) / double(keys_searched); }
};
partition_outcome run_secure_partition(std::size_t nodes, std::uint64_t seed, std::uint64_t split_ms = 120'000);

}  // namespace drt::hostile
