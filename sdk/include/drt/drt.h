/* drt.h: the OpenDRT public C API (spec/api.md). A portable rebuild of the Windows Distributed
 * Routing Table programming model: publish 256-bit keys with up to 5,120 bytes of data, find who
 * published a key or the keys nearest to it.
 *
 * C11 and C++11 or later. All functions have C linkage and are exported from libdrt.
 * Conventions that apply everywhere (spec/api.md §1):
 *   - Strings are NUL-terminated UTF-8 (Windows: UTF-16).
 *   - Notification uses a pollable descriptor (an eventfd), -1 = none (Windows: an event HANDLE).
 *   - Every function may be called from any thread. Functions marked (W) wait for the instance's
 *     worker and return E_UNEXPECTED when called from a provider callback of the same instance.
 *   - Return tables are evaluated top to bottom; the first matching row wins. On failure, output
 *     handles and sizes are set to NULL / 0 and caller buffers are left untouched.
 *   - Every failure sets a thread-local detail text, see DrtGetLastErrorDetail().
 *   - Inputs are copied before a function returns, except the provider structures named in
 *     DRT_SETTINGS, which must stay valid until DrtClose returns. */
#ifndef OPENDRT_DRT_H
#define OPENDRT_DRT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <drt/drt_errors.h>

#define OPENDRT_EXTENSIONS 1

#if defined(OPENDRT_BUILDING_LIBDRT)
#define DRT_EXPORT __attribute__((visibility("default")))
#else
#define DRT_EXPORT
#endif

#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Type mapping (§1.2) -------------------------------------------------------------------- */
#ifndef OPENDRT_NO_WINDOWS_TYPES
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef int32_t LONG;
typedef uint16_t USHORT;
typedef uint8_t BYTE;
typedef int32_t BOOL;
typedef void* PVOID;
typedef const char* PCWSTR;
typedef char* PWSTR;
typedef struct sockaddr_storage SOCKADDR_STORAGE;
typedef struct sockaddr_storage* PSOCKADDR_STORAGE;
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* ---- Handles (§1.6): opaque, kind- and generation-checked tokens; NULL is never valid. ------- */
typedef void* HDRT;
typedef void* HDRT_SEARCH_CONTEXT;
typedef void* HDRT_TRANSPORT;
typedef void* HDRT_REGISTRATION_CONTEXT;
typedef void* DRT_BOOTSTRAP_RESOLVE_CONTEXT;

/* ---- Limits and flags (§3.1) ---------------------------------------------------------------- */
#define DRT_KEY_SIZE 32                     /* [OpenDRT] bytes in every key */
#define DRT_MAX_PAYLOAD_SIZE 5120
#define DRT_MIN_ROUTING_ADDRESSES 1
#define DRT_MAX_ROUTING_ADDRESSES 20
#define DRT_MAX_INSTANCE_PREFIX_LEN 128
#define DRT_PAYLOAD_REVOKED 0x00000001u
#define DRT_LINK_LOCAL_ISATAP_SCOPEID 0xFFFFFFFFu
#define DRT_TIMEOUT_INFINITE 0xFFFFFFFFu    /* [OpenDRT] search timeout: no limit */

/* ---- Enumerations (§3.2); each has the size of int. ----------------------------------------- */
typedef enum DRT_SCOPE {
  DRT_GLOBAL_SCOPE = 1,
  DRT_SITE_LOCAL_SCOPE = 2,
  DRT_LINK_LOCAL_SCOPE = 3
} DRT_SCOPE;

typedef enum DRT_STATUS {
  DRT_ACTIVE = 0,
  DRT_ALONE = 1,
  DRT_NO_NETWORK = 10,
  DRT_FAULTED = 20
} DRT_STATUS;

typedef enum DRT_MATCH_TYPE {
  DRT_MATCH_EXACT = 0,
  DRT_MATCH_NEAR = 1,
  DRT_MATCH_INTERMEDIATE = 2
} DRT_MATCH_TYPE;

