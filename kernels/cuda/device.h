#pragma once
// The thin device API every GPU caller goes through: memory, copies, streams and the one
// cuBLAS call. device_cuda.cpp implements it with the CUDA runtime and cuBLAS; device_sim.cpp
// with host memory and a reference GEMM, plus a memory limit so out-of-memory handling can be
// tested without a GPU. Pointers returned here are device pointers (host pointers under sim).
#include "flavor.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

struct DeviceInfo {
    std::string name;
    size_t free_bytes = 0;
    size_t total_bytes = 0;
    int compute_major = 0;
    int compute_minor = 0;
};

// Selects the device for this OS thread and reads its name and memory.
GpuStatus device_init(int index, DeviceInfo* info);
GpuStatus mem_info(size_t* free_bytes, size_t* total_bytes);

GpuStatus device_malloc(void** ptr, size_t bytes);   // out_of_memory set when that is the cause
void device_free(void* ptr);                         // nullptr is fine

// Page-locked host memory (cudaMallocHost) for the sources of host-to-device copies: such a copy
// is truly asynchronous (a pageable source is staged by the driver first), so the caller must not
// change the source before the stream has passed the copy (a stream_sync or copy_to_host).
GpuStatus host_alloc_pinned(void** ptr, size_t bytes);
void host_free_pinned(void* ptr);   // nullptr is fine

// Why the device cannot be used any more: a sticky error (an illegal address, a kernel fault,
// an uncorrectable ECC error, ...) leaves the CUDA context broken until the process exits, so
// every later call fails too. Empty while no such error happened.
std::string device_lost();

GpuStatus copy_to_device(void* dst, const void* src, size_t bytes, Stream s);
GpuStatus copy_to_host(void* dst, const void* src, size_t bytes, Stream s);
GpuStatus copy_on_device(void* dst, const void* src, size_t bytes, Stream s);
GpuStatus memset_device(void* dst, int value, size_t bytes, Stream s);

GpuStatus stream_create(Stream* s);
void stream_destroy(Stream s);
GpuStatus stream_sync(Stream s);

// y (n, m) F32 row-major, y[t*ldy + r] = sum_k w[r*k_dim + k] * x[t*k_dim + k]
// w: (m, k) F16, x: (n, k) F16, both row-major and contiguous. Accumulates in F32 (cuBLAS
// GemmEx with tensor-core math on a GPU; a plain loop under sim).
GpuStatus gemm_f16(Stream s, int64_t m, int64_t n, int64_t k_dim, const void* w, const void* x, float* y, int64_t ldy);

// CUDA graphs: the kernel launches made on `s` (not the default stream) between capture_begin
// and capture_end become one instantiated graph that graph_launch replays with the same
// arguments. Copies and memsets are not captured by the callers here; the sim reports one as
// an error. On an error after capture_begin, call capture_end anyway (it ends the capture).
using Graph = void*;
GpuStatus capture_begin(Stream s);
GpuStatus capture_end(Stream s, Graph* graph);
GpuStatus graph_launch(Graph graph, Stream s);
void graph_destroy(Graph graph);   // nullptr is fine

#if defined(CAUSERIE_CUDA_SIM)
// Sim only: graphs instantiated since start (tests check that capture happened once per bucket).
int sim_graphs_captured();
// Sim only: make capture_end fail (as instantiation can on a GPU), to test the fallback.
void sim_fail_captures(bool fail);
// Sim only: pretend the device has `bytes` of memory (0: unlimited), so that allocation
// failures and the layer-offload decision can be tested.
void sim_set_memory_limit(size_t bytes);
size_t sim_bytes_in_use();
// Sim only: make mem_info()/device_init() report `bytes` free (0: the truth), as when another
// program takes memory between the query and the allocation; tests the out-of-memory retry.
void sim_set_reported_free(size_t bytes);
// Sim only: pretend there are `n` devices (1 by default), indices 0..n-1, sharing one memory
// pool; tests the device choice end to end.
void sim_set_device_count(int n);
int sim_device_count();
// Sim only: after `after_launches` more kernel launches, the next one fails as a kernel fault on
// a GPU does, and the device stays broken (every launch, copy and sync fails; device_lost() says
// why) until sim_clear_sticky_error().
void sim_inject_sticky_error(uint64_t after_launches);
void sim_clear_sticky_error();
// Sim only: forget which kernels have run, as at the program's start: a capture that records a
// kernel not launched outside a capture since then fails (lazy module loading on a GPU).
void sim_forget_warm_kernels();
#endif

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
