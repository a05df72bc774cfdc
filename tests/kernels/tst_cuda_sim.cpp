// The CUDA sim itself: barriers, warp shuffles, shared memory and thread indices behave as on
// a GPU, broken kernels are reported rather than hanging, and the sim device API keeps its
// promises. Kernels here are written in the same dialect as kernels/cuda/*.cu.
#include "kernels/cuda/device.h"
#include "kernels/cuda/launch.h"

#include <QTest>

#include <cstring>
#include <numeric>
#include <tuple>
#include <vector>

using namespace causerie::kernels::gpu;
namespace simrt = causerie::cuda_sim;

namespace {

// Each thread writes its id to shared memory, then reads its right neighbour's.
template <bool kBarrier>
__global__ void neighbour_kernel(int* out)
{
    __shared__ int s[64];
    const int tid = int(threadIdx.x);
    s[tid] = tid + 1000 * int(blockIdx.x);
    if (kBarrier)
        __syncthreads();
    out[blockIdx.x * blockDim.x + tid] = s[(tid + 1) % 64];
}

// Two barrier phases: a block-wide prefix computed by thread 0 must be seen by all.
__global__ void two_phase_kernel(int* out)
{
    __shared__ int s[128];
    __shared__ int total;
    const int tid = int(threadIdx.x);
    s[tid] = tid;
    __syncthreads();
    if (tid == 0) {
        int sum = 0;
        for (int i = 0; i < int(blockDim.x); ++i)
            sum += s[i];
        total = sum;
    }
    __syncthreads();
    out[tid] = total + tid;
}

__global__ void shuffle_kernel(float* xor_sum, int* down, int* bcast, int* seg16)
{
    const int lane = int(threadIdx.x) % 32;
    const int warp = int(threadIdx.x) / 32;
    const int g = int(threadIdx.x);
    xor_sum[g] = warp_sum(float(g));
    int v = lane * 10 + warp;
    down[g] = __shfl_down_sync(kFullMask, v, 3);
    bcast[g] = __shfl_sync(kFullMask, v, 5);
    seg16[g] = __shfl_xor_sync(kFullMask, lane, 8, 16) + 100 * __shfl_down_sync(kFullMask, lane, 4, 16);
}

__global__ void index_kernel(int* out)
{
    const int bid = int(blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z));
    const int n_threads = int(blockDim.x * blockDim.y * blockDim.z);
    const int tid = int(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
    out[bid * n_threads + tid] = int(threadIdx.x) | int(threadIdx.y) << 4 | int(threadIdx.z) << 8 |
                                 int(blockIdx.x) << 12 | int(blockIdx.y) << 16 | int(blockIdx.z) << 20;
}

__global__ void dynamic_smem_kernel(float* out, int n)
{
    CAUSERIE_DYNAMIC_SHARED(float, buf);
    const int tid = int(threadIdx.x);
    for (int i = tid; i < n; i += int(blockDim.x))
        buf[i] = float(i) * float(blockIdx.x + 1);
    __syncthreads();
    // Reversed read: every element is written by another thread than the one reading it.
    for (int i = tid; i < n; i += int(blockDim.x))
        out[int(blockIdx.x) * n + i] = buf[n - 1 - i];
}

// Only half of the block reaches the barrier: a GPU would hang or misbehave.
__global__ void divergent_barrier_kernel(int* out)
{
    if (threadIdx.x < 16)
        __syncthreads();
    out[threadIdx.x] = 1;
}

// Lanes 0..15 shuffle with a full mask while lanes 16..31 have returned.
__global__ void exited_lane_shuffle_kernel(int* out)
{
    if (threadIdx.x >= 16)
        return;
    out[threadIdx.x] = __shfl_xor_sync(kFullMask, int(threadIdx.x), 1);
}

__global__ void aligned_load_kernel(const unsigned char* p, int* out)
{
    out[threadIdx.x] = load_i32_a4(p + 4 * threadIdx.x);
}

// Lane l reads 16 bytes at p + 16 l (one vector load) and 8 at q + 8 l: word sums.
__global__ void wide_load_kernel(const unsigned char* p, const unsigned char* q, int* out)
{
    const Words4 v = load_i32x4_a16(p + 16 * threadIdx.x);
    const Words2 h = load_i32x2_a8(q + 8 * threadIdx.x);
    out[threadIdx.x] = v.x + v.y + v.z + v.w + h.x + h.y;
}

__global__ void half_dp4a_kernel(int* dp, float* halves)
{
    dp[0] = __dp4a(int(0x80FF7F02u), int(0x02FF7F80u), 5);
    halves[0] = __half2float(__float2half_rn(0.1f));
    halves[1] = __half2float(__float2half_rn(65519.0f));   // rounds to 65504
    halves[2] = __half2float(__float2half_rn(65520.0f));   // rounds to inf
}

// out[i] += *step for every thread: the step is read when the kernel runs (graph replay).
__global__ void add_step_kernel(int* out, const int* step) { out[threadIdx.x] += *step; }

// One warp: C (16x16) = A (16x16) B (16x16) through the wmma calls, A row-major, B col-major.
__global__ void wmma_kernel(const __half* a, const __half* b, float* c, bool diverge)
{
    namespace wmma = nvcuda::wmma;
    if (diverge && threadIdx.x >= 16)
        return;   // half a warp: not allowed for a warp-collective call
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> fc;
    wmma::fill_fragment(fc, 1.0f);
    wmma::load_matrix_sync(fa, a, 16);
    wmma::load_matrix_sync(fb, b, 16);
    wmma::mma_sync(fc, fa, fb, fc);
    wmma::store_matrix_sync(c, fc, 16, wmma::mem_row_major);
}

// One warp: C (16x16, int32) = A (16x32, int8) B (32x16, int8) + 7, as two 16x16x16 products of
// 16-column panels (A row-major, B col-major, ldm 16: each tile 256 aligned bytes); C stored with
// ldc 20. The lanes then read back the tile
// their warp wrote (lane l: row l / 2), which needs the __syncwarp after the store.
__global__ void wmma_int8_kernel(const signed char* a, const signed char* b, int* c, int* rows_back)
{
    namespace wmma = nvcuda::wmma;
    wmma::fragment<wmma::matrix_a, 16, 16, 16, signed char, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, signed char, wmma::col_major> fb;
    wmma::fragment<wmma::accumulator, 16, 16, 16, int> fc;
    wmma::fill_fragment(fc, 7);
    for (int k = 0; k < 32; k += 16) {
        wmma::load_matrix_sync(fa, a + 16 * k, 16);
        wmma::load_matrix_sync(fb, b + 16 * k, 16);
        wmma::mma_sync(fc, fa, fb, fc);
    }
    wmma::store_matrix_sync(c, fc, 20, wmma::mem_row_major);
    __syncwarp();
    int sum = 0;
    for (int j = 0; j < 16; ++j)
        sum += c[(threadIdx.x / 2) * 20 + unsigned(j)];
    rows_back[threadIdx.x] = sum;
}

// One warp: D (16x8) = A (16xK) B (Kx8) + C through the sim's mma.sync with PTX's fragments,
// each lane passing its own registers: a is (16, K) row-major, b (8, K) (B column-major), d
// (16, 8) row-major; c starts at row * 8 + col.
__global__ void mma_fragments_kernel(const int8_t* a, const int8_t* b, int* d, int k)
{
    const int lane = int(threadIdx.x), g = lane / 4, t = lane % 4;
    auto word = [](const int8_t* p) {
        return int(uint32_t(uint8_t(p[0])) | uint32_t(uint8_t(p[1])) << 8 | uint32_t(uint8_t(p[2])) << 16 |
                   uint32_t(uint8_t(p[3])) << 24);
    };
    const int fa[4] = {word(a + g * k + 4 * t), word(a + (g + 8) * k + 4 * t),
                       k == 32 ? word(a + g * k + 16 + 4 * t) : 0, k == 32 ? word(a + (g + 8) * k + 16 + 4 * t) : 0};
    const int fb[2] = {word(b + g * k + 4 * t), k == 32 ? word(b + g * k + 16 + 4 * t) : 0};
    int c[4] = {g * 8 + 2 * t, g * 8 + 2 * t + 1, (g + 8) * 8 + 2 * t, (g + 8) * 8 + 2 * t + 1};
    simrt::mma_s8_m16n8(k, c, fa, fb);
    d[g * 8 + 2 * t] = c[0];
    d[g * 8 + 2 * t + 1] = c[1];
    d[(g + 8) * 8 + 2 * t] = c[2];
    d[(g + 8) * 8 + 2 * t + 1] = c[3];
}

// Counting: each thread reads through common.cuh's load helpers, in patterns whose warp-wide
// sector counts are known (see countsWarpLoads).
__global__ void counted_loads_kernel(const uint8_t* contiguous, const uint8_t* strided, int* out)
{
    __shared__ uint16_t s[64];
    const int tid = int(threadIdx.x);
    const int lane = tid % 32;
    s[tid] = uint16_t(tid);
    __syncthreads();
    int v = load_u16(contiguous + 2 * tid);      // a warp reads 64 consecutive bytes: 2 sectors
    v += load_i32_a2(strided + 18 * lane + 2);   // Q4_0-like: two 16-bit loads 18 bytes apart
    v += load_u16(&s[(tid + 1) % 64]);           // shared memory: not global, not counted
    for (int i = 0; i <= lane % 4; ++i)          // 1 to 4 loads per lane: 4 instructions a warp
        v += load_u16(contiguous + 128 * i + 2 * lane);
    out[tid] = v;
}

// Bank conflicts: one warp stores a word per lane `stride` words apart, reads it back, and reads
// one word all lanes share (a broadcast), through common.cuh's shared helpers. Stride 32: every
// lane in bank 0 (a 32-way conflict); 33: a word per bank (the padded layout).
__global__ void bank_kernel(int stride, int* out)
{
    __shared__ int s[32 * 33];
    const int lane = int(threadIdx.x) % 32;
    store_shared(&s[lane * stride], lane);
    __syncwarp();
    out[threadIdx.x] = load_shared(&s[lane * stride]) + load_shared(&s[5 * stride]);
}

// One warp: an F16 tile (16 lines of ld halves, in dynamic shared memory) loaded as matrix_a,
// and the accumulator stored back with the same ld (floats, after the halves).
__global__ void wmma_bank_kernel(unsigned ld, float* out)
{
    namespace wmma = nvcuda::wmma;
    CAUSERIE_DYNAMIC_SHARED(unsigned char, smem);
    auto* a = reinterpret_cast<__half*>(smem);
    auto* c = reinterpret_cast<float*>(smem + 16 * ld * 2);
    for (unsigned i = threadIdx.x; i < 16 * ld; i += 32)
        a[i] = __float2half_rn(1.0f);
    __syncwarp();
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> fc;
    wmma::fill_fragment(fc, 0.0f);
    wmma::load_matrix_sync(fa, a, ld);
    wmma::load_matrix_sync(fb, a, ld);
    wmma::mma_sync(fc, fa, fb, fc);
    wmma::store_matrix_sync(c, fc, ld, wmma::mem_row_major);
    __syncwarp();
    out[threadIdx.x] = load_shared(&c[threadIdx.x]);
}

// A 16-byte shared store at a 4-byte offset: a GPU faults.
__global__ void misaligned_shared_kernel(int* out)
{
    __shared__ Words4 s[64];
    store_shared(reinterpret_cast<Words4*>(reinterpret_cast<char*>(&s[threadIdx.x]) + 4), Words4{1, 2, 3, 4});
    out[threadIdx.x] = 0;
}

}   // namespace

