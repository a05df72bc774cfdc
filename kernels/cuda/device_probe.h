#pragma once
// What the CUDA runtime reports about this machine, without needing a GPU or a driver:
// the answer is a value to show the user, never a reason to stop.
#include <cstddef>
#include <string>
#include <vector>

namespace causerie::kernels::cuda {

// Also the engine's CudaDeviceCandidate (engine/backend_cuda.h): what it chooses among.
struct CudaDeviceInfo {
    int index = 0;
    std::string name;
    size_t free_bytes = 0;
    size_t total_bytes = 0;
    int compute_major = 0;
    int compute_minor = 0;
    // Peak DRAM bandwidth: 2 (double data rate) x memory clock x bus width. 0 when unknown.
    // The benchmark divides the bytes a generated token reads by it.
    double peak_bandwidth_bytes_per_s = 0.0;
};

struct CudaProbe {
    bool usable = false;   // at least one device can be used
    std::string reason;    // why not, for the user (empty when usable)
    std::vector<CudaDeviceInfo> devices;
};

// Sets CUDA_DEVICE_ORDER=PCI_BUS_ID first (unless the user set it), so that device indices are
// nvidia-smi's; the contexts it creates to read free memory are released.
CudaProbe probe_devices();

// CUDA_DEVICE_ORDER=PCI_BUS_ID unless set: call before the process's first CUDA call.
void order_devices_like_nvidia_smi();

}   // namespace causerie::kernels::cuda
