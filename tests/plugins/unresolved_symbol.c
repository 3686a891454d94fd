/* Fixture: a plugin that needs a symbol no library provides, so mapping it with RTLD_NOW fails
 * (DRT_E_PLUGIN_LOAD_FAILED, with the dynamic loader's message in the detail). */
#include "fixture_descriptor.h"

extern int opendrt_fixture_symbol_that_does_not_exist(void);

static const DRT_PROVIDER_DESCRIPTOR providers[] = {FIXTURE_SECURITY_PROVIDER("fixture")};
static const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, DRT_PLUGIN_ABI_MAJOR, DRT_PLUGIN_ABI_MINOR,
                                                 "unresolved-symbol", "1", 1, sizeof(DRT_PROVIDER_DESCRIPTOR),
                                                 providers};

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) {
  return opendrt_fixture_symbol_that_does_not_exist() ? &descriptor : NULL;
}
