/* tests/api: DrtCreateIpv6UdpTransport called from C with any int as the scope, as a C
 * application may (spec/api.md §1.2, §5.5.1 row 3); C++ cannot form such enum values. */
#include <drt/drt.h>

HRESULT c_create_ipv6_udp_transport(int scope, uint32_t scope_id, uint16_t* port, HDRT_TRANSPORT* h) {
  return DrtCreateIpv6UdpTransport((DRT_SCOPE)scope, scope_id, 0, port, h);
}
