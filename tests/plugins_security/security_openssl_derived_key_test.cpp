// The derived-key suite against the OpenSSL plugin (one line), plus white-box tests of what the
// ABI cannot reach: an injected clock for local expiry, and the rejection counters.
#include "derived_key_provider.hpp"
#include "derived_key_suite.hpp"
#include "verified_credential_cache.hpp"

#include <atomic>
#include <limits>
#include <memory>

namespace drt::tests {

OPENDRT_INSTANTIATE_DERIVED_KEY_SUITE(SecurityOpenssl, OPENDRT_TEST_PLUGIN_DIR "/drt-security-openssl.so");

namespace impl = drt::plugins::openssl;
#include "derived_key_whitebox_tests.hpp"

}  // namespace drt::tests