typedef enum DRT_LEAFSET_KEY_CHANGE_TYPE {
  DRT_LEAFSET_KEY_ADDED = 0,
  DRT_LEAFSET_KEY_DELETED = 1
} DRT_LEAFSET_KEY_CHANGE_TYPE;

typedef enum DRT_EVENT_TYPE {
  DRT_EVENT_STATUS_CHANGED = 0,
  DRT_EVENT_LEAFSET_KEY_CHANGED = 1,
  DRT_EVENT_REGISTRATION_STATE_CHANGED = 2
} DRT_EVENT_TYPE;

typedef enum DRT_SECURITY_MODE {
  DRT_SECURE_RESOLVE = 0,
  DRT_SECURE_MEMBERSHIP = 1,
  DRT_SECURE_CONFIDENTIALPAYLOAD = 2
} DRT_SECURITY_MODE;

typedef enum DRT_REGISTRATION_STATE {
  DRT_REGISTRATION_STATE_UNRESOLVEABLE = 1
} DRT_REGISTRATION_STATE, *PDRT_REGISTRATION_STATE;

typedef enum DRT_ADDRESS_FLAGS {
  DRT_ADDRESS_FLAG_ACCEPTED = 0x01,
  DRT_ADDRESS_FLAG_REJECTED = 0x02,
  DRT_ADDRESS_FLAG_UNREACHABLE = 0x04,
  DRT_ADDRESS_FLAG_LOOP = 0x08,
  DRT_ADDRESS_FLAG_TOO_BUSY = 0x10,
  DRT_ADDRESS_FLAG_BAD_VALIDATE_ID = 0x20,
  DRT_ADDRESS_FLAG_SUSPECT_UNREGISTERED_ID = 0x40,
  DRT_ADDRESS_FLAG_INQUIRE = 0x80
} DRT_ADDRESS_FLAGS, *PDRT_ADDRESS_FLAGS;

/* ---- Structures (§4); member order matches Windows so positional initializers port. --------- */

/* A byte string. pb may be NULL only when cb is 0 and the context allows an empty value. */
typedef struct DRT_DATA {
  uint32_t cb;
  uint8_t* pb;
} DRT_DATA, *PDRT_DATA;
typedef const DRT_DATA* PCDRT_DATA;

typedef struct DRT_REGISTRATION {
  DRT_DATA key;     /* 32 bytes, little-endian 256-bit integer (§1.7) */
  DRT_DATA appData; /* 1..5120 bytes, opaque */
} DRT_REGISTRATION, *PDRT_REGISTRATION;
typedef const DRT_REGISTRATION* PCDRT_REGISTRATION;

/* Provider interfaces only (§4.3). */
typedef struct SOCKET_ADDRESS {
  struct sockaddr* lpSockaddr; /* a struct sockaddr_in6 */
  int32_t iSockaddrLength;
} SOCKET_ADDRESS;

typedef struct SOCKET_ADDRESS_LIST {
  int32_t iAddressCount;
  SOCKET_ADDRESS Address[1]; /* first of iAddressCount entries */
} SOCKET_ADDRESS_LIST;

/* Security provider output only (§4.4). */
typedef struct CRYPT_OBJID_BLOB {
  uint32_t cbData;
  uint8_t* pbData;
} CRYPT_OBJID_BLOB;

typedef struct CRYPT_BIT_BLOB {
  uint32_t cbData;
  uint8_t* pbData;
  uint32_t cUnusedBits;
} CRYPT_BIT_BLOB;

typedef struct CRYPT_ALGORITHM_IDENTIFIER {
  char* pszObjId;
  CRYPT_OBJID_BLOB Parameters;
} CRYPT_ALGORITHM_IDENTIFIER;

typedef struct CERT_PUBLIC_KEY_INFO {
  CRYPT_ALGORITHM_IDENTIFIER Algorithm;
  CRYPT_BIT_BLOB PublicKey;
} CERT_PUBLIC_KEY_INFO;

