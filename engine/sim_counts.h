#pragma once
// What the cuda-sim device counted while kernels ran (kernels/cuda/sim/sim_runtime.h): the work a
// GPU would be asked to do, counted rather than timed; `causerie-cli bench --device cuda-sim
// --json` reports it and docs/gpu-model.md turns it into estimates. Only in builds with the sim.
#include <cstdint>
#include <string>
#include <vector>

namespace causerie {

struct SimKernelCounts {
    std::string kernel;   // the kernel's file: "matvec", "rmsnorm", …
    uint64_t launches = 0;
    uint64_t load_instructions = 0;    // warp-wide global loads (through common.cuh's helpers)
    uint64_t load_lane_accesses = 0;   // single-lane loads they gather
    uint64_t load_bytes = 0;           // bytes the lanes asked for
    uint64_t load_sectors = 0;         // 32-byte sectors touched, summed over instructions
    double mma_int8_ops = 0;           // tensor-core work and shared-memory traffic (SimCounts)
    double mma_f16_flops = 0;
    double shared_bytes = 0;
    // Shared-memory requests through common.cuh's helpers and wmma, and the bank wavefronts they
    // take (sim_runtime.h, SharedCounts: 32 banks; ideal = one per active phase, no conflict).
    uint64_t shared_requests = 0;
    uint64_t shared_wavefronts = 0;
    uint64_t shared_ideal_wavefronts = 0;
};

struct SimCounts {
    uint64_t launches = 0;
    uint64_t host_syncs = 0;
    uint64_t copies_to_device = 0;
    uint64_t gemm_calls = 0;   // F16 GEMMs (cuBLAS on a GPU)
    double gemm_flops = 0;
    double gemm_bytes = 0;
    double mma_int8_ops = 0;                // tensor-core int8 work, 2 m n k per mma (the int8 GEMM, mmq.cu)
    double mma_f16_flops = 0;               // tensor-core F16 work in kernels (wmma), 2 m n k per mma
    double shared_bytes = 0;                // shared-memory traffic the kernels report (wmma tiles, staging)
    std::vector<SimKernelCounts> kernels;   // by name
};

// Loads are recorded only while counting is on (it slows the sim several times).
void sim_set_counting(bool on);
void sim_reset_counts();
SimCounts sim_counts();

}   // namespace causerie