class TestCudaSim : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { simrt::set_schedule(simrt::Schedule::Forward); }
    void barrierOrdersSharedMemory_data();
    void barrierOrdersSharedMemory();
    void missingBarrierIsVisible();
    void twoPhaseBarrier();
    void warpShuffles();
    void threadAndBlockIndices();
    void dynamicSharedMemoryPerBlock();
    void divergentBarrierIsReported();
    void shuffleWithExitedLaneIsReported();
    void badLaunchShapes();
    void misalignedLoadIsReported();
    void dp4aAndHalf();
    void deviceMemoryLimit();
    void gemmF16();
    void graphCaptureAndReplay();
    void warpMatrixTiles();
    void warpMatrixTilesInt8();
    void mmaFragmentsInt8();
    void countsWarpLoads();
    void countsWideLoads();
    void misalignedWideLoadIsReported();
    void countsLaunchesAndHostSyncs();
    void sharedRequestCostModel();
    void countsSharedBankConflicts();
    void countsWmmaTileWavefronts();
    void misalignedSharedAccessIsReported();
};

void TestCudaSim::barrierOrdersSharedMemory_data()
{
    QTest::addColumn<bool>("reverse");
    QTest::newRow("forward") << false;
    QTest::newRow("reverse") << true;
}

void TestCudaSim::barrierOrdersSharedMemory()
{
    QFETCH(bool, reverse);
    simrt::set_schedule(reverse ? simrt::Schedule::Reverse : simrt::Schedule::Forward);
    std::vector<int> out(3 * 64, -1);
    QVERIFY(launch(neighbour_kernel<true>, dim3(3), dim3(64), 0, nullptr, out.data()).ok());
    for (int b = 0; b < 3; ++b)
        for (int t = 0; t < 64; ++t)
            QCOMPARE(out[size_t(b * 64 + t)], (t + 1) % 64 + 1000 * b);
}

