#include "device_probe.h"

#include <cuda_runtime.h>

namespace causerie::kernels::cuda {

CudaProbe probe_devices()
{
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
        if (cudaSetDevice(i) == cudaSuccess)
            cudaMemGetInfo(&info.free_bytes, &info.total_bytes);
        probe.devices.push_back(info);
    }
    probe.usable = !probe.devices.empty();
    if (!probe.usable)
        probe.reason = "no NVIDIA GPU could be queried";
    return probe;
}

}   // namespace causerie::kernels::cuda
