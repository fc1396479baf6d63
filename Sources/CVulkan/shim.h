#ifndef STRATA_CVULKAN_SHIM_H
#define STRATA_CVULKAN_SHIM_H
// The Vulkan loader (Debian's libvulkan-dev), for device enumeration.
#include <vulkan/vulkan.h>
#endif