// Without the barrier, a thread reads its neighbour's slot before the neighbour ran (forward
// order: thread t runs before t+1) or after (reverse): the result depends on the schedule,
// which is exactly the race. Block 1 then sees block 0's stale values in forward order.
void TestCudaSim::missingBarrierIsVisible()
{
    std::vector<int> fwd(2 * 64), rev(2 * 64);
    simrt::set_schedule(simrt::Schedule::Forward);
    QVERIFY(launch(neighbour_kernel<false>, dim3(2), dim3(64), 0, nullptr, fwd.data()).ok());
    simrt::set_schedule(simrt::Schedule::Reverse);
    QVERIFY(launch(neighbour_kernel<false>, dim3(2), dim3(64), 0, nullptr, rev.data()).ok());
    QCOMPARE(fwd[64 + 0], 1);          // stale: block 0's value of slot 1
    QCOMPARE(rev[64 + 0], 1000 + 1);   // neighbour already ran
    QVERIFY(fwd != rev);
}

void TestCudaSim::twoPhaseBarrier()
{
    for (auto order : {simrt::Schedule::Forward, simrt::Schedule::Reverse}) {
        simrt::set_schedule(order);
        std::vector<int> out(128);
        QVERIFY(launch(two_phase_kernel, dim3(1), dim3(128), 0, nullptr, out.data()).ok());
        for (int t = 0; t < 128; ++t)
            QCOMPARE(out[size_t(t)], 127 * 128 / 2 + t);
    }
}

void TestCudaSim::warpShuffles()
{
    std::vector<float> xs(64);
    std::vector<int> down(64), bcast(64), seg(64);
    QVERIFY(
        launch(shuffle_kernel, dim3(1), dim3(64), 0, nullptr, xs.data(), down.data(), bcast.data(), seg.data()).ok());
    for (int g = 0; g < 64; ++g) {
        const int warp = g / 32, lane = g % 32;
        // Sum of the 32 global ids of the warp: 32*32w + 0+..+31.
        QCOMPARE(xs[size_t(g)], float(1024 * warp + 496));
        // shfl_down by 3: lanes 29..31 have no source and keep their own value.
        QCOMPARE(down[size_t(g)], (lane + 3 < 32 ? lane + 3 : lane) * 10 + warp);
        QCOMPARE(bcast[size_t(g)], 5 * 10 + warp);
        // Width 16: xor 8 stays inside each 16-lane segment; down 4 stops at its end.
        const int seg_base = lane / 16 * 16;
        const int down4 = (lane % 16) + 4 < 16 ? lane + 4 : lane;
        QCOMPARE(seg[size_t(g)], (seg_base + ((lane % 16) ^ 8)) + 100 * down4);
    }
}

void TestCudaSim::threadAndBlockIndices()
{
    const dim3 grid(3, 2, 2), block(4, 3, 2);
    std::vector<int> out(12 * 24, -1);
    QVERIFY(launch(index_kernel, grid, block, 0, nullptr, out.data()).ok());
    for (unsigned bz = 0; bz < 2; ++bz)
        for (unsigned by = 0; by < 2; ++by)
            for (unsigned bx = 0; bx < 3; ++bx)
                for (unsigned tz = 0; tz < 2; ++tz)
                    for (unsigned ty = 0; ty < 3; ++ty)
                        for (unsigned tx = 0; tx < 4; ++tx) {
                            const unsigned bid = bx + 3 * (by + 2 * bz), tid = tx + 4 * (ty + 3 * tz);
                            QCOMPARE(out[bid * 24 + tid], int(tx | ty << 4 | tz << 8 | bx << 12 | by << 16 | bz << 20));
                        }
}

void TestCudaSim::dynamicSharedMemoryPerBlock()
{
    const int n = 100;   // not a multiple of the block size
    std::vector<float> out(size_t(4 * n));
    QVERIFY(launch(dynamic_smem_kernel, dim3(4), dim3(32), size_t(n) * sizeof(float), nullptr, out.data(), n).ok());
    for (int b = 0; b < 4; ++b)
        for (int i = 0; i < n; ++i)
            QCOMPARE(out[size_t(b * n + i)], float(n - 1 - i) * float(b + 1));
}

