#ifndef STRATA_CDRM_SHIM_H
#define STRATA_CDRM_SHIM_H
// libdrm (Debian's libdrm-dev), for DRM device enumeration with PCI identity, and
// libdrm_amdgpu for amdgpu's info ioctl (memory use, clocks, temperature, load, power).
// The `libdrm` pkg-config entry adds -I<includedir>/libdrm, where amdgpu.h and amdgpu_drm.h live.
#include <xf86drm.h>
#include <amdgpu.h>
#include <amdgpu_drm.h>

// Added to the uapi header in Linux 6.5 ("drm/amdgpu: add new INFO ioctl query for input
// power"); older libdrm copies (2.4.114 in Debian 12) lack it. Kernels that do not know it
// answer -EINVAL, which the sampler treats as "no reading".
#ifndef AMDGPU_INFO_SENSOR_GPU_INPUT_POWER
#define AMDGPU_INFO_SENSOR_GPU_INPUT_POWER 0xc
#endif
#endif
