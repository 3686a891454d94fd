/* tests/plugins: what every fixture plugin shares: one provider entry and a descriptor whose ABI
 * version and fields each broken fixture overrides to provoke exactly one loader error. */
#ifndef OPENDRT_TEST_FIXTURE_DESCRIPTOR_H
#define OPENDRT_TEST_FIXTURE_DESCRIPTOR_H

#include <drt/drt_provider.h>

#include <stdlib.h>

__attribute__((unused)) static HRESULT fixture_create_security(const DRT_PROVIDER_CONFIG* config, DRT_SECURITY_PROVIDER** out) {
  (void)config;
  *out = (DRT_SECURITY_PROVIDER*)calloc(1, sizeof(DRT_SECURITY_PROVIDER));
  return *out ? S_OK : E_OUTOFMEMORY;
}

__attribute__((unused)) static void fixture_delete_security(DRT_SECURITY_PROVIDER* p) { free(p); }

#define FIXTURE_SECURITY_PROVIDER(name)                                                     \
  {                                                                                         \
    sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_SECURITY, name, "test fixture",      \
        fixture_create_security, fixture_delete_security, NULL, NULL, NULL, NULL, NULL      \
  }

#endif
