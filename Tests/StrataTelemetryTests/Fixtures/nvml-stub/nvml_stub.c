/*
 * STAND-IN for libnvidia-ml.so.1 — NOT NVIDIA's library and not a recording of real hardware.
 *
 * The NVML tests compile this file at test time
 *     cc -shared -fPIC -o <tmp>/libnvidia-ml.so.1 nvml_stub.c
 * and point NVMLSampler at the result, so the real dlopen/dlsym path of strata runs without an
 * NVIDIA GPU. Signatures, struct layouts, return codes and version constants follow NVIDIA's
 * nvml.h (NVIDIA/go-nvml @2f9e261f gen/nvml/nvml.h, NVML_API_VERSION 13), as summarised in
 * shared/reference/gpu-and-llama-cpp-facts.md section 4. Only what strata loads is exported.
 *
 * Variants (-D at compile time):
 *   STUB_LEGACY_ONLY  export only the older entry points (nvmlInit, nvmlDeviceGetCount,
 *                     nvmlDeviceGetHandleByIndex, nvmlDeviceGetPciInfo_v2, nvmlDeviceGetMemoryInfo,
 *                     nvmlDeviceGetTemperature, nvmlDeviceGetComputeRunningProcesses with the v1
 *                     struct); none of nvmlInit_v2, nvmlDeviceGetCount_v2,
 *                     nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetPciInfo_v3,
 *                     nvmlDeviceGetMemoryInfo_v2, nvmlDeviceGetTemperatureV,
 *                     nvmlDeviceGetComputeRunningProcesses_v2/_v3.
 *   STUB_INIT_FAILS   nvmlInit* returns NVML_ERROR_DRIVER_NOT_LOADED (9).
 *   STUB_GPU_LOST     every per-device query on device 1 returns NVML_ERROR_GPU_IS_LOST (15).
 *   STUB_R535         the R535 driver branch (CUDA 12.2's nvml.h): nvmlDeviceGetComputeRunningProcesses_v3
 *                     writes 32-byte entries (usedGpuCcProtectedMemory appended to nvmlProcessInfo_t
 *                     without a version bump), nvmlDeviceGetConfComputeMemSizeInfo is exported and
 *                     nvmlDeviceGetRunningProcessDetailList is not. A caller that hands _v3 24-byte
 *                     entries reads every entry after the first at the wrong offset, as nvitop (PR #79),
 *                     go-nvml (#75) and pynvml (#48, #50) did on real R535 drivers.
 *   Default (no variant) is the R550+/NVML 13 branch: _v3 writes 24-byte nvmlProcessInfo_v2_t
 *   entries again, and both nvmlDeviceGetConfComputeMemSizeInfo and
 *   nvmlDeviceGetRunningProcessDetailList are exported (only their presence matters to strata).
 *
 * Fixed values (the tests assert exactly these):
 *   nvmlSystemGetCudaDriverVersion(_v2): 13000 (CUDA 13.0); 12020 with STUB_R535; 11040 legacy-only
 *   device 0  "Stand-in GPU 0 (nvml_stub.c)"  busId "00000000:01:00.0"  pciDeviceId 0x233010DE
 *             memory total 25769803776 (24 GiB), used 2147483648 (2 GiB), reserved 536870912
 *             (512 MiB), free = total - used - reserved; the v1 struct reports used + reserved
 *             utilization gpu 87 %, memory 41 %; power 312450 mW; temperature 64 C
 *             clocks graphics 1980 MHz, memory 2619 MHz
 *             processes: pid 4242 using 1610612736 bytes, pid 4243 with NVML_VALUE_NOT_AVAILABLE
 *   device 1  "Stand-in GPU 1 (nvml_stub.c)"  busId "00000000:0A:00.0"  pciDeviceId 0x233110DE
 *             memory total 8589934592 (8 GiB), used 268435456 (256 MiB), reserved 0
 *             utilization 0 % / 0 %; power NVML_ERROR_NOT_SUPPORTED; temperature 38 C
 *             clocks graphics 345 MHz, memory 405 MHz; no processes
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef int nvmlReturn_t;
enum {
  NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2, NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_DRIVER_NOT_LOADED = 9, NVML_ERROR_GPU_IS_LOST = 15,
  NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
};
typedef enum { NVML_CLOCK_GRAPHICS = 0, NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2 } nvmlClockType_t;
typedef enum { NVML_TEMPERATURE_GPU = 0 } nvmlTemperatureSensors_t;
#define NVML_VALUE_NOT_AVAILABLE (-1)

typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
#define nvmlMemory_v2 ((unsigned int)(sizeof(nvmlMemory_v2_t) | (2 << 24U)))
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned int version; nvmlTemperatureSensors_t sensorType; int temperature; } nvmlTemperature_v1_t;
#define nvmlTemperature_v1 ((unsigned int)(sizeof(nvmlTemperature_v1_t) | (1 << 24U)))
typedef struct {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId; }
  nvmlProcessInfo_v2_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; } nvmlProcessInfo_v1_t;
/* R535's nvmlProcessInfo_t (CUDA 12.2 nvml.h), what its _v3 writes. */
typedef struct {
  unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId;
  unsigned long long usedGpuCcProtectedMemory;
} nvmlProcessInfo_r535_t;

