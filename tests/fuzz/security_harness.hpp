// The security fuzz targets' shared harness (fuzz_security_openssl, fuzz_security_wolfssl) and
// the corpus tool: three providers of one plugin (null; derived-key with the O1 RSA node and
// with the O2 EC node of the fixed PKI in tests/fuzz/pki), attached and driven through the
// core's security_adapter (the copy layer libdrt puts between the engine and a provider table).
//
// An input is one selector byte, then fields, each a LE16 length and that many bytes (a field
// cut short by the end of the input takes what is left; missing fields are empty):
//   selector % 3        provider: 0 null, 1 derived-key O1 (RSA), 2 derived-key O2 (EC)
//   selector / 3 % 4    entry point and its fields:
//     0 ValidateAndUnpackPayload  cpa, cert_chain, classifier, nonce[, secured_payload]
//                                 (the payload is passed only when its field is present)
//     1 ValidateRemoteCredential  credential
//     2 VerifyData                credential, key_identifier, signature, buffers...
//     3 DecryptData               keytoken, buffers...
// Not thread-safe.
#pragma once

#include "runtime/security_adapter.hpp"

#include <drt/drt_provider.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace drt::fuzz {

using bytes = std::vector<std::uint8_t>;

inline bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), {});
}

enum class provider_index : std::uint8_t { null = 0, o1 = 1, o2 = 2 };
enum class entry_point : std::uint8_t { validate_and_unpack = 0, validate_credential = 1, verify_data = 2, decrypt_data = 3 };

inline std::uint8_t selector(provider_index p, entry_point e) {
  return static_cast<std::uint8_t>(static_cast<int>(p) + 3 * static_cast<int>(e));
}

inline void append_field(bytes& out, std::span<const std::uint8_t> field) {
  out.push_back(static_cast<std::uint8_t>(field.size() & 0xFF));
  out.push_back(static_cast<std::uint8_t>(field.size() >> 8));
  out.insert(out.end(), field.begin(), field.end());
}

inline std::vector<std::span<const std::uint8_t>> split_fields(std::span<const std::uint8_t> in) {
  std::vector<std::span<const std::uint8_t>> fields;
  while (in.size() >= 2 && fields.size() < 16) {
    const std::size_t n = std::min<std::size_t>(in[0] | std::size_t{in[1]} << 8, in.size() - 2);
    fields.push_back(in.subspan(2, n));
    in = in.subspan(2 + n);
  }
  return fields;
}

// One plugin's factory pair for a provider.
struct provider_factory {
  HRESULT (*create)(const DRT_PROVIDER_CONFIG*, DRT_SECURITY_PROVIDER**) noexcept;
  void (*destroy)(DRT_SECURITY_PROVIDER*) noexcept;
};

class provider_set {
 public:
  // pki_dir holds root.pem, o1.pem and o2.pem (certificate then private key).
  provider_set(provider_factory null_factory, provider_factory derived_factory, const std::string& pki_dir) {
    add(null_factory, {});
    const bytes root = read_file(pki_dir + "/root.pem");
    for (const char* name : {"o1.pem", "o2.pem"}) add(derived_factory, {root, read_file(pki_dir + "/" + name)});
  }
  ~provider_set() {
    for (auto& p : providers_) {
      p.table->Detach(p.table->pvContext);
      p.factory.destroy(p.table);
    }
  }
  provider_set(const provider_set&) = delete;
  provider_set& operator=(const provider_set&) = delete;

  bool ok() const { return providers_.size() == 3; }
  runtime::security_adapter& adapter(provider_index i) { return *providers_[static_cast<int>(i)].adapter; }

  // Runs one input as described above; returns the entry point's HRESULT.
  HRESULT run(std::span<const std::uint8_t> input) {
    if (input.empty()) return E_INVALIDARG;
    const auto which = static_cast<provider_index>(input[0] % 3);
    const auto what = static_cast<entry_point>(input[0] / 3 % 4);
    const auto f = split_fields(input.subspan(1));
    auto field = [&](std::size_t i) { return i < f.size() ? f[i] : std::span<const std::uint8_t>{}; };
    auto& a = adapter(which);
    switch (what) {
      case entry_point::validate_and_unpack: {
        engine::unpacked_payload out;
        std::optional<bytes> payload;
        if (f.size() > 4) payload.emplace(f[4].begin(), f[4].end());
        return a.validate_and_unpack_payload(field(0), field(1), field(2), field(3), payload ? &*payload : nullptr,
                                             out);
      }
      case entry_point::validate_credential:
        return a.validate_remote_credential(field(0));
      case entry_point::verify_data: {
        std::vector<engine::byte_span> buffers(f.begin() + std::min<std::size_t>(3, f.size()), f.end());
        return a.verify_data(buffers, field(0), field(1), field(2));
      }
      case entry_point::decrypt_data: {
        std::vector<bytes> buffers;
        for (std::size_t i = 1; i < f.size(); ++i) buffers.emplace_back(f[i].begin(), f[i].end());
        return a.decrypt_data(field(0), nullptr, buffers);
      }
    }
    return E_INVALIDARG;
  }

 private:
  struct attached {
    provider_factory factory;
    DRT_SECURITY_PROVIDER* table = nullptr;
    std::unique_ptr<runtime::security_adapter> adapter;
  };

  void add(provider_factory factory, std::vector<bytes> settings) {
    static constexpr std::array<const char*, 2> names{"root_cert", "local_cert"};
    std::vector<DRT_PROVIDER_PARAM> params;
    for (std::size_t i = 0; i < settings.size(); ++i) {
      DRT_PROVIDER_PARAM p{};
      p.pszName = names[i];
      p.eType = DRT_PARAM_BYTES;
      p.data = DRT_DATA{static_cast<std::uint32_t>(settings[i].size()), settings[i].data()};
      params.push_back(p);
    }
    DRT_PROVIDER_CONFIG config{};
    config.cbSize = sizeof config;
    config.cParams = static_cast<std::uint32_t>(params.size());
    config.pParams = params.empty() ? nullptr : params.data();
    DRT_SECURITY_PROVIDER* table = nullptr;
    if (FAILED(factory.create(&config, &table)) || !table) return;
    if (FAILED(table->Attach(table->pvContext))) {
      factory.destroy(table);
      return;
    }
    providers_.push_back({factory, table, std::make_unique<runtime::security_adapter>(*table)});
  }

  std::vector<attached> providers_;
};

}  // namespace drt::fuzz
