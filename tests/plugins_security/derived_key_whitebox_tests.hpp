// White-box tests of a derived-key provider's static library, for what the plugin ABI cannot
// reach: an injected clock for local expiry, and the rejection counters. A plugin's test file
// defines the namespace alias `impl` (its provider's namespace, with derived_key_provider.hpp
// included; with OPENDRT_SECURITY_BACKEND defined also verified_credential_cache.hpp), includes <atomic>, <limits> and <memory>, and then includes this file inside namespace
// drt::tests.
#pragma once

namespace {

struct clocked_provider {
  std::atomic<std::int64_t> now{certgen::now_unix()};
  DRT_SECURITY_PROVIDER* p = nullptr;
  HRESULT hr = E_FAIL;

  explicit clocked_provider(const identity* local, const identity& root_identity = pki().root) {
    bytes root = cert_pem_bytes(root_identity);
    bytes mine = local != nullptr ? pem_of(*local, true) : bytes{};
    DRT_PROVIDER_PARAM params[2]{};
    params[0].pszName = "root_cert";
    params[0].eType = DRT_PARAM_BYTES;
    params[0].data = data_of(root);
    params[1].pszName = "local_cert";
    params[1].eType = DRT_PARAM_BYTES;
    params[1].data = data_of(mine);
    const DRT_PROVIDER_CONFIG config{sizeof config, local != nullptr ? 2u : 1u, params, nullptr, nullptr, 0};
    hr = impl::create_derived_key_provider_with_clock(&config, [this] { return now.load(); }, &p);
  }
  ~clocked_provider() {
    if (p == nullptr) return;
    p->Detach(p->pvContext);
    impl::delete_derived_key_provider(p);
  }
};

TEST(DerivedKeyLocalExpiry, EveryProducingCallFailsOnceTheLocalChainExpires) {
  const identity& node = pki().nodes[0][0];
  clocked_provider c(&node);
  ASSERT_EQ(c.hr, S_OK);
  const std::int64_t until = impl::local_valid_until(c.p);
  ASSERT_GT(until, c.now.load());
  ASSERT_EQ(c.p->Attach(c.p->pvContext), S_OK);
  bytes key = derived_key_api(node);
  DRT_REGISTRATION reg{data_of(key), {}};
  c.now = until;  // the last valid second
  EXPECT_EQ(c.p->RegisterKey(c.p->pvContext, &reg, nullptr), S_OK);
  c.now = until + 1;
  EXPECT_EQ(c.p->RegisterKey(c.p->pvContext, &reg, nullptr), DRT_E_INVALID_CERT_CHAIN);
  DRT_DATA cpa{1, nullptr}, credential{1, nullptr}, id{1, nullptr}, sig{1, nullptr};
  EXPECT_EQ(c.p->SecureAndPackPayload(c.p->pvContext, nullptr, 1, 0, 0, &reg.key, nullptr, nullptr, nullptr,
                                      &cpa, nullptr, nullptr, nullptr),
            DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(cpa.pb, nullptr);
  EXPECT_EQ(c.p->GetSerializedCredential(c.p->pvContext, &credential), DRT_E_INVALID_CERT_CHAIN);
  bytes data{1, 2, 3};
  DRT_DATA buffer = data_of(data);
  EXPECT_EQ(c.p->SignData(c.p->pvContext, 1, &buffer, &id, &sig), DRT_E_INVALID_CERT_CHAIN);
  c.p->Detach(c.p->pvContext);
  EXPECT_EQ(c.p->Attach(c.p->pvContext), DRT_E_INVALID_CERT_CHAIN);
  // Attach failed, so the provider is free to attach once the clock is back in the window.
  c.now = until - 10;
  EXPECT_EQ(c.p->Attach(c.p->pvContext), S_OK);
}

TEST(DerivedKeyLocalExpiry, NoLocalCertificateReportsNoValidity) {
  clocked_provider c(nullptr);
  ASSERT_EQ(c.hr, S_OK);
  EXPECT_EQ(impl::local_valid_until(c.p), std::numeric_limits<std::int64_t>::min());
}

HRESULT validate_credential(DRT_SECURITY_PROVIDER* p, bytes credential) {
  DRT_DATA c = data_of(credential);
  return p->ValidateRemoteCredential(p->pvContext, &c);
}

TEST(DerivedKeyCounters, CountRejectedChainsByReason) {
  clocked_provider c(nullptr);
  ASSERT_EQ(c.hr, S_OK);
  ASSERT_EQ(c.p->Attach(c.p->pvContext), S_OK);
  EXPECT_EQ(validate_credential(c.p, pkcs7_of({&pki().expired[0]})), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(c.p, pkcs7_of({&pki().expired[1]})), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(c.p, pkcs7_of({&pki().strangers[0]})), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(c.p, bytes{0x30, 0x00}), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(c.p, pkcs7_of({&pki().nodes[0][0]})), S_OK);
  const impl::derived_key_counters n = impl::counters_of(c.p);
  EXPECT_EQ(n.chains_expired, 2u);
  EXPECT_EQ(n.chains_untrusted, 1u);
  EXPECT_EQ(n.chains_malformed, 1u);
  EXPECT_EQ(n.proofs_rejected, 0u);
}

TEST(DerivedKeyCache, ACachedCredentialStillExpires) {
  clocked_provider c(nullptr);
  ASSERT_EQ(c.hr, S_OK);
  ASSERT_EQ(c.p->Attach(c.p->pvContext), S_OK);
  const bytes credential = pkcs7_of({&pki().nodes[1][0]});
  ASSERT_EQ(validate_credential(c.p, credential), S_OK);
  ASSERT_EQ(validate_credential(c.p, credential), S_OK);  // from the cache
  c.now = c.now.load() + 400LL * 86400;                   // past the node's notAfter
  EXPECT_EQ(validate_credential(c.p, credential), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(impl::counters_of(c.p).chains_expired, 1u);
}

TEST(DerivedKeyCache, ProvidersWithTheSameRootShareVerifiedCredentials) {
  clocked_provider a(nullptr), b(nullptr);
  ASSERT_EQ(a.hr, S_OK);
  ASSERT_EQ(b.hr, S_OK);
  ASSERT_EQ(a.p->Attach(a.p->pvContext), S_OK);
  ASSERT_EQ(b.p->Attach(b.p->pvContext), S_OK);
  const bytes credential = pkcs7_of({&pki().nodes[0][1]});
  ASSERT_EQ(validate_credential(a.p, credential), S_OK);  // verified now, or earlier in this process
  const impl::credential_cache_counters before = impl::shared_credential_cache_counters();
  ASSERT_EQ(validate_credential(b.p, credential), S_OK);
  const impl::credential_cache_counters after = impl::shared_credential_cache_counters();
  EXPECT_EQ(after.hits, before.hits + 1);  // b did not parse or verify the chain again
  EXPECT_EQ(after.misses, before.misses);
}

TEST(DerivedKeyCache, AProviderWithAnotherRootDoesNotSeeTheEntry) {
  clocked_provider ours(nullptr), theirs(nullptr, pki().other_root);
  ASSERT_EQ(ours.hr, S_OK);
  ASSERT_EQ(theirs.hr, S_OK);
  ASSERT_EQ(ours.p->Attach(ours.p->pvContext), S_OK);
  ASSERT_EQ(theirs.p->Attach(theirs.p->pvContext), S_OK);
  const bytes member = pkcs7_of({&pki().nodes[1][1]});
  const bytes stranger = pkcs7_of({&pki().strangers[1]});
  ASSERT_EQ(validate_credential(ours.p, member), S_OK);
  ASSERT_EQ(validate_credential(theirs.p, stranger), S_OK);
  EXPECT_EQ(validate_credential(theirs.p, member), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(validate_credential(ours.p, stranger), DRT_E_INVALID_CERT_CHAIN);
  EXPECT_EQ(impl::counters_of(ours.p).chains_untrusted, 1u);
  EXPECT_EQ(impl::counters_of(theirs.p).chains_untrusted, 1u);
}

// The cache class itself, where the test file sees it (OPENDRT_SECURITY_BACKEND defined).
#ifdef OPENDRT_SECURITY_BACKEND
std::shared_ptr<impl::remote_peer> peer_checked_at(std::int64_t t) {
  auto p = std::make_shared<impl::remote_peer>();
  p->valid_from = t - 10;
  p->valid_until = t + 1000;
  p->checked_at = t;
  return p;
}

impl::credential_cache_key cache_key(std::uint8_t n) {
  impl::credential_cache_key k;
  k.credential[0] = n;
  return k;
}

TEST(DerivedKeyCache, EvictsTheLeastRecentlyUsedEntryWhenFull) {
  impl::verified_credential_cache cache(3);
  const std::int64_t t = 1'000'000;
  for (std::uint8_t n = 1; n <= 3; ++n) cache.insert(cache_key(n), peer_checked_at(t));
  ASSERT_NE(cache.find(cache_key(1), t), nullptr);  // 1 is now the most recent; 2 the least
  cache.insert(cache_key(4), peer_checked_at(t));
  EXPECT_EQ(cache.find(cache_key(2), t), nullptr);
  EXPECT_NE(cache.find(cache_key(1), t), nullptr);
  EXPECT_NE(cache.find(cache_key(3), t), nullptr);
  EXPECT_NE(cache.find(cache_key(4), t), nullptr);
  const auto s = cache.stats();
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.hits, 4u);
  EXPECT_EQ(s.misses, 1u);
}

TEST(DerivedKeyCache, DropsAnEntryOutsideItsWindowOrPastTheTtl) {
  impl::verified_credential_cache cache;
  const std::int64_t t = 1'000'000;
  cache.insert(cache_key(1), peer_checked_at(t));
  EXPECT_NE(cache.find(cache_key(1), t + impl::remote_cache_ttl_s - 1), nullptr);
  EXPECT_EQ(cache.find(cache_key(1), t + impl::remote_cache_ttl_s), nullptr);  // dropped
  cache.insert(cache_key(1), peer_checked_at(t));
  EXPECT_EQ(cache.find(cache_key(1), t - 1), nullptr);  // a clock before the check
  cache.insert(cache_key(2), peer_checked_at(t));
  EXPECT_EQ(cache.stats().entries, 1u);
}
#endif  // OPENDRT_SECURITY_BACKEND

}  // namespace
