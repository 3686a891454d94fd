// fuzz_key_parser: the drt tool's key arguments (tools/drt/key_text.cpp parse_key): 64 hex
// digits, sha256:TEXT, and @FILE whose contents are hex digits or a certificate. The first
// byte picks the form: even = the rest is the argument text itself (an argument starting with
// '@' is not passed, so the fuzzer never names real files); odd = the rest is written to a
// temporary file and "@<that file>" is parsed. Bad input must end in usage_error, nothing else.
#include "command.hpp"
#include "key_text.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

std::string temp_path() {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/fuzz_key_parser." + std::to_string(::getpid());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string argument = rest;
  static const std::string file = temp_path();
  if (data[0] & 1) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << rest;
    argument = "@" + file;
  } else if (argument.starts_with("@")) {
    return 0;
  }
  try {
    const drt::key k = drt::tool::parse_key(argument, "key");
    // A parsed key prints as 64 hex digits that parse back to the same key.
    if (drt::tool::parse_key(drt::tool::key_hex(k), "key") != k) {
      std::fprintf(stderr, "fuzz_key_parser: key_hex does not parse back\n");
      std::abort();
    }
  } catch (const drt::tool::usage_error&) {
  }
  return 0;
}