#define EXPORT __attribute__((visibility("default")))

/* ---- the fixed stand-in devices ---- */
struct stub_process { unsigned int pid; unsigned long long used; };
struct stub_device {
  const char *name, *busId;
  unsigned int bus, pciDeviceId;
  unsigned long long total, used, reserved;
  unsigned int gpu, memory, milliwatts, celsius, graphicsMHz, memoryMHz;
  int powerSupported;
  unsigned int processCount;
  struct stub_process processes[2];
};

static struct stub_device devices[2] = {
  {"Stand-in GPU 0 (nvml_stub.c)", "00000000:01:00.0", 0x01, 0x233010DE, 25769803776ULL, 2147483648ULL,
   536870912ULL, 87, 41, 312450, 64, 1980, 2619, 1, 2,
   {{4242, 1610612736ULL}, {4243, (unsigned long long)NVML_VALUE_NOT_AVAILABLE}}},
  {"Stand-in GPU 1 (nvml_stub.c)", "00000000:0A:00.0", 0x0A, 0x233110DE, 8589934592ULL, 268435456ULL, 0, 0, 0, 0,
   38, 345, 405, 0, 0, {{0, 0}, {0, 0}}},
};
static int initialized = 0;

/* A handle is a pointer into devices[]; NULL or foreign pointers are invalid arguments. */
static nvmlReturn_t lookup(nvmlDevice_t handle, struct stub_device **out) {
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  struct stub_device *d = (struct stub_device *)handle;
  if (d != &devices[0] && d != &devices[1]) return NVML_ERROR_INVALID_ARGUMENT;
#ifdef STUB_GPU_LOST
  if (d == &devices[1]) return NVML_ERROR_GPU_IS_LOST;
#endif
  *out = d;
  return NVML_SUCCESS;
}
#define DEVICE_OR_RETURN(handle) \
  struct stub_device *d; \
  nvmlReturn_t looked = lookup(handle, &d); \
  if (looked != NVML_SUCCESS) return looked;

/* ---- library life ---- */
static nvmlReturn_t stub_init(void) {
#ifdef STUB_INIT_FAILS
  return NVML_ERROR_DRIVER_NOT_LOADED;
#else
  initialized++;
  return NVML_SUCCESS;
#endif
}
EXPORT nvmlReturn_t nvmlInit(void) { return stub_init(); }
EXPORT nvmlReturn_t nvmlShutdown(void) {
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  initialized--;
  return NVML_SUCCESS;
}
static const char *const messages[26] = {
  [NVML_SUCCESS] = "Success", [NVML_ERROR_UNINITIALIZED] = "Uninitialized",
  [NVML_ERROR_INVALID_ARGUMENT] = "Invalid Argument", [NVML_ERROR_NOT_SUPPORTED] = "Not Supported",
  [NVML_ERROR_INSUFFICIENT_SIZE] = "Insufficient Size", [NVML_ERROR_DRIVER_NOT_LOADED] = "Driver Not Loaded",
  [NVML_ERROR_GPU_IS_LOST] = "GPU is lost", [NVML_ERROR_ARGUMENT_VERSION_MISMATCH] = "Argument version mismatch",
};
EXPORT const char *nvmlErrorString(nvmlReturn_t result) {
  return result >= 0 && result < 26 && messages[result] ? messages[result] : "Unknown Error";
}

/* ---- the driver's CUDA version: 12.2 on R535, 13.0 on the default (R580), 11.4 legacy ---- */
static nvmlReturn_t stub_cuda_version(int *version) {
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  if (!version) return NVML_ERROR_INVALID_ARGUMENT;
#if defined(STUB_R535)
  *version = 12020;
#elif defined(STUB_LEGACY_ONLY)
  *version = 11040;
#else
  *version = 13000;
#endif
  return NVML_SUCCESS;
}
EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version) { return stub_cuda_version(version); }
#ifndef STUB_LEGACY_ONLY
EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *version) { return stub_cuda_version(version); }
#endif