/* The security provider callback table (§4.5). Every callback gets pvContext first. Members
 * outside the set required by the security mode may be NULL and are then never called. */
typedef struct DRT_SECURITY_PROVIDER {
  void* pvContext;
  HRESULT (*Attach)(void* pvContext);
  void (*Detach)(void* pvContext);
  HRESULT (*RegisterKey)(void* pvContext, const DRT_REGISTRATION* pRegistration,
                         void* pvKeyContext);
  HRESULT (*UnregisterKey)(void* pvContext, const DRT_DATA* pKey, void* pvKeyContext);
  HRESULT (*ValidateAndUnpackPayload)(void* pvContext, DRT_DATA* pSecuredAddressPayload,
                                      DRT_DATA* pCertChain, DRT_DATA* pClassifier,
                                      DRT_DATA* pNonce, DRT_DATA* pSecuredPayload,
                                      uint8_t* pbProtocolMajor, uint8_t* pbProtocolMinor,
                                      DRT_DATA* pKey, DRT_DATA* pPayload,
                                      CERT_PUBLIC_KEY_INFO** ppPublicKey,
                                      SOCKET_ADDRESS_LIST** ppAddressList, uint32_t* pdwFlags);
  HRESULT (*SecureAndPackPayload)(void* pvContext, void* pvKeyContext, uint8_t bProtocolMajor,
                                  uint8_t bProtocolMinor, uint32_t dwFlags, const DRT_DATA* pKey,
                                  const DRT_DATA* pPayload,
                                  const SOCKET_ADDRESS_LIST* pAddressList,
                                  const DRT_DATA* pNonce, DRT_DATA* pSecuredAddressPayload,
                                  DRT_DATA* pClassifier, DRT_DATA* pSecuredPayload,
                                  DRT_DATA* pCertChain);
  void (*FreeData)(void* pvContext, void* pv);
  HRESULT (*EncryptData)(void* pvContext, const DRT_DATA* pRemoteCredential, uint32_t dwBuffers,
                         DRT_DATA* pDataBuffers, DRT_DATA* pEncryptedBuffers,
                         DRT_DATA* pKeyToken);
  HRESULT (*DecryptData)(void* pvContext, DRT_DATA* pKeyToken, void* pvKeyContext,
                         uint32_t dwBuffers, DRT_DATA* pData);
  HRESULT (*GetSerializedCredential)(void* pvContext, DRT_DATA* pSelfCredential);
  HRESULT (*ValidateRemoteCredential)(void* pvContext, DRT_DATA* pRemoteCredential);
  HRESULT (*SignData)(void* pvContext, uint32_t dwBuffers, DRT_DATA* pDataBuffers,
                      DRT_DATA* pKeyIdentifier, DRT_DATA* pSignature);
  HRESULT (*VerifyData)(void* pvContext, uint32_t dwBuffers, DRT_DATA* pDataBuffers,
                        DRT_DATA* pRemoteCredentials, DRT_DATA* pKeyIdentifier,
                        DRT_DATA* pSignature);
} DRT_SECURITY_PROVIDER, *PDRT_SECURITY_PROVIDER;
typedef const DRT_SECURITY_PROVIDER* PCDRT_SECURITY_PROVIDER;

/* Bootstrap provider (§4.6). The resolve callback may be invoked from any thread. */
typedef void (*DRT_BOOTSTRAP_RESOLVE_CALLBACK)(HRESULT hr, void* pvContext,
                                               SOCKET_ADDRESS_LIST* pAddresses, BOOL fFatalError);

