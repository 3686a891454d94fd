/* pinned-node: open a DRT node described by a TOML file (whose [security] section names the
 * pinned-keys plugin), publish one key, find it again through the node, and close.
 *
 *   pinned-node node.toml
 *
 * Exit status: 0 when the key was published and found, 1 otherwise (the reason is printed). */
#include <drt/drt.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static int fail(const char* what, HRESULT hr) {
  fprintf(stderr, "pinned-node: %s: %s\n", what, DrtGetLastErrorDetail()[0] ? DrtGetLastErrorDetail() : DrtErrorMessage(hr));
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pinned-node NODE.toml\n");
    return 2;
  }
  HDRT drt = NULL;
  HRESULT hr = DrtOpenFromConfigFile(argv[1], -1, NULL, &drt);
  if (FAILED(hr)) return fail("DrtOpenFromConfigFile", hr);

  uint8_t key[DRT_KEY_SIZE];
  for (int i = 0; i < DRT_KEY_SIZE; ++i) key[i] = (uint8_t)(0xA0 + i);
  char text[] = "published through the pinned-keys provider";
  DRT_REGISTRATION reg = {{DRT_KEY_SIZE, key}, {(uint32_t)strlen(text), (uint8_t*)text}};
  HDRT_REGISTRATION_CONTEXT hreg = NULL;
  hr = DrtRegisterKey(drt, &reg, NULL, &hreg);
  if (FAILED(hr)) {
    DrtClose(drt);
    return fail("DrtRegisterKey", hr);
  }

  DRT_DATA target = {DRT_KEY_SIZE, key};
  DRT_SEARCH_INFO info = {sizeof info, FALSE, TRUE, FALSE, 1, NULL, NULL};
  HDRT_SEARCH_CONTEXT search = NULL;
  hr = DrtStartSearch(drt, &target, &info, 5000, -1, NULL, &search);
  if (FAILED(hr)) {
    DrtClose(drt);
    return fail("DrtStartSearch", hr);
  }
  int found = 0;
  for (int tries = 0; tries < 500 && !found; ++tries) {
    uint32_t size = 0;
    hr = DrtGetSearchResultSize(search, &size);
    if (hr == DRT_E_SEARCH_IN_PROGRESS) {
      struct timespec ms = {0, 10 * 1000 * 1000};
      nanosleep(&ms, NULL);
      continue;
    }
    if (FAILED(hr) || size > 1024) break;
    _Alignas(DRT_SEARCH_RESULT) unsigned char buffer[1024];
    DRT_SEARCH_RESULT* result = (DRT_SEARCH_RESULT*)buffer;
    if (SUCCEEDED(DrtGetSearchResult(search, size, result))) {
      printf("found %u-byte record: %.*s\n", result->registration.appData.cb, (int)result->registration.appData.cb,
             (const char*)result->registration.appData.pb);
      found = 1;
    }
  }
  DrtEndSearch(search);
  DrtUnregisterKey(hreg);
  DrtClose(drt);
  if (!found) return fail("search", hr);
  printf("pinned-node: OK\n");
  return 0;
}
