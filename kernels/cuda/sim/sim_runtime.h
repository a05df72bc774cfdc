#pragma once
// The CUDA sim's execution model: a grid of blocks run one after another on the calling OS
// thread; within a block every GPU thread is a Boost.Context fiber. A fiber runs until it
// reaches a synchronisation point (__syncthreads, a warp shuffle, __syncwarp) and then yields to
// the block's scheduler, which releases a barrier only when every live thread of the block
// (or of the warp, for shuffles) has arrived. So a kernel that forgets a __syncthreads() reads
// stale shared memory here as it would on a GPU, and a divergent barrier is reported instead of
// hanging.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace causerie::cuda_sim {

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1)
        : x(x_)
        , y(y_)
        , z(z_)
    {
    }
};

inline constexpr int kWarpSize = 32;
inline constexpr unsigned kMaxThreadsPerBlock = 1024;

// Order in which the scheduler resumes the threads of a block between two sync points.
// Reverse runs lane 31 before lane 0: a kernel whose result depends on that order has a race
// that forward order happened to hide. Tests run kernels in both orders.
enum class Schedule { Forward, Reverse };
void set_schedule(Schedule s);
Schedule schedule();

// Runs body once per GPU thread of the grid (threadIdx etc. are set while it runs).
// Returns an empty string, or what went wrong (bad launch shape, deadlock, divergent barrier).
// `source` names the kernel's file for the counters (launch.h passes the .cu file).
std::string run_grid(dim3 grid, dim3 block, size_t dynamic_smem_bytes, const std::function<void()>& body,
                     const char* source = nullptr);

// What a running fiber sees. Only valid inside run_grid's body.
struct ThreadContext {
    dim3 thread_idx;
    dim3 block_idx;
    dim3 block_dim;
    dim3 grid_dim;
};
const ThreadContext& current();
void* dynamic_shared_memory();

void sync_threads();
void sync_warp(unsigned mask);
// Warp shuffle of `bits` (a value of up to 8 bytes). src_lane is the lane to read from, already
// computed by the caller for xor/down/idx; out-of-range sources give the caller's own value.
uint64_t shuffle(unsigned mask, uint64_t bits, int src_lane);

// A GPU would stop the kernel with an error (e.g. a misaligned address): the launch then
// returns `what` as its error. The thread carries on (the sim cannot stop it mid-way).
void report_fault(const char* what);

// Kernels launched since start (a cheap way for tests to see that work ran on the "device").
uint64_t launches();

