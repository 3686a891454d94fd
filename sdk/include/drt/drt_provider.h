/* drt_provider.h: the OpenDRT provider plugin ABI (docs/provider-abi.md) and the libdrt functions
 * that load plugins and create providers from them (spec/api.md §7.2).
 *
 * C11 and C++11 or later. Only plain C crosses the plugin boundary: structs that begin with a
 * size field, function tables, NUL-terminated UTF-8 strings. No exceptions, no C++ types, no
 * shared allocator: whoever allocates a buffer frees it (providers through their own FreeData).
 *
 * Versioning: a plugin states the ABI major/minor it was built for. The loader refuses another
 * major (DRT_E_PLUGIN_ABI_MISMATCH), accepts an older minor, and copies each shorter table into a
 * zeroed current one, so a slot the plugin's minor lacks reads as NULL = "not offered". Tables
 * only grow at the end; fields added later are marked "since ABI 1.N". */
#ifndef OPENDRT_DRT_PROVIDER_H
#define OPENDRT_DRT_PROVIDER_H

#include <drt/drt.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DRT_PLUGIN_ABI_MAJOR 1
#define DRT_PLUGIN_ABI_MINOR 1

/* Name of the one symbol every plugin exports: a function returning its descriptor. */
#define DRT_PLUGIN_ENTRY_SYMBOL "DrtPluginDescriptor"

/* Marks the entry point in a plugin's source: DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR*
 * DrtPluginDescriptor(void) { return &descriptor; } */
#ifdef __cplusplus
#define DRT_PLUGIN_ENTRY extern "C" __attribute__((visibility("default")))
#else
#define DRT_PLUGIN_ENTRY __attribute__((visibility("default")))
#endif

typedef enum DRT_PROVIDER_KIND {
  DRT_PROVIDER_KIND_SECURITY = 1,
  DRT_PROVIDER_KIND_TRANSPORT = 2,
  DRT_PROVIDER_KIND_BOOTSTRAP = 3
} DRT_PROVIDER_KIND;

/* ---- Configuration handed to a provider factory ------------------------------------------- */

typedef enum DRT_PARAM_TYPE {
  DRT_PARAM_STRING = 1,  /* pszValue */
  DRT_PARAM_INTEGER = 2, /* llValue */
  DRT_PARAM_BOOLEAN = 3, /* llValue 0 or 1 */
  DRT_PARAM_BYTES = 4,   /* data */
  DRT_PARAM_FLOAT = 5    /* dblValue */
} DRT_PARAM_TYPE;

/* One named setting. Names are the configuration file's keys relative to the provider's table:
 * "root_cert", or "options.<key>" for keys of its [<provider>.options] sub-table (nested tables
 * as "options.a.b"). An array becomes one entry per element, in order, all with the same name. */
typedef struct DRT_PROVIDER_PARAM {
  const char* pszName;
  DRT_PARAM_TYPE eType;
  const char* pszValue;
  int64_t llValue;
  double dblValue;
  DRT_DATA data;
} DRT_PROVIDER_PARAM;

typedef struct DRT_PROVIDER_CONFIG {
  uint32_t cbSize;                  /* sizeof(DRT_PROVIDER_CONFIG) of the caller's SDK */
  uint32_t cParams;
  const DRT_PROVIDER_PARAM* pParams; /* valid only during the factory call; copy what you keep */
  const char* pszBaseDirectory;      /* resolve relative paths against it; NULL = process CWD */
  char* pszErrorDetail;              /* the factory may write one NUL-terminated line here */
  uint32_t cbErrorDetail;            /* size of that buffer in bytes (0 = no buffer) */
} DRT_PROVIDER_CONFIG;

/* ---- Transport providers [OpenDRT] ------------------------------------------------------------
 * Windows keeps its transport private; OpenDRT makes it a provider so that transports are
 * plugins too. A transport serves one instance at a time. */

