// The derived-key suite against the wolfSSL plugin: the same tests as security-openssl's, one
// line (derived_key_suite.hpp), and the same white-box tests on its static library.
// Cross-plugin tests are in security_interop_test.cpp.
#include "derived_key_provider.hpp"
#include "derived_key_suite.hpp"

#include <atomic>
#include <limits>
#include <memory>

namespace drt::tests {

OPENDRT_INSTANTIATE_DERIVED_KEY_SUITE(SecurityWolfssl, OPENDRT_TEST_PLUGIN_DIR "/drt-security-wolfssl.so");

namespace impl = drt::plugins::wolfssl;
#include "derived_key_whitebox_tests.hpp"

}  // namespace drt::tests
