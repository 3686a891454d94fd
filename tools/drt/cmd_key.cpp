// drt key derive CERT: the key the derived-key provider accepts for a certificate, computed by
// libdrt's DrtCreateDerivedKey (spec/api.md §5.6.2) and printed most significant byte first.
// drt key show KEY: the key a command-line key argument (hex, @FILE, sha256:TEXT) names.
#include "certgen.hpp"
#include "command.hpp"
#include "key_text.hpp"

#include <drt/drt.h>

#include <iostream>
#include <memory>
#include <vector>

namespace drt::tool {
namespace {

void run_derive(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_user_file(path, certificate_file_bytes_max, "");
  std::uint8_t key[DRT_KEY_SIZE] = {};
  DRT_DATA cert{static_cast<std::uint32_t>(bytes.size()), bytes.data()};
  DRT_DATA out{DRT_KEY_SIZE, key};
  const HRESULT hr = DrtCreateDerivedKey(&cert, &out);
  if (FAILED(hr)) {
    const std::string why = path + ": " + DrtGetLastErrorDetail();
    if (hr == DRT_E_INVALID_CERT_CHAIN || hr == DRT_E_CAPABILITY_MISMATCH || hr == E_INVALIDARG) {
      throw usage_error(why);
    }
    throw std::runtime_error(why);
  }
  std::uint8_t wire[DRT_KEY_SIZE];
  for (int i = 0; i < DRT_KEY_SIZE; ++i) wire[i] = key[DRT_KEY_SIZE - 1 - i];
  std::cout << certgen::to_hex(wire, sizeof wire) << "\n";
}

}  // namespace

void add_key_commands(CLI::App& app) {
  CLI::App* key = app.add_subcommand("key", "Work with DRT keys");
  key->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  CLI::App* derive = key->add_subcommand(
      "derive", "Print the key the derived-key provider accepts for a certificate (PEM or DER), "
                "as 64 hex digits, most significant byte first");
  derive->add_option("CERT", *path, "Certificate file; only its first certificate is used")->required();
  derive->callback([path] { run_derive(*path); });

  auto text = std::make_shared<std::string>();
  CLI::App* show = key->add_subcommand(
      "show", "Print the key that a command-line key argument names, as 64 hex digits (most significant byte "
              "first): KEY is 64 hex digits, @FILE (64 hex digits in it, or a certificate: its derived key) or "
              "sha256:TEXT (the SHA-256 digest of TEXT)");
  show->add_option("KEY", *text, "The key argument to read")->required();
  show->callback([text] { std::cout << key_hex(parse_key(*text, "KEY")) << "\n"; });
}

}  // namespace drt::tool
