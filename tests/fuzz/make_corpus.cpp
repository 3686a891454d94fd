// drt_fuzz_corpus: writes the seed corpora of the fuzz targets from real messages, so that the
// fuzzers start from inputs that reach deep into the code instead of bytes the first checks
// reject. Usage: drt_fuzz_corpus <tests/fuzz directory>. It writes
//   pki/root.pem, pki/o1.pem, pki/o2.pem   the fixed PKI the security targets load (made once,
//                                          valid for 100 years; kept when present, because the
//                                          security seeds are signed with it)
//   corpus/security_openssl/, corpus/security_wolfssl/   CPAs (O1, O2, null; revocations),
//                                          credentials, signatures and keytokens (the same seeds
//                                          for both plugins: they accept the same bytes)
//   corpus/engine/                          what engine_victim received from four real nodes while
//                                          joining, publishing, searching (a fragmented answer
//                                          too) and revoking, as replayable record sequences
//   corpus/codec/                           datagrams of that run, up to 6 of each type, one per file,
//                                          and the fragments of each fragmented message together
//   corpus/key_parser/                      the three key forms, a certificate for @FILE
// The seeds are committed; rerun this only when the wire format changes.
#include "certgen.hpp"
#include "derived_key_provider.hpp"
#include "engine/codec.hpp"
#include "engine/hash.hpp"
#include "engine_victim.hpp"
#include "null_provider.hpp"
#include "security_harness.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace fs = std::filesystem;
using namespace drt;
using drt::fuzz::bytes;