void TestCudaSim::divergentBarrierIsReported()
{
    std::vector<int> out(64);
    const GpuStatus st = launch(divergent_barrier_kernel, dim3(1), dim3(64), 0, nullptr, out.data());
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("deadlock") != std::string::npos, st.error.c_str());
    // The sim recovers: the next launch runs normally.
    std::vector<int> ok(128);
    QVERIFY(launch(two_phase_kernel, dim3(1), dim3(128), 0, nullptr, ok.data()).ok());
    QCOMPARE(ok[5], 127 * 128 / 2 + 5);
}

void TestCudaSim::shuffleWithExitedLaneIsReported()
{
    std::vector<int> out(32);
    const GpuStatus st = launch(exited_lane_shuffle_kernel, dim3(1), dim3(32), 0, nullptr, out.data());
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("exited") != std::string::npos, st.error.c_str());
}

void TestCudaSim::badLaunchShapes()
{
    std::vector<int> out(4096);
    QVERIFY(!launch(index_kernel, dim3(1), dim3(2048), 0, nullptr, out.data()).ok());
    QVERIFY(!launch(index_kernel, dim3(0), dim3(32), 0, nullptr, out.data()).ok());
    const GpuStatus st = launch(dynamic_smem_kernel, dim3(1), dim3(32), size_t(1) << 20, nullptr,
                                reinterpret_cast<float*>(out.data()), 4);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("shared memory") != std::string::npos, st.error.c_str());
}

// A 4-byte load from an address that is not a multiple of 4 faults on a GPU; the sim reports
// it as a launch error too, and the next launch is clean.
void TestCudaSim::misalignedLoadIsReported()
{
    alignas(16) unsigned char buf[72] = {};
    for (int i = 0; i < 72; ++i)
        buf[i] = static_cast<unsigned char>(i);
    int out[16] = {};
    QVERIFY(
        launch(aligned_load_kernel, dim3(1), dim3(16), 0, nullptr, static_cast<const unsigned char*>(buf), out).ok());
    QCOMPARE(out[1], 4 | 5 << 8 | 6 << 16 | 7 << 24);
    const GpuStatus st =
        launch(aligned_load_kernel, dim3(1), dim3(16), 0, nullptr, static_cast<const unsigned char*>(buf + 2), out);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("misaligned") != std::string::npos, st.error.c_str());
    QVERIFY(
        launch(aligned_load_kernel, dim3(1), dim3(16), 0, nullptr, static_cast<const unsigned char*>(buf), out).ok());
}

void TestCudaSim::dp4aAndHalf()
{
    int dp = 0;
    float h[3] = {};
    QVERIFY(launch(half_dp4a_kernel, dim3(1), dim3(1), 0, nullptr, &dp, h).ok());
    // bytes (low first) a = 2, 127, -1, -128; b = -128, 127, -1, 2
    QCOMPARE(dp, 5 + 2 * -128 + 127 * 127 + 1 + -128 * 2);
    QCOMPARE(h[0], 0.0999755859375f);   // nearest half to 0.1
    QCOMPARE(h[1], 65504.0f);
    QVERIFY(std::isinf(h[2]));
}

void TestCudaSim::deviceMemoryLimit()
{
    sim_set_memory_limit(1 << 20);
    void* a = nullptr;
    void* b = nullptr;
    QVERIFY(device_malloc(&a, 600 << 10).ok());
    size_t free_b = 0, total = 0;
    QVERIFY(mem_info(&free_b, &total).ok());
    QCOMPARE(total, size_t(1) << 20);
    QCOMPARE(free_b, (size_t(1) << 20) - (600 << 10));
    const GpuStatus st = device_malloc(&b, 600 << 10);
    QVERIFY(!st.ok());
    QVERIFY(st.out_of_memory);
    QVERIFY(b == nullptr);
    device_free(a);
    QVERIFY(device_malloc(&b, 600 << 10).ok());
    device_free(b);
    QCOMPARE(sim_bytes_in_use(), size_t(0));
    sim_set_memory_limit(0);
}

void TestCudaSim::gemmF16()
{
    // w (2, 3), x (2, 3) in F16 bits of small integers: exact products.
    const uint16_t one = 0x3C00, two = 0x4000, three = 0x4200, neg = 0xBC00;
    const uint16_t w[6] = {one, two, three, neg, one, two};
    const uint16_t x[6] = {one, one, one, two, neg, three};
    float y[2 * 3] = {};
    QVERIFY(gemm_f16(nullptr, 2, 2, 3, w, x, y, 3).ok());
    QCOMPARE(y[0], 6.0f);   // t0 . w0
    QCOMPARE(y[1], 2.0f);   // t0 . w1
    QCOMPARE(y[3], 2.0f - 2.0f + 9.0f);
    QCOMPARE(y[4], -2.0f - 1.0f + 6.0f);
    QVERIFY(!gemm_f16(nullptr, 2, 2, 3, w, x, y, 1).ok());
}

// Capture records launches without running them; each replay runs them again and reads the
// device memory of that moment; copies during a capture are refused; the count of graphs moves.
void TestCudaSim::graphCaptureAndReplay()
{
    std::vector<int> zeros(32, 0);
    void* out = nullptr;
    void* step = nullptr;
    QVERIFY(device_malloc(&out, 32 * sizeof(int)).ok());
    QVERIFY(device_malloc(&step, sizeof(int)).ok());
    QVERIFY(copy_to_device(out, zeros.data(), 32 * sizeof(int), nullptr).ok());
    Stream s = nullptr;
    QVERIFY(stream_create(&s).ok());
    QVERIFY(!capture_begin(nullptr).ok());   // the default stream cannot be captured
    const int graphs_before = sim_graphs_captured();
    QVERIFY(capture_begin(s).ok());
    QVERIFY(
        launch(add_step_kernel, dim3(1), dim3(32), 0, s, static_cast<int*>(out), static_cast<const int*>(step)).ok());
    QVERIFY(
        launch(add_step_kernel, dim3(1), dim3(32), 0, s, static_cast<int*>(out), static_cast<const int*>(step)).ok());
    const int one = 1;
    auto refused = copy_to_device(step, &one, sizeof one, s);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error.find("capturing") != std::string::npos, refused.error.c_str());
    Graph g = nullptr;
    QVERIFY(capture_end(s, &g).ok());
    QCOMPARE(sim_graphs_captured(), graphs_before + 1);
    std::vector<int> host(32);
    QVERIFY(copy_to_host(host.data(), out, 32 * sizeof(int), s).ok());
    QCOMPARE(host, zeros);   // nothing ran during the capture
    for (int v : {3, 10}) {
        QVERIFY(copy_to_device(step, &v, sizeof v, s).ok());
        QVERIFY(graph_launch(g, s).ok());
    }
    QVERIFY(copy_to_host(host.data(), out, 32 * sizeof(int), s).ok());
    QCOMPARE(host, std::vector<int>(32, 2 * 3 + 2 * 10));
    graph_destroy(g);
    Graph none = nullptr;
    QVERIFY(!capture_end(s, &none).ok());   // no capture in progress
    device_free(out);
    device_free(step);
}

