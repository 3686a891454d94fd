// Helpers of the derived-key suite: creating providers and calling their table with vectors.
// Every buffer a provider returns goes back through its FreeData (take()), so ASan/LSan check
// the ownership rules on every call.
#include "derived_key_suite.hpp"

#include <cstring>

namespace drt::tests {

std::vector<derived_key_param> derived_key_params(const std::string& plugin_path) {
  return {{plugin_path, key_type::ec, key_type::ec},
          {plugin_path, key_type::rsa, key_type::rsa},
          {plugin_path, key_type::ec, key_type::rsa},
          {plugin_path, key_type::rsa, key_type::ec}};
}

std::string derived_key_param_name(const ::testing::TestParamInfo<derived_key_param>& info) {
  auto name = [](key_type t) { return t == key_type::ec ? std::string("O2") : std::string("O1"); };
  return name(info.param.me) + "with" + name(info.param.peer);
}

void DerivedKeySuite::SetUp() {
  library_ = std::make_unique<plugin_library>(GetParam().plugin_path);
  ASSERT_TRUE(library_->loaded()) << library_->error();
  factory_ = library_->provider(DRT_PROVIDER_KIND_SECURITY, "derived-key");
  ASSERT_NE(factory_, nullptr);
  (void)pki();  // build the PKI outside any single test's assertions
}

provider_ptr DerivedKeySuite::create(const std::vector<setting>& settings, HRESULT& hr,
                                     std::string* detail, const char* base_directory) {
  std::vector<DRT_PROVIDER_PARAM> params;
  std::vector<bytes> values;
  values.reserve(settings.size());
  for (const setting& s : settings) {
    DRT_PROVIDER_PARAM p{};
    p.pszName = s.name.c_str();
    if (!s.text.empty()) {
      p.eType = DRT_PARAM_STRING;
      p.pszValue = s.text.c_str();
    } else {
      values.push_back(s.value);
      p.eType = DRT_PARAM_BYTES;
      p.data = data_of(values.back());
    }
    params.push_back(p);
  }
  char text[512] = "";
  const DRT_PROVIDER_CONFIG config{sizeof(DRT_PROVIDER_CONFIG), static_cast<std::uint32_t>(params.size()),
                                   params.data(), base_directory, text, sizeof text};
  DRT_SECURITY_PROVIDER* raw = nullptr;
  hr = factory_->CreateSecurityProvider(&config, &raw);
  if (detail != nullptr) *detail = text;
  if (FAILED(hr)) {
    EXPECT_EQ(raw, nullptr);
  }
  return provider_ptr(SUCCEEDED(hr) ? raw : nullptr, provider_deleter{factory_});
}

provider_ptr DerivedKeySuite::attached(const identity* local) {
  std::vector<setting> settings{{"root_cert", cert_pem_bytes(pki().root), ""}};
  if (local != nullptr) settings.push_back({"local_cert", pem_of(*local, true), ""});
  HRESULT hr = E_FAIL;
  std::string detail;
  provider_ptr p = create(settings, hr, &detail);
  EXPECT_EQ(hr, S_OK) << detail;
  if (p) {
    EXPECT_EQ(p->Attach(p->pvContext), S_OK);
  }
  return p;
}

secured DerivedKeySuite::secure(const DRT_SECURITY_PROVIDER& p, const bytes& key, const bytes& payload,
                                const bytes& nonce, std::uint32_t flags,
                                const std::vector<sockaddr_in6>& addresses) {
  secured out;
  bytes k = key, pl = payload, n = nonce;
  DRT_DATA key_data = data_of(k), payload_data = data_of(pl), nonce_data = data_of(n);
  address_list_buffer list(addresses);
  DRT_DATA cpa{1, nullptr}, secured_payload{1, nullptr}, chain{1, nullptr};
  out.hr = p.SecureAndPackPayload(p.pvContext, nullptr, 1, 0, flags, &key_data,
                                  pl.empty() ? nullptr : &payload_data, list.get(),
                                  n.empty() ? nullptr : &nonce_data, &cpa, &out.classifier,
                                  &secured_payload, &chain);
  out.cpa = take(p, cpa);
  out.payload = take(p, secured_payload);
  out.chain = take(p, chain);
  return out;
}

unpacked DerivedKeySuite::validate(const DRT_SECURITY_PROVIDER& p, bytes cpa, bytes chain, bytes nonce,
                                   bytes payload) {
  unpacked out;
  DRT_DATA cpa_data = data_of(cpa), chain_data = data_of(chain), nonce_data = data_of(nonce);
  DRT_DATA payload_in = data_of(payload);
  DRT_DATA key{1, nullptr}, payload_out{1, nullptr};
  CERT_PUBLIC_KEY_INFO sentinel{};
  CERT_PUBLIC_KEY_INFO* info = &sentinel;
  SOCKET_ADDRESS_LIST* list = nullptr;
  out.hr = p.ValidateAndUnpackPayload(p.pvContext, &cpa_data, chain.empty() ? nullptr : &chain_data,
                                      nullptr, nonce.empty() ? nullptr : &nonce_data,
                                      payload.empty() ? nullptr : &payload_in, &out.major, &out.minor,
                                      &key, &payload_out, &info, &list, &out.flags);
  out.key = take(p, key);
  out.payload = take(p, payload_out);
  out.public_key_is_null = info == nullptr;
  if (info != nullptr && info != &sentinel) {
    out.public_key_oid = info->Algorithm.pszObjId != nullptr ? info->Algorithm.pszObjId : "";
    const auto& prm = info->Algorithm.Parameters;
    out.public_key_parameters.assign(prm.pbData, prm.pbData + prm.cbData);
    out.public_key.assign(info->PublicKey.pbData, info->PublicKey.pbData + info->PublicKey.cbData);
    p.FreeData(p.pvContext, info);  // one block
  }
  if (list != nullptr) {
    for (std::int32_t i = 0; i < list->iAddressCount; ++i) {
      sockaddr_in6 sa;
      std::memcpy(&sa, list->Address[i].lpSockaddr, sizeof sa);
      out.addresses.push_back(sa);
    }
    p.FreeData(p.pvContext, list);
  }
  return out;
}

bytes DerivedKeySuite::credential_of(const DRT_SECURITY_PROVIDER& p, HRESULT* hr) {
  DRT_DATA credential{1, nullptr};
  const HRESULT result = p.GetSerializedCredential(p.pvContext, &credential);
  if (hr != nullptr) *hr = result;
  if (hr == nullptr) {
    EXPECT_EQ(result, S_OK);
  }
  return take(p, credential);
}

HRESULT DerivedKeySuite::validate_credential(const DRT_SECURITY_PROVIDER& p, bytes credential) {
  DRT_DATA c = data_of(credential);
  return p.ValidateRemoteCredential(p.pvContext, &c);
}

HRESULT DerivedKeySuite::sign(const DRT_SECURITY_PROVIDER& p, const std::vector<bytes>& parts,
                              bytes& key_id, bytes& sig) {
  std::vector<bytes> copies = parts;
  std::vector<DRT_DATA> buffers;
  for (bytes& b : copies) buffers.push_back(data_of(b));
  DRT_DATA id{1, nullptr}, signature{1, nullptr};
  const HRESULT hr = p.SignData(p.pvContext, static_cast<std::uint32_t>(buffers.size()),
                                buffers.data(), &id, &signature);
  key_id = take(p, id);
  sig = take(p, signature);
  return hr;
}

HRESULT DerivedKeySuite::verify(const DRT_SECURITY_PROVIDER& p, const std::vector<bytes>& parts,
                                bytes credential, bytes key_id, bytes sig) {
  std::vector<bytes> copies = parts;
  std::vector<DRT_DATA> buffers;
  for (bytes& b : copies) buffers.push_back(data_of(b));
  DRT_DATA c = data_of(credential), id = data_of(key_id), s = data_of(sig);
  return p.VerifyData(p.pvContext, static_cast<std::uint32_t>(buffers.size()), buffers.data(), &c,
                      &id, &s);
}

HRESULT DerivedKeySuite::encrypt(const DRT_SECURITY_PROVIDER& p, bytes recipient_credential,
                                 const std::vector<bytes>& plain, std::vector<bytes>& sealed,
                                 bytes& keytoken) {
  std::vector<bytes> copies = plain;
  std::vector<DRT_DATA> in, out(plain.size(), DRT_DATA{1, nullptr});
  for (bytes& b : copies) in.push_back(data_of(b));
  DRT_DATA c = data_of(recipient_credential), token{1, nullptr};
  const HRESULT hr = p.EncryptData(p.pvContext, &c, static_cast<std::uint32_t>(in.size()), in.data(),
                                   out.data(), &token);
  sealed.clear();
  for (DRT_DATA& d : out) sealed.push_back(take(p, d));
  keytoken = take(p, token);
  return hr;
}

HRESULT DerivedKeySuite::decrypt(const DRT_SECURITY_PROVIDER& p, bytes keytoken, std::vector<bytes>& buffers) {
  std::vector<DRT_DATA> data;
  std::vector<std::uint8_t*> original;
  for (bytes& b : buffers) {
    data.push_back(data_of(b));
    original.push_back(data.back().pb);
  }
  DRT_DATA token = data_of(keytoken);
  const HRESULT hr = p.DecryptData(p.pvContext, &token, nullptr, static_cast<std::uint32_t>(data.size()),
                                   data.data());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(data[i].pb, original[i]) << "DecryptData must decrypt in place";
    EXPECT_LE(data[i].cb, buffers[i].size());
    buffers[i].resize(data[i].cb);
  }
  return hr;
}

}  // namespace drt::tests
