/* Fixture: a plugin built against a newer minor of this ABI major; it may rely on slots this
 * libdrt does not have, so the loader refuses it (DRT_E_PLUGIN_ABI_MISMATCH). */
#include "fixture_descriptor.h"

static const DRT_PROVIDER_DESCRIPTOR providers[] = {FIXTURE_SECURITY_PROVIDER("fixture")};
static const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, DRT_PLUGIN_ABI_MAJOR, DRT_PLUGIN_ABI_MINOR + 1,
                                                 "abi-minor-newer", "1", 1, sizeof(DRT_PROVIDER_DESCRIPTOR),
                                                 providers};

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return &descriptor; }