/* Given by the core to Attach. Callbacks may come from any thread of the transport; the core
 * copies the datagram before OnDatagram returns. No callback is made after Detach returns. */
typedef struct DRT_TRANSPORT_CALLBACKS {
  uint32_t cbSize;
  void* pvContext;
  void (*OnDatagram)(void* pvContext, const struct sockaddr_in6* pFrom,
                     const struct sockaddr_in6* pLocal, const uint8_t* pb, uint32_t cb);
  void (*OnAddressChange)(void* pvContext);   /* local usable addresses changed */
  void (*OnFault)(void* pvContext, HRESULT hr); /* unrecoverable: the instance becomes FAULTED */
  /* since ABI 1.1: DRT_TRANSPORT_CORE_RECEIVES or 0. A transport reads it only when cbSize
   * covers it. */
  uint32_t dwFlags;
} DRT_TRANSPORT_CALLBACKS;

/* DRT_TRANSPORT_CALLBACKS.dwFlags (since ABI 1.1). Set only for a transport that offers
 * GetReceiveDescriptor and Receive: the core waits for the descriptor itself and calls Receive,
 * and from Attach until Detach the transport delivers datagrams only from inside Receive, on the
 * core's thread (OnAddressChange and OnFault still come from the transport's own thread). */
#define DRT_TRANSPORT_CORE_RECEIVES 0x00000001u

typedef struct DRT_TRANSPORT_PROVIDER {
  uint32_t cbSize;
  void* pvContext;
  /* Start delivering to pCallbacks (copied). DRT_E_TRANSPORT_ALREADY_BOUND if attached. */
  HRESULT (*Attach)(void* pvContext, const DRT_TRANSPORT_CALLBACKS* pCallbacks);
  /* Stop; returns when no callback is running or can start. */
  void (*Detach)(void* pvContext);
  /* Usable local endpoints (port included), freed with FreeData. An empty list means
   * "no address of the scope" (NO_NETWORK). Fails with DRT_E_TRANSPORT_NOT_BOUND,
   * DRT_E_TRANSPORT_SHUTTING_DOWN or DRT_E_TRANSPORT_NO_DEST_ADDRESSES as its state requires. */
  HRESULT (*GetLocalAddresses)(void* pvContext, SOCKET_ADDRESS_LIST** ppAddresses);
  /* Queue one datagram; pFromLocal (may be NULL) picks the source address. Never blocks. */
  HRESULT (*SendTo)(void* pvContext, const struct sockaddr_in6* pTo,
                    const struct sockaddr_in6* pFromLocal, const uint8_t* pb, uint32_t cb);
  void (*FreeData)(void* pvContext, void* pv);
  /* The bound UDP port in host byte order. */
  HRESULT (*GetPort)(void* pvContext, uint16_t* pwPort);
  /* ---- since ABI 1.1, optional (both or neither): the core receives (docs/provider-abi.md §5).
   * A descriptor that polls readable while datagrams wait, owned by the transport (the core never
   * closes it), valid from an Attach with DRT_TRANSPORT_CORE_RECEIVES until Detach; -1 if there
   * is none (the core then leaves receiving to the transport). */
  int (*GetReceiveDescriptor)(void* pvContext);
  /* Reads up to cMax waiting datagrams and delivers each with OnDatagram on the calling thread
   * before returning; never blocks. *pcRead = datagrams read (delivered or dropped), fewer than
   * cMax when none is left. DRT_E_TRANSPORT_NOT_BOUND unless attached with
   * DRT_TRANSPORT_CORE_RECEIVES; an unrecoverable socket error is reported with OnFault. */
  HRESULT (*Receive)(void* pvContext, uint32_t cMax, uint32_t* pcRead);
} DRT_TRANSPORT_PROVIDER;

/* The sizes of the ABI 1.0 layouts: a transport table or callback set this short is valid and
 * offers nothing added since. */