namespace {

void write(const fs::path& file, std::span<const std::uint8_t> data) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data.data()),
                                                                 static_cast<std::streamsize>(data.size()));
}
void write_text(const fs::path& file, const std::string& text) {
  write(file, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

void make_pki(const fs::path& dir) {
  if (fs::exists(dir / "root.pem")) return;
  certgen::cert_spec ca;
  ca.common_name = "OpenDRT fuzz root";
  ca.is_ca = true;
  ca.not_before = certgen::now_unix() - 86400;
  ca.not_after = ca.not_before + 100LL * 365 * 86400;
  const auto root = certgen::issue(ca, certgen::generate_key({certgen::key_type::ec}), nullptr);
  write_text(dir / "root.pem", certgen::cert_pem(root.cert.get()));
  certgen::cert_spec leaf = ca;
  leaf.is_ca = false;
  for (auto [name, type] : {std::pair{"o1", certgen::key_type::rsa}, std::pair{"o2", certgen::key_type::ec}}) {
    leaf.common_name = std::string("OpenDRT fuzz node ") + name;
    const auto node = certgen::issue(leaf, certgen::generate_key({type}), &root);
    write_text(dir / (std::string(name) + ".pem"), certgen::cert_pem(node.cert.get()) + certgen::key_pem(node.key.get()));
  }
}

engine::key256 derived_key(const fs::path& pem) {
  const bytes text = fuzz::read_file(pem.string());
  DRT_DATA cert{static_cast<std::uint32_t>(text.size()), const_cast<std::uint8_t*>(text.data())};
  std::array<std::uint8_t, 32> api{};
  DRT_DATA key{32, api.data()};
  if (FAILED(plugins::openssl::derive_key(&cert, &key))) throw std::runtime_error("derive_key failed on " + pem.string());
  return engine::key256::from_api_bytes(api.data());
}

bytes seed(fuzz::provider_index p, fuzz::entry_point e, const std::vector<bytes>& fields) {
  bytes out{fuzz::selector(p, e)};
  for (const auto& f : fields) fuzz::append_field(out, f);
  return out;
}

int make_security_seeds(const fs::path& root) {
  using fuzz::entry_point;
  using fuzz::provider_index;
  namespace o = plugins::openssl;
  fuzz::provider_set set({o::create_null_provider, o::delete_null_provider},
                         {o::create_derived_key_provider, o::delete_derived_key_provider}, (root / "pki").string());
  if (!set.ok()) {
    std::fprintf(stderr, "drt_fuzz_corpus: cannot create the providers from %s\n", (root / "pki").c_str());
    return 1;
  }
  const std::map<provider_index, engine::key256> keys{{provider_index::null, fuzz::victim_key()},
                                                      {provider_index::o1, derived_key(root / "pki/o1.pem")},
                                                      {provider_index::o2, derived_key(root / "pki/o2.pem")}};
  const bytes nonce{0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};
  const bytes payload{'h', 'e', 'l', 'l', 'o'};
  const std::vector<engine::endpoint> addresses{fuzz::fuzz_endpoint(1), fuzz::fuzz_endpoint(2)};
  std::map<std::string, bytes> seeds;
  std::map<provider_index, bytes> credentials;
  for (auto [p, key] : keys) {
    HRESULT hr = set.adapter(p).get_serialized_credential(credentials[p]);
    if (FAILED(hr)) return 2;
  }
  const char* names[] = {"null", "o1", "o2"};
  for (auto [signer, key] : keys) {
    auto& a = set.adapter(signer);
    engine::packed_payload proof, revoke;
    if (FAILED(a.secure_and_pack_payload(nullptr, 1, 0, 0, key, &payload, addresses, nonce, proof)) ||
        FAILED(a.secure_and_pack_payload(nullptr, 1, 0, 1, key, nullptr, {}, {}, revoke))) {
      std::fprintf(stderr, "drt_fuzz_corpus: SecureAndPackPayload failed for %s\n", names[static_cast<int>(signer)]);
      return 3;
    }
    bytes key_id, signature;
    const bytes b1{'a', 'b', 'c'}, b2{'d', 'e', 'f', 'g'};
    const std::vector<engine::byte_span> buffers{b1, b2};
    if (FAILED(a.sign_data(buffers, key_id, signature))) return 4;
    for (auto [validator, unused] : keys) {
      const std::string tag = std::string(names[static_cast<int>(validator)]) + "-of-" + names[static_cast<int>(signer)];
      seeds["cpa-" + tag] = seed(validator, entry_point::validate_and_unpack,
                                 {proof.cpa, proof.cert_chain, proof.classifier, nonce, proof.secured_payload});
      seeds["revoke-" + tag] =
          seed(validator, entry_point::validate_and_unpack, {revoke.cpa, revoke.cert_chain, revoke.classifier});
      seeds["credential-" + tag] = seed(validator, entry_point::validate_credential, {credentials[signer]});
      seeds["signature-" + tag] =
          seed(validator, entry_point::verify_data, {credentials[signer], key_id, signature, b1, b2});
      // A keytoken from the signer for the validator (which decrypts it).
      std::vector<bytes> encrypted;
      bytes keytoken;
      if (SUCCEEDED(a.encrypt_data(credentials[validator], buffers, encrypted, keytoken))) {
        std::vector<bytes> fields{keytoken};
        fields.insert(fields.end(), encrypted.begin(), encrypted.end());
        seeds["keytoken-" + tag] = seed(validator, entry_point::decrypt_data, fields);
      }
    }
  }
  for (const char* dir : {"security_openssl", "security_wolfssl"}) {
    for (const auto& [name, data] : seeds) write(root / "corpus" / dir / name, data);
  }
  std::printf("security: %zu seeds (each for both plugins)\n", seeds.size());
  return 0;
}

// ---- engine and codec: a recorded conversation ------------------------------------------------

struct recorder {
  fuzz::engine_victim victim;
  engine::null_security security;
  std::vector<std::unique_ptr<engine::seeded_random>> rngs;
  std::vector<std::unique_ptr<engine::node>> peers;  // at peer_endpoint(0..3)
  std::vector<std::pair<int, engine::outgoing_datagram>> wire;  // (sender: -1 victim, else peer)
  bytes victim_inbound;        // records for fuzz_engine
  std::uint64_t last_record_ms = 0;
  std::set<bytes> datagrams;   // every distinct datagram, for fuzz_codec
  std::map<std::uint64_t, std::vector<bytes>> fragments;  // (sender, message id) → pieces
  std::map<std::uint64_t, std::vector<engine::search_result>> results;

  recorder() {
    for (int i = 0; i < 4; ++i) {
      rngs.push_back(std::make_unique<engine::seeded_random>(100 + i));
      peers.push_back(std::make_unique<engine::node>(engine::node_config{}, *rngs.back(), security));
      peers.back()->set_local_endpoints(victim.now_ms, {fuzz::peer_endpoint(static_cast<std::uint8_t>(i))});
      engine::key256 k;
      k.limb[3] = 0x1000000000000000ull * static_cast<std::uint64_t>(2 * i + 3);
      // Peer 2 publishes 5,000 bytes of data: its AUTHORITY answers are fragmented.
      (void)peers.back()->register_key(victim.now_ms, k, i == 2 ? bytes(5000, 'D') : bytes{'p', static_cast<std::uint8_t>('0' + i)});
      drain_peer(i);
    }
    for (auto& d : victim.drain()) wire.emplace_back(-1, std::move(d));
  }
  void drain_peer(int i) {
    auto& p = *peers[i];
    for (int guard = 0; guard < 4; ++guard) {
      for (auto& d : p.take_datagrams()) wire.emplace_back(i, std::move(d));
      (void)p.take_events();
      for (auto& r : p.take_search_results()) results[r.search_id].push_back(r);
      auto requests = p.take_bootstrap_requests();
      if (requests.empty()) break;
      std::vector<engine::endpoint> others{fuzz::victim_endpoint()};
      for (int j = 0; j < 4; ++j) if (j != i) others.push_back(fuzz::peer_endpoint(static_cast<std::uint8_t>(j)));
      for (const auto& r : requests) p.add_bootstrap_endpoints(victim.now_ms, r.round_id, others, true);
    }
  }
  void note(int sender, const bytes& d) {
    datagrams.insert(d);
    auto split = engine::split_datagram(d, 1);
    if (auto* v = std::get_if<engine::datagram_view>(&split); v && !v->complete()) {
      fragments[std::uint64_t(sender + 1) << 32 | v->message_id].push_back(d);
    }
  }
  // One 10 ms tick: the victim's timer, then every datagram sent during the last tick, then the
  // peers' timers (the order engine_victim replays).
  void tick() {
    victim.tick();
    for (auto& d : victim.drain()) wire.emplace_back(-1, std::move(d));
    auto batch = std::move(wire);
    wire.clear();
    for (auto& [from, d] : batch) {
      note(from, d.data);
      if (d.to.same_wire(fuzz::victim_endpoint())) {
        if (from < 0) continue;
        const auto ticks = (victim.now_ms - last_record_ms) / 10;
        // A gap above 255 ticks is split with empty datagrams from the bad source (dropped).
        auto left = ticks;
        while (left > 255) {
          fuzz::append_record(victim_inbound, 255, 4, {});
          left -= 255;
        }
        fuzz::append_record(victim_inbound, static_cast<std::uint8_t>(left), static_cast<std::uint8_t>(from), d.data);
        last_record_ms = victim.now_ms;
        victim.deliver(static_cast<std::uint8_t>(from), d.data);
        for (auto& o : victim.drain()) wire.emplace_back(-1, std::move(o));
        continue;
      }
      for (int i = 0; i < 4; ++i) {
        if (!d.to.same_wire(fuzz::peer_endpoint(static_cast<std::uint8_t>(i)))) continue;
        const engine::endpoint src = from < 0 ? fuzz::victim_endpoint() : fuzz::peer_endpoint(static_cast<std::uint8_t>(from));
        peers[i]->on_datagram(victim.now_ms, src, d.to, d.data);
        drain_peer(i);
      }
    }
    for (int i = 0; i < 4; ++i) {
      if (peers[i]->next_wakeup_ms() <= victim.now_ms) {
        peers[i]->on_timer(victim.now_ms);
        drain_peer(i);
      }
    }
  }
  void run_ms(std::uint64_t ms) {
    for (std::uint64_t t = 0; t < ms; t += 10) tick();
  }
};

int make_engine_seeds(const fs::path& root) {
  recorder r;
  std::vector<std::pair<std::string, std::size_t>> cuts;  // seed name, victim_inbound size then
  r.run_ms(4000);
  cuts.emplace_back("join", r.victim_inbound.size());
  std::uint64_t id = 0;
  engine::search_info find_big;
  find_big.target = r.peers[2]->registered_keys().front();
  (void)r.victim.node.start_search(r.victim.now_ms, find_big, id);
  engine::search_info find_victim;
  find_victim.target = fuzz::victim_key();
  (void)r.peers[0]->start_search(r.victim.now_ms, find_victim, id);
  r.drain_peer(0);
  engine::search_info nearest;
  nearest.target = engine::key256{};
  nearest.minimum = engine::key256{};
  nearest.maximum = engine::key_max();
  nearest.max_endpoints = 4;
  (void)r.peers[1]->start_search(r.victim.now_ms, nearest, id);
  r.drain_peer(1);
  r.run_ms(3000);
  cuts.emplace_back("search", r.victim_inbound.size());
  (void)r.peers[3]->unregister_key(r.victim.now_ms, r.peers[3]->registered_keys().front());
  r.drain_peer(3);
  r.peers[1]->close(r.victim.now_ms);
  r.drain_peer(1);
  r.run_ms(3000);
  cuts.emplace_back("revoke", r.victim_inbound.size());
  for (const auto& [name, n] : cuts) {
    write(root / "corpus/engine" / ("recorded-" + name), std::span(r.victim_inbound).first(n));
  }
  std::size_t codec = 0;
  std::map<int, int> per_type;  // at most 6 seeds of each message type: they differ little
  for (const auto& d : r.datagrams) {
    auto split = engine::split_datagram(d, 1);
    auto* view = std::get_if<engine::datagram_view>(&split);
    if (!view || !view->complete() || ++per_type[static_cast<int>(view->type)] > 6) continue;
    bytes one;
    fuzz::append_record(one, 0, 0, d);
    const auto digest = engine::sha256(d);
    write(root / "corpus/codec" / ("datagram-" + certgen::to_hex(digest.data(), 8)), one);
    ++codec;
  }
  for (const auto& [tag, pieces] : r.fragments) {
    bytes all;
    for (const auto& p : pieces) fuzz::append_record(all, 0, 0, p);
    write(root / "corpus/codec" / ("fragments-" + std::to_string(tag)), all);
    ++codec;
  }
  std::printf("engine: %zu seeds, %zu bytes received by the victim; codec: %zu seeds (%zu fragmented messages)\n",
              cuts.size(), r.victim_inbound.size(), codec, r.fragments.size());
  return 0;
}

int make_key_parser_seeds(const fs::path& root) {
  const fs::path dir = root / "corpus/key_parser";
  const std::string hex = "c6d1d9c27af0f478726df4c2054286ba6cb7b77c34e044c7df3ec37e1f0e39d8";
  write_text(dir / "hex", std::string("\x00", 1) + hex);
  write_text(dir / "sha256", std::string("\x00", 1) + "sha256:hello");
  write_text(dir / "file-hex", "\x01" + hex + "\n");
  const bytes pem = fuzz::read_file((root / "pki/o2.pem").string());
  write_text(dir / "file-certificate", "\x01" + std::string(pem.begin(), pem.end()));
  std::printf("key_parser: 4 seeds\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: drt_fuzz_corpus <tests/fuzz directory>\n");
    return 2;
  }
  const fs::path root = argv[1];
  try {
    make_pki(root / "pki");
    if (int rc = make_security_seeds(root)) return rc;
    if (int rc = make_engine_seeds(root)) return rc;
    return make_key_parser_seeds(root);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drt_fuzz_corpus: %s\n", e.what());
    return 1;
  }
}
