/* tests/api: a security and a bootstrap provider written in plain C inside the application, as
 * Microsoft's DRT SDK sample does, used through DRT_SETTINGS exactly like plugin providers. */
#include <drt/drt_provider.h>

#include <stdlib.h>

static int g_attached, g_registered;

static HRESULT sec_attach(void* c) { (void)c; ++g_attached; return S_OK; }
static void sec_detach(void* c) { (void)c; --g_attached; }
static HRESULT sec_register(void* c, const DRT_REGISTRATION* r, void* k) { (void)c; (void)r; (void)k; ++g_registered; return S_OK; }
static HRESULT sec_unregister(void* c, const DRT_DATA* key, void* k) { (void)c; (void)key; (void)k; --g_registered; return S_OK; }
static HRESULT sec_validate(void* c, DRT_DATA* a, DRT_DATA* b, DRT_DATA* d, DRT_DATA* e, DRT_DATA* f, uint8_t* g,
                            uint8_t* h, DRT_DATA* i, DRT_DATA* j, CERT_PUBLIC_KEY_INFO** k, SOCKET_ADDRESS_LIST** l,
                            uint32_t* m) {
  (void)c; (void)a; (void)b; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; (void)j; (void)k; (void)l; (void)m;
  return DRT_E_INVALID_MESSAGE;
}
static HRESULT sec_secure(void* c, void* k, uint8_t a, uint8_t b, uint32_t f, const DRT_DATA* key, const DRT_DATA* p,
                          const SOCKET_ADDRESS_LIST* l, const DRT_DATA* n, DRT_DATA* o1, DRT_DATA* o2, DRT_DATA* o3,
                          DRT_DATA* o4) {
  (void)c; (void)k; (void)a; (void)b; (void)f; (void)key; (void)p; (void)l; (void)n; (void)o1; (void)o2; (void)o3; (void)o4;
  return E_FAIL;
}
static void sec_free(void* c, void* p) { (void)c; free(p); }

static HRESULT bs_attach(void* c) { (void)c; return S_OK; }
static void bs_detach(void* c) { (void)c; }
static HRESULT bs_init(void* c, BOOL s, uint32_t t, uint32_t m, DRT_BOOTSTRAP_RESOLVE_CONTEXT* ctx, BOOL* fatal) {
  (void)c; (void)s; (void)t; (void)m; *ctx = NULL; *fatal = FALSE; return DRT_E_NO_ADDRESSES_AVAILABLE;
}
static HRESULT bs_issue(void* c, void* cc, DRT_BOOTSTRAP_RESOLVE_CALLBACK cb, DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx, BOOL* f) {
  (void)c; (void)cc; (void)cb; (void)ctx; (void)f; return E_FAIL;
}
static void bs_end(void* c, DRT_BOOTSTRAP_RESOLVE_CONTEXT ctx) { (void)c; (void)ctx; }
static HRESULT bs_register(void* c, const SOCKET_ADDRESS_LIST* l) { (void)c; (void)l; return S_OK; }
static void bs_unregister(void* c) { (void)c; }

/* Returns 0 when every step behaved as documented, else the number of the failed step. */
int c_application_supplied_providers(HDRT_TRANSPORT transport) {
  DRT_SECURITY_PROVIDER sec = {NULL, sec_attach, sec_detach, sec_register, sec_unregister, sec_validate,
                               sec_secure, sec_free, NULL, NULL, NULL, NULL, NULL, NULL};
  DRT_BOOTSTRAP_PROVIDER bs = {NULL, bs_attach, bs_detach, bs_init, bs_issue, bs_end, bs_register, bs_unregister};
  DRT_SETTINGS settings = {sizeof(DRT_SETTINGS), 32, 1, 0, 4, "c-app", transport, &sec, &bs, DRT_SECURE_RESOLVE};
  HDRT drt = NULL;
  uint8_t key[32] = {1, 2, 3};
  uint8_t data[2] = {'h', 'i'};
  DRT_REGISTRATION reg = {{32, key}, {2, data}};
  HDRT_REGISTRATION_CONTEXT hreg = NULL;
  if (DrtOpen(&settings, -1, NULL, &drt) != DRT_S_RETRY) return 1; /* InitResolve failed non-fatally */
  if (g_attached != 1) return 2;
  if (DrtRegisterKey(drt, &reg, NULL, &hreg) != S_OK || g_registered != 1) return 3;
  settings.eSecurityMode = DRT_SECURE_MEMBERSHIP; /* NULL membership members */
  HDRT second = drt;
  if (DrtOpen(&settings, -1, NULL, &second) != DRT_E_INVALID_SECURITY_PROVIDER || second != NULL) return 4;
  DrtClose(drt);
  if (g_attached != 0 || g_registered != 0) return 5;
  return 0;
}
