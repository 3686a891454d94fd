// tests/sim: a test-only security provider for DRT_SECURE_CONFIDENTIALPAYLOAD. Proofs are the
// null provider's; on top, each node has an identity credential ("SEAL" + 8-byte id), and
// EncryptData really hides the data: a keytoken naming the recipient, a SHA-256 keystream and an
// 8-byte tag per buffer. DecryptData refuses a keytoken for another node or a changed byte. So a
// simulated mode-2 network shows that nothing protected travels in clear (protocol.md §7 rule
// 35), that each message is encrypted for the right peer, and that tampering is caught — cheaply.
// Not cryptography: the keytoken carries its key in clear. One instance per node; not
// thread-safe (one engine uses it).
#pragma once

#include <algorithm>
#include <cstring>

#include "engine/hash.hpp"
#include "engine/security.hpp"

namespace drt::sim {

class sealing_security final : public engine::security_provider {
 public:
  using bytes = engine::bytes;
  using byte_span = engine::byte_span;

  explicit sealing_security(std::uint64_t id) : credential_(credential_for(id)) {}

  static bytes credential_for(std::uint64_t id) {
    bytes c{'S', 'E', 'A', 'L'};
    for (int i = 0; i < 8; ++i) c.push_back(static_cast<std::uint8_t>(id >> (8 * i)));
    return c;
  }
  std::uint64_t encryptions() const { return encryptions_; }
  std::uint64_t decryptions_refused() const { return decryptions_refused_; }

  HRESULT register_key(const engine::key256& k, void* c) override { return null_.register_key(k, c); }
  HRESULT unregister_key(const engine::key256& k, void* c) override { return null_.unregister_key(k, c); }
  HRESULT secure_and_pack_payload(void* context, std::uint8_t major, std::uint8_t minor, std::uint32_t flags,
                                  const engine::key256& key, const bytes* payload,
                                  std::span<const engine::endpoint> addresses, byte_span nonce,
                                  engine::packed_payload& out) override {
    const HRESULT hr = null_.secure_and_pack_payload(context, major, minor, flags, key, payload, addresses, nonce, out);
    out.cert_chain = credential_;  // so an AUTHORITY carries our credential (INQUIRE flag C)
    return hr;
  }
  HRESULT validate_and_unpack_payload(byte_span cpa, byte_span chain, byte_span classifier, byte_span nonce,
                                      const bytes* secured_payload, engine::unpacked_payload& out) override {
    return null_.validate_and_unpack_payload(cpa, chain, classifier, nonce, secured_payload, out);
  }
  HRESULT get_serialized_credential(bytes& credential) override {
    credential = credential_;
    return S_OK;
  }
  HRESULT validate_remote_credential(byte_span credential) override {
    return well_formed(credential) ? S_OK : DRT_E_INVALID_CERT_CHAIN;
  }
  HRESULT sign_data(std::span<const byte_span> b, bytes& id, bytes& sig) override { return null_.sign_data(b, id, sig); }
  HRESULT verify_data(std::span<const byte_span>, byte_span credential, byte_span, byte_span) override {
    return well_formed(credential) ? S_OK : DRT_E_INVALID_MESSAGE;
  }

  // keytoken = "SKT1" ‖ recipient credential (12) ‖ key (8).
  HRESULT encrypt_data(byte_span recipient, std::span<const byte_span> buffers, std::vector<bytes>& encrypted,
                       bytes& keytoken) override {
    if (!well_formed(recipient)) return DRT_E_INVALID_CERT_CHAIN;
    ++encryptions_;
    keytoken = {'S', 'K', 'T', '1'};
    keytoken.insert(keytoken.end(), recipient.begin(), recipient.end());
    for (int i = 0; i < 8; ++i) keytoken.push_back(static_cast<std::uint8_t>((encryptions_ * 0x9E3779B97F4A7C15ull) >> (8 * i)));
    encrypted.clear();
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      bytes out(buffers[i].begin(), buffers[i].end());
      apply_keystream(keytoken, i, out);
      const auto t = tag(keytoken, i, buffers[i]);
      out.insert(out.end(), t.begin(), t.end());
      encrypted.push_back(std::move(out));
    }
    return S_OK;
  }
  HRESULT decrypt_data(byte_span keytoken, void*, std::vector<bytes>& buffers) override {
    if (keytoken.size() != 4 + 12 + 8 || !std::equal(keytoken.begin(), keytoken.begin() + 4, "SKT1") ||
        !std::equal(credential_.begin(), credential_.end(), keytoken.begin() + 4))
      return refuse();
    std::vector<bytes> plain;
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      if (buffers[i].size() < tag_bytes) return refuse();
      bytes p(buffers[i].begin(), buffers[i].end() - tag_bytes);
      apply_keystream(keytoken, i, p);
      const auto t = tag(keytoken, i, p);
      if (!std::equal(t.begin(), t.end(), buffers[i].end() - tag_bytes)) return refuse();
      plain.push_back(std::move(p));
    }
    buffers = std::move(plain);  // only when every tag verified
    return S_OK;
  }

 private:
  static constexpr std::size_t tag_bytes = 8;

  static bool well_formed(byte_span c) { return c.size() == 12 && std::equal(c.begin(), c.begin() + 4, "SEAL"); }
  HRESULT refuse() {
    ++decryptions_refused_;
    return DRT_E_INVALID_MESSAGE;
  }
  static void apply_keystream(byte_span keytoken, std::size_t index, bytes& data) {
    for (std::size_t block = 0; block * 32 < data.size(); ++block) {
      bytes in(keytoken.begin(), keytoken.end());
      for (int i = 0; i < 4; ++i) in.push_back(static_cast<std::uint8_t>(index >> (8 * i)));
      for (int i = 0; i < 4; ++i) in.push_back(static_cast<std::uint8_t>(block >> (8 * i)));
      const auto ks = engine::sha256(in);
      for (std::size_t j = 0; j < 32 && block * 32 + j < data.size(); ++j) data[block * 32 + j] ^= ks[j];
    }
  }
  static std::array<std::uint8_t, tag_bytes> tag(byte_span keytoken, std::size_t index, byte_span plain) {
    bytes in{'T', 'A', 'G'};
    in.insert(in.end(), keytoken.begin(), keytoken.end());
    for (int i = 0; i < 4; ++i) in.push_back(static_cast<std::uint8_t>(index >> (8 * i)));
    in.insert(in.end(), plain.begin(), plain.end());
    const auto h = engine::sha256(in);
    std::array<std::uint8_t, tag_bytes> t{};
    std::copy_n(h.begin(), tag_bytes, t.begin());
    return t;
  }

  engine::null_security null_;
  bytes credential_;
  std::uint64_t encryptions_ = 0;
  std::uint64_t decryptions_refused_ = 0;
};

}  // namespace drt::sim
