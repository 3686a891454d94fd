#include "derived_key_sim.hpp"

#include <drt/drt_provider.h>

namespace drt::hostile {

std::unique_ptr<owned_provider> owned_provider::create(const std::string& root_pem, const std::string& local_pem) {
  DRT_PROVIDER_PARAM params[2] = {};
  params[0].pszName = "root_cert";
  params[0].eType = DRT_PARAM_BYTES;
  params[0].data = DRT_DATA{static_cast<std::uint32_t>(root_pem.size()),
                            reinterpret_cast<std::uint8_t*>(const_cast<char*>(root_pem.data()))};
  params[1].pszName = "local_cert";
  params[1].eType = DRT_PARAM_BYTES;
  params[1].data = DRT_DATA{static_cast<std::uint32_t>(local_pem.size()),
                            reinterpret_cast<std::uint8_t*>(const_cast<char*>(local_pem.data()))};
  DRT_PROVIDER_CONFIG config{};
  config.cbSize = sizeof config;
  config.cParams = 2;
  config.pParams = params;
  std::unique_ptr<owned_provider> p(new owned_provider());
  if (FAILED(plugins::openssl::create_derived_key_provider(&config, &p->table_)) || p->table_ == nullptr) return nullptr;
  if (FAILED(p->table_->Attach(p->table_->pvContext))) {
    plugins::openssl::delete_derived_key_provider(p->table_);
    p->table_ = nullptr;
    return nullptr;
  }
  p->adapter_ = std::make_unique<runtime::security_adapter>(*p->table_);
  return p;
}

owned_provider::~owned_provider() {
  if (table_ == nullptr) return;
  table_->Detach(table_->pvContext);
  plugins::openssl::delete_derived_key_provider(table_);
}

namespace {

identity_pem issue_node(const certgen::identity& root, certgen::key_type type, const std::string& name) {
  certgen::cert_spec spec;
  spec.common_name = name;
  auto id = certgen::issue(spec, certgen::generate_key({type}), &root);
  const auto wire = certgen::derived_key_wire(id.cert.get());
  return {certgen::cert_pem(id.cert.get()) + certgen::key_pem(id.key.get()), engine::key256::from_wire(wire)};
}

}  // namespace

test_pki make_pki(std::size_t nodes, std::size_t strangers, std::size_t rsa_every) {
  certgen::cert_spec ca;
  ca.common_name = "hostile test root";
  ca.is_ca = true;
  const auto root = certgen::issue(ca, certgen::generate_key({certgen::key_type::ec}), nullptr);
  ca.common_name = "unrelated root";
  const auto other = certgen::issue(ca, certgen::generate_key({certgen::key_type::ec}), nullptr);
  test_pki pki;
  pki.root_pem = certgen::cert_pem(root.cert.get());
  pki.other_root_pem = certgen::cert_pem(other.cert.get());
  for (std::size_t i = 0; i < nodes; ++i) {
    const bool rsa = rsa_every > 0 && i % rsa_every == 0;
    pki.nodes.push_back(issue_node(root, rsa ? certgen::key_type::rsa : certgen::key_type::ec, "node " + std::to_string(i)));
  }
  for (std::size_t i = 0; i < strangers; ++i)
    pki.strangers.push_back(issue_node(other, certgen::key_type::ec, "stranger " + std::to_string(i)));
  return pki;
}

void add_secure_nodes(sim::network& net, const test_pki& pki, std::uint64_t spacing_ms) {
  for (const auto& id : pki.nodes) {
    auto provider = owned_provider::create(pki.root_pem, id.cert_and_key);
    if (!provider) throw std::runtime_error("derived-key provider refused a node certificate");
    net.add_node_with(id.key, std::move(provider));
    net.run_for(spacing_ms);
  }
}

double found_fraction(sim::network& net, engine::random_source& w, std::uint64_t max_ms) {
  int ok = 0, total = 0;
  const auto live = net.live_nodes();
  for (std::size_t i : live) {
    if (!net.key_of(i) || live.size() < 2) continue;
    std::size_t from = i;
    while (from == i) from = live[w.uniform(live.size())];
    engine::search_info info;
    info.target = *net.key_of(i);
    const auto& out = net.search_and_wait(from, info, max_ms);
    ++total;
    ok += out.done && out.results.size() == 1 && out.results[0].key == info.target ? 1 : 0;
  }
  return total == 0 ? 1.0 : double(ok) / double(total);
}

}  // namespace drt::hostile

namespace drt::hostile {

partition_outcome run_secure_partition(std::size_t nodes, std::uint64_t seed, std::uint64_t split_ms) {
  sim::network net(seed, {});
  engine::seeded_random w(seed);
  add_secure_nodes(net, make_pki(nodes));
  net.run_for(60'000);
  net.split_in_half();
  net.run_for(split_ms);
  partition_outcome out;
  out.nodes = nodes;
  if (!net.engine(0).cache().leaf_sets().empty()) {
    for (const auto& k : net.engine(0).cache().leaf_sets().front().above)
      for (std::size_t j = 1; j < net.size(); j += 2) out.cross_leaf_entries_during_split += *net.key_of(j) == k ? 1 : 0;
  }
  net.heal();
  net.run_for(3 * sim::network::maintenance_period_ms());
  for (std::size_t i = 0; i < net.size(); ++i) {
    engine::search_info info;
    info.target = *net.key_of(i);
    const std::size_t from = (i + 1 + 2 * w.uniform(net.size() / 2)) % net.size();  // the other half
    const auto& found = net.search_and_wait(from, info, 60'000);
    ++out.keys_searched;
    out.keys_found += found.done && found.results.size() == 1 && found.results[0].key == info.target ? 1 : 0;
  }
  out.leaf_sets_correct = net.leaf_set_correct_fraction();
  return out;
}

}  // namespace drt::hostile