/* ---- enumeration ---- */
static nvmlReturn_t stub_count(unsigned int *count) {
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  *count = 2;
  return NVML_SUCCESS;
}
static nvmlReturn_t stub_handle(unsigned int index, nvmlDevice_t *device) {
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  if (index >= 2 || !device) return NVML_ERROR_INVALID_ARGUMENT;
  *device = (nvmlDevice_t)&devices[index];
  return NVML_SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *count) { return stub_count(count); }
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int i, nvmlDevice_t *d) { return stub_handle(i, d); }

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
  DEVICE_OR_RETURN(device)
  if (!name) return NVML_ERROR_INVALID_ARGUMENT;
  if (strlen(d->name) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  strcpy(name, d->name);
  return NVML_SUCCESS;
}

static nvmlReturn_t stub_pci(nvmlDevice_t device, nvmlPciInfo_t *pci) {
  DEVICE_OR_RETURN(device)
  if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
  memset(pci, 0, sizeof *pci);
  snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "0000:%02X:00.0", d->bus);
  pci->domain = 0;
  pci->bus = d->bus;
  pci->device = 0;
  pci->pciDeviceId = d->pciDeviceId;
  snprintf(pci->busId, sizeof pci->busId, "%s", d->busId);
  return NVML_SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t device, nvmlPciInfo_t *pci) { return stub_pci(device, pci); }

/* ---- readings ---- */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
  DEVICE_OR_RETURN(device)
  if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
  memory->total = d->total;
  memory->used = d->used + d->reserved; /* v1 counts reserved memory as used */
  memory->free = d->total - memory->used;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
  DEVICE_OR_RETURN(device)
  if (!utilization) return NVML_ERROR_INVALID_ARGUMENT;
  utilization->gpu = d->gpu;
  utilization->memory = d->memory;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
  DEVICE_OR_RETURN(device)
  if (!power) return NVML_ERROR_INVALID_ARGUMENT;
  if (!d->powerSupported) return NVML_ERROR_NOT_SUPPORTED;
  *power = d->milliwatts;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensor, unsigned int *temp) {
  DEVICE_OR_RETURN(device)
  if (!temp || sensor != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
  *temp = d->celsius;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock) {
  DEVICE_OR_RETURN(device)
  if (!clock) return NVML_ERROR_INVALID_ARGUMENT;
  switch (type) {
  case NVML_CLOCK_GRAPHICS: *clock = d->graphicsMHz; return NVML_SUCCESS;
  case NVML_CLOCK_MEM: *clock = d->memoryMHz; return NVML_SUCCESS;
  default: return NVML_ERROR_INVALID_ARGUMENT; /* strata never asks for SM (1) */
  }
}

/* The size protocol: *count too small -> INSUFFICIENT_SIZE with *count set to the need. */
#define FILL_PROCESSES(infos, count, d)                                                        \
  if (!(count)) return NVML_ERROR_INVALID_ARGUMENT;                                          \
  if ((d)->processCount == 0) { *(count) = 0; return NVML_SUCCESS; }                        \
  if (*(count) < (d)->processCount || !(infos)) {                                            \
    *(count) = (d)->processCount;                                                            \
    return NVML_ERROR_INSUFFICIENT_SIZE;                                                     \
  }                                                                                          \
  for (unsigned int i = 0; i < (d)->processCount; i++) {                                     \
    memset(&(infos)[i], 0, sizeof (infos)[i]);                                               \
    (infos)[i].pid = (d)->processes[i].pid;                                                  \
    (infos)[i].usedGpuMemory = (d)->processes[i].used;                                       \
  }                                                                                          \
  *(count) = (d)->processCount;

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *count,
                                                         nvmlProcessInfo_v1_t *infos) {
  DEVICE_OR_RETURN(device)
  FILL_PROCESSES(infos, count, d)
  return NVML_SUCCESS;
}

