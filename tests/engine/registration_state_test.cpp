// Engine unit tests: DRT_EVENT_REGISTRATION_STATE_CHANGED (protocol.md D29, spec/api.md §4.11).
// A provider that can no longer prove a key (its local certificate expired) makes the engine
// report the registration UNRESOLVEABLE once — at the next maintenance tick even if nobody asks.
#include "engine/node.hpp"

#include <gtest/gtest.h>

using namespace drt::engine;

namespace {

// The null provider, except that the calls needing the local credential fail with the codes set
// here: after notAfter the derived-key provider fails them with DRT_E_INVALID_CERT_CHAIN.
class failing_security final : public security_provider {
 public:
  HRESULT credential_failure = S_OK;  // GetSerializedCredential and SignData
  HRESULT proof_failure = S_OK;       // SecureAndPackPayload

  HRESULT register_key(const key256& k, void* c) override { return inner_.register_key(k, c); }
  HRESULT unregister_key(const key256& k, void* c) override { return inner_.unregister_key(k, c); }
  HRESULT secure_and_pack_payload(void* c, std::uint8_t major, std::uint8_t minor, std::uint32_t flags,
                                  const key256& key, const bytes* payload, std::span<const endpoint> addresses,
                                  byte_span nonce, packed_payload& out) override {
    if (FAILED(proof_failure)) return proof_failure;
    return inner_.secure_and_pack_payload(c, major, minor, flags, key, payload, addresses, nonce, out);
  }
  HRESULT validate_and_unpack_payload(byte_span cpa, byte_span chain, byte_span classifier, byte_span nonce,
                                      const bytes* secured, unpacked_payload& out) override {
    return inner_.validate_and_unpack_payload(cpa, chain, classifier, nonce, secured, out);
  }
  HRESULT get_serialized_credential(bytes& credential) override {
    if (FAILED(credential_failure)) return credential_failure;
    return inner_.get_serialized_credential(credential);
  }
  HRESULT validate_remote_credential(byte_span c) override { return inner_.validate_remote_credential(c); }
  HRESULT sign_data(std::span<const byte_span> b, bytes& id, bytes& sig) override {
    if (FAILED(credential_failure)) return credential_failure;
    return inner_.sign_data(b, id, sig);
  }
  HRESULT verify_data(std::span<const byte_span> b, byte_span c, byte_span id, byte_span sig) override {
    return inner_.verify_data(b, c, id, sig);
  }
  HRESULT encrypt_data(byte_span c, std::span<const byte_span> b, std::vector<bytes>& e, bytes& t) override {
    return inner_.encrypt_data(c, b, e, t);
  }
  HRESULT decrypt_data(byte_span t, void* c, std::vector<bytes>& b) override { return inner_.decrypt_data(t, c, b); }

 private:
  null_security inner_;
};

// One node alone on the network: runs its timers, answers its bootstrap rounds with nobody, and
// collects its registration-state events.
struct lone_node {
  seeded_random rng{11};
  failing_security security;
  node n{node_config{}, rng, security};
  std::uint64_t now = 0;
  std::vector<node_event> registration_events;

  lone_node() {
    endpoint e;
    e.address = {0x20, 0x01, 0x0d, 0xb8};
    e.address[15] = 1;
    e.port = 3540;
    n.set_local_endpoints(now, {e});
    drain();
  }
  void drain() {
    (void)n.take_datagrams();  // nobody listens
    for (const auto& b : n.take_bootstrap_requests()) n.add_bootstrap_endpoints(now, b.round_id, {}, true);
    for (const auto& e : n.take_events())
      if (e.type == node_event::kind::registration_state_changed) registration_events.push_back(e);
  }
  void run_for(std::uint64_t ms) {
    const std::uint64_t end = now + ms;
    while (now < end) {
      now = std::min(end, std::max(now + 1, n.next_wakeup_ms()));
      if (n.next_wakeup_ms() <= now) n.on_timer(now);
      drain();
    }
  }
};

key256 key_with_top(std::uint64_t top) {
  key256 k;
  k.limb[3] = top;
  return k;
}

}  // namespace

TEST(RegistrationState, AnExpiredCredentialIsReportedAtTheNextMaintenanceTickOncePerKey) {
  lone_node t;
  ASSERT_EQ(t.n.register_key(t.now, key_with_top(5), {1}), S_OK);
  ASSERT_EQ(t.n.register_key(t.now, key_with_top(9), {2}), S_OK);
  t.run_for(60'000);
  EXPECT_TRUE(t.registration_events.empty()) << "nothing to report while the credential is valid";

  t.security.credential_failure = DRT_E_INVALID_CERT_CHAIN;
  t.security.proof_failure = DRT_E_INVALID_CERT_CHAIN;
  t.run_for(20'000);  // a maintenance period is at most 15 s + 10 %
  ASSERT_EQ(t.registration_events.size(), 2u);
  EXPECT_EQ(t.registration_events[0].local_key, key_with_top(5));
  EXPECT_EQ(t.registration_events[1].local_key, key_with_top(9));
  for (const auto& e : t.registration_events) EXPECT_EQ(e.status_error, DRT_E_INVALID_CERT_CHAIN);

  t.run_for(120'000);
  EXPECT_EQ(t.registration_events.size(), 2u) << "raised once per registration, not every tick";
}

TEST(RegistrationState, OtherCredentialFailuresAreNotTakenForExpiry) {
  // A provider without a credential (E_NOTIMPL, as the runtime reports a NULL entry) is not
  // expired: only DRT_E_INVALID_CERT_CHAIN marks keys UNRESOLVEABLE at maintenance.
  lone_node t;
  t.security.credential_failure = E_NOTIMPL;
  ASSERT_EQ(t.n.register_key(t.now, key_with_top(5), {1}), S_OK);
  t.run_for(60'000);
  EXPECT_TRUE(t.registration_events.empty());
}
