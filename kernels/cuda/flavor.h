#pragma once
// Which build of the GPU code a translation unit sees. The kernels in this folder compile two
// ways: with nvcc (the product) and with the host compiler against sim/ (CAUSERIE_CUDA_SIM).
// Both can be linked into one program (the test build has nvcc *and* the sim), so each build
// lives in its own inline namespace and callers just write kernels::gpu::rmsnorm(...).
#include <string>

#if defined(CAUSERIE_CUDA_SIM)
#define CAUSERIE_GPU_FLAVOR sim
#else
#define CAUSERIE_GPU_FLAVOR nv
#endif

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

// Result of a device call: empty error on success. Messages name the failing call with its
// file:line so a user's bug report points at the line.
struct [[nodiscard]] GpuStatus {
    std::string error;
    bool out_of_memory = false;

    bool ok() const { return error.empty(); }
    explicit operator bool() const { return ok(); }
    // Prefixes the caller's position, so an error carries the chain of calls that led to it.
    GpuStatus at(const char* file, int line) const
    {
        std::string f = file;
        const auto slash = f.find_last_of('/');
        if (slash != std::string::npos)
            f = f.substr(slash + 1);
        return GpuStatus{f + ":" + std::to_string(line) + ": " + error, out_of_memory};
    }
};

inline GpuStatus gpu_ok() { return {}; }
inline GpuStatus gpu_error(std::string message, bool oom = false) { return GpuStatus{std::move(message), oom}; }

// cudaStream_t, opaque to code that is not compiled by nvcc. nullptr is the default stream.
using Stream = void*;

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu

// Returns from the enclosing function when `expr` (a GpuStatus) failed, adding file:line.
#define CAUSERIE_GPU_TRY(expr)                                                                                         \
    do {                                                                                                               \
        if (auto causerie_st_ = (expr); !causerie_st_.ok())                                                            \
            return causerie_st_.at(__FILE__, __LINE__);                                                                \
    } while (0)
