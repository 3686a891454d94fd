/* drt-smoke: the local demo until the `drt` command line exists (issue #10). It drives the real
 * public API end to end in one process: the null security provider loaded from its plugin, an
 * in-process transport and bootstrap provider, DrtOpen, status events through an eventfd, key
 * registration, a search, DrtClose. Exit status 0 when every step behaved as documented. */
#include <drt/drt_provider.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static struct sockaddr_in6 g_local;

static HRESULT t_attach(void* c, const DRT_TRANSPORT_CALLBACKS* cb) { (void)c; (void)cb; return S_OK; }
static void t_detach(void* c) { (void)c; }
static HRESULT t_addresses(void* c, SOCKET_ADDRESS_LIST** out) {
  (void)c;
  SOCKET_ADDRESS_LIST* list = calloc(1, sizeof *list);
  if (!list) return E_OUTOFMEMORY;
  list->iAddressCount = 1;
  list->Address[0].lpSockaddr = (struct sockaddr*)&g_local;
  list->Address[0].iSockaddrLength = sizeof g_local;
  *out = list;
  return S_OK;
}
static HRESULT t_send(void* c, const struct sockaddr_in6* to, const struct sockaddr_in6* from, const uint8_t* pb, uint32_t cb) {
  (void)c; (void)to; (void)from; (void)pb; (void)cb;
  return S_OK;
}
static void t_free(void* c, void* p) { (void)c; free(p); }
static HRESULT t_port(void* c, uint16_t* port) { (void)c; *port = ntohs(g_local.sin6_port); return S_OK; }

static HRESULT b_attach(void* c) { (void)c; return S_OK; }
static void b_detach(void* c) { (void)c; }
static HRESULT b_init(void* c, BOOL s, uint32_t t, uint32_t m, DRT_BOOTSTRAP_RESOLVE_CONTEXT* ctx, BOOL* f) {
  (void)c; (void)s; (void)t; (void)m; *ctx = NULL; *f = FALSE; return S_OK;
}
static HRESULT b_issue(void* c, void* cc, DRT_BOOTSTRAP_RESOLVE_CALLBACK cb, DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx, BOOL* f) {
  (void)c; (void)ctx; (void)f;
  cb(DRT_E_NO_MORE, cc, NULL, FALSE); /* first node of a cloud: nobody to bootstrap from */
  return S_OK;
}
static void b_end(void* c, DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx) { (void)c; (void)ctx; }
static HRESULT b_register(void* c, const SOCKET_ADDRESS_LIST* l) { (void)c; (void)l; return S_OK; }
static void b_unregister(void* c) { (void)c; }

static int check(const char* step, HRESULT hr, HRESULT want) {
  printf("  %-44s %s\n", step, hr == want ? "ok" : DrtGetLastErrorDetail());
  return hr == want ? 0 : 1;
}

int main(void) {
  int failures = 0;
  g_local.sin6_family = AF_INET6;
  g_local.sin6_addr = in6addr_loopback;
  g_local.sin6_port = htons(7001);
  /* Designated members: the table grows at its end with ABI minors (receiving by the core is
   * optional and not offered here). */
  DRT_TRANSPORT_PROVIDER tp = {.cbSize = sizeof tp, .pvContext = NULL, .Attach = t_attach, .Detach = t_detach,
                               .GetLocalAddresses = t_addresses, .SendTo = t_send, .FreeData = t_free,
                               .GetPort = t_port};
  DRT_BOOTSTRAP_PROVIDER bp = {NULL, b_attach, b_detach, b_init, b_issue, b_end, b_register, b_unregister};
  HDRT_TRANSPORT transport = NULL;
  DRT_SECURITY_PROVIDER* security = NULL;
  printf("OpenDRT smoke demo (one in-process node; the network engine is issue #5)\n");
  failures += check("DrtCreateTransport (in-process)", DrtCreateTransport(&tp, &transport), S_OK);
  failures += check("DrtCreateNullSecurityProvider (plugin)", DrtCreateNullSecurityProvider(&security), S_OK);
  if (failures) return 1;
  DRT_SETTINGS s = {sizeof s, 32, 1, 0, 4, "smoke", transport, security, &bp, DRT_SECURE_RESOLVE};
  const int fd = eventfd(0, EFD_CLOEXEC);
  HDRT drt = NULL;
  failures += check("DrtOpen", DrtOpen(&s, fd, NULL, &drt), S_OK);
  struct pollfd p = {fd, POLLIN, 0};
  failures += check("status event within 2 s", poll(&p, 1, 2000) == 1 ? S_OK : DRT_E_TIMEOUT, S_OK);
  alignas(DRT_EVENT_DATA) unsigned char ev_buf[512];
  DRT_EVENT_DATA* ev = (DRT_EVENT_DATA*)ev_buf;
  failures += check("DrtGetEventData", DrtGetEventData(drt, sizeof ev_buf, ev), S_OK);
  printf("  status is %s (hr 0x%08X: %s)\n", ev->statusChange.status == DRT_ALONE ? "ALONE" : "other",
         (unsigned)ev->hr, DrtErrorMessage(ev->hr));
  uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = (uint8_t)(i * 7);
  const char* text = "hello from OpenDRT";
  DRT_REGISTRATION reg = {{32, key}, {(uint32_t)strlen(text), (uint8_t*)text}};
  HDRT_REGISTRATION_CONTEXT hreg = NULL;
  failures += check("DrtRegisterKey", DrtRegisterKey(drt, &reg, NULL, &hreg), S_OK);
  failures += check("DrtRegisterKey again -> DRT_E_DUPLICATE_KEY", DrtRegisterKey(drt, &reg, NULL, &hreg), DRT_E_DUPLICATE_KEY);
  DRT_SEARCH_INFO info = {sizeof info, FALSE, TRUE, FALSE, 1, NULL, NULL};
  DRT_DATA target = {32, key};
  HDRT_SEARCH_CONTEXT search = NULL;
  failures += check("DrtStartSearch (own keys allowed)", DrtStartSearch(drt, &target, &info, 2000, fd, NULL, &search), S_OK);
  alignas(DRT_SEARCH_RESULT) unsigned char res_buf[512];
  DRT_SEARCH_RESULT* res = (DRT_SEARCH_RESULT*)res_buf;
  failures += check("DrtGetSearchResult", DrtGetSearchResult(search, sizeof res_buf, res), S_OK);
  printf("  found: \"%.*s\"\n", (int)res->registration.appData.cb, (const char*)res->registration.appData.pb);
  failures += check("DrtGetSearchResult -> DRT_E_NO_MORE", DrtGetSearchResult(search, sizeof res_buf, res), DRT_E_NO_MORE);
  failures += check("DrtEndSearch", DrtEndSearch(search), S_OK);
  DrtUnregisterKey(hreg);
  DrtClose(drt);
  DrtDeleteNullSecurityProvider(security);
  failures += check("DrtDeleteIpv6UdpTransport", DrtDeleteIpv6UdpTransport(transport), S_OK);
  close(fd);
  printf("%s: %d step(s) failed\n", failures ? "FAILED" : "OK", failures);
  return failures ? 1 : 0;
}
