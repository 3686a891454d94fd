// Creation of the derived-key provider: settings, root, local credential (api.md §5.6.1, §6),
// and the remote-credential check behind the process-wide verified_credential_cache.
//
// One source for both security plugins (README.md here): certificates are reached through the
// backend's credential.hpp (cert_ref, same_cert, leaf_profile, is_private_key_of,
// shared_public_key, may_receive_keytoken), so this file holds only the logic they share.
#include "backend.hpp"
#include "derived_key_state.hpp"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

namespace drt::plugins::OPENDRT_SECURITY_BACKEND {
namespace {

// Wipes its bytes on destruction: the local credential input may hold a private key.
struct secret_bytes {
  std::vector<std::uint8_t> bytes;
  bool given = false;
  ~secret_bytes() { wipe(bytes.data(), bytes.size()); }
};

struct settings {
  secret_bytes root_cert;
  secret_bytes local_cert;
  secret_bytes local_key;
};

[[nodiscard]] HRESULT read_file(const DRT_PROVIDER_CONFIG* config, const std::string& name,
                                const char* path_text, std::vector<std::uint8_t>& out) {
  std::filesystem::path path(path_text);
  if (path.is_relative() && config->pszBaseDirectory != nullptr) {
    path = std::filesystem::path(config->pszBaseDirectory) / path;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    write_error_detail(config, "derived-key provider: " + name + ": cannot read \"" +
                                   path.string() + "\"");
    return DRT_E_CONFIG_INVALID;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return S_OK;
}

[[nodiscard]] HRESULT read_settings(const DRT_PROVIDER_CONFIG* config, settings& out) {
  if (config == nullptr) return S_OK;
  if (config->cbSize < sizeof(DRT_PROVIDER_CONFIG)) return E_INVALIDARG;
  if (config->cParams > 0 && config->pParams == nullptr) return E_INVALIDARG;
  for (std::uint32_t i = 0; i < config->cParams; ++i) {
    const DRT_PROVIDER_PARAM& p = config->pParams[i];
    const std::string name = p.pszName != nullptr ? p.pszName : "";
    secret_bytes* target = name == "root_cert"    ? &out.root_cert
                           : name == "local_cert" ? &out.local_cert
                           : name == "local_key"  ? &out.local_key
                                                  : nullptr;
    if (target == nullptr) {
      write_error_detail(config, "derived-key provider: unknown setting '" + name + "'");
      return DRT_E_CONFIG_INVALID;
    }
    if (target->given) {
      write_error_detail(config, "derived-key provider: setting '" + name + "' given twice");
      return DRT_E_CONFIG_INVALID;
    }
    target->given = true;
    if (p.eType == DRT_PARAM_BYTES) {
      if (!well_formed(&p.data)) return E_INVALIDARG;
      const auto bytes = view(&p.data);
      target->bytes.assign(bytes.begin(), bytes.end());
    } else if (p.eType == DRT_PARAM_STRING && p.pszValue != nullptr) {
      if (HRESULT hr = read_file(config, name, p.pszValue, target->bytes); FAILED(hr)) return hr;
    } else {
      write_error_detail(config, "derived-key provider: '" + name +
                                     "' must be bytes or a file path (string)");
      return DRT_E_CONFIG_INVALID;
    }
    if (target->bytes.empty()) {
      write_error_detail(config, "derived-key provider: '" + name + "' is empty");
      return E_INVALIDARG;
    }
  }
  if (!out.root_cert.given) {
    write_error_detail(config, "derived-key provider: root_cert is required");
    return E_INVALIDARG;
  }
  if (out.local_key.given && !out.local_cert.given) {
    write_error_detail(config, "derived-key provider: local_key requires local_cert");
    return DRT_E_CONFIG_INVALID;
  }
  return S_OK;
}

[[nodiscard]] HRESULT load_root(const DRT_PROVIDER_CONFIG* config, derived_key_provider& self,
                                std::span<const std::uint8_t> bytes) {
  credential_input in;
  HRESULT hr = read_credential_input(bytes, in);
  if (SUCCEEDED(hr) && in.certs.size() != 1) hr = DRT_E_INVALID_CERT_CHAIN;
  if (SUCCEEDED(hr)) {
    const cert_ref root[] = {in.certs.front().get()};
    hr = self.hasher.digest(encode_credential(root), self.root_digest);
  }
  if (SUCCEEDED(hr)) {
    auto made = std::make_shared<chain_verifier>();
    hr = made->set_root(std::move(in.certs.front()));
    if (SUCCEEDED(hr)) self.verifier = verified_credential_cache::shared().share_verifier(self.root_digest, std::move(made));
  }
  if (FAILED(hr)) {
    write_error_detail(config, "derived-key provider: root_cert is not exactly one certificate");
  }
  return hr;
}

[[nodiscard]] HRESULT load_local(const DRT_PROVIDER_CONFIG* config, derived_key_provider& self,
                                 const settings& s) {
  credential_input in;
  HRESULT hr = read_credential_input(s.local_cert.bytes, in);
  if (SUCCEEDED(hr) && s.local_key.given) {
    credential_input key_in;
    hr = read_credential_input(s.local_key.bytes, key_in);
    for (auto& k : key_in.keys) in.keys.push_back(std::move(k));
  }
  if (FAILED(hr) || in.certs.empty()) {
    write_error_detail(config, "derived-key provider: local_cert holds no parseable certificate");
    return DRT_E_INVALID_CERT_CHAIN;
  }
  const cert_ref leaf = in.certs.front().get();
  std::vector<cert_ref> chain_certs{leaf};  // the credential: leaf, then intermediates, no root
  for (std::size_t i = 1; i < in.certs.size(); ++i) {
    if (!same_cert(in.certs[i].get(), self.verifier->root())) chain_certs.push_back(in.certs[i].get());
  }
  const std::span<const cert_ref> others = std::span<const cert_ref>(chain_certs).subspan(1);
  chain_check check;
  if (chain_certs.size() > credential_certs_max ||
      FAILED(self.verifier->verify(leaf, others, self.now(), false, check))) {
    write_error_detail(config, "derived-key provider: the local certificate does not verify up to "
                               "root_cert now (X509 error " + std::to_string(check.x509_error) + ")");
    return DRT_E_INVALID_CERT_CHAIN;
  }
  const key_profile profile = leaf_profile(leaf);
  if (profile == key_profile::none) {
    write_error_detail(config, "derived-key provider: the local key is neither RSA 2048..4096 (O1) "
                               "nor EC P-256 (O2)");
    return DRT_E_CAPABILITY_MISMATCH;
  }
  if (in.keys.size() != 1 || !is_private_key_of(in.keys.front(), leaf)) {
    write_error_detail(config, "derived-key provider: local_cert needs exactly one private key, "
                               "matching its first certificate");
    return DRT_E_CAPABILITY_MISMATCH;
  }
  if (FAILED(self.verifier->verify(leaf, others, self.now(), true, check))) {
    write_error_detail(config, "derived-key provider: the local certificate breaks the key rules "
                               "of protocol.md §5.6/§5.6a");
    return DRT_E_INVALID_CERT_CHAIN;
  }
  local_identity id;
  id.private_key = std::move(in.keys.front());
  id.profile = profile;
  if (HRESULT hr2 = derived_key_of(self.hasher, leaf, id.derived_wire); FAILED(hr2)) return hr2;
  id.public_key = cpa_public_key_of(leaf, profile);
  id.credential = encode_credential(chain_certs);
  id.valid_from = check.valid_from;
  id.valid_until = check.valid_until;
  self.local = std::move(id);
  return S_OK;
}

}  // namespace

HRESULT derived_key_provider::local_usable() const {
  if (!local) return DRT_E_CAPABILITY_MISMATCH;
  const std::int64_t t = now();
  return t >= local->valid_from && t <= local->valid_until ? S_OK : DRT_E_INVALID_CERT_CHAIN;
}

HRESULT derived_key_provider::remote(std::span<const std::uint8_t> credential,
                                     std::shared_ptr<const remote_peer>& out) {
  out.reset();
  if (credential.empty() || credential.size() > credential_bytes_max) {
    ++chains_malformed;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  credential_cache_key id{root_digest, {}};
  if (HRESULT hr = hasher.digest(credential, id.credential); FAILED(hr)) return hr;
  const std::int64_t t = now();
  verified_credential_cache& cache = verified_credential_cache::shared();
  if ((out = cache.find(id, t))) return S_OK;
  decoded_credential decoded;
  if (FAILED(decode_credential(credential, decoded))) {
    ++chains_malformed;
    return DRT_E_INVALID_CERT_CHAIN;
  }
  const cert_ref leaf = decoded.certs[decoded.leaf].get();
  std::vector<cert_ref> others;
  for (std::size_t i = 0; i < decoded.certs.size(); ++i) {
    if (i != decoded.leaf) others.push_back(decoded.certs[i].get());
  }
  chain_check check;
  if (HRESULT hr = verifier->verify(leaf, others, t, true, check); FAILED(hr)) {
    if (hr != DRT_E_INVALID_CERT_CHAIN) return hr;
    ++(check.time_failure ? chains_expired : chains_untrusted);
    return DRT_E_INVALID_CERT_CHAIN;
  }
  auto peer = std::make_shared<remote_peer>();
  peer->public_key = shared_public_key(leaf);
  peer->profile = profile_of(peer->public_key.get());
  if (!peer->public_key) return E_FAIL;
  if (HRESULT hr = derived_key_of(hasher, leaf, peer->derived_wire); FAILED(hr)) return hr;
  peer->cpa_key = cpa_public_key_of(leaf, peer->profile);
  peer->may_receive_keytoken = may_receive_keytoken(leaf, peer->profile);
  peer->valid_from = check.valid_from;
  peer->valid_until = check.valid_until;
  peer->checked_at = t;
  cache.insert(id, peer);
  out = std::move(peer);
  return S_OK;
}

HRESULT create_derived_key_provider_with_clock(const DRT_PROVIDER_CONFIG* pConfig, unix_clock clock,
                                               DRT_SECURITY_PROVIDER** ppProvider) noexcept {
  if (ppProvider != nullptr) *ppProvider = nullptr;
  return abi_guard([&]() -> HRESULT {
    if (ppProvider == nullptr || !clock) {
      write_error_detail(pConfig, "derived-key provider: ppProvider is NULL");
      return E_INVALIDARG;
    }
    settings s;
    if (HRESULT hr = read_settings(pConfig, s); FAILED(hr)) return hr;
    auto self = std::make_unique<derived_key_provider>();
    self->clock = std::move(clock);
    if (!self->crypto_ready()) {
      write_error_detail(pConfig, std::string("derived-key provider: ") + backend_unavailable_text);
      return DRT_E_CAPABILITY_MISMATCH;
    }
    if (HRESULT hr = load_root(pConfig, *self, s.root_cert.bytes); FAILED(hr)) return hr;
    if (s.local_cert.given) {
      if (HRESULT hr = load_local(pConfig, *self, s); FAILED(hr)) return hr;
    }
    fill_table(*self);
    *ppProvider = &self.release()->table;
    return S_OK;
  });
}

HRESULT create_derived_key_provider(const DRT_PROVIDER_CONFIG* pConfig,
                                    DRT_SECURITY_PROVIDER** ppProvider) noexcept {
  return create_derived_key_provider_with_clock(
      pConfig, [] { return static_cast<std::int64_t>(std::time(nullptr)); }, ppProvider);
}

void delete_derived_key_provider(DRT_SECURITY_PROVIDER* pProvider) noexcept {
  if (pProvider != nullptr) delete static_cast<derived_key_provider*>(pProvider->pvContext);
}

derived_key_counters counters_of(const DRT_SECURITY_PROVIDER* provider) noexcept {
  if (provider == nullptr || provider->pvContext == nullptr) return {};
  const auto& self = *static_cast<const derived_key_provider*>(provider->pvContext);
  return {self.chains_expired.load(), self.chains_untrusted.load(), self.chains_malformed.load(),
          self.proofs_rejected.load()};
}

std::int64_t local_valid_until(const DRT_SECURITY_PROVIDER* provider) noexcept {
  if (provider == nullptr || provider->pvContext == nullptr) return std::numeric_limits<std::int64_t>::min();
  const auto& self = *static_cast<const derived_key_provider*>(provider->pvContext);
  return self.local ? self.local->valid_until : std::numeric_limits<std::int64_t>::min();
}

credential_cache_counters shared_credential_cache_counters() noexcept {
  const auto s = verified_credential_cache::shared().stats();
  return {s.hits, s.misses, s.evictions, s.entries};
}

HRESULT derive_key(const DRT_DATA* pCert, DRT_DATA* pKey) noexcept {
  return abi_guard([&]() -> HRESULT {
    if (pCert == nullptr || pCert->pb == nullptr || pCert->cb == 0) return E_INVALIDARG;
    if (pKey == nullptr || pKey->pb == nullptr || pKey->cb != key_bytes) return E_INVALIDARG;
    const library_ref library;
    sha256 hasher;
    if (!library.ok() || !hasher.available()) return DRT_E_CAPABILITY_MISMATCH;
    credential_input in;
    if (FAILED(read_credential_input(view(pCert), in)) || in.certs.empty()) {
      return DRT_E_INVALID_CERT_CHAIN;
    }
    const cert_ref first = in.certs.front().get();
    const key_profile profile = leaf_profile(first);
    if (profile == key_profile::none) return DRT_E_CAPABILITY_MISMATCH;
    if (profile == key_profile::o2 && cpa_public_key_of(first, profile).key.size() != 65) {
      return DRT_E_CAPABILITY_MISMATCH;
    }
    key_bytes_t wire{};
    if (HRESULT hr = derived_key_of(hasher, first, wire); FAILED(hr)) return hr;
    for (std::size_t i = 0; i < key_bytes; ++i) pKey->pb[i] = wire[key_bytes - 1 - i];
    return S_OK;
  });
}

}  // namespace drt::plugins::OPENDRT_SECURITY_BACKEND
