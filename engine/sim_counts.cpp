#include "sim_counts.h"

#include "kernels/cuda/sim/sim_runtime.h"

namespace causerie {

void sim_set_counting(bool on) { cuda_sim::set_counting(on); }

void sim_reset_counts() { cuda_sim::reset_counters(); }

SimCounts sim_counts()
{
    const cuda_sim::Counters c = cuda_sim::counters();
    SimCounts out;
    out.launches = c.launches;
    out.host_syncs = c.host_syncs;
    out.copies_to_device = c.copies_to_device;
    out.gemm_calls = c.gemm_calls;
    out.gemm_flops = c.gemm_flops;
    out.gemm_bytes = c.gemm_bytes;
    out.mma_int8_ops = c.mma_int8_ops;
    out.mma_f16_flops = c.mma_f16_flops;
    out.shared_bytes = c.shared_bytes;
    for (const auto& [name, k] : c.kernels)
        out.kernels.push_back({name, k.launches, k.loads.instructions, k.loads.lane_accesses, k.loads.bytes,
                               k.loads.sectors, k.mma_int8_ops, k.mma_f16_flops, k.shared_bytes, k.shared.requests,
                               k.shared.wavefronts, k.shared.ideal_wavefronts});
    return out;
}

}   // namespace causerie