typedef struct DRT_BOOTSTRAP_PROVIDER {
  void* pvContext;
  HRESULT (*Attach)(void* pvContext);
  void (*Detach)(void* pvContext);
  HRESULT (*InitResolve)(void* pvContext, BOOL fSplitDetect, uint32_t timeout,
                         uint32_t cMaxResults, DRT_BOOTSTRAP_RESOLVE_CONTEXT* ResolveContext,
                         BOOL* fFatalError);
  HRESULT (*IssueResolve)(void* pvContext, void* pvCallbackContext,
                          DRT_BOOTSTRAP_RESOLVE_CALLBACK callback,
                          DRT_BOOTSTRAP_RESOLVE_CONTEXT ResolveContext, BOOL* fFatalError);
  void (*EndResolve)(void* pvContext, DRT_BOOTSTRAP_RESOLVE_CONTEXT ResolveContext);
  HRESULT (*Register)(void* pvContext, const SOCKET_ADDRESS_LIST* pAddressList);
  void (*Unregister)(void* pvContext);
} DRT_BOOTSTRAP_PROVIDER, *PDRT_BOOTSTRAP_PROVIDER;
typedef const DRT_BOOTSTRAP_PROVIDER* PCDRT_BOOTSTRAP_PROVIDER;

/* Instance settings (§4.7). dwSize must equal sizeof(DRT_SETTINGS). */
typedef struct DRT_SETTINGS {
  uint32_t dwSize;
  uint32_t cbKey; /* must be 32 */
  uint8_t bProtocolMajorVersion;
  uint8_t bProtocolMinorVersion;
  uint32_t ulMaxRoutingAddresses; /* 1..20 */
  const char* pwzDrtInstancePrefix; /* [Differs] UTF-8, <= 128 characters; NULL or "" = "drt" */
  HDRT_TRANSPORT hTransport;
  DRT_SECURITY_PROVIDER* pSecurityProvider;
  DRT_BOOTSTRAP_PROVIDER* pBootstrapProvider;
  DRT_SECURITY_MODE eSecurityMode;
} DRT_SETTINGS, *PDRT_SETTINGS;
typedef const DRT_SETTINGS* PCDRT_SETTINGS;

/* Search options (§4.8). Note the order: maximum before minimum. */
typedef struct DRT_SEARCH_INFO {
  uint32_t dwSize;
  BOOL fIterative;
  BOOL fAllowCurrentInstanceMatch;
  BOOL fAnyMatchInRange;
  uint32_t cMaxEndpoints;
  DRT_DATA* pMaximumKey;
  DRT_DATA* pMinimumKey;
} DRT_SEARCH_INFO, *PDRT_SEARCH_INFO;
typedef const DRT_SEARCH_INFO* PCDRT_SEARCH_INFO;

/* One node on a search path (§4.9). */
typedef struct DRT_ADDRESS {
  struct sockaddr_storage socketAddress;
  uint32_t flags;   /* OR of DRT_ADDRESS_FLAGS */
  int32_t nearness; /* leading bits shared with the target, 0..256 */
  uint32_t latency; /* ms of the first answered request; 0 if none */
} DRT_ADDRESS, *PDRT_ADDRESS;

typedef struct DRT_ADDRESS_LIST {
  uint32_t AddressCount;
  DRT_ADDRESS AddressList[1]; /* variable length */
} DRT_ADDRESS_LIST, *PDRT_ADDRESS_LIST;
typedef const DRT_ADDRESS_LIST* PCDRT_ADDRESS_LIST;

/* One search result (§4.10); the pb pointers point into the caller's buffer. */
typedef struct DRT_SEARCH_RESULT {
  uint32_t dwSize;
  DRT_MATCH_TYPE type;
  void* pvContext;
  DRT_REGISTRATION registration;
} DRT_SEARCH_RESULT, *PDRT_SEARCH_RESULT;
typedef const DRT_SEARCH_RESULT* PCDRT_SEARCH_RESULT;

/* One event (§4.11); the union member is selected by type. The member structs have tags only
 * because C++ forbids anonymous types inside an anonymous union; the tags are not API. */
