// The device API on the CUDA runtime and cuBLAS. Every status is checked and reported with the
// call's text and file:line.
#include "device.h"
#include "device_probe.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <mutex>

namespace causerie::kernels::gpu {
inline namespace nv {
namespace {

// Errors after which the CUDA context is unusable until the process exits (the runtime returns
// them from every later call): the backend then hands the session to the CPU.
bool is_sticky(cudaError_t err)
{
    switch (err) {
    case cudaErrorECCUncorrectable:
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorContextIsDestroyed: return true;
    default: return false;
    }
}

std::mutex g_lost_mutex;
std::string g_lost;   // the first sticky error's text

void note_if_sticky(cudaError_t err, const char* call)
{
    if (!is_sticky(err))
        return;
    std::lock_guard lock(g_lost_mutex);
    if (g_lost.empty())
        g_lost = std::string(call) + ": " + cudaGetErrorString(err);
}

GpuStatus cuda_status(cudaError_t err, const char* call, const char* file, int line)
{
    if (err == cudaSuccess)
        return gpu_ok();
    note_if_sticky(err, call);
    cudaGetLastError();   // clear a non-sticky error so the next call starts clean
    return GpuStatus{std::string(call) + ": " + cudaGetErrorString(err), err == cudaErrorMemoryAllocation}.at(file,
                                                                                                              line);
}

#define CUDA_TRY(call) CAUSERIE_GPU_TRY(cuda_status((call), #call, __FILE__, __LINE__))

const char* cublas_name(cublasStatus_t st)
{
    switch (st) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "cuBLAS error";
    }
}

#define CUBLAS_TRY(call)                                                                                               \
    do {                                                                                                               \
        if (cublasStatus_t st_ = (call); st_ != CUBLAS_STATUS_SUCCESS)                                                 \
            return GpuStatus{std::string(#call) + ": " + cublas_name(st_), st_ == CUBLAS_STATUS_ALLOC_FAILED}.at(      \
                __FILE__, __LINE__);                                                                                   \
    } while (0)

// One cuBLAS handle per OS thread (the engine runs a backend on one worker thread), destroyed
// with the thread.
struct CublasHandle {
    cublasHandle_t h = nullptr;
    ~CublasHandle()
    {
        if (h)
            cublasDestroy(h);
    }
};
thread_local CublasHandle t_cublas;

}   // namespace

GpuStatus device_init(int index, DeviceInfo* info)
{
    ::causerie::kernels::cuda::order_devices_like_nvidia_smi();   // (no effect once CUDA is initialized: the probe sets
                                                                  // it first)
    CUDA_TRY(cudaSetDevice(index));
    if (info) {
        cudaDeviceProp prop{};
        CUDA_TRY(cudaGetDeviceProperties(&prop, index));
        info->name = prop.name;
        info->compute_major = prop.major;
        info->compute_minor = prop.minor;
        CUDA_TRY(cudaMemGetInfo(&info->free_bytes, &info->total_bytes));
    }
    return gpu_ok();
}

GpuStatus mem_info(size_t* free_bytes, size_t* total_bytes)
{
    CUDA_TRY(cudaMemGetInfo(free_bytes, total_bytes));
    return gpu_ok();
}

GpuStatus device_malloc(void** ptr, size_t bytes)
{
    *ptr = nullptr;
    CUDA_TRY(cudaMalloc(ptr, bytes));
    return gpu_ok();
}

void device_free(void* ptr)
{
    if (ptr)
        cudaFree(ptr);   // a failure here leaves nothing to do but carry on
}

GpuStatus host_alloc_pinned(void** ptr, size_t bytes)
{
    *ptr = nullptr;
    CUDA_TRY(cudaMallocHost(ptr, bytes));
    return gpu_ok();
}

void host_free_pinned(void* ptr)
{
    if (ptr)
        cudaFreeHost(ptr);
}

std::string device_lost()
{
    // A kernel's fault may not have reached a checked call yet: the runtime keeps it as the last
    // error (a sticky one cannot be cleared).
    note_if_sticky(cudaPeekAtLastError(), "a kernel");
    std::lock_guard lock(g_lost_mutex);
    return g_lost;
}

GpuStatus copy_to_device(void* dst, const void* src, size_t bytes, Stream s)
{
    CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, static_cast<cudaStream_t>(s)));
    return gpu_ok();
}

