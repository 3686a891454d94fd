// Factory pair of the "ipv6-udp" transport provider (drt_provider.h, api.md §5.5.1).
//
// Parameters (names as libdrt passes them; docs/transport-and-bootstrap.md lists them all):
//   scope (integer 1..3, default 1), scope_id (integer), port (integer 0 or 1024..65535),
//   locality_threshold (integer >= 0, ignored), loopback (integer/boolean: [::1] only),
//   options.max_datagram_bytes (integer 20..65507, default 1500),
//   options.send_queue_max (integer 1..65536, default 256).
// Returns S_OK or, first match:
//   E_INVALIDARG                              ppProvider NULL; pConfig->cbSize too small
//   DRT_E_CONFIG_INVALID                      unknown or wrongly typed parameter, option out of range
//   DRT_E_INVALID_SCOPE                       scope not 1, 2 or 3
//   DRT_E_INVALID_PORT                        port 1..1023, negative or above 65535
//   DRT_E_INVALID_SCOPE                       link-local with the ISATAP scope id or an unknown
//                                             interface index; loopback with another scope
//   DRT_E_TRANSPORT_ALREADY_EXISTS_FOR_SCOPE  port non-zero and a live transport of this plugin
//                                             has the same scope (and link-local scope id) and port
//   api.md §1.4 mapping                       socket/setsockopt/bind failed (e.g. DRT_HR_ADDR_IN_USE)
//   DRT_E_TRANSPORT_UNEXPECTED                unlisted errno; the address monitor cannot start
//   E_OUTOFMEMORY
#pragma once

#include <drt/drt_provider.h>

namespace drt::plugins::transport {

[[nodiscard]] HRESULT create_ipv6_udp(const DRT_PROVIDER_CONFIG* pConfig,
                                      DRT_TRANSPORT_PROVIDER** ppProvider) noexcept;

// Stops the I/O thread and closes the sockets; NULL is ignored. Never called while attached.
void delete_ipv6_udp(DRT_TRANSPORT_PROVIDER* pProvider) noexcept;

}  // namespace drt::plugins::transport
