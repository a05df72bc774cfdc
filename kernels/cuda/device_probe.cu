#include "device_probe.h"

#include <cuda_runtime.h>

#include <cstdlib>

namespace causerie::kernels::cuda {
namespace {

// cuDevicePrimaryCtxGetState from the driver, found at run time (the program links the static
// CUDA runtime only, so that it starts without a driver): whether a device's primary context
// exists. Null when the runtime cannot look it up.
using PrimaryCtxGetState = int (*)(int device, unsigned* flags, int* active);

PrimaryCtxGetState primary_ctx_get_state()
{
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult found{};
#if CUDART_VERSION >= 12050
    if (cudaGetDriverEntryPointByVersion("cuDevicePrimaryCtxGetState", &fn, 12000, cudaEnableDefault, &found) !=
        cudaSuccess)
        return nullptr;
#elif CUDART_VERSION >= 12000
    if (cudaGetDriverEntryPoint("cuDevicePrimaryCtxGetState", &fn, cudaEnableDefault, &found) != cudaSuccess)
        return nullptr;
#else
    return nullptr;
#endif
    return found == cudaDriverEntryPointSuccess ? reinterpret_cast<PrimaryCtxGetState>(fn) : nullptr;
}

// 1: the device's primary context exists, 0: it does not, -1: unknown.
int context_active(PrimaryCtxGetState get_state, int device)
{
    unsigned flags = 0;
    int active = 0;
    if (!get_state || get_state(device, &flags, &active) != 0)
        return -1;
    return active ? 1 : 0;
}

}   // namespace

void order_devices_like_nvidia_smi()
{
    // The runtime numbers devices fastest first unless told otherwise; nvidia-smi (and the
    // user reading it) by PCI bus. A value the user set is kept (setenv's 0: no overwrite).
    setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 0);
}

CudaProbe probe_devices()
{
    order_devices_like_nvidia_smi();   // before the first CUDA call of the process
    CudaProbe probe;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err == cudaErrorInsufficientDriver || err == cudaErrorNoDevice || err != cudaSuccess) {
        probe.reason =
            err == cudaErrorInsufficientDriver ? "no NVIDIA driver is installed (or it is older than this build needs)"
            : err == cudaErrorNoDevice         ? "no NVIDIA GPU was found"
                                               : std::string("the CUDA runtime reported: ") + cudaGetErrorString(err);
        cudaGetLastError();   // clear the sticky error so later calls start clean
        return probe;
    }
    if (count == 0) {
        probe.reason = "no NVIDIA GPU was found";
        return probe;
    }
    const PrimaryCtxGetState get_state = primary_ctx_get_state();
    int current = -1;
    if (cudaGetDevice(&current) != cudaSuccess)
        current = -1;
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess)
            continue;
        CudaDeviceInfo info;
        info.index = i;
        info.name = prop.name;
        info.compute_major = prop.major;
        info.compute_minor = prop.minor;
        info.total_bytes = prop.totalGlobalMem;
        int clock_khz = 0, bus_bits = 0;
        if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, i) == cudaSuccess &&
            cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, i) == cudaSuccess)
            info.peak_bandwidth_bytes_per_s = 2.0 * double(clock_khz) * 1000.0 * double(bus_bits) / 8.0;
        // Free memory needs the device's context. One this probe makes is released again
        // (cudaDeviceReset of a context nothing else uses): otherwise every device would keep a
        // few hundred MiB for a context the program never uses. A context that existed before
        // (a backend running on it) is left alone.
        const int had_context = context_active(get_state, i);
        if (cudaSetDevice(i) == cudaSuccess) {
            cudaMemGetInfo(&info.free_bytes, &info.total_bytes);
            if (had_context == 0)
                cudaDeviceReset();
        }
        probe.devices.push_back(info);
    }
    if (current >= 0 && context_active(get_state, current) == 1)
        cudaSetDevice(current);   // this thread's device as it was (without creating a context)
    probe.usable = !probe.devices.empty();
    if (!probe.usable)
        probe.reason = "no NVIDIA GPU could be queried";
    return probe;
}

}   // namespace causerie::kernels::cuda
