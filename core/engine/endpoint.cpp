#include "engine/endpoint.hpp"

namespace drt::engine {

scope_class classify(const ipv6_address& a) {
  if (a[0] == 0xFF) return scope_class::invalid;  // multicast
  bool zero_prefix = true;
  for (int i = 0; i < 15; ++i) zero_prefix = zero_prefix && a[i] == 0;
  if (zero_prefix && a[15] == 0) return scope_class::invalid;  // unspecified
  if (zero_prefix && a[15] == 1) return scope_class::loopback;
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return scope_class::link_local;
  return scope_class::global;
}

}  // namespace drt::engine
