// fuzz_config: the TOML node-configuration parser (core/runtime/config_file.cpp) on arbitrary
// bytes. It must return an HRESULT for every input, never crash, hang or leak. Seeds:
// tests/fuzz/corpus/config (the valid and broken files of tests/data/config).
#include "runtime/config_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  drt::runtime::node_config config;
  // Relative file keys resolve under a directory that does not exist: reads fail cleanly.
  (void)drt::runtime::parse_config_text("/nonexistent-fuzz-dir/node.toml", text, config);
  return 0;
}
