#include "topk.cuh"

#include "launch.h"
#include "order_key.cuh"

#include <cmath>
#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {
namespace {
// Named so this file can also be compiled inside argmax.cu's translation unit (see there).
namespace topk {

constexpr int kThreads = 256;

// Sum of an int over the block; every thread gets it. `scratch`: 32 ints of shared memory.
__device__ __forceinline__ int block_sum_int(int v, int* scratch)
{
    const int lane = int(threadIdx.x) % kWarp, warp = int(threadIdx.x) / kWarp;
    v = warp_sum_int(v);
    __syncthreads();   // scratch may still be read by the previous call
    if (lane == 0)
        scratch[warp] = v;
    __syncthreads();
    v = lane < int(blockDim.x) / kWarp ? scratch[lane] : 0;
    return warp_sum_int(v);
}

// One block of kThreads per row.
// 1. Bisection on the order key finds T, the k-th largest key: count(key >= T) >= k and
//    count(key > T) < k (32 block-wide counts at most, each a strided, coalesced pass).
// 2. Each thread takes a contiguous chunk, counts its keys > T and == T; exclusive prefix sums
//    over the threads give every kept element its slot: all keys > T, then the keys == T of
//    the lowest indices (chunks are in index order, so ties go to lower ids).
// 3. A bitonic sort of the kTopKMax shared slots (unused ones are sentinels that sort last).
__global__ void __launch_bounds__(kThreads) topk_kernel(const float* x, int64_t n, int k, int32_t* ids, float* values)
{
    __shared__ int red[32];
    __shared__ int s_gt[kThreads];
    __shared__ int s_eq[kThreads];
    __shared__ int s_n_gt;
    __shared__ uint32_t c_key[kTopKMax];
    __shared__ int32_t c_id[kTopKMax];
    const float* xr = x + int64_t(blockIdx.x) * n;
    const int tid = int(threadIdx.x), nt = int(blockDim.x);

    int c = 0;
    for (int64_t i = tid; i < n; i += nt)
        c += order_key(xr[i]) != 0;
    const int n_valid = block_sum_int(c, red);
    const int want = k < n_valid ? k : n_valid;
    uint32_t lo = 1, hi = 0xffffffffu;   // the same values in every thread: the loop is uniform
    if (want > 0) {
        while (lo < hi) {
            const uint32_t mid = uint32_t(uint64_t(lo) + (uint64_t(hi) - uint64_t(lo) + 1) / 2);
            int cc = 0;
            for (int64_t i = tid; i < n; i += nt)
                cc += order_key(xr[i]) >= mid;
            if (block_sum_int(cc, red) >= want)
                lo = mid;
            else
                hi = mid - 1;
        }
    }
    const uint32_t T = lo;

    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t b = tid * chunk, e = b + chunk < n ? b + chunk : n;
    int gt = 0, eq = 0;
    if (want > 0)
        for (int64_t i = b; i < e; ++i) {
            const uint32_t key = order_key(xr[i]);
            gt += key > T;
            eq += key == T;
        }
    s_gt[tid] = gt;
    s_eq[tid] = eq;
    for (int i = tid; i < kTopKMax; i += nt) {
        c_key[i] = 0;
        c_id[i] = INT32_MAX;
    }
    __syncthreads();
    if (tid == 0) {   // exclusive prefix sums: 256 steps, once per row
        int sg = 0, se = 0;
        for (int t = 0; t < nt; ++t) {
            const int g = s_gt[t], q = s_eq[t];
            s_gt[t] = sg;
            s_eq[t] = se;
            sg += g;
            se += q;
        }
        s_n_gt = sg;
    }
    __syncthreads();
    if (want > 0) {
        const int n_gt = s_n_gt;
        int og = s_gt[tid], oe = s_eq[tid];
        for (int64_t i = b; i < e; ++i) {
            const uint32_t key = order_key(xr[i]);
            if (key > T) {
                c_key[og] = key;
                c_id[og++] = int32_t(i);
            } else if (key == T && n_gt + oe < want) {
                c_key[n_gt + oe] = key;
                c_id[n_gt + oe] = int32_t(i);
                ++oe;
            }
        }
    }
    bitonic_sort_best_first(c_key, c_id, kTopKMax);
    int32_t* row_ids = ids + int64_t(blockIdx.x) * k;
    float* row_values = values + int64_t(blockIdx.x) * k;
    for (int i = tid; i < k; i += nt) {
        row_ids[i] = i < want ? c_id[i] : -1;
        row_values[i] = i < want ? xr[c_id[i]] : -INFINITY;
    }
}

__global__ void gather_kernel(const float* x, const int32_t* ids, int64_t n_ids, float* out)
{
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n_ids)
        out[i] = x[ids[i]];
}

}   // namespace topk
}   // namespace

GpuStatus gather_floats(const float* x, const int32_t* ids, int64_t n_ids, float* out, Stream s)
{
    if (n_ids <= 0 || n_ids > int64_t(65535) * 256)
        return gpu_error("gather_floats: bad count " + std::to_string(n_ids));
    return launch(topk::gather_kernel, dim3(div_up(n_ids, 256)), dim3(256), 0, s, x, ids, n_ids, out);
}

GpuStatus topk_rows(const float* x, int64_t n_rows, int64_t n, int k, int32_t* ids, float* values, Stream s)
{
    if (n_rows <= 0 || n_rows > 65535 || n <= 0 || n > INT32_MAX)
        return gpu_error("topk_rows: bad shape (" + std::to_string(n_rows) + " rows of " + std::to_string(n) + ")");
    if (k < 1 || k > kTopKMax)
        return gpu_error("topk_rows: k = " + std::to_string(k) + " is outside 1.." + std::to_string(kTopKMax));
    return launch(topk::topk_kernel, dim3(unsigned(n_rows)), dim3(topk::kThreads), 0, s, x, n, k, ids, values);
}

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
