// The null provider of security-openssl (and, compiled again, of security-wolfssl) (protocol.md §5.7, api.md §4.5), loaded from its
// .so by path and driven only through the plugin ABI, as the core drives it: descriptor, lifetime,
// attach state, keys, credentials, encryption.
#include "null_provider_fixture.hpp"

#include <atomic>
#include <thread>

namespace drt::tests {
namespace {

// ---- Descriptor and lifetime ------------------------------------------------------------------

TEST_F(SecurityOpensslPlugin, ReportsAbiVersionNameAndVersion) {
  const DRT_PLUGIN_DESCRIPTOR* d = library_.descriptor();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->cbSize, sizeof(DRT_PLUGIN_DESCRIPTOR));
  EXPECT_EQ(d->wAbiMajor, DRT_PLUGIN_ABI_MAJOR);
  EXPECT_EQ(d->wAbiMinor, DRT_PLUGIN_ABI_MINOR);
  EXPECT_EQ(std::string(d->pszName), plugin_name);
  EXPECT_STREQ(d->pszVersion, OPENDRT_TEST_PLUGIN_VERSION);
}

TEST_F(SecurityOpensslPlugin, OffersTheNullAndDerivedKeyProviders) {
  const DRT_PLUGIN_DESCRIPTOR* d = library_.descriptor();
  ASSERT_EQ(d->cProviders, 2u);  // "null" and "derived-key"
  EXPECT_EQ(d->cbProviderSize, sizeof(DRT_PROVIDER_DESCRIPTOR));
  EXPECT_EQ(factory_->cbSize, sizeof(DRT_PROVIDER_DESCRIPTOR));
  EXPECT_NE(factory_->CreateSecurityProvider, nullptr);
  EXPECT_NE(factory_->DeleteSecurityProvider, nullptr);
  EXPECT_EQ(factory_->CreateTransportProvider, nullptr);
  EXPECT_EQ(factory_->CreateBootstrapProvider, nullptr);
  EXPECT_EQ(factory_->DeriveKey, nullptr);  // nothing to derive: any key may be registered
  ASSERT_NE(factory_->pszDescription, nullptr);
  EXPECT_GT(std::strlen(factory_->pszDescription), 0u);
}

TEST(SecurityOpensslPluginLifetime, UnloadsWhenItsLastHandleCloses) {
  {
    plugin_library library(plugin_path);
    ASSERT_TRUE(library.loaded()) << library.error();
    const DRT_PROVIDER_DESCRIPTOR* factory = library.provider(DRT_PROVIDER_KIND_SECURITY, "null");
    DRT_SECURITY_PROVIDER* provider = nullptr;
    ASSERT_EQ(factory->CreateSecurityProvider(nullptr, &provider), S_OK);
    factory->DeleteSecurityProvider(provider);
  }
  EXPECT_FALSE(library_is_mapped(plugin_path));
}

// ---- Create -----------------------------------------------------------------------------------

TEST_F(NullProviderCreate, AcceptsNullConfig) {
  DRT_SECURITY_PROVIDER* provider = nullptr;
  ASSERT_EQ(factory_->CreateSecurityProvider(nullptr, &provider), S_OK);
  EXPECT_NE(provider, nullptr);
  factory_->DeleteSecurityProvider(provider);
}

TEST_F(NullProviderCreate, AcceptsConfigWithoutParameters) {
  char detail[64] = "";
  const DRT_PROVIDER_CONFIG config{sizeof config, 0, nullptr, nullptr, detail, sizeof detail};
  DRT_SECURITY_PROVIDER* provider = nullptr;
  ASSERT_EQ(factory_->CreateSecurityProvider(&config, &provider), S_OK);
  factory_->DeleteSecurityProvider(provider);
}

TEST_F(NullProviderCreate, RejectsAnySettingWithDetailLine) {
  char detail[128] = "";
  DRT_PROVIDER_PARAM param{};
  param.pszName = "options.curve";
  param.eType = DRT_PARAM_STRING;
  param.pszValue = "P-256";
  const DRT_PROVIDER_CONFIG config{sizeof config, 1, &param, nullptr, detail, sizeof detail};
  DRT_SECURITY_PROVIDER* provider = reinterpret_cast<DRT_SECURITY_PROVIDER*>(&param);
  EXPECT_EQ(factory_->CreateSecurityProvider(&config, &provider), DRT_E_CONFIG_INVALID);
  EXPECT_EQ(provider, nullptr);
  EXPECT_NE(std::string(detail).find("unknown setting 'options.curve'"), std::string::npos)
      << detail;
}

TEST_F(NullProviderCreate, TruncatesDetailLineToBufferSize) {
  char detail[8];
  std::memset(detail, 'x', sizeof detail);
  DRT_PROVIDER_PARAM param{};
  param.pszName = "root_cert";
  const DRT_PROVIDER_CONFIG config{sizeof config, 1, &param, nullptr, detail, sizeof detail};
  DRT_SECURITY_PROVIDER* provider = nullptr;
  EXPECT_EQ(factory_->CreateSecurityProvider(&config, &provider), DRT_E_CONFIG_INVALID);
  EXPECT_EQ(std::strlen(detail), sizeof detail - 1);
}

TEST_F(NullProviderCreate, WritesNoDetailWhenBufferSizeIsZero) {
  char detail[8] = "keep";
  DRT_PROVIDER_PARAM param{};
  param.pszName = "root_cert";
  const DRT_PROVIDER_CONFIG config{sizeof config, 1, &param, nullptr, detail, 0};
  DRT_SECURITY_PROVIDER* provider = nullptr;
  EXPECT_EQ(factory_->CreateSecurityProvider(&config, &provider), DRT_E_CONFIG_INVALID);
  EXPECT_STREQ(detail, "keep");
}

TEST_F(NullProviderCreate, RejectsParameterCountWithoutParameters) {
  const DRT_PROVIDER_CONFIG config{sizeof config, 2, nullptr, nullptr, nullptr, 0};
  DRT_SECURITY_PROVIDER* provider = nullptr;
  EXPECT_EQ(factory_->CreateSecurityProvider(&config, &provider), E_INVALIDARG);
}

TEST_F(NullProviderCreate, RejectsConfigOfUnknownSize) {
  const DRT_PROVIDER_CONFIG config{4, 0, nullptr, nullptr, nullptr, 0};
  DRT_SECURITY_PROVIDER* provider = nullptr;
  EXPECT_EQ(factory_->CreateSecurityProvider(&config, &provider), E_INVALIDARG);
}

TEST_F(NullProviderCreate, RejectsNullOutputPointer) {
  EXPECT_EQ(factory_->CreateSecurityProvider(nullptr, nullptr), E_INVALIDARG);
}

TEST_F(NullProviderCreate, FillsEveryTableMemberForAllSecurityModes) {
  DRT_SECURITY_PROVIDER* t = nullptr;
  ASSERT_EQ(factory_->CreateSecurityProvider(nullptr, &t), S_OK);
  EXPECT_NE(t->pvContext, nullptr);
  for (bool present :
       {t->Attach != nullptr, t->Detach != nullptr, t->RegisterKey != nullptr,
        t->UnregisterKey != nullptr, t->ValidateAndUnpackPayload != nullptr,
        t->SecureAndPackPayload != nullptr, t->FreeData != nullptr, t->EncryptData != nullptr,
        t->DecryptData != nullptr, t->GetSerializedCredential != nullptr,
        t->ValidateRemoteCredential != nullptr, t->SignData != nullptr, t->VerifyData != nullptr}) {
    EXPECT_TRUE(present);
  }
  factory_->DeleteSecurityProvider(t);
}

// ---- Attach, Detach, FreeData -----------------------------------------------------------------

TEST_F(NullProviderAttach, SecondAttachReturnsInUse) {
  ASSERT_EQ(p().Attach(p().pvContext), S_OK);
  EXPECT_EQ(p().Attach(p().pvContext), DRT_E_SECURITYPROVIDER_IN_USE);
}

TEST_F(NullProviderAttach, AttachSucceedsAgainAfterDetach) {
  ASSERT_EQ(p().Attach(p().pvContext), S_OK);
  p().Detach(p().pvContext);
  EXPECT_EQ(p().Attach(p().pvContext), S_OK);
}

TEST_F(NullProviderAttach, CopiedTableSharesAttachState) {
  const DRT_SECURITY_PROVIDER copy = p();  // the core may keep its own copy of the table
  ASSERT_EQ(copy.Attach(copy.pvContext), S_OK);
  EXPECT_EQ(p().Attach(p().pvContext), DRT_E_SECURITYPROVIDER_IN_USE);
}

TEST_F(NullProviderAttach, DetachWithoutAttachIsHarmless) {
  p().Detach(p().pvContext);
  EXPECT_EQ(p().Attach(p().pvContext), S_OK);
}

TEST_F(NullProviderAttach, FreeDataAcceptsNull) {
  p().FreeData(p().pvContext, nullptr);
  SUCCEED();
}

TEST_F(NullProviderAttach, FreeDataReleasesBuffersAfterDetach) {
  ASSERT_EQ(p().Attach(p().pvContext), S_OK);
  bytes key = example_key;
  DRT_DATA key_data = data_of(key), cpa{};
  ASSERT_EQ(p().SecureAndPackPayload(p().pvContext, nullptr, 1, 0, 0, &key_data, nullptr, nullptr,
                                     nullptr, &cpa, nullptr, nullptr, nullptr),
            S_OK);
  p().Detach(p().pvContext);
  p().FreeData(p().pvContext, cpa.pb);  // LeakSanitizer reports it if this does not free
  SUCCEED();
}

// ---- Every entry point needs Attach (FreeData excepted) -----------------------------------------

struct entry_point_call {
  const char* name;
  HRESULT (*call)(const DRT_SECURITY_PROVIDER&);
};

const entry_point_call entry_points[] = {
    {"RegisterKey",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       bytes key = example_key, app{1};
       DRT_REGISTRATION registration{data_of(key), data_of(app)};
       return p.RegisterKey(p.pvContext, &registration, nullptr);
     }},
    {"UnregisterKey",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       bytes key = example_key;
       DRT_DATA key_data = data_of(key);
       return p.UnregisterKey(p.pvContext, &key_data, nullptr);
     }},
    {"SecureAndPackPayload",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT { return pack(p, example_input()).hr; }},
    {"ValidateAndUnpackPayload",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       return unpack(p, example_cpa, example_nonce, example_payload).hr;
     }},
    {"EncryptData",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       bytes b{1, 2};
       DRT_DATA in = data_of(b), out{}, token{};
       const HRESULT hr = p.EncryptData(p.pvContext, nullptr, 1, &in, &out, &token);
       p.FreeData(p.pvContext, out.pb);
       return hr;
     }},
    {"DecryptData",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       bytes b{1, 2};
       DRT_DATA data = data_of(b), token{};
       return p.DecryptData(p.pvContext, &token, nullptr, 1, &data);
     }},
    {"GetSerializedCredential",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       DRT_DATA credential{};
       return p.GetSerializedCredential(p.pvContext, &credential);
     }},
    {"ValidateRemoteCredential",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       DRT_DATA credential{};
       return p.ValidateRemoteCredential(p.pvContext, &credential);
     }},
    {"SignData",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       bytes b{1};
       DRT_DATA data = data_of(b), id{}, signature{};
       return p.SignData(p.pvContext, 1, &data, &id, &signature);
     }},
    {"VerifyData",
     [](const DRT_SECURITY_PROVIDER& p) -> HRESULT {
       bytes b{1};
       DRT_DATA data = data_of(b), credential{}, id{}, signature{};
       return p.VerifyData(p.pvContext, 1, &data, &credential, &id, &signature);
     }},
};