struct opendrt_event_leafset_key_change {
  DRT_LEAFSET_KEY_CHANGE_TYPE change;
  DRT_DATA localKey;
  DRT_DATA remoteKey;
};
struct opendrt_event_registration_state_change {
  DRT_REGISTRATION_STATE state;
  DRT_DATA localKey;
};
struct opendrt_event_bootstrap_addresses {
  uint32_t cntAddress;
  struct sockaddr_storage* pAddresses;
};
struct opendrt_event_status_change {
  DRT_STATUS status;
  struct opendrt_event_bootstrap_addresses bootstrapAddresses;
};

typedef struct DRT_EVENT_DATA {
  DRT_EVENT_TYPE type;
  HRESULT hr;
  void* pvContext;
  union {
    struct opendrt_event_leafset_key_change leafsetKeyChange;
    struct opendrt_event_registration_state_change registrationStateChange;
    struct opendrt_event_status_change statusChange;
  };
} DRT_EVENT_DATA, *PDRT_EVENT_DATA;
typedef const DRT_EVENT_DATA* PCDRT_EVENT_DATA;

/* ---- Errors (§2.4, §2.5) [OpenDRT] ---------------------------------------------------------- */

/* Stable English text for any HRESULT ("Unknown error code." for unknown values); never NULL,
 * static storage. Thread-safe, usable before any instance exists and during teardown. */
DRT_EXPORT const char* DrtErrorMessage(HRESULT hr);

/* Detail text of the most recent call on this thread to any other function of this API: "" if it
 * succeeded, else DrtErrorMessage(hr) followed by specifics (file path, dlerror() text,
 * "<path>:<line>: <key>: <problem>"). Valid until the next such call on this thread. Never NULL. */
DRT_EXPORT const char* DrtGetLastErrorDetail(void);

/* ---- Instance lifetime and events (§5.1) ---------------------------------------------------- */

/* DrtOpen: create an instance on the given transport and providers and start joining (§5.1.1).
 * Attaches, in order: transport, security provider (then GetSerializedCredential in modes 1-2),
 * bootstrap provider; on failure detaches what was attached, in reverse. The provider structures
 * must stay valid and unchanged until DrtClose returns. event_fd: -1 or an open eventfd.
 * Returns S_OK, DRT_S_RETRY (opened; first bootstrap round failed non-fatally) or, first match:
 *   E_INVALIDARG phDrt NULL | DRT_E_INVALID_SETTINGS pSettings NULL or wrong dwSize |
 *   E_INVALIDARG bad event_fd | DRT_E_INVALID_KEY_SIZE cbKey != 32 |
 *   DRT_E_INVALID_MAX_ADDRESSES not 1..20 | DRT_E_INVALID_SECURITY_MODE not 0..2 |
 *   DRT_E_INVALID_INSTANCE_PREFIX bad UTF-8 or > 128 characters |
 *   DRT_E_INVALID_TRANSPORT_PROVIDER hTransport NULL |
 *   DRT_E_INVALID_SECURITY_PROVIDER NULL or a member the mode needs is NULL |
 *   DRT_E_INVALID_BOOTSTRAP_PROVIDER NULL or a function member NULL | E_UNEXPECTED library down |
 *   DRT_E_INVALID_TRANSPORT_PROVIDER not a live transport | DRT_E_TRANSPORT_SHUTTING_DOWN |
 *   DRT_E_TRANSPORTPROVIDER_IN_USE | DRT_E_SECURITYPROVIDER_IN_USE |
 *   DRT_E_BOOTSTRAPPROVIDER_IN_USE | E_OUTOFMEMORY | provider pass-through (transport attach,
 *   security Attach, GetSerializedCredential, bootstrap Attach, fatal first resolve) | E_FAIL. */
DRT_EXPORT HRESULT DrtOpen(const DRT_SETTINGS* pSettings, int event_fd, const void* pvContext,
                           HDRT* phDrt);

/* DrtClose (W): end searches, revoke and unregister keys, end bootstrap, detach providers in
 * reverse order, discard events (§5.1.2). Invalid handles are ignored. From a provider callback of
 * the same instance the work is deferred until the callback returns. */
