/* pinned-node: nodes described by TOML files whose [security] sections name the pinned-keys
 * plugin. The first node publishes a key; the last one (the same node when only one file is
 * given) finds it. With two files this is a two-node cloud on whatever transport the files
 * choose (the CI test uses [::1] loopback).
 *
 *   pinned-node publisher.toml [searcher.toml]
 *
 * Exit status: 0 when the key was published and found, 1 otherwise (the reason is printed),
 * 2 for bad usage. */
#include <drt/drt.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static int fail(const char* what, HRESULT hr) {
  fprintf(stderr, "pinned-node: %s: %s\n", what, DrtGetLastErrorDetail()[0] ? DrtGetLastErrorDetail() : DrtErrorMessage(hr));
  return 1;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* One search for key from node; 1 if it returned the expected record. */
static int search_once(HDRT node, uint8_t* key, int allow_self, const char* expected) {
  DRT_DATA target = {DRT_KEY_SIZE, key};
  DRT_SEARCH_INFO info = {sizeof info, FALSE, allow_self ? TRUE : FALSE, FALSE, 1, NULL, NULL};
  HDRT_SEARCH_CONTEXT search = NULL;
  if (FAILED(DrtStartSearch(node, &target, &info, 2000, -1, NULL, &search))) return 0;
  int found = 0;
  for (int polls = 0; polls < 400; ++polls) {
    uint32_t size = 0;
    HRESULT hr = DrtGetSearchResultSize(search, &size);
    if (hr == DRT_E_SEARCH_IN_PROGRESS) {
      sleep_ms(5);
      continue;
    }
    if (hr != S_OK || size > 1024) break;
    _Alignas(DRT_SEARCH_RESULT) unsigned char buffer[1024];
    DRT_SEARCH_RESULT* result = (DRT_SEARCH_RESULT*)buffer;
    if (FAILED(DrtGetSearchResult(search, size, result))) break;
    const DRT_DATA* data = &result->registration.appData;
    found = data->cb == strlen(expected) && memcmp(data->pb, expected, data->cb) == 0;
    printf("found %u-byte record: %.*s\n", data->cb, (int)data->cb, (const char*)data->pb);
    break;
  }
  DrtEndSearch(search);
  return found;
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: pinned-node PUBLISHER.toml [SEARCHER.toml]\n");
    return 2;
  }
  HDRT publisher = NULL, searcher = NULL;
  HRESULT hr = DrtOpenFromConfigFile(argv[1], -1, NULL, &publisher);
  if (FAILED(hr)) return fail(argv[1], hr);

  uint8_t key[DRT_KEY_SIZE];
  for (int i = 0; i < DRT_KEY_SIZE; ++i) key[i] = (uint8_t)(0xA0 + i);
  char text[] = "published through the pinned-keys provider";
  DRT_REGISTRATION reg = {{DRT_KEY_SIZE, key}, {(uint32_t)strlen(text), (uint8_t*)text}};
  HDRT_REGISTRATION_CONTEXT hreg = NULL;
  hr = DrtRegisterKey(publisher, &reg, NULL, &hreg);
  if (FAILED(hr)) {
    DrtClose(publisher);
    return fail("DrtRegisterKey", hr);
  }
  if (argc == 3) {
    hr = DrtOpenFromConfigFile(argv[2], -1, NULL, &searcher);
    if (FAILED(hr)) {
      DrtClose(publisher);
      return fail(argv[2], hr);
    }
  }
  /* The searcher joins in the background: retry for a few seconds. */
  int found = 0;
  for (int attempt = 0; attempt < 50 && !found; ++attempt) {
    found = search_once(searcher ? searcher : publisher, key, searcher == NULL, text);
    if (!found) sleep_ms(100);
  }
  DrtUnregisterKey(hreg);
  if (searcher) DrtClose(searcher);
  DrtClose(publisher);
  if (!found) {
    fprintf(stderr, "pinned-node: the key was not found%s\n", searcher ? " from the second node" : "");
    return 1;
  }
  printf("pinned-node: OK (%s)\n", searcher ? "two nodes" : "one node");
  return 0;
}