#define DRT_TRANSPORT_PROVIDER_SIZE_1_0 ((uint32_t)offsetof(DRT_TRANSPORT_PROVIDER, GetReceiveDescriptor))
#define DRT_TRANSPORT_CALLBACKS_SIZE_1_0 ((uint32_t)offsetof(DRT_TRANSPORT_CALLBACKS, dwFlags))

/* ---- What a plugin exports ---------------------------------------------------------------- */

/* One provider a plugin offers. Exactly the factory pair of eKind is non-NULL. A factory stores
 * the provider in *pp on success and may write a detail line into pConfig->pszErrorDetail on
 * failure. Delete releases everything Create made; it is never called while attached. */
typedef struct DRT_PROVIDER_DESCRIPTOR {
  uint32_t cbSize;
  DRT_PROVIDER_KIND eKind;
  const char* pszName;        /* e.g. "null", "derived-key", "ipv6-udp", "static" */
  const char* pszDescription; /* one line for people */
  HRESULT (*CreateSecurityProvider)(const DRT_PROVIDER_CONFIG* pConfig,
                                    DRT_SECURITY_PROVIDER** ppProvider);
  void (*DeleteSecurityProvider)(DRT_SECURITY_PROVIDER* pProvider);
  HRESULT (*CreateTransportProvider)(const DRT_PROVIDER_CONFIG* pConfig,
                                     DRT_TRANSPORT_PROVIDER** ppProvider);
  void (*DeleteTransportProvider)(DRT_TRANSPORT_PROVIDER* pProvider);
  HRESULT (*CreateBootstrapProvider)(const DRT_PROVIDER_CONFIG* pConfig,
                                     DRT_BOOTSTRAP_PROVIDER** ppProvider);
  void (*DeleteBootstrapProvider)(DRT_BOOTSTRAP_PROVIDER* pProvider);
  /* Optional, security providers only: the 32-byte key this provider accepts for the first
   * certificate in pCert (DrtCreateDerivedKey, spec/api.md §5.6.2). pKey->pb has 32 bytes. */
  HRESULT (*DeriveKey)(const DRT_DATA* pCert, DRT_DATA* pKey);
} DRT_PROVIDER_DESCRIPTOR;

/* The plugin descriptor. The first three fields never change in any major version, so the
 * loader can always read the ABI version. pProviders has cProviders entries of cbProviderSize
 * bytes each (the plugin's sizeof(DRT_PROVIDER_DESCRIPTOR)). */
typedef struct DRT_PLUGIN_DESCRIPTOR {
  uint32_t cbSize;
  uint16_t wAbiMajor; /* DRT_PLUGIN_ABI_MAJOR the plugin was built with */
  uint16_t wAbiMinor; /* DRT_PLUGIN_ABI_MINOR the plugin was built with */
  const char* pszName;    /* e.g. "security-openssl" */
  const char* pszVersion; /* the plugin's own version, e.g. "1.0.0" */
  uint32_t cProviders;
  uint32_t cbProviderSize;
  const DRT_PROVIDER_DESCRIPTOR* pProviders;
} DRT_PLUGIN_DESCRIPTOR;

typedef const DRT_PLUGIN_DESCRIPTOR* (*DRT_PLUGIN_ENTRY_FN)(void);

/* ---- Loading plugins (exported by libdrt) ------------------------------------------------- */

typedef void* HDRT_PLUGIN;

/* Load a plugin by path (contains '/') or by name. A name is looked up as "drt-<name>.so", then
 * "<name>.so", then "<name>", in each directory of $DRT_PLUGIN_PATH (':'-separated), then
 * <directory of libdrt>/opendrt/plugins (the build tree mirrors the install tree). Loading the same file twice returns two handles to one library.
 * Returns S_OK or, first match: E_INVALIDARG (NULL argument or empty name) | E_UNEXPECTED |
 * DRT_E_PLUGIN_NOT_FOUND (detail lists every path tried) | DRT_E_PLUGIN_LOAD_FAILED (dlerror in
 * the detail) | DRT_E_PLUGIN_INVALID (no entry symbol, or malformed descriptor) |
 * DRT_E_PLUGIN_ABI_MISMATCH (other major, or a newer minor than this libdrt) | E_OUTOFMEMORY. */