DRT_EXPORT void DrtClose(HDRT hDrt);

/* Size in bytes of the oldest queued event (§5.1.3, §4.12). E_INVALIDARG | E_UNEXPECTED |
 * E_HANDLE | DRT_E_NO_MORE (size 0) | S_OK. */
DRT_EXPORT HRESULT DrtGetEventDataSize(HDRT hDrt, uint32_t* pulEventDataLen);

/* Copy and remove the oldest event (§5.1.4). E_INVALIDARG (NULL or misaligned) | E_UNEXPECTED |
 * E_HANDLE | DRT_E_NO_MORE | DRT_E_INSUFFICIENT_BUFFER (event stays queued) | S_OK. */
DRT_EXPORT HRESULT DrtGetEventData(HDRT hDrt, uint32_t ulEventDataLen, DRT_EVENT_DATA* pEventData);

/* ---- Key registration (§5.2) ---------------------------------------------------------------- */

/* DrtRegisterKey (W): publish a key with its data (§5.2.1). Key and data are copied.
 * First match: E_INVALIDARG pRegistration NULL, phKeyRegistration NULL, key.pb NULL,
 * appData.cb < 1 or > 5120, appData.pb NULL | DRT_E_INVALID_KEY_SIZE key.cb != 32 |
 * E_UNEXPECTED library down | E_HANDLE | E_UNEXPECTED closing or from a callback |
 * DRT_E_FAULTED | DRT_E_INVALID_TRANSPORT_PROVIDER | DRT_E_TRANSPORTPROVIDER_NOT_ATTACHED |
 * DRT_E_SECURITYPROVIDER_NOT_ATTACHED | DRT_E_DUPLICATE_KEY | DRT_E_TRANSPORT_SHUTTING_DOWN |
 * DRT_E_TRANSPORT_NOT_BOUND | DRT_E_TRANSPORT_NO_DEST_ADDRESSES | provider RegisterKey refusal |
 * E_OUTOFMEMORY | E_FAIL | S_OK. */
DRT_EXPORT HRESULT DrtRegisterKey(HDRT hDrt, DRT_REGISTRATION* pRegistration, void* pvKeyContext,
                                  HDRT_REGISTRATION_CONTEXT* phKeyRegistration);

/* DrtUpdateKey (W): replace the data of a registration (§5.2.2). E_INVALIDARG (NULL, cb not
 * 1..5120, pb NULL) | E_UNEXPECTED | E_HANDLE | E_UNEXPECTED closing/callback | DRT_E_FAULTED |
 * E_OUTOFMEMORY | S_OK. */
DRT_EXPORT HRESULT DrtUpdateKey(HDRT_REGISTRATION_CONTEXT hKeyRegistration, DRT_DATA* pAppData);

/* DrtUnregisterKey (W): withdraw a registration; the handle becomes invalid (§5.2.3). */
DRT_EXPORT void DrtUnregisterKey(HDRT_REGISTRATION_CONTEXT hKeyRegistration);

/* ---- Searching (§5.3) ----------------------------------------------------------------------- */

/* DrtStartSearch (W): start an asynchronous search for pKey (§5.3.1). pInfo NULL = exact match,
 * one result, own registrations excluded. timeout in ms, DRT_TIMEOUT_INFINITE = none. */
DRT_EXPORT HRESULT DrtStartSearch(HDRT hDrt, DRT_DATA* pKey, const DRT_SEARCH_INFO* pInfo,
                                  uint32_t timeout, int event_fd, const void* pvContext,
                                  HDRT_SEARCH_CONTEXT* phSearchContext);

/* DrtContinueSearch (W): let a paused iterative search take its next hop (§5.3.2). */
DRT_EXPORT HRESULT DrtContinueSearch(HDRT_SEARCH_CONTEXT hSearchContext);

