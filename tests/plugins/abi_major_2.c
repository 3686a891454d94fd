/* Fixture: a plugin built for plugin ABI 2.0, which this libdrt (1.x) must refuse with
 * DRT_E_PLUGIN_ABI_MISMATCH before reading anything past the version fields. */
#include "fixture_descriptor.h"

static const DRT_PROVIDER_DESCRIPTOR providers[] = {FIXTURE_SECURITY_PROVIDER("fixture")};
static const DRT_PLUGIN_DESCRIPTOR descriptor = {sizeof descriptor, DRT_PLUGIN_ABI_MAJOR + 1, 0, "abi-major-2", "1",
                                                 1, sizeof(DRT_PROVIDER_DESCRIPTOR), providers};

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return &descriptor; }
