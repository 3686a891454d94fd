/* Fixture: the entry point exists but returns NULL (DRT_E_PLUGIN_INVALID). */
#include <drt/drt_provider.h>

#include <stddef.h>

DRT_PLUGIN_ENTRY const DRT_PLUGIN_DESCRIPTOR* DrtPluginDescriptor(void) { return NULL; }