/* Size of the oldest queued result, or the search's state (§5.3.3): S_OK | DRT_E_NO_MORE |
 * DRT_E_TIMEOUT | DRT_E_SEARCH_IN_PROGRESS | DRT_E_FAULTED | E_HANDLE | E_INVALIDARG. */
DRT_EXPORT HRESULT DrtGetSearchResultSize(HDRT_SEARCH_CONTEXT hSearchContext,
                                          uint32_t* pulSearchResultSize);

/* Copy and remove the oldest result (§5.3.4). */
DRT_EXPORT HRESULT DrtGetSearchResult(HDRT_SEARCH_CONTEXT hSearchContext,
                                      uint32_t ulSearchResultSize,
                                      DRT_SEARCH_RESULT* pSearchResult);

/* The nodes contacted so far, in the order first contacted (§5.3.5). */
DRT_EXPORT HRESULT DrtGetSearchPathSize(HDRT_SEARCH_CONTEXT hSearchContext,
                                        uint32_t* pulSearchPathSize);
DRT_EXPORT HRESULT DrtGetSearchPath(HDRT_SEARCH_CONTEXT hSearchContext, uint32_t ulSearchPathSize,
                                    DRT_ADDRESS_LIST* pSearchPath);

/* DrtEndSearch (W): stop a search, discard its results, invalidate the handle (§5.3.6). */
DRT_EXPORT HRESULT DrtEndSearch(HDRT_SEARCH_CONTEXT hSearchContext);

/* ---- Instance name (§5.4): "<prefix>-<pid>-<seq>", size in bytes including the NUL. --------- */
DRT_EXPORT HRESULT DrtGetInstanceNameSize(HDRT hDrt, uint32_t* pulcbInstanceNameSize);
DRT_EXPORT HRESULT DrtGetInstanceName(HDRT hDrt, uint32_t ulcbInstanceNameSize,
                                      char* pwzDrtInstanceName);

/* ---- Statistics [OpenDRT] ------------------------------------------------------------------- */

/* Number of slots in DRT_INSTANCE_STATISTICS.dropped; DrtDropReasonName names each. */
#define DRT_DROP_REASON_SLOTS 32

/* What an instance has sent, received and refused since DrtOpen. Every datagram a peer sent that
 * the instance did not act on is counted in exactly one `dropped` slot, by reason. dwSize must be
 * sizeof(DRT_INSTANCE_STATISTICS); later versions only append fields. */
typedef struct DRT_INSTANCE_STATISTICS {
  uint32_t dwSize;
  uint32_t reserved;
  uint64_t datagramsSent;
  uint64_t datagramsReceived;
  uint64_t bytesSent;
  uint64_t retransmissions;
  uint64_t requestsExpired;   /* requests that got no answer after every retransmission */
  uint64_t lookupsSent;
  uint64_t inquiresSent;
  uint64_t floodsSent;
  uint64_t lookupsAnsweredBusy; /* LOOKUPs refused by the per-instance rate limit */
  uint64_t datagramsOverflowed; /* arrived faster than the instance could take them: dropped */
  uint64_t droppedTotal;
  uint64_t dropped[DRT_DROP_REASON_SLOTS];
} DRT_INSTANCE_STATISTICS;

/* [OpenDRT] Copies the instance's counters. E_INVALIDARG (NULL, or dwSize not
 * sizeof(DRT_INSTANCE_STATISTICS)) | E_UNEXPECTED | E_HANDLE | S_OK. */
DRT_EXPORT HRESULT DrtGetInstanceStatistics(HDRT hDrt, DRT_INSTANCE_STATISTICS* pStatistics);

/* [OpenDRT] The name of a `dropped` slot ("bad_header", "security_failure", ...), or NULL for a
 * slot that no reason uses. Static storage. */
DRT_EXPORT const char* DrtDropReasonName(uint32_t slot);

