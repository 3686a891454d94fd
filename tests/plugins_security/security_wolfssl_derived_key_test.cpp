// The derived-key suite against the wolfSSL plugin: the same tests as security-openssl's, one
// line (derived_key_suite.hpp). Cross-plugin tests are in security_interop_test.cpp.
#include "derived_key_suite.hpp"

namespace drt::tests {

OPENDRT_INSTANTIATE_DERIVED_KEY_SUITE(SecurityWolfssl, OPENDRT_TEST_PLUGIN_DIR "/drt-security-wolfssl.so");

}  // namespace drt::tests