// The sim's wmma tiles: the product of small integers (exact in F16 and F32) plus the fill.
void TestCudaSim::warpMatrixTiles()
{
    std::vector<uint16_t> a(256), b(256);
    std::vector<float> want(256);
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) {
            a[size_t(i * 16 + j)] = causerie::kernels::fp32_to_fp16(float((i + 2 * j) % 7 - 3));
            b[size_t(j * 16 + i)] =
                causerie::kernels::fp32_to_fp16(float((3 * i + j) % 5 - 2));   // col-major: (k=i, n=j) at j*16+i
        }
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 16; ++j) {
            float sum = 1.0f;
            for (int k = 0; k < 16; ++k)
                sum += float((i + 2 * k) % 7 - 3) * float((3 * k + j) % 5 - 2);
            want[size_t(i * 16 + j)] = sum;
        }
    void *da = nullptr, *db = nullptr, *dc = nullptr;   // device_malloc is 256-byte aligned
    QVERIFY(device_malloc(&da, 512).ok() && device_malloc(&db, 512).ok() && device_malloc(&dc, 1024).ok());
    QVERIFY(copy_to_device(da, a.data(), 512, nullptr).ok());
    QVERIFY(copy_to_device(db, b.data(), 512, nullptr).ok());
    auto st = launch(wmma_kernel, dim3(1), dim3(32), 0, nullptr, static_cast<const __half*>(da),
                     static_cast<const __half*>(db), static_cast<float*>(dc), false);
    QVERIFY2(st.ok(), st.error.c_str());
    std::vector<float> c(256);
    QVERIFY(copy_to_host(c.data(), dc, 1024, nullptr).ok());
    QCOMPARE(c, want);
    st = launch(wmma_kernel, dim3(1), dim3(32), 0, nullptr, static_cast<const __half*>(da),
                static_cast<const __half*>(db), static_cast<float*>(dc), true);
    QVERIFY(!st.ok());   // half the warp left before a warp-collective call
    st = launch(wmma_kernel, dim3(1), dim3(32), 0, nullptr, static_cast<const __half*>(da) + 1,
                static_cast<const __half*>(db), static_cast<float*>(dc), false);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("aligned") != std::string::npos, st.error.c_str());
    device_free(da);
    device_free(db);
    device_free(dc);
}

// Int8 tiles with int32 accumulators: exact, extremes included (-128 x -128 summed 32 times),
// counted as 2 x 16^3 operations per mma once per warp, the tiles' bytes as shared traffic.
void TestCudaSim::warpMatrixTilesInt8()
{
    // a (m, k) at index m*32 + k, b (k, n) at n*32 + k; on the device in panels of 16 columns.
    std::vector<int8_t> a(16 * 32), b(16 * 32), pa(16 * 32), pb(16 * 32);
    for (int i = 0; i < 16 * 32; ++i) {
        a[size_t(i)] = int8_t(i < 32 ? -128 : (i * 37) % 256 - 128);
        b[size_t(i)] = int8_t(i < 32 ? -128 : (i * 91 + 5) % 256 - 128);
    }
    for (int m = 0; m < 16; ++m)
        for (int k = 0; k < 32; ++k) {
            pa[size_t((k / 16) * 256 + m * 16 + k % 16)] = a[size_t(m * 32 + k)];
            pb[size_t((k / 16) * 256 + m * 16 + k % 16)] = b[size_t(m * 32 + k)];
        }
    std::vector<int> want(16 * 20, 0), rows(32, 0);
    for (int m = 0; m < 16; ++m)
        for (int n = 0; n < 16; ++n) {
            int sum = 7;
            for (int k = 0; k < 32; ++k)
                sum += int(a[size_t(m * 32 + k)]) * int(b[size_t(n * 32 + k)]);
            want[size_t(m * 20 + n)] = sum;
        }
    QCOMPARE(want[0], 7 + 32 * 128 * 128);   // row 0 x column 0: the extremes
    for (int l = 0; l < 32; ++l)
        for (int j = 0; j < 16; ++j)
            rows[size_t(l)] += want[size_t((l / 2) * 20 + j)];
    void *da = nullptr, *db = nullptr, *dc = nullptr, *dr = nullptr;
    QVERIFY(device_malloc(&da, 512).ok() && device_malloc(&db, 512).ok() && device_malloc(&dc, 16 * 20 * 4).ok() &&
            device_malloc(&dr, 32 * 4).ok());
    QVERIFY(copy_to_device(da, pa.data(), 512, nullptr).ok());
    QVERIFY(copy_to_device(db, pb.data(), 512, nullptr).ok());
    QVERIFY(memset_device(dc, 0, 16 * 20 * 4, nullptr).ok());
    simrt::set_counting(true);
    simrt::reset_counters();
    auto st = launch(wmma_int8_kernel, dim3(1), dim3(32), 0, nullptr, static_cast<const signed char*>(da),
                     static_cast<const signed char*>(db), static_cast<int*>(dc), static_cast<int*>(dr));
    simrt::set_counting(false);
    QVERIFY2(st.ok(), st.error.c_str());
    const auto c = simrt::counters();
    QCOMPARE(c.mma_int8_ops, 2.0 * 2 * 16 * 16 * 16);
    QCOMPARE(c.mma_f16_flops, 0.0);
    QCOMPARE(c.shared_bytes, 4.0 * 256 + 16 * 16 * 4);   // four int8 tiles loaded, one int32 tile stored
    std::vector<int> got(16 * 20), back(32);
    QVERIFY(copy_to_host(got.data(), dc, got.size() * 4, nullptr).ok());
    QVERIFY(copy_to_host(back.data(), dr, back.size() * 4, nullptr).ok());
    for (int m = 0; m < 16; ++m)
        for (int n = 0; n < 16; ++n)
            QCOMPARE(got[size_t(m * 20 + n)], want[size_t(m * 20 + n)]);
    QCOMPARE(back, rows);
    device_free(da);
    device_free(db);
    device_free(dc);
    device_free(dr);
}