/* ---- IPv6 UDP transport (§5.5); implemented by the transport-ipv6 plugin. ------------------- */
DRT_EXPORT HRESULT DrtCreateIpv6UdpTransport(DRT_SCOPE scope, uint32_t dwScopeId,
                                             uint32_t dwLocalityThreshold, uint16_t* pwPort,
                                             HDRT_TRANSPORT* phTransport);
/* Deletes any transport handle, whichever plugin created it (§5.5.2). */
DRT_EXPORT HRESULT DrtDeleteIpv6UdpTransport(HDRT_TRANSPORT hTransport);

/* ---- Security providers (§5.6); implemented by the security plugins. ------------------------ */
DRT_EXPORT HRESULT DrtCreateDerivedKeySecurityProvider(const DRT_DATA* pRootCert,
                                                       const DRT_DATA* pLocalCert,
                                                       DRT_SECURITY_PROVIDER** ppSecurityProvider);
DRT_EXPORT HRESULT DrtCreateDerivedKey(const DRT_DATA* pLocalCert, DRT_DATA* pKey);
DRT_EXPORT void DrtDeleteDerivedKeySecurityProvider(DRT_SECURITY_PROVIDER* pSecurityProvider);
DRT_EXPORT HRESULT DrtCreateNullSecurityProvider(DRT_SECURITY_PROVIDER** ppSecurityProvider);
DRT_EXPORT void DrtDeleteNullSecurityProvider(DRT_SECURITY_PROVIDER* pSecurityProvider);

/* ---- Bootstrap resolvers (§5.7); implemented by the bootstrap plugins. ---------------------- */
DRT_EXPORT HRESULT DrtCreateDnsBootstrapResolver(uint16_t port, const char* pwszAddress,
                                                 DRT_BOOTSTRAP_PROVIDER** ppModule);
DRT_EXPORT void DrtDeleteDnsBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* pResolver);

/* Windows only: always E_NOTIMPL (§5.7.2). */
__attribute__((deprecated("PNRP is not available: use the static, multicast or DNS resolver")))
DRT_EXPORT HRESULT DrtCreatePnrpBootstrapResolver(BOOL fPublish, const char* pwzPeerName,
                                                  const char* pwzCloudName,
                                                  const char* pwzPublishingIdentity,
                                                  DRT_BOOTSTRAP_PROVIDER** ppResolver);
__attribute__((deprecated("PNRP is not available: use the static, multicast or DNS resolver")))
DRT_EXPORT void DrtDeletePnrpBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* pResolver);

/* [OpenDRT] A fixed list of bootstrap endpoints (§5.7.3). */
DRT_EXPORT HRESULT DrtCreateStaticBootstrapResolver(uint32_t cAddresses,
                                                    const struct sockaddr_storage* pAddresses,
                                                    DRT_BOOTSTRAP_PROVIDER** ppResolver);
DRT_EXPORT void DrtDeleteStaticBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* pResolver);

/* [OpenDRT] LAN discovery over IPv6 multicast (§5.7.4). */
DRT_EXPORT HRESULT DrtCreateMulticastBootstrapResolver(uint32_t ifIndex,
                                                       const struct sockaddr_in6* pGroup,
                                                       const char* pszCloudName,
                                                       DRT_BOOTSTRAP_PROVIDER** ppResolver);
DRT_EXPORT void DrtDeleteMulticastBootstrapResolver(DRT_BOOTSTRAP_PROVIDER* pResolver);

/* ---- Configuration file (§7.1) [OpenDRT] ---------------------------------------------------- */

/* Open an instance described by a TOML file (docs/configuration.md): creates the transport,
 * security and bootstrap providers it names, then calls DrtOpen. DrtClose deletes what it made.
 * Errors in the file: DRT_E_CONFIG_SYNTAX / DRT_E_CONFIG_INVALID / the code of the equivalent
 * check, with "<path>:<line>: <key>: <problem>" in DrtGetLastErrorDetail(). */
DRT_EXPORT HRESULT DrtOpenFromConfigFile(const char* path, int event_fd, const void* context,
                                         HDRT* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OPENDRT_DRT_H */
