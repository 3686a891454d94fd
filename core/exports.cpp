// libdrt: the shared library applications link. Every exported function lives in drt_core (whole
// archive); this file only gives the library a translation unit of its own.
#include <drt/drt_provider.h>