// mma.sync m16n8k32 / m16n8k16 (s8, s32 accumulate) with PTX's per-lane fragment layout: exact,
// extremes included, 2 x 16 x 8 x K operations counted once per warp.
void TestCudaSim::mmaFragmentsInt8()
{
    for (int k : {32, 16}) {
        std::vector<int8_t> a(size_t(16 * k)), b(size_t(8 * k));
        for (size_t i = 0; i < a.size(); ++i)
            a[i] = int8_t(i < size_t(k) ? -128 : int(i * 37 % 256) - 128);
        for (size_t i = 0; i < b.size(); ++i)
            b[i] = int8_t(i < size_t(k) ? -128 : int(i * 91 % 256) - 128);
        std::vector<int> want(16 * 8);
        for (int m = 0; m < 16; ++m)
            for (int n = 0; n < 8; ++n) {
                int s = m * 8 + n;
                for (int kk = 0; kk < k; ++kk)
                    s += int(a[size_t(m * k + kk)]) * int(b[size_t(n * k + kk)]);
                want[size_t(m * 8 + n)] = s;
            }
        QCOMPARE(want[0], k * 128 * 128);
        void *da = nullptr, *db = nullptr, *dd = nullptr;
        QVERIFY(device_malloc(&da, a.size()).ok() && device_malloc(&db, b.size()).ok() &&
                device_malloc(&dd, want.size() * 4).ok());
        QVERIFY(copy_to_device(da, a.data(), a.size(), nullptr).ok());
        QVERIFY(copy_to_device(db, b.data(), b.size(), nullptr).ok());
        simrt::set_counting(true);
        simrt::reset_counters();
        const auto st = launch(mma_fragments_kernel, dim3(1), dim3(32), 0, nullptr, static_cast<const int8_t*>(da),
                               static_cast<const int8_t*>(db), static_cast<int*>(dd), k);
        simrt::set_counting(false);
        QVERIFY2(st.ok(), st.error.c_str());
        QCOMPARE(simrt::counters().mma_int8_ops, 2.0 * 16 * 8 * k);
        std::vector<int> got(want.size());
        QVERIFY(copy_to_host(got.data(), dd, got.size() * 4, nullptr).ok());
        QCOMPARE(got, want);
        device_free(da);
        device_free(db);
        device_free(dd);
    }
}

namespace {

// Two input buffers whose first byte starts a 32-byte sector (so the load counts are the textbook
// ones) and an output of `out_ints` ints, all freed at the end of the scope.
struct SectorAlignedBuffers {
    void* raw_a = nullptr;
    void* raw_b = nullptr;
    void* raw_out = nullptr;
    uint8_t* a = nullptr;
    uint8_t* b = nullptr;
    bool ok = false;

    SectorAlignedBuffers(size_t a_bytes, size_t b_bytes, size_t out_ints)
    {
        ok = device_malloc(&raw_a, a_bytes + 32).ok() && device_malloc(&raw_b, b_bytes + 32).ok() &&
             device_malloc(&raw_out, out_ints * sizeof(int)).ok();
        if (ok) {
            a = sector_start(raw_a);
            b = sector_start(raw_b);
        }
    }
    ~SectorAlignedBuffers()
    {
        for (void* p : {raw_a, raw_b, raw_out})
            if (p)
                device_free(p);
    }
    std::tuple<uint8_t*, uint8_t*, void*> parts() const { return {a, b, raw_out}; }
    SectorAlignedBuffers(const SectorAlignedBuffers&) = delete;
    SectorAlignedBuffers& operator=(const SectorAlignedBuffers&) = delete;

    static uint8_t* sector_start(void* p)
    {
        auto* bytes = static_cast<uint8_t*>(p);
        return bytes + (32 - reinterpret_cast<uintptr_t>(bytes) % 32) % 32;
    }
};

}   // namespace

void TestCudaSim::countsWarpLoads()
{
    const SectorAlignedBuffers buf(1024, 1024, 64);
    QVERIFY(buf.ok);
    const auto [a, b, raw_out] = buf.parts();
    std::memset(a, 1, 1024);
    std::memset(b, 2, 1024);

    // Off: launches are counted, loads are not.
    simrt::reset_counters();
    QVERIFY(launch(counted_loads_kernel, dim3(1), dim3(64), 0, nullptr, a, b, static_cast<int*>(raw_out)).ok());
    auto c = simrt::counters();
    QCOMPARE(c.launches, uint64_t(1));
    QCOMPARE(c.kernels["tst_cuda_sim"].launches, uint64_t(1));
    QCOMPARE(c.kernels["tst_cuda_sim"].loads.instructions, uint64_t(0));

    simrt::set_counting(true);
    simrt::reset_counters();
    for (const auto order : {simrt::Schedule::Forward, simrt::Schedule::Reverse}) {
        simrt::set_schedule(order);
        QVERIFY(launch(counted_loads_kernel, dim3(2), dim3(64), 0, nullptr, a, b, static_cast<int*>(raw_out)).ok());
    }
    simrt::set_counting(false);
    c = simrt::counters();
    const simrt::AccessCounts loads = c.kernels["tst_cuda_sim"].loads;
    // Per warp: 1 contiguous + 2 strided + 4 loop instructions; 2 warps, 2 blocks, 2 launches.
    QCOMPARE(loads.instructions, uint64_t(7 * 2 * 2 * 2));
    // Lanes: 32 + 2 x 32 + (8 x (1 + 2 + 3 + 4)) = 176 per warp.
    QCOMPARE(loads.lane_accesses, uint64_t(176 * 8));
    QCOMPARE(loads.bytes, uint64_t(176 * 2 * 8));
    // Sectors per warp: contiguous 64 B = 2 (warp 1 reads bytes 64..127: 2 more sectors, also 2);
    // strided 16-bit loads at 18 l + 2 and 18 l + 4, l < 32, span bytes 2..563: 18 sectors each;
    // loop step i: 2 sectors for the lanes still in it.
    QCOMPARE(loads.sectors, uint64_t((2 + 18 + 18 + 4 * 2) * 8));
}