GpuStatus copy_to_host(void* dst, const void* src, size_t bytes, Stream s)
{
    CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, static_cast<cudaStream_t>(s)));
    CUDA_TRY(cudaStreamSynchronize(static_cast<cudaStream_t>(s)));   // the caller reads dst next
    return gpu_ok();
}

GpuStatus copy_on_device(void* dst, const void* src, size_t bytes, Stream s)
{
    CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, static_cast<cudaStream_t>(s)));
    return gpu_ok();
}

GpuStatus memset_device(void* dst, int value, size_t bytes, Stream s)
{
    CUDA_TRY(cudaMemsetAsync(dst, value, bytes, static_cast<cudaStream_t>(s)));
    return gpu_ok();
}

GpuStatus stream_create(Stream* s)
{
    cudaStream_t st = nullptr;
    CUDA_TRY(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    *s = st;
    return gpu_ok();
}

void stream_destroy(Stream s)
{
    if (s)
        cudaStreamDestroy(static_cast<cudaStream_t>(s));
}

GpuStatus stream_sync(Stream s)
{
    CUDA_TRY(cudaStreamSynchronize(static_cast<cudaStream_t>(s)));
    return gpu_ok();
}

// Thread-local capture mode: other threads' CUDA calls (another backend, the probe) are neither
// captured nor made illegal while this thread records its decode step.
GpuStatus capture_begin(Stream s)
{
    if (!s)
        return gpu_error("capture_begin: the default stream cannot be captured");
    CUDA_TRY(cudaStreamBeginCapture(static_cast<cudaStream_t>(s), cudaStreamCaptureModeThreadLocal));
    return gpu_ok();
}

GpuStatus capture_end(Stream s, Graph* graph)
{
    *graph = nullptr;
    cudaGraph_t g = nullptr;
    CUDA_TRY(cudaStreamEndCapture(static_cast<cudaStream_t>(s), &g));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t err = cudaGraphInstantiate(&exec, g, 0);
    cudaGraphDestroy(g);   // the executable graph keeps what it needs
    CAUSERIE_GPU_TRY(cuda_status(err, "cudaGraphInstantiate(&exec, g, 0)", __FILE__, __LINE__));
    *graph = exec;
    return gpu_ok();
}

GpuStatus graph_launch(Graph graph, Stream s)
{
    if (!graph)
        return gpu_error("graph_launch: no graph");
    CUDA_TRY(cudaGraphLaunch(static_cast<cudaGraphExec_t>(graph), static_cast<cudaStream_t>(s)));
    return gpu_ok();
}

void graph_destroy(Graph graph)
{
    if (graph)
        cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(graph));
}

// Row-major y (n, m) = x (n, k) . w (m, k)^T is column-major y^T (m, n) = w^T . x with w seen
// as a column-major (k, m) matrix: GemmEx(op_T, op_N). F16 inputs, F32 output and compute:
// tensor cores on sm_80+, no F16 rounding of the sums.
GpuStatus gemm_f16(Stream s, int64_t m, int64_t n, int64_t k_dim, const void* w, const void* x, float* y, int64_t ldy)
{
    if (m <= 0 || n <= 0 || k_dim <= 0 || ldy < m || m > INT32_MAX || n > INT32_MAX || k_dim > INT32_MAX)
        return gpu_error("gemm_f16: bad shape m=" + std::to_string(m) + " n=" + std::to_string(n) +
                         " k=" + std::to_string(k_dim));
    if (!t_cublas.h)
        CUBLAS_TRY(cublasCreate(&t_cublas.h));
    CUBLAS_TRY(cublasSetStream(t_cublas.h, static_cast<cudaStream_t>(s)));
    const float alpha = 1.0f, beta = 0.0f;
    CUBLAS_TRY(cublasGemmEx(t_cublas.h, CUBLAS_OP_T, CUBLAS_OP_N, int(m), int(n), int(k_dim), &alpha, w, CUDA_R_16F,
                            int(k_dim), x, CUDA_R_16F, int(k_dim), &beta, y, CUDA_R_32F, int(ldy), CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT));
    return gpu_ok();
}

}   // namespace nv
}   // namespace causerie::kernels::gpu
