#pragma once
// The one place kernels are launched. Every wrapper calls launch(kernel, grid, block, smem,
// stream, args...); with nvcc this is the only `<<<>>>` in the project, under the sim it runs
// the grid on fibers (sim/sim_runtime.h). Included only by .cu files.
#include "common.cuh"

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
// Internal linkage: each .cu file has its own launch(), so the sim's counters can name the file
// (__BASE_FILE__) without two files' identical instantiations being merged by the linker.
namespace {

template <class... Params, class... Args>
GpuStatus launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, Stream stream, Args... args)
{
#if defined(CAUSERIE_CUDA_SIM)
    (void)stream;
    if (::causerie::cuda_sim::capturing()) {   // recorded for a graph, run when it is launched
        ::causerie::cuda_sim::record(
            [=] {
                return ::causerie::cuda_sim::run_grid(
                    grid, block, smem, [&] { kernel(Params(args)...); }, __BASE_FILE__);
            },
            __BASE_FILE__);
        return gpu_ok();
    }
    const std::string error = ::causerie::cuda_sim::run_grid(
        grid, block, smem, [&] { kernel(Params(args)...); }, __BASE_FILE__);
    if (!error.empty())
        return gpu_error("kernel launch failed: " + error);
    return gpu_ok();
#else
    kernel<<<grid, block, smem, static_cast<cudaStream_t>(stream)>>>(Params(args)...);
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        return gpu_error(std::string("kernel launch failed: ") + cudaGetErrorString(err),
                         err == cudaErrorMemoryAllocation);
    return gpu_ok();
#endif
}

}   // namespace
}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