// ---- Counters: what a GPU would be asked to do, counted instead of timed --------------------
// (docs/gpu-model.md turns them into estimates). Launches and host syncs are always counted.
// Global loads are recorded only while counting is on (it slows the sim): each load a kernel
// makes through common.cuh's load helpers, at an address inside a device allocation (shared
// memory and host pointers are not global memory), is grouped with the loads of the other lanes
// of its warp made at the same place in the kernel for the same time (the n-th load of each lane
// at that site), as the hardware issues one warp-wide instruction for them; each instruction
// touches the distinct 32-byte sectors its lanes' bytes fall in. A lane that skips a site in the
// middle of a loop and runs it later would be grouped one iteration off: the kernels measured
// this way skip loads only at the end of a loop. The n-th is counted from the block's last
// __syncthreads (no instruction spans one), so a lane skipping a site in some steps of a loop
// that has a barrier per step is grouped right.
struct AccessCounts {
    uint64_t instructions = 0;    // warp-wide load instructions
    uint64_t lane_accesses = 0;   // loads made by single lanes
    uint64_t bytes = 0;           // bytes the lanes asked for
    uint64_t sectors = 0;         // 32-byte sectors touched, summed over instructions
};
// Shared memory: each access (load or store) a kernel makes through common.cuh's shared helpers
// (load_shared, store_shared) or a wmma tile call, at an address outside the device allocations,
// grouped per warp-wide instruction as loads are (above). The model of the banks (as NVIDIA
// documents them since Maxwell): 32 banks of 4 bytes, the word at byte address a in bank
// (a / 4) % 32. A request is served in phases: accesses of up to 4 bytes in one phase of 32
// lanes, 8-byte ones in two of 16 lanes (lanes 0-15, 16-31), 16-byte ones in four of 8 lanes. A
// phase takes as many wavefronts (passes of the banks) as the most distinct 4-byte words any one
// bank holds among its lanes' bytes: lanes on the same word share it (a broadcast for loads, one
// write for stores), n distinct words in one bank are an n-way conflict. A conflict-free request
// takes one wavefront per phase with an active lane (`ideal_wavefronts`).
// Grouping by site has one more limit here: the host compiler may duplicate an access along a
// lane-dependent branch (jump threading), which splits one GPU instruction into two sites; the
// kernels make their shared accesses before such conditions (attention_prefill.cu's softmax).
// Bank conflicts are not timed: the estimate prices shared_bytes (count_shared) alone.
struct SharedCounts {
    uint64_t requests = 0;           // warp-wide shared-memory instructions
    uint64_t wavefronts = 0;         // bank passes they take
    uint64_t ideal_wavefronts = 0;   // what they would take without conflicts (active phases)
    uint64_t lane_accesses = 0;      // accesses made by single lanes
    uint64_t bytes = 0;              // bytes the lanes moved
};
struct KernelCounts {
    uint64_t launches = 0;
    AccessCounts loads;
    SharedCounts shared;                                            // bank wavefronts (record_shared)
    double mma_int8_ops = 0, mma_f16_flops = 0, shared_bytes = 0;   // count_mma / count_shared
};
struct Counters {
    uint64_t launches = 0;     // every launch since reset_counters()
    uint64_t host_syncs = 0;   // waits of the host for the device (copies to host, stream syncs)
    uint64_t copies_to_device = 0;
    uint64_t pageable_copies_to_device = 0;        // of those, from memory not allocated as pinned
    uint64_t gemm_calls = 0;                       // cuBLAS F16 GEMMs (device.h gemm_f16)
    double gemm_flops = 0;                         // 2 m n k each
    double gemm_bytes = 0;                         // their operands read and result written, once each
    double mma_int8_ops = 0;                       // tensor-core int8 work (2 m n k per warp-wide mma)
    double mma_f16_flops = 0;                      // tensor-core F16 work (2 m n k per warp-wide mma)
    double shared_bytes = 0;                       // shared-memory bytes the kernels report moving
    std::map<std::string, KernelCounts> kernels;   // by the kernel's file: "matvec", "rmsnorm", …
};
void set_counting(bool on);
bool counting();
Counters counters();
void reset_counters();
void count_host_sync();
void count_gemm(int64_t m, int64_t n, int64_t k, size_t operand_bytes, size_t result_bytes);
// Tensor-core work (wmma_sim.h, once per warp-wide call) and shared-memory traffic (the wmma
// tile loads and stores, and what kernels report with count_shared), while counting is on.
void count_mma(bool int8, int64_t m, int64_t n, int64_t k);
void count_shared(size_t bytes);
// Device allocations, so that only loads from global memory are counted (device_sim.cpp).
void add_device_range(const void* p, size_t bytes);
void remove_device_range(const void* p);
// Pinned host allocations (device.h host_alloc_pinned), so that copies from pageable memory
// can be counted.
void add_pinned_range(const void* p, size_t bytes);
void remove_pinned_range(const void* p);
void count_copy_to_device(const void* src, size_t bytes);   // counts it, and whether it is pageable

// A fault that leaves the device unusable (an illegal address on a GPU): after `after_launches`
// more launches, the next one fails with `what`, and so does every later launch (and every copy
// and sync of device_sim.cpp) until clear_fault(). sticky_fault(): the message, empty when none.
void inject_fault(uint64_t after_launches, std::string what);
std::string sticky_fault();
void clear_fault();

// One lane's load of `bytes` at p (common.cuh's helpers call it).
void record_load(const void* p, size_t bytes);
// One lane's shared-memory access of `bytes` (1, 2, 4, 8 or 16) at p, a load or a store
// (common.cuh's shared helpers, wmma_sim.h's tile calls); a misaligned one faults, as on a GPU.
void record_shared(const void* p, size_t bytes);
// The wavefronts of one warp-wide shared request under the model above: accesses (lane 0-31,
// byte address, width). Exposed for the tests.
struct LaneAccess {
    uint32_t lane;
    uintptr_t address;
    uint32_t bytes;
};
SharedCounts shared_request_cost(const std::vector<LaneAccess>& accesses);

// Stream capture (CUDA graphs), per OS thread like cudaStreamCaptureModeThreadLocal: between
// begin_capture() and end_capture(), launch() records each launch (kernel and arguments by
// value) instead of running it; a graph replays its recorded launches in order.
using RecordedLaunch = std::function<std::string()>;   // runs one launch: empty or the error
void begin_capture();
bool capturing();
// `source`: the kernel's file (launch.h). With lazy module loading (CUDA's default since 12.2) a
// kernel's module is loaded at its first launch, and a load during a capture fails it; the sim
// keeps the files launched outside a capture, and capture_error() reports a capture that
// recorded a launch of another one (device_sim.cpp's capture_end then fails).
void record(RecordedLaunch launch, const char* source = nullptr);
std::string capture_error();
void forget_warm_kernels();   // as at the program's start (tests)
std::vector<RecordedLaunch> end_capture();

}   // namespace causerie::cuda_sim
