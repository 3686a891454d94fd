/* Fixture: a security provider with a factory but no Delete function, so whatever it creates
 * could never be freed by its owner (DRT_E_PLUGIN_INVALID). */
#include "fixture_descriptor.h"

static const DRT_PROVIDER_DESCRIPTOR providers[] = {{sizeof(DRT_PROVIDER_DESCRIPTOR), DRT_PROVIDER_KIND_SECURITY,
                                                     "half", "test fixture", fixture_create_security, NULL, NULL,
                                                     NULL, NULL, NULL, NULL}};
static const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, DRT_PLUGIN_ABI_MAJOR, DRT_PLUGIN_ABI_MINOR,
                                                 "missing-delete", "1", 1, sizeof(DRT_PROVIDER_DESCRIPTOR),
                                                 providers};

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return &descriptor; }