// 16- and 8-byte loads (common.cuh's load_i32x4_a16 / load_i32x2_a8), as the packed matvec
// layouts use them: one instruction per warp, every byte of the sectors it touches used.
void TestCudaSim::countsWideLoads()
{
    const SectorAlignedBuffers buf(512, 256, 32);
    QVERIFY(buf.ok);
    const auto [a, b, raw_out] = buf.parts();
    for (int i = 0; i < 512; ++i)
        a[i] = uint8_t(i % 7);
    std::memset(b, 0, 256);
    simrt::set_counting(true);
    simrt::reset_counters();
    const GpuStatus st = launch(wide_load_kernel, dim3(1), dim3(32), 0, nullptr, static_cast<const unsigned char*>(a),
                                static_cast<const unsigned char*>(b), static_cast<int*>(raw_out));
    simrt::set_counting(false);
    QVERIFY2(st.ok(), st.error.c_str());
    auto c = simrt::counters();
    const simrt::AccessCounts loads = c.kernels["tst_cuda_sim"].loads;
    QCOMPARE(loads.instructions, uint64_t(2));     // one 16-byte and one 8-byte instruction
    QCOMPARE(loads.lane_accesses, uint64_t(64));   // 32 lanes each
    QCOMPARE(loads.bytes, uint64_t(32 * 16 + 32 * 8));
    QCOMPARE(loads.sectors, uint64_t(512 / 32 + 256 / 32));   // 16 + 8: fully used sectors
    // The values: bytes 16 l .. 16 l + 15 of a, as four little-endian words.
    std::vector<int> out(32);
    QVERIFY(copy_to_host(out.data(), raw_out, 32 * sizeof(int), nullptr).ok());
    int want = 0;
    for (int k = 0; k < 4; ++k) {
        uint32_t word = 0;
        for (int j = 0; j < 4; ++j)
            word |= uint32_t((16 * 3 + 4 * k + j) % 7) << (8 * j);
        want += int(word);
    }
    QCOMPARE(out[3], want);
}

void TestCudaSim::misalignedWideLoadIsReported()
{
    alignas(16) unsigned char buf[32 * 16 + 32] = {};
    int out[32] = {};
    const auto* p = static_cast<const unsigned char*>(buf);
    QVERIFY(launch(wide_load_kernel, dim3(1), dim3(32), 0, nullptr, p, p, out).ok());
    GpuStatus st = launch(wide_load_kernel, dim3(1), dim3(32), 0, nullptr, p + 8, p, out);   // 8 mod 16
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("misaligned 16-byte load") != std::string::npos, st.error.c_str());
    st = launch(wide_load_kernel, dim3(1), dim3(32), 0, nullptr, p, p + 4, out);   // 4 mod 8
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("misaligned 8-byte load") != std::string::npos, st.error.c_str());
}

void TestCudaSim::countsLaunchesAndHostSyncs()
{
    void* d = nullptr;
    QVERIFY(device_malloc(&d, 64 * sizeof(int)).ok());
    simrt::reset_counters();
    int host[64] = {};
    QVERIFY(copy_to_device(d, host, sizeof host, nullptr).ok());
    for (int i = 0; i < 3; ++i)
        QVERIFY(launch(index_kernel, dim3(1), dim3(64), 0, nullptr, static_cast<int*>(d)).ok());
    QVERIFY(copy_to_host(host, d, sizeof host, nullptr).ok());
    QVERIFY(stream_sync(nullptr).ok());
    const auto c = simrt::counters();
    QCOMPARE(c.launches, uint64_t(3));
    QCOMPARE(c.copies_to_device, uint64_t(1));
    QCOMPARE(c.host_syncs, uint64_t(2));   // the copy to the host waits, and the explicit sync
    device_free(d);
}

