// sdk/conformance: the security provider contract (spec/api.md §4.5, protocol.md §5.2-§5.4).
#include "security_harness.hpp"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
#define OPENDRT_KIT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OPENDRT_KIT_UNDER_ASAN 1
#endif
#endif

namespace drt::conformance {
namespace {

DRT_DATA view(bytes& b) { return DRT_DATA{static_cast<std::uint32_t>(b.size()), b.data()}; }

bool offers_membership(DRT_SECURITY_PROVIDER& t) {
  return t.GetSerializedCredential && t.ValidateRemoteCredential && t.SignData && t.VerifyData;
}
bool offers_confidential(DRT_SECURITY_PROVIDER& t) { return offers_membership(t) && t.EncryptData && t.DecryptData; }

HRESULT register_key(check_env& env, security_object& s, bytes key) {
  bytes data = sample_payload();
  DRT_REGISTRATION r{view(key), view(data)};
  env.step("RegisterKey");
  return s.table().RegisterKey(s.ctx(), &r, nullptr);
}

void require_registered(check_env& env, security_object& s) {
  const HRESULT hr = register_key(env, s, env_key(env));
  env.require(SUCCEEDED(hr), "RegisterKey of the test key failed with " + hresult_text(hr) +
                                 " (an authenticating provider needs its certificate in --config, or pass --key)");
}

// A valid proof for the test key, bound to `nonce`.
packed_proof valid_proof(check_env& env, security_object& s, const bytes& nonce) {
  require_registered(env, s);
  const bytes payload = sample_payload();
  packed_proof p = secure_and_pack(env, s, 0, env_key(env), &payload, &nonce);
  env.require(SUCCEEDED(p.hr), "SecureAndPackPayload failed with " + hresult_text(p.hr));
  env.require(!p.cpa.empty(), "SecureAndPackPayload returned an empty proof (pSecuredAddressPayload)");
  return p;
}

// Whether the provider signs: a null-security provider returns an empty signature and cannot
// refuse a forged proof; checks of authenticity are skipped for it, with that reason.
bool authenticates(check_env& env, security_object& s) {
  if (!s.table().SignData) return false;
  bytes data = sample_payload();
  DRT_DATA buffer = view(data);
  provider_buffer key_id(s), signature(s);
  env.step("SignData (probe: does the provider sign?)");
  const HRESULT hr = s.table().SignData(s.ctx(), 1, &buffer, &key_id.data, &signature.data);
  return SUCCEEDED(hr) && signature.data.cb > 0;
}

void skip_unless_authenticating(check_env& env, security_object& s) {
  if (!authenticates(env, s)) env.skip("the provider does not sign (SignData absent or empty signature): null security");
}

// ---- creation and the table --------------------------------------------------------------

void create_and_delete(check_env& env) {
  security_object s(env, false);
  DRT_SECURITY_PROVIDER& t = s.table();
  std::string missing;
  if (!t.Attach) missing += " Attach";
  if (!t.Detach) missing += " Detach";
  if (!t.RegisterKey) missing += " RegisterKey";
  if (!t.UnregisterKey) missing += " UnregisterKey";
  if (!t.ValidateAndUnpackPayload) missing += " ValidateAndUnpackPayload";
  if (!t.SecureAndPackPayload) missing += " SecureAndPackPayload";
  if (!t.FreeData) missing += " FreeData";
  env.require(missing.empty(), "members every security mode needs are NULL:" + missing);
  const int membership = !!t.GetSerializedCredential + !!t.ValidateRemoteCredential + !!t.SignData + !!t.VerifyData;
  env.require(membership == 0 || membership == 4,
              "offers some but not all of GetSerializedCredential, ValidateRemoteCredential, SignData, VerifyData "
              "(DRT_SECURE_MEMBERSHIP needs all four)");
  env.require(!t.EncryptData == !t.DecryptData, "offers only one of EncryptData / DecryptData");
  env.require(!t.EncryptData || membership == 4, "offers EncryptData/DecryptData without the membership members");
}

void refuses_unknown_setting(check_env& env) {
  std::vector<setting> settings = env.settings();
  setting bogus;
  bogus.name = "conformance.no-such-setting";
  bogus.text = "x";
  settings.push_back(bogus);
  provider_config config(settings, env.base_directory());
  DRT_SECURITY_PROVIDER* p = nullptr;
  env.step("CreateSecurityProvider(with an unknown setting)");
  const HRESULT hr = env.provider().CreateSecurityProvider(config.get(), &p);
  if (SUCCEEDED(hr) && p != nullptr) env.provider().DeleteSecurityProvider(p);
  env.require(hr == DRT_E_CONFIG_INVALID, "an unknown setting gave " + hresult_text(hr) +
                                              "; expected DRT_E_CONFIG_INVALID (docs/provider-abi.md §3)");
  env.require(!config.detail().empty(), "the factory refused the setting but wrote no pszErrorDetail line");
}

void create_null_output(check_env& env) {
  provider_config config(env.settings(), env.base_directory());
  env.step("CreateSecurityProvider(ppProvider NULL)");
  const HRESULT hr = env.provider().CreateSecurityProvider(config.get(), nullptr);
  env.require(hr == E_INVALIDARG || hr == E_POINTER, "gave " + hresult_text(hr) + "; expected E_INVALIDARG");
}

// ---- attachment --------------------------------------------------------------------------

void attach_detach_pairs(check_env& env) {
  security_object s(env, false);
  for (int i = 0; i < 3; ++i) {
    const HRESULT hr = s.attach();
    env.require(SUCCEEDED(hr), "Attach #" + std::to_string(i + 1) + " after a Detach failed with " + hresult_text(hr));
    s.detach();
  }
}

void double_attach_refused(check_env& env) {
  security_object s(env);
  env.step("Attach (second time)");
  const HRESULT hr = s.table().Attach(s.ctx());
  env.require(hr == DRT_E_SECURITYPROVIDER_IN_USE,
              "a second Attach gave " + hresult_text(hr) + "; expected DRT_E_SECURITYPROVIDER_IN_USE");
}

void refuses_calls_while_detached(check_env& env) {
  security_object s(env, false);
  HRESULT hr = register_key(env, s, env_key(env));
  env.require(hr == DRT_E_SECURITYPROVIDER_NOT_ATTACHED,
              "RegisterKey before Attach gave " + hresult_text(hr) + "; expected DRT_E_SECURITYPROVIDER_NOT_ATTACHED");
  env.require(SUCCEEDED(s.attach()), "Attach failed");
  s.detach();
  const bytes payload = sample_payload(), nonce = sample_nonce(1);
  const packed_proof p = secure_and_pack(env, s, 0, env_key(env), &payload, &nonce);
  env.require(p.hr == DRT_E_SECURITYPROVIDER_NOT_ATTACHED,
              "SecureAndPackPayload after Detach gave " + hresult_text(p.hr) +
                  "; expected DRT_E_SECURITYPROVIDER_NOT_ATTACHED");
}

// ---- keys --------------------------------------------------------------------------------

void register_and_unregister(check_env& env) {
  security_object s(env);
  require_registered(env, s);
  bytes key = env_key(env);
  DRT_DATA k = view(key);
  env.step("UnregisterKey");
  const HRESULT hr = s.table().UnregisterKey(s.ctx(), &k, nullptr);
  env.require(SUCCEEDED(hr), "UnregisterKey of a registered key failed with " + hresult_text(hr));
}

void null_arguments_refused(check_env& env) {
  security_object s(env);
  env.step("RegisterKey(NULL registration)");
  HRESULT hr = s.table().RegisterKey(s.ctx(), nullptr, nullptr);
  env.require(FAILED(hr), "RegisterKey(NULL) succeeded");
  bytes key = env_key(env), nonce = sample_nonce(2);
  DRT_DATA k = view(key), n = view(nonce);
  env.step("SecureAndPackPayload(pSecuredAddressPayload NULL)");
  hr = s.table().SecureAndPackPayload(s.ctx(), nullptr, 1, 0, 0, &k, nullptr, nullptr, &n, nullptr, nullptr, nullptr,
                                      nullptr);
  env.require(FAILED(hr), "SecureAndPackPayload without an output buffer succeeded");
  std::uint8_t major = 0, minor = 0;
  std::uint32_t flags = 0;
  DRT_DATA key_out{};
  CERT_PUBLIC_KEY_INFO* pk = nullptr;
  env.step("ValidateAndUnpackPayload(pSecuredAddressPayload NULL)");
  hr = s.table().ValidateAndUnpackPayload(s.ctx(), nullptr, nullptr, nullptr, &n, nullptr, &major, &minor, &key_out,
                                          nullptr, &pk, nullptr, &flags);
  env.require(FAILED(hr), "ValidateAndUnpackPayload without a proof succeeded");
  DRT_DATA garbage = view(nonce);
  env.step("ValidateAndUnpackPayload(pKey NULL)");
  hr = s.table().ValidateAndUnpackPayload(s.ctx(), &garbage, nullptr, nullptr, &n, nullptr, &major, &minor, nullptr,
                                          nullptr, &pk, nullptr, &flags);
  env.require(FAILED(hr), "ValidateAndUnpackPayload without pKey succeeded");
  env.step("FreeData(NULL)");
  s.table().FreeData(s.ctx(), nullptr);
}

// ---- proofs of ownership -----------------------------------------------------------------

void secure_validate_round_trip(check_env& env) {
  security_object s(env);
  const bytes nonce = sample_nonce(3);
  const packed_proof p = valid_proof(env, s, nonce);
  const unpacked_proof u = validate_and_unpack(env, s, p.cpa, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
  env.require(SUCCEEDED(u.hr), "its own fresh proof was refused with " + hresult_text(u.hr));
  env.require(u.key == env_key(env), "the unpacked key differs from the key that was packed");
  env.require(u.payload == sample_payload(), "the unpacked payload differs from the payload that was packed");
  env.require((u.flags & DRT_PAYLOAD_REVOKED) == 0, "a live proof unpacked with DRT_PAYLOAD_REVOKED set");
  env.require(u.major == 1 && u.minor == 0, "the protocol version did not round-trip (packed 1.0)");
  const sockaddr_in6 want = sample_endpoint();
  bool found = false;
  for (const sockaddr_in6& a : u.addresses) {
    found |= a.sin6_port == want.sin6_port && std::memcmp(&a.sin6_addr, &want.sin6_addr, 16) == 0;
  }
  env.require(found, "the owner's address [::1]:3540 did not come back in ppAddressList");
}

void wrong_nonce_refused(check_env& env) {
  security_object s(env);
  const bytes nonce = sample_nonce(4), other = sample_nonce(5);
  const packed_proof p = valid_proof(env, s, nonce);
  const unpacked_proof u = validate_and_unpack(env, s, p.cpa, p.cert_chain, p.classifier, &other, &p.secured_payload);
  env.require(FAILED(u.hr), "a proof bound to another nonce was accepted (replay)");
}

void tampered_payload_refused(check_env& env) {
  security_object s(env);
  const bytes nonce = sample_nonce(6);
  const packed_proof p = valid_proof(env, s, nonce);
  if (p.secured_payload.empty()) env.skip("the provider returns no separate secured payload");
  bytes tampered = p.secured_payload;
  tampered[tampered.size() / 2] ^= 0x01;
  const unpacked_proof u = validate_and_unpack(env, s, p.cpa, p.cert_chain, p.classifier, &nonce, &tampered);
  env.require(FAILED(u.hr), "a secured payload with one bit flipped was accepted");
}

void tampered_proof_refused(check_env& env) {
  security_object s(env);
  skip_unless_authenticating(env, s);
  const bytes nonce = sample_nonce(7);
  const packed_proof p = valid_proof(env, s, nonce);
  const std::size_t stride = p.cpa.size() > 256 ? p.cpa.size() / 256 : 1;
  for (std::size_t i = 0; i < p.cpa.size(); i += stride) {
    bytes tampered = p.cpa;
    tampered[i] ^= 0x01;
    const unpacked_proof u = validate_and_unpack(env, s, tampered, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
    env.require(FAILED(u.hr), "a proof with bit 0 of byte " + std::to_string(i) + " flipped was accepted");
  }
}

void truncated_proof_refused(check_env& env) {
  security_object s(env);
  const bytes nonce = sample_nonce(8);
  const packed_proof p = valid_proof(env, s, nonce);
  for (std::size_t n = 0; n < p.cpa.size(); ++n) {
    const bytes prefix(p.cpa.begin(), p.cpa.begin() + static_cast<std::ptrdiff_t>(n));
    const unpacked_proof u = validate_and_unpack(env, s, prefix, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
    env.require(FAILED(u.hr), "the first " + std::to_string(n) + " of " + std::to_string(p.cpa.size()) +
                                  " proof bytes were accepted");
  }
}

void oversized_proof_refused(check_env& env) {
  security_object s(env);
  const bytes nonce = sample_nonce(9);
  const packed_proof p = valid_proof(env, s, nonce);
  bytes longer = p.cpa;
  longer.push_back(0);
  unpacked_proof u = validate_and_unpack(env, s, longer, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
  env.require(FAILED(u.hr), "a proof with one byte appended was accepted");
  const bytes junk(64 * 1024, 0xA5);
  u = validate_and_unpack(env, s, junk, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
  env.require(FAILED(u.hr), "64 KiB of 0xA5 were accepted as a proof");
}

void revocation_round_trip(check_env& env) {
  security_object s(env);
  require_registered(env, s);
  const packed_proof p = secure_and_pack(env, s, DRT_PAYLOAD_REVOKED, env_key(env), nullptr, nullptr);
  env.require(SUCCEEDED(p.hr), "SecureAndPackPayload(DRT_PAYLOAD_REVOKED) failed with " + hresult_text(p.hr));
  const bytes zero_nonce(16, 0);
  const unpacked_proof u = validate_and_unpack(env, s, p.cpa, p.cert_chain, p.classifier, &zero_nonce, nullptr);
  env.require(SUCCEEDED(u.hr), "its own revocation was refused with " + hresult_text(u.hr) + " (zero nonce, protocol.md §5.3)");
  env.require((u.flags & DRT_PAYLOAD_REVOKED) != 0, "the revocation unpacked without DRT_PAYLOAD_REVOKED");
  env.require(u.key == env_key(env), "the revocation unpacked to another key");
}

// ---- membership and confidentiality ------------------------------------------------------

void credential_round_trip(check_env& env) {
  security_object s(env);
  if (!offers_membership(s.table())) env.skip("the provider does not offer the membership members");
  provider_buffer credential(s);
  env.step("GetSerializedCredential");
  HRESULT hr = s.table().GetSerializedCredential(s.ctx(), &credential.data);
  env.require(SUCCEEDED(hr), "GetSerializedCredential failed with " + hresult_text(hr));
  bytes copy = credential.copy();
  DRT_DATA c = view(copy);
  env.step("ValidateRemoteCredential(own credential)");
  hr = s.table().ValidateRemoteCredential(s.ctx(), &c);
  env.require(SUCCEEDED(hr), "its own credential was refused with " + hresult_text(hr));
}

struct signed_data {
  bytes part1 = sample_payload(), part2 = sample_nonce(10), credential, key_id, signature;
};

signed_data sign_sample(check_env& env, security_object& s) {
  signed_data out;
  DRT_DATA parts[2] = {view(out.part1), view(out.part2)};
  provider_buffer credential(s), key_id(s), signature(s);
  env.step("GetSerializedCredential");
  HRESULT hr = s.table().GetSerializedCredential(s.ctx(), &credential.data);
  env.require(SUCCEEDED(hr), "GetSerializedCredential failed with " + hresult_text(hr));
  env.step("SignData(2 buffers)");
  hr = s.table().SignData(s.ctx(), 2, parts, &key_id.data, &signature.data);
  env.require(SUCCEEDED(hr), "SignData failed with " + hresult_text(hr));
  out.credential = credential.copy();
  out.key_id = key_id.copy();
  out.signature = signature.copy();
  return out;
}

HRESULT verify(check_env& env, security_object& s, signed_data d) {
  DRT_DATA parts[2] = {view(d.part1), view(d.part2)};
  DRT_DATA credential = view(d.credential), key_id = view(d.key_id), signature = view(d.signature);
  env.step("VerifyData(2 buffers)");
  return s.table().VerifyData(s.ctx(), 2, parts, &credential, &key_id, &signature);
}

void sign_verify_round_trip(check_env& env) {
  security_object s(env);
  if (!offers_membership(s.table())) env.skip("the provider does not offer the membership members");
  const signed_data d = sign_sample(env, s);
  const HRESULT hr = verify(env, s, d);
  env.require(SUCCEEDED(hr), "its own signature was refused with " + hresult_text(hr));
}

void tampered_signature_refused(check_env& env) {
  security_object s(env);
  if (!offers_membership(s.table())) env.skip("the provider does not offer the membership members");
  skip_unless_authenticating(env, s);
  signed_data d = sign_sample(env, s);
  signed_data data_changed = d;
  data_changed.part1[0] ^= 0x01;
  env.require(FAILED(verify(env, s, data_changed)), "VerifyData accepted signed data with one bit flipped");
  signed_data signature_changed = d;
  signature_changed.signature[signature_changed.signature.size() / 2] ^= 0x01;
  env.require(FAILED(verify(env, s, signature_changed)), "VerifyData accepted a signature with one bit flipped");
}

struct encrypted_sample {
  HRESULT hr = E_FAIL;
  bytes plain1 = sample_payload(), plain2 = sample_nonce(11), cipher1, cipher2, key_token;
};

encrypted_sample encrypt_sample(check_env& env, security_object& s) {
  encrypted_sample out;
  provider_buffer credential(s);
  env.step("GetSerializedCredential");
  HRESULT hr = s.table().GetSerializedCredential(s.ctx(), &credential.data);
  env.require(SUCCEEDED(hr), "GetSerializedCredential failed with " + hresult_text(hr));
  DRT_DATA plain[2] = {view(out.plain1), view(out.plain2)};
  provider_buffer c1(s), c2(s), token(s);
  DRT_DATA cipher[2] = {};
  env.step("EncryptData(own credential, 2 buffers)");
  out.hr = s.table().EncryptData(s.ctx(), &credential.data, 2, plain, cipher, &token.data);
  c1.data = cipher[0];
  c2.data = cipher[1];
  out.cipher1 = c1.copy();
  out.cipher2 = c2.copy();
  out.key_token = token.copy();
  return out;
}

HRESULT decrypt(check_env& env, security_object& s, encrypted_sample& e) {
  DRT_DATA token = view(e.key_token);
  DRT_DATA data[2] = {view(e.cipher1), view(e.cipher2)};
  env.step("DecryptData(2 buffers)");
  const HRESULT hr = s.table().DecryptData(s.ctx(), &token, nullptr, 2, data);
  env.require(data[0].pb == e.cipher1.data() && data[1].pb == e.cipher2.data(),
              "DecryptData changed a buffer's pb (it decrypts in place: only cb may shrink)");
  env.require(data[0].cb <= e.cipher1.size() && data[1].cb <= e.cipher2.size(), "DecryptData grew a buffer's cb");
  e.cipher1.resize(data[0].cb);
  e.cipher2.resize(data[1].cb);
  return hr;
}

void encrypt_decrypt_round_trip(check_env& env) {
  security_object s(env);
  if (!offers_confidential(s.table())) env.skip("the provider does not offer EncryptData / DecryptData");
  require_registered(env, s);
  encrypted_sample e = encrypt_sample(env, s);
  env.require(SUCCEEDED(e.hr), "EncryptData failed with " + hresult_text(e.hr));
  const HRESULT hr = decrypt(env, s, e);
  env.require(SUCCEEDED(hr), "DecryptData of its own ciphertext failed with " + hresult_text(hr));
  env.require(e.cipher1 == e.plain1 && e.cipher2 == e.plain2, "decrypting gave bytes other than the plaintext");
}

void tampered_ciphertext_refused(check_env& env) {
  security_object s(env);
  if (!offers_confidential(s.table())) env.skip("the provider does not offer EncryptData / DecryptData");
  skip_unless_authenticating(env, s);
  require_registered(env, s);
  encrypted_sample e = encrypt_sample(env, s);
  env.require(SUCCEEDED(e.hr), "EncryptData failed with " + hresult_text(e.hr));
  env.require(e.cipher1 != e.plain1, "EncryptData returned the plaintext unchanged");
  e.cipher1[e.cipher1.size() / 2] ^= 0x01;
  env.require(FAILED(decrypt(env, s, e)), "DecryptData accepted a ciphertext with one bit flipped (no integrity)");
}

// ---- memory, threads, determinism --------------------------------------------------------

void free_data_releases_everything(check_env& env) {
#ifdef OPENDRT_KIT_UNDER_ASAN
  // LeakSanitizer checks this check's process at exit, exactly (the runner reports it).
  constexpr bool measure = false;
#else
  constexpr bool measure = true;
#endif
  security_object s(env);
  require_registered(env, s);
  const bytes nonce = sample_nonce(12), payload = sample_payload();
  auto one_round = [&] {
    const packed_proof p = secure_and_pack(env, s, 0, env_key(env), &payload, &nonce);
    env.require(SUCCEEDED(p.hr), "SecureAndPackPayload failed with " + hresult_text(p.hr));
    const unpacked_proof u = validate_and_unpack(env, s, p.cpa, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
    env.require(SUCCEEDED(u.hr), "ValidateAndUnpackPayload failed with " + hresult_text(u.hr));
  };
  // Warm caches, and size the measured run to about two seconds (at least 200 rounds, at most
  // 4,000), so that a slow provider (RSA on a small machine) stays well inside the time limit.
  const auto warm_start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) one_round();
  const double per_round_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - warm_start).count() / 100.0;
  const int rounds = std::clamp(static_cast<int>(2.0 / std::max(per_round_s, 1e-9)), 200, 4000);
  const std::size_t before = mallinfo2().uordblks;
  for (int i = 0; i < rounds; ++i) one_round();
  const std::size_t after = mallinfo2().uordblks;
  if (measure && after > before) {
    const std::size_t grown = after - before;
    env.require(grown < 16 * static_cast<std::size_t>(rounds), std::to_string(grown) + " bytes stayed allocated after " + std::to_string(rounds) +
                                         " secure/validate round trips with every output freed by FreeData (a leak)");
  }
}

void concurrent_objects(check_env& env) {
  // docs/provider-abi.md: calls to one object are serialized; different objects may be used
  // from different threads at once.
  security_object a(env), b(env);
  std::atomic<int> failures{0};
  std::string first_failure;
  auto work = [&](security_object& s) {
    try {
      const bytes nonce = sample_nonce(13);
      for (int i = 0; i < 200; ++i) {
        const packed_proof p = valid_proof(env, s, nonce);
        const unpacked_proof u = validate_and_unpack(env, s, p.cpa, p.cert_chain, p.classifier, &nonce, &p.secured_payload);
        if (FAILED(u.hr)) ++failures;
        bytes key = env_key(env);
        DRT_DATA k = view(key);
        s.table().UnregisterKey(s.ctx(), &k, nullptr);
      }
    } catch (const check_failed&) {
      ++failures;
    }
  };
  std::thread t1(work, std::ref(a)), t2(work, std::ref(b));
  t1.join();
  t2.join();
  env.require(failures.load() == 0, std::to_string(failures.load()) +
                                         " round trips failed while two provider objects were used from two threads");
}

void derive_key_deterministic(check_env& env) {
  if (env.provider().DeriveKey == nullptr) env.skip("the provider offers no DeriveKey");
  const setting* cert = nullptr;
  for (const setting& s : env.settings()) {
    if (s.name == "local_cert" && s.type == DRT_PARAM_BYTES) cert = &s;
  }
  if (cert == nullptr) env.skip("no local_cert bytes in --config to derive a key from");
  bytes c = cert->bytes, k1(32), k2(32);
  DRT_DATA cd = view(c), o1 = view(k1), o2 = view(k2);
  env.step("DeriveKey");
  HRESULT hr = env.provider().DeriveKey(&cd, &o1);
  env.require(SUCCEEDED(hr), "DeriveKey failed with " + hresult_text(hr));
  env.step("DeriveKey (again)");
  hr = env.provider().DeriveKey(&cd, &o2);
  env.require(SUCCEEDED(hr) && k1 == k2, "DeriveKey gave two different keys for one certificate");
  bytes junk(300, 0x30), k3(32);
  DRT_DATA jd = view(junk), o3 = view(k3);
  env.step("DeriveKey(not a certificate)");
  env.require(FAILED(env.provider().DeriveKey(&jd, &o3)), "DeriveKey accepted 300 bytes that are not a certificate");
}

}  // namespace

const std::vector<check>& security_checks() {
  static const std::vector<check> all = {
      {applies_to::security, "create_and_delete", "the factory makes a table with every member a mode needs", create_and_delete},
      {applies_to::security, "refuses_unknown_setting", "an unknown setting is DRT_E_CONFIG_INVALID with a detail line", refuses_unknown_setting},
      {applies_to::security, "create_null_output", "the factory refuses a NULL output pointer", create_null_output},
      {applies_to::security, "attach_detach_pairs", "Attach works again after Detach", attach_detach_pairs},
      {applies_to::security, "double_attach_refused", "a second Attach is DRT_E_SECURITYPROVIDER_IN_USE", double_attach_refused},
      {applies_to::security, "refuses_calls_while_detached", "calls before Attach / after Detach are DRT_E_SECURITYPROVIDER_NOT_ATTACHED", refuses_calls_while_detached},
      {applies_to::security, "register_and_unregister", "RegisterKey then UnregisterKey of the test key", register_and_unregister},
      {applies_to::security, "null_arguments_refused", "NULL arguments give an error, never a crash; FreeData(NULL) is harmless", null_arguments_refused},
      {applies_to::security, "secure_validate_round_trip", "its own fresh proof validates: key, payload, address, flags, version", secure_validate_round_trip},
      {applies_to::security, "wrong_nonce_refused", "a proof bound to another nonce is refused (replay)", wrong_nonce_refused},
      {applies_to::security, "tampered_payload_refused", "a secured payload with a flipped bit is refused", tampered_payload_refused},
      {applies_to::security, "tampered_proof_refused", "a proof with any flipped bit is refused (signing providers)", tampered_proof_refused},
      {applies_to::security, "truncated_proof_refused", "every strict prefix of a proof is refused", truncated_proof_refused},
      {applies_to::security, "oversized_proof_refused", "a proof with bytes appended, or 64 KiB of junk, is refused", oversized_proof_refused},
      {applies_to::security, "revocation_round_trip", "a revocation (zero nonce, no payload) validates with DRT_PAYLOAD_REVOKED", revocation_round_trip},
      {applies_to::security, "credential_round_trip", "its own credential passes ValidateRemoteCredential", credential_round_trip},
      {applies_to::security, "sign_verify_round_trip", "its own signature over two buffers verifies", sign_verify_round_trip},
      {applies_to::security, "tampered_signature_refused", "VerifyData refuses flipped data or signature bits (signing providers)", tampered_signature_refused},
      {applies_to::security, "encrypt_decrypt_round_trip", "EncryptData then in-place DecryptData gives the plaintext", encrypt_decrypt_round_trip},
      {applies_to::security, "tampered_ciphertext_refused", "DecryptData refuses a flipped ciphertext bit (signing providers)", tampered_ciphertext_refused},
      {applies_to::security, "free_data_releases_everything", "every output freed by FreeData: no memory left behind", free_data_releases_everything},
      {applies_to::security, "concurrent_objects", "two objects used from two threads at once", concurrent_objects},
      {applies_to::security, "derive_key_deterministic", "DeriveKey is deterministic and refuses a non-certificate", derive_key_deterministic},
  };
  return all;
}

}  // namespace drt::conformance
