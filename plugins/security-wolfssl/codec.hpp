// The crypto-free parts shared with security-openssl (drt_security_codec): the CPA codec, the
// address lists and the C-ABI helpers. They live in namespace drt::plugins::openssl; this
// plugin uses them unchanged, so both plugins encode and parse the same bytes with one code.
#pragma once

#include "../security-openssl/address_list.hpp"
#include "../security-openssl/c_abi.hpp"
#include "../security-openssl/cpa.hpp"

namespace drt::plugins::wolfssl {
using namespace ::drt::plugins::openssl;  // NOLINT: the codec is this plugin's too
}  // namespace drt::plugins::wolfssl