DRT_EXPORT HRESULT DrtLoadProviderPlugin(const char* pszNameOrPath, HDRT_PLUGIN* phPlugin);

/* Release a handle. E_UNEXPECTED | E_HANDLE | DRT_E_STILL_IN_USE (providers created through this
 * handle are alive; the handle stays valid) | S_OK. The library is unmapped with its last handle. */
DRT_EXPORT HRESULT DrtUnloadProviderPlugin(HDRT_PLUGIN hPlugin);

/* The plugin's descriptor, normalized to this SDK's layout; valid while the handle is.
 * E_INVALIDARG | E_UNEXPECTED | E_HANDLE | S_OK. */
DRT_EXPORT HRESULT DrtGetPluginDescriptor(HDRT_PLUGIN hPlugin,
                                          const DRT_PLUGIN_DESCRIPTOR** ppDescriptor);

/* Create a provider offered by a plugin. pConfig may be NULL (no settings). The provider keeps
 * its plugin loaded until deleted. First match: E_INVALIDARG (NULL output or name; pConfig with
 * a cbSize this SDK does not know) | E_UNEXPECTED | E_HANDLE | DRT_E_PLUGIN_NO_SUCH_PROVIDER (no
 * provider of that kind and name) | factory pass-through | S_OK. */
DRT_EXPORT HRESULT DrtCreateSecurityProviderFromPlugin(HDRT_PLUGIN hPlugin,
                                                       const char* pszProvider,
                                                       const DRT_PROVIDER_CONFIG* pConfig,
                                                       DRT_SECURITY_PROVIDER** ppProvider);
DRT_EXPORT HRESULT DrtCreateBootstrapProviderFromPlugin(HDRT_PLUGIN hPlugin,
                                                        const char* pszProvider,
                                                        const DRT_PROVIDER_CONFIG* pConfig,
                                                        DRT_BOOTSTRAP_PROVIDER** ppProvider);
/* A transport from a plugin is wrapped in a transport handle for DRT_SETTINGS.hTransport;
 * delete it with DrtDeleteTransport (or DrtDeleteIpv6UdpTransport, the same function). */
DRT_EXPORT HRESULT DrtCreateTransportFromPlugin(HDRT_PLUGIN hPlugin, const char* pszProvider,
                                                const DRT_PROVIDER_CONFIG* pConfig,
                                                HDRT_TRANSPORT* phTransport);

/* Delete providers made by the functions above or by DrtCreate*SecurityProvider /
 * DrtCreate*BootstrapResolver. NULL, unknown or already-deleted pointers are ignored; deleting
 * a provider attached to an open instance is deferred until that instance's DrtClose. */
DRT_EXPORT void DrtDeleteSecurityProvider(DRT_SECURITY_PROVIDER* pProvider);
DRT_EXPORT void DrtDeleteBootstrapProvider(DRT_BOOTSTRAP_PROVIDER* pProvider);

/* Wrap an application-supplied transport table in a handle (as DRT_SETTINGS lets an application
 * supply its own security and bootstrap providers). The table is copied; pvContext and what it
 * refers to must stay valid until the handle is deleted. E_INVALIDARG (NULL) |
 * DRT_E_INVALID_TRANSPORT_PROVIDER (cbSize too small or a function member NULL) | E_UNEXPECTED |
 * E_OUTOFMEMORY | S_OK. */
DRT_EXPORT HRESULT DrtCreateTransport(const DRT_TRANSPORT_PROVIDER* pProvider,
                                      HDRT_TRANSPORT* phTransport);
/* Same rows as DrtDeleteIpv6UdpTransport (spec/api.md §5.5.2). */
DRT_EXPORT HRESULT DrtDeleteTransport(HDRT_TRANSPORT hTransport);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OPENDRT_DRT_PROVIDER_H */
