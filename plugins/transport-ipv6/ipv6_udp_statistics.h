/* ipv6_udp_statistics.h: a plugin-specific extension of the "ipv6-udp" transport (plugin
 * transport-ipv6), not part of the provider ABI. The DRT_TRANSPORT_PROVIDER* that the factory
 * returns points to the first member of a DRT_IPV6_UDP_TABLE, so a caller that knows it created
 * an "ipv6-udp" transport may read the counters below. libdrt copies only the standard table.
 * All counters start at 0 when the transport is created and only grow. */
#ifndef OPENDRT_IPV6_UDP_STATISTICS_H
#define OPENDRT_IPV6_UDP_STATISTICS_H

#include <drt/drt_provider.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DRT_IPV6_UDP_STATISTICS {
  uint32_t cbSize;                 /* set by the caller to sizeof(DRT_IPV6_UDP_STATISTICS) */
  uint64_t datagramsReceived;      /* read from the socket, whatever happened next */
  uint64_t datagramsDelivered;     /* handed to OnDatagram */
  uint64_t oversizedReceived;      /* longer than the datagram limit: dropped */
  uint64_t droppedWhileDetached;   /* arrived while no instance was attached: dropped */
  uint64_t droppedOtherInterface;  /* link-local scope: arrived on another interface: dropped */
  uint64_t receiveErrors;          /* transient recvmsg errors (e.g. ICMP errors queued) */
  uint64_t datagramsSent;          /* accepted by the kernel */
  uint64_t sendErrors;             /* sendmsg failed with something other than "queue full" */
  uint64_t sendQueueDrops;         /* the socket and the transport's own queue were full */
  uint64_t oversizedSendRejected;  /* SendTo with more bytes than the datagram limit */
  uint64_t addressChanges;         /* OnAddressChange conditions seen */
  uint64_t datagramsQueued;        /* SendTo found the socket buffer full and queued a copy */
} DRT_IPV6_UDP_STATISTICS;

typedef struct DRT_IPV6_UDP_TABLE {
  DRT_TRANSPORT_PROVIDER base; /* base.cbSize == sizeof(DRT_TRANSPORT_PROVIDER) */
  /* Thread-safe; may be called at any time until the transport is deleted. E_INVALIDARG if
   * pStats is NULL or its cbSize is smaller than this header's structure. */
  HRESULT (*GetStatistics)(void* pvContext, DRT_IPV6_UDP_STATISTICS* pStats);
} DRT_IPV6_UDP_TABLE;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OPENDRT_IPV6_UDP_STATISTICS_H */
