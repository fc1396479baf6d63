#ifndef STRATA_CDRM_SHIM_H
#define STRATA_CDRM_SHIM_H
// libdrm (Debian's libdrm-dev), for DRM device enumeration with PCI identity.
#include <xf86drm.h>
#endif