void PrintTo(const entry_point_call& call, std::ostream* os) { *os << call.name; }

class NullProviderDetached : public NullProvider,
                             public ::testing::WithParamInterface<entry_point_call> {};

TEST_P(NullProviderDetached, ReturnsNotAttachedBeforeAttach) {
  EXPECT_EQ(GetParam().call(p()), DRT_E_SECURITYPROVIDER_NOT_ATTACHED);
}

TEST_P(NullProviderDetached, ReturnsNotAttachedAfterDetach) {
  ASSERT_EQ(p().Attach(p().pvContext), S_OK);
  p().Detach(p().pvContext);
  EXPECT_EQ(GetParam().call(p()), DRT_E_SECURITYPROVIDER_NOT_ATTACHED);
}

TEST_P(NullProviderDetached, SucceedsWhileAttached) {
  ASSERT_EQ(p().Attach(p().pvContext), S_OK);
  EXPECT_EQ(GetParam().call(p()), S_OK);
}

INSTANTIATE_TEST_SUITE_P(EveryEntryPoint, NullProviderDetached, ::testing::ValuesIn(entry_points),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- RegisterKey, UnregisterKey ---------------------------------------------------------------

HRESULT register_key(const DRT_SECURITY_PROVIDER& p, bytes key) {
  bytes app{1};
  DRT_REGISTRATION registration{data_of(key), data_of(app)};
  return p.RegisterKey(p.pvContext, &registration, nullptr);
}

TEST_F(NullProviderRegisterKey, AcceptsAny32ByteKey) {
  EXPECT_EQ(register_key(p(), bytes(32, 0xFF)), S_OK);
}

TEST_F(NullProviderRegisterKey, RejectsKeyOf31Bytes) {
  EXPECT_EQ(register_key(p(), bytes(31, 1)), E_INVALIDARG);
}

TEST_F(NullProviderRegisterKey, RejectsNullRegistration) {
  EXPECT_EQ(p().RegisterKey(p().pvContext, nullptr, nullptr), E_INVALIDARG);
}

TEST_F(NullProviderRegisterKey, RejectsKeyWithNullBytes) {
  bytes app{1};
  DRT_REGISTRATION registration{{32, nullptr}, data_of(app)};
  EXPECT_EQ(p().RegisterKey(p().pvContext, &registration, nullptr), E_INVALIDARG);
}

TEST_F(NullProviderRegisterKey, UnregisterKeySucceeds) {
  bytes key = example_key;
  DRT_DATA key_data = data_of(key);
  ASSERT_EQ(register_key(p(), key), S_OK);
  EXPECT_EQ(p().UnregisterKey(p().pvContext, &key_data, nullptr), S_OK);
}

// ---- Credentials and signatures: empty, and anything is accepted (§5.7) ------------------------

TEST_F(NullProviderCredentials, SerializedCredentialIsEmpty) {
  DRT_DATA credential{1, nullptr};
  ASSERT_EQ(p().GetSerializedCredential(p().pvContext, &credential), S_OK);
  EXPECT_EQ(credential.cb, 0u);
  EXPECT_EQ(credential.pb, nullptr);
}

TEST_F(NullProviderCredentials, ValidateRemoteCredentialAcceptsAnyBytes) {
  bytes garbage{0xDE, 0xAD, 0xBE, 0xEF};
  DRT_DATA credential = data_of(garbage);
  EXPECT_EQ(p().ValidateRemoteCredential(p().pvContext, &credential), S_OK);
}

TEST_F(NullProviderCredentials, SignDataReturnsEmptyKeyIdentifierAndSignature) {
  bytes b1{1, 2, 3}, b2{4};
  DRT_DATA buffers[] = {data_of(b1), data_of(b2)};
  DRT_DATA id{1, nullptr}, signature{1, nullptr};
  ASSERT_EQ(p().SignData(p().pvContext, 2, buffers, &id, &signature), S_OK);
  EXPECT_EQ(id.cb, 0u);
  EXPECT_EQ(id.pb, nullptr);
  EXPECT_EQ(signature.cb, 0u);
  EXPECT_EQ(signature.pb, nullptr);
}

TEST_F(NullProviderCredentials, VerifyDataAcceptsAnySignature) {
  bytes b{1, 2, 3}, credential{9}, id(32, 7), signature{0xFF, 0xFF};
  DRT_DATA data = data_of(b), credential_data = data_of(credential), id_data = data_of(id),
           signature_data = data_of(signature);
  EXPECT_EQ(p().VerifyData(p().pvContext, 1, &data, &credential_data, &id_data, &signature_data),
            S_OK);
}

// ---- Encryption: a copy and an empty keytoken (§5.7) -------------------------------------------

TEST_F(NullProviderEncryption, EncryptDataCopiesEachBufferIntoItsOwnAllocation) {
  bytes b1{1, 2, 3}, b2{};
  DRT_DATA in[] = {data_of(b1), data_of(b2)};
  DRT_DATA out[2] = {{1, nullptr}, {1, nullptr}}, token{1, nullptr};
  ASSERT_EQ(p().EncryptData(p().pvContext, nullptr, 2, in, out, &token), S_OK);
  EXPECT_NE(out[0].pb, b1.data());
  EXPECT_EQ(take(p(), out[0]), b1);
  EXPECT_EQ(out[1].cb, 0u);
  EXPECT_EQ(out[1].pb, nullptr);
}

TEST_F(NullProviderEncryption, EncryptDataReturnsEmptyKeyToken) {
  bytes b{1};
  DRT_DATA in = data_of(b), out{}, token{1, nullptr};
  ASSERT_EQ(p().EncryptData(p().pvContext, nullptr, 1, &in, &out, &token), S_OK);
  EXPECT_EQ(token.cb, 0u);
  EXPECT_EQ(token.pb, nullptr);
  p().FreeData(p().pvContext, out.pb);
}

TEST_F(NullProviderEncryption, EncryptDataRejectsBufferWithNullBytes) {
  DRT_DATA in{3, nullptr}, out{}, token{};
  EXPECT_EQ(p().EncryptData(p().pvContext, nullptr, 1, &in, &out, &token), E_INVALIDARG);
}

TEST_F(NullProviderEncryption, DecryptDataLeavesDataUnchangedWithEmptyKeyToken) {
  bytes b{1, 2, 3};
  DRT_DATA data = data_of(b), token{};
  ASSERT_EQ(p().DecryptData(p().pvContext, &token, nullptr, 1, &data), S_OK);
  EXPECT_EQ(data.cb, 3u);
  EXPECT_EQ(data.pb, b.data());
  EXPECT_EQ(b, (bytes{1, 2, 3}));
}

TEST_F(NullProviderEncryption, DecryptDataRejectsNonEmptyKeyToken) {
  bytes b{1, 2, 3}, token_bytes(64, 0);
  DRT_DATA data = data_of(b), token = data_of(token_bytes);
  EXPECT_EQ(p().DecryptData(p().pvContext, &token, nullptr, 1, &data), DRT_E_INVALID_MESSAGE);
}

// ---- Threads: distinct providers may be used concurrently ---------------------------------------

TEST_F(SecurityOpensslPlugin, DistinctProvidersWorkConcurrentlyOnTwoThreads) {
  std::atomic<int> failures{0};
  auto worker = [&] {
    DRT_SECURITY_PROVIDER* provider = nullptr;
    if (factory_->CreateSecurityProvider(nullptr, &provider) != S_OK ||
        provider->Attach(provider->pvContext) != S_OK) {
      ++failures;
      return;
    }
    for (int i = 0; i < 200; ++i) {
      const pack_output packed = pack(*provider, example_input());
      if (unpack(*provider, packed.cpa, example_nonce, example_payload).hr != S_OK) ++failures;
    }
    provider->Detach(provider->pvContext);
    factory_->DeleteSecurityProvider(provider);
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace drt::tests