// The bank model on requests worked by hand (sim_runtime.h, SharedCounts).
void TestCudaSim::sharedRequestCostModel()
{
    using simrt::LaneAccess;
    auto cost = [](const std::vector<LaneAccess>& a) { return simrt::shared_request_cost(a); };
    // Lanes 0 .. n - 1, each `bytes` at `stride` x lane.
    auto lanes = [](uint32_t n, uintptr_t stride, uint32_t bytes) {
        std::vector<LaneAccess> r;
        for (uint32_t l = 0; l < n; ++l)
            r.push_back({l, stride * l, bytes});
        return r;
    };
    // 4-byte: 32 lanes on consecutive words: one wavefront; all on one word: one (a broadcast).
    QCOMPARE(cost(lanes(32, 4, 4)).wavefronts, uint64_t(1));
    std::vector<LaneAccess> req = lanes(32, 0, 4);
    QCOMPARE(cost(req).wavefronts, uint64_t(1));
    // Lane 1 on a word 128 bytes further (the same bank), the others broadcast: 2-way.
    req[1].address = 128;
    QCOMPARE(cost(req).wavefronts, uint64_t(2));
    QCOMPARE(cost(req).ideal_wavefronts, uint64_t(1));
    // 2-byte: lanes on consecutive halves share words in pairs: 16 words, one wavefront.
    QCOMPARE(cost(lanes(32, 2, 2)).wavefronts, uint64_t(1));
    // 8-byte: 256 contiguous bytes, two phases of 16 lanes x 8 bytes = 128 bytes each: 2, no
    // conflict; lanes 16 bytes apart: each phase spans 256 bytes, two words per bank: 2 x 2.
    QCOMPARE(cost(lanes(32, 8, 8)).wavefronts, uint64_t(2));
    QCOMPARE(cost(lanes(32, 8, 8)).ideal_wavefronts, uint64_t(2));
    QCOMPARE(cost(lanes(32, 16, 8)).wavefronts, uint64_t(4));
    // 16-byte: 512 contiguous bytes, four phases of 8 lanes x 16 bytes: 4, no conflict; only lanes
    // 0-7 active: one phase; 8 lanes 256 bytes apart: all in banks 0-3, 8-way.
    QCOMPARE(cost(lanes(32, 16, 16)).wavefronts, uint64_t(4));
    QCOMPARE(cost(lanes(32, 16, 16)).bytes, uint64_t(512));
    QCOMPARE(cost(lanes(8, 16, 16)).wavefronts, uint64_t(1));
    QCOMPARE(cost(lanes(8, 16, 16)).ideal_wavefronts, uint64_t(1));
    QCOMPARE(cost(lanes(8, 256, 16)).wavefronts, uint64_t(8));
    QCOMPARE(cost({}).requests, uint64_t(0));
}

void TestCudaSim::countsSharedBankConflicts()
{
    int* out = nullptr;
    QVERIFY(device_malloc(reinterpret_cast<void**>(&out), 64 * sizeof(int)).ok());
    struct Case {
        int stride;
        uint64_t wavefronts;   // per warp: the store, the load, the broadcast load
    };
    for (const Case k : {Case{32, 32 + 32 + 1}, Case{33, 1 + 1 + 1}, Case{1, 1 + 1 + 1}}) {
        simrt::set_counting(true);
        simrt::reset_counters();
        const GpuStatus st = launch(bank_kernel, dim3(1), dim3(64), 0, nullptr, k.stride, out);
        simrt::set_counting(false);
        QVERIFY2(st.ok(), st.error.c_str());
        const simrt::SharedCounts c = simrt::counters().kernels["tst_cuda_sim"].shared;
        QCOMPARE(c.requests, uint64_t(3 * 2));   // two warps
        QCOMPARE(c.lane_accesses, uint64_t(3 * 64));
        QCOMPARE(c.bytes, uint64_t(3 * 64 * 4));
        QCOMPARE(c.wavefronts, 2 * k.wavefronts);
        QCOMPARE(c.ideal_wavefronts, uint64_t(3 * 2));
        int host[64];
        QVERIFY(copy_to_host(host, out, sizeof host, nullptr).ok());
        QCOMPARE(host[37], 5 + 5);   // lane 5 of warp 1: its own word and word 5 x stride
    }
    // The 32-way case, per request: 32 wavefronts for the store and for the load.
    simrt::set_counting(true);
    simrt::reset_counters();
    QVERIFY(launch(bank_kernel, dim3(1), dim3(32), 0, nullptr, 32, out).ok());
    simrt::set_counting(false);
    const simrt::SharedCounts c = simrt::counters().kernels["tst_cuda_sim"].shared;
    QCOMPARE(c.wavefronts - 1, uint64_t(2 * 32));
    // Off: nothing is gathered.
    simrt::reset_counters();
    QVERIFY(launch(bank_kernel, dim3(1), dim3(32), 0, nullptr, 32, out).ok());
    QCOMPARE(simrt::counters().kernels["tst_cuda_sim"].shared.requests, uint64_t(0));
    device_free(out);
}

// wmma tiles as ldmatrix reads them (wmma_sim.h): lines of 16 halves (32 bytes) put lines 0 and 4
// of a phase in the same banks (2-way, 8 wavefronts for the 4 phases); lines of 24 halves (48
// bytes: 12 banks apart) are conflict-free (4). The F32 store, four 8-byte requests of two phases:
// ld 16 floats puts rows g and g + 2 in the same banks (2-way: 16), ld 24 none (8).
void TestCudaSim::countsWmmaTileWavefronts()
{
    float* out = nullptr;
    QVERIFY(device_malloc(reinterpret_cast<void**>(&out), 32 * sizeof(float)).ok());
    struct Case {
        unsigned ld;
        uint64_t load_wavefronts, store_wavefronts;
    };
    for (const Case k : {Case{16, 8, 16}, Case{24, 4, 8}}) {
        simrt::set_counting(true);
        simrt::reset_counters();
        const GpuStatus st = launch(wmma_bank_kernel, dim3(1), dim3(32), 16 * k.ld * (2 + 4), nullptr, k.ld, out);
        simrt::set_counting(false);
        QVERIFY2(st.ok(), st.error.c_str());
        const simrt::SharedCounts c = simrt::counters().kernels["tst_cuda_sim"].shared;
        QCOMPARE(c.requests, uint64_t(2 + 4 + 1));   // two tile loads, four store requests, the read back
        QCOMPARE(c.ideal_wavefronts, uint64_t(2 * 4 + 4 * 2 + 1));
        QCOMPARE(c.wavefronts, 2 * k.load_wavefronts + k.store_wavefronts + 1);
        float host[32];
        QVERIFY(copy_to_host(host, out, sizeof host, nullptr).ok());
        QCOMPARE(host[3], 16.0f);   // a row of ones times a column of ones
    }
    device_free(out);
}

void TestCudaSim::misalignedSharedAccessIsReported()
{
    int out[32] = {};
    const GpuStatus st = launch(misaligned_shared_kernel, dim3(1), dim3(32), 0, nullptr, out);
    QVERIFY(!st.ok());
    QVERIFY2(st.error.find("misaligned 16-byte shared-memory access") != std::string::npos, st.error.c_str());
}

QTEST_GUILESS_MAIN(TestCudaSim)
#include "tst_cuda_sim.moc"