#ifndef STUB_LEGACY_ONLY
EXPORT nvmlReturn_t nvmlInit_v2(void) { return stub_init(); }
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) { return stub_count(count); }
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) { return stub_handle(i, d); }
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) { return stub_pci(device, pci); }

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
  DEVICE_OR_RETURN(device)
  if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
  if (memory->version != nvmlMemory_v2) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
  memory->total = d->total;
  memory->reserved = d->reserved;
  memory->used = d->used;
  memory->free = d->total - d->used - d->reserved;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperatureV(nvmlDevice_t device, nvmlTemperature_v1_t *temperature) {
  DEVICE_OR_RETURN(device)
  if (!temperature) return NVML_ERROR_INVALID_ARGUMENT;
  if (temperature->version != nvmlTemperature_v1) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
  if (temperature->sensorType != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
  temperature->temperature = (int)d->celsius;
  return NVML_SUCCESS;
}

static nvmlReturn_t stub_processes_v2(nvmlDevice_t device, unsigned int *count, nvmlProcessInfo_v2_t *infos) {
  DEVICE_OR_RETURN(device)
  FILL_PROCESSES(infos, count, d)
  for (unsigned int i = 0; i < *count; i++) infos[i].gpuInstanceId = infos[i].computeInstanceId = 0xFFFFFFFFu;
  return NVML_SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v2_t *i) {
  return stub_processes_v2(d, c, i);
}
#ifdef STUB_R535
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *count,
                                                            nvmlProcessInfo_r535_t *infos) {
  DEVICE_OR_RETURN(device)
  FILL_PROCESSES(infos, count, d)
  for (unsigned int i = 0; i < *count; i++) {
    infos[i].gpuInstanceId = infos[i].computeInstanceId = 0xFFFFFFFFu;
    infos[i].usedGpuCcProtectedMemory = 0;
  }
  return NVML_SUCCESS;
}
#else
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v2_t *i) {
  return stub_processes_v2(d, c, i);
}
/* Present from R550 on; strata only looks at whether it is exported. */
EXPORT nvmlReturn_t nvmlDeviceGetRunningProcessDetailList(nvmlDevice_t device, void *list) {
  DEVICE_OR_RETURN(device)
  (void)d;
  return list ? NVML_ERROR_NOT_SUPPORTED : NVML_ERROR_INVALID_ARGUMENT;
}
#endif
/* Present from R535 on (confidential computing); strata only looks at whether it is exported. */
EXPORT nvmlReturn_t nvmlDeviceGetConfComputeMemSizeInfo(nvmlDevice_t device, void *info) {
  DEVICE_OR_RETURN(device)
  (void)d;
  return info ? NVML_ERROR_NOT_SUPPORTED : NVML_ERROR_INVALID_ARGUMENT;
}
#endif

/* ---- layout facts for the tests (not NVML API) ---- */
EXPORT size_t stub_sizeof_nvmlMemory_t(void) { return sizeof(nvmlMemory_t); }
EXPORT size_t stub_sizeof_nvmlMemory_v2_t(void) { return sizeof(nvmlMemory_v2_t); }
EXPORT size_t stub_offsetof_nvmlMemory_v2_t_total(void) { return offsetof(nvmlMemory_v2_t, total); }
EXPORT size_t stub_sizeof_nvmlUtilization_t(void) { return sizeof(nvmlUtilization_t); }
EXPORT size_t stub_sizeof_nvmlTemperature_v1_t(void) { return sizeof(nvmlTemperature_v1_t); }
EXPORT size_t stub_sizeof_nvmlPciInfo_t(void) { return sizeof(nvmlPciInfo_t); }
EXPORT size_t stub_offsetof_nvmlPciInfo_t_busId(void) { return offsetof(nvmlPciInfo_t, busId); }
EXPORT size_t stub_offsetof_nvmlPciInfo_t_pciDeviceId(void) { return offsetof(nvmlPciInfo_t, pciDeviceId); }
EXPORT size_t stub_sizeof_nvmlProcessInfo_v2_t(void) { return sizeof(nvmlProcessInfo_v2_t); }
#define OFFSET_OF_PROCESS_V2(field) \
  EXPORT size_t stub_offsetof_nvmlProcessInfo_v2_t_##field(void) { return offsetof(nvmlProcessInfo_v2_t, field); }
OFFSET_OF_PROCESS_V2(usedGpuMemory)
OFFSET_OF_PROCESS_V2(computeInstanceId)
EXPORT size_t stub_sizeof_nvmlProcessInfo_v1_t(void) { return sizeof(nvmlProcessInfo_v1_t); }
EXPORT size_t stub_sizeof_nvmlProcessInfo_r535_t(void) { return sizeof(nvmlProcessInfo_r535_t); }
EXPORT size_t stub_offsetof_nvmlProcessInfo_r535_t_usedGpuCcProtectedMemory(void) {
  return offsetof(nvmlProcessInfo_r535_t, usedGpuCcProtectedMemory);
}
EXPORT unsigned int stub_nvmlMemory_v2_version(void) { return nvmlMemory_v2; }
EXPORT unsigned int stub_nvmlTemperature_v1_version(void) { return nvmlTemperature_v1; }
/* Calls the v2 memory query with a wrong version, to show the stand-in enforces it (expects 25). */
EXPORT int stub_memory_v2_with_version(unsigned int version) {
#ifdef STUB_LEGACY_ONLY
  (void)version;
  return NVML_ERROR_NOT_SUPPORTED;
#else
  nvmlMemory_v2_t memory = {0};
  memory.version = version;
  return nvmlDeviceGetMemoryInfo_v2((nvmlDevice_t)&devices[0], &memory);
#endif
}
