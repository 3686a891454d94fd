// fuzz_security_openssl and fuzz_security_wolfssl (this source, built once per plugin with
// OPENDRT_FUZZ_BACKEND set to the plugin's namespace): the plugin's providers (null; derived-key
// with an O1 RSA and an O2 EC node certificate) on arbitrary ValidateAndUnpackPayload,
// ValidateRemoteCredential, VerifyData and DecryptData calls (input format: security_harness.hpp).
// Every call must return an HRESULT without crashing or leaking. Seeds:
// tests/fuzz/corpus/security_<plugin>: real CPAs, credentials, signatures and keytokens made by
// drt_fuzz_corpus with the fixed PKI of tests/fuzz/pki.
#include "security_harness.hpp"

#include "derived_key_provider.hpp"
#include "null_provider.hpp"

#define OPENDRT_FUZZ_STRINGIFY2(x) #x
#define OPENDRT_FUZZ_STRINGIFY(x) OPENDRT_FUZZ_STRINGIFY2(x)
#define OPENDRT_FUZZ_BACKEND_NAME OPENDRT_FUZZ_STRINGIFY(OPENDRT_FUZZ_BACKEND)

#include <cstdio>
#include <cstdlib>

namespace {

drt::fuzz::provider_set& providers() {
  namespace p = drt::plugins::OPENDRT_FUZZ_BACKEND;
  static drt::fuzz::provider_set set({p::create_null_provider, p::delete_null_provider},
                                     {p::create_derived_key_provider, p::delete_derived_key_provider},
                                     OPENDRT_FUZZ_PKI_DIR);
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!providers().ok()) {
    std::fprintf(stderr, "fuzz_security_%s: cannot create the providers from %s\n", OPENDRT_FUZZ_BACKEND_NAME,
                 OPENDRT_FUZZ_PKI_DIR);
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)providers().run({data, size});
  return 0;
}
