#include "bench_sim.h"

#include "engine/backend_cuda.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/sim_counts.h"
#include "engine/tokenizer.h"
#include "json.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <string_view>
#include <vector>

namespace causerie::cli {

#if defined(CAUSERIE_HAVE_CUDA_SIM)
namespace {

// Counts of one run, as doubles so that differences and per-token means read naturally.
struct Counts {
    double launches = 0, host_syncs = 0;
    double load_instructions = 0, load_lanes = 0, load_bytes = 0, load_sectors = 0;
    double matvec_lanes = 0, matvec_bytes = 0, matvec_sectors = 0, matvec_instructions = 0;
    double gemm_flops = 0, gemm_bytes = 0;
    double attention_bytes = 0, attention_sectors = 0;    // attention.cu's loads (the K/V cache)
    double mma_int8 = 0, mma_f16 = 0, shared_bytes = 0;   // tensor-core work, shared-memory traffic
    // The attention kernels' share of load_instructions, load_bytes, load_sectors, mma_f16 and
    // shared_bytes: it grows with the context, the rest of a prefill's work per token does not.
    double attn_instructions = 0, attn_bytes = 0, attn_sectors = 0, attn_mma_f16 = 0, attn_shared = 0;
    double prefill_attention_bytes = 0;   // attention_prefill.cu's loads (Q, and K/V once per GQA group)
    // Shared-memory requests and their bank wavefronts (all kernels; by kernel file below).
    double shared_requests = 0, shared_wavefronts = 0, shared_ideal = 0;
    struct Shared {
        double requests = 0, wavefronts = 0, ideal = 0;
    };
    std::map<std::string, Shared> shared_by_kernel;   // per run, not per token (not in kFields)

    // Every field, for the arithmetic below.
    static constexpr double Counts::*kFields[] = {&Counts::launches,
                                                  &Counts::host_syncs,
                                                  &Counts::load_instructions,
                                                  &Counts::load_lanes,
                                                  &Counts::load_bytes,
                                                  &Counts::load_sectors,
                                                  &Counts::matvec_lanes,
                                                  &Counts::matvec_bytes,
                                                  &Counts::matvec_sectors,
                                                  &Counts::matvec_instructions,
                                                  &Counts::gemm_flops,
                                                  &Counts::gemm_bytes,
                                                  &Counts::attention_bytes,
                                                  &Counts::attention_sectors,
                                                  &Counts::mma_int8,
                                                  &Counts::mma_f16,
                                                  &Counts::shared_bytes,
                                                  &Counts::attn_instructions,
                                                  &Counts::attn_bytes,
                                                  &Counts::attn_sectors,
                                                  &Counts::attn_mma_f16,
                                                  &Counts::attn_shared,
                                                  &Counts::prefill_attention_bytes,
                                                  &Counts::shared_requests,
                                                  &Counts::shared_wavefronts,
                                                  &Counts::shared_ideal};

    Counts operator-(const Counts& o) const { return plus(o, -1.0); }
    Counts scaled(double f) const
    {
        Counts s = *this;
        for (auto field : kFields)
            s.*field *= f;
        return s;
    }
    // *this + times * o, field by field.
    Counts plus(const Counts& o, double times) const
    {
        Counts s = *this;
        for (auto field : kFields)
            s.*field += o.*field * times;
        return s;
    }
};

Counts read_counts()
{
    const SimCounts c = sim_counts();
    Counts r;
    r.launches = double(c.launches);
    r.host_syncs = double(c.host_syncs);
    r.gemm_flops = c.gemm_flops;
    r.gemm_bytes = c.gemm_bytes;
    for (const SimKernelCounts& k : c.kernels) {
        r.load_instructions += double(k.load_instructions);
        r.load_lanes += double(k.load_lane_accesses);
        r.load_bytes += double(k.load_bytes);
        r.load_sectors += double(k.load_sectors);
        r.mma_int8 += k.mma_int8_ops;
        r.mma_f16 += k.mma_f16_flops;
        r.shared_bytes += k.shared_bytes;
        r.shared_requests += double(k.shared_requests);
        r.shared_wavefronts += double(k.shared_wavefronts);
        r.shared_ideal += double(k.shared_ideal_wavefronts);
        if (k.shared_requests > 0)
            r.shared_by_kernel[k.kernel] = {double(k.shared_requests), double(k.shared_wavefronts),
                                            double(k.shared_ideal_wavefronts)};
        if (k.kernel == "attention_prefill")
            r.prefill_attention_bytes += double(k.load_bytes);
        if (k.kernel == "attention" || k.kernel == "attention_prefill") {
            r.attn_instructions += double(k.load_instructions);
            r.attn_bytes += double(k.load_bytes);
            r.attn_sectors += double(k.load_sectors);
            r.attn_mma_f16 += k.mma_f16_flops;
            r.attn_shared += k.shared_bytes;
        }
        if (k.kernel == "matvec") {
            r.matvec_instructions += double(k.load_instructions);
            r.matvec_lanes += double(k.load_lane_accesses);
            r.matvec_bytes += double(k.load_bytes);
            r.matvec_sectors += double(k.load_sectors);
        }
        if (k.kernel == "attention") {
            r.attention_bytes += double(k.load_bytes);
            r.attention_sectors += double(k.load_sectors);
        }
    }
    return r;
}

double weight_bytes(const Weight& w) { return double(w.rows) * double(w.row_bytes); }

double layer_weight_bytes(const LayerWeights& L)
{
    double b = 0;
    for (const Weight* w : {&L.attn_norm, &L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_norm, &L.w_gate, &L.w_up, &L.w_down})
        b += weight_bytes(*w);
    return b;
}

// Runs the test on `model` under the sim with counting on; the counts of the test alone.
Result<Counts> run_counted(const Model& model, const SimTest& t)
{
    BackendOptions opts;
    opts.device = "cuda-sim";
    opts.n_ctx = t.n_ctx;
    opts.n_threads = t.n_threads;
    CudaBackendOptions cuda;
    // What a GPU would run (backend_cuda.h): decode replayed from CUDA graphs, flash-decoding
    // attention, tiled prefill attention, dequantize+GEMM prefill.
    cuda.graphs = CudaBackendOptions::Graphs::On;
    cuda.prefill_attention = CudaBackendOptions::PrefillAttention::Tiled;
    cuda.gemm_min_batch = 32;
    cuda.attention = CudaBackendOptions::Attention::SplitK;
    auto backend = create_cuda_sim_backend(model, opts, cuda);
    if (!backend)
        return make_error(backend.error().message);
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> token(0, int32_t(model.hp.n_vocab - 1));
    std::vector<int32_t> ids(size_t(std::max(t.n_prompt, t.n_gen)));
    for (auto& id : ids)
        id = token(rng);
    std::vector<float> logits(size_t(model.hp.n_vocab));

    if (t.app_sampler) {
        auto tok = Tokenizer::from_vocab(model.vocab);
        if (!tok)
            return make_error("--sampler app needs the model's vocabulary: " + tok.error().message);
        Session session(*tok, std::move(backend).value());
        GenerateOptions g;   // the app's defaults: temperature, top-k, top-p, min-p, penalty
        g.sampling.random_seed = false;
        if (t.top_k >= 0)
            g.sampling.top_k = t.top_k;
        g.max_tokens = int(t.n_gen);
        const std::vector<int32_t> prompt{ids.front()};
        sim_reset_counts();
        sim_set_counting(true);
        auto r = session.generate(prompt, g, [](std::string_view) { return true; });
        sim_set_counting(false);
        if (!r)
            return make_error(r.error().message);
        // Until an end-of-sequence token: the caller divides by the tokens made.
        Counts c = read_counts();
        const int made = r->completion_tokens;
        if (made <= 0)
            return make_error("the app's sampling path generated no token");
        return c.scaled(double(t.n_gen) / double(made));
    }
    sim_reset_counts();
    sim_set_counting(true);
    Status st = Ok{};
    if (t.n_prompt > 0)
        st = (*backend)->eval(std::span(ids.data(), size_t(t.n_prompt)), 0, logits.data());
    for (int64_t i = 0; st && i < t.n_gen; ++i)
        st = (*backend)->eval(std::span(&ids[size_t(i)], 1), i, logits.data());
    sim_set_counting(false);
    if (!st)
        return make_error(st.error().message);
    return read_counts();
}

// A GPU as the roofline model sees it (docs/gpu-model.md: public figures).
struct GpuSpec {
    double dram_bytes_per_s;
    double sms;
    double clock_hz;
    double tensor_flops;                 // dense F16 in, F32 accumulate
    double tensor_int8_ops;              // dense int8 in, int32 accumulate
    double smem_bytes_per_clock = 128;   // shared memory per SM (32 banks x 4 bytes)
};
constexpr GpuSpec kRtx4090{1008e9, 128, 2.52e9, 165e12, 660e12};
constexpr GpuSpec kH100{3352e9, 132, 1.98e9, 495e12, 1979e12};

// docs/gpu-model.md. Seconds for the work `c` on `gpu`:
// DRAM: every byte the model needs streamed once at 90% of peak;
// L1: each warp-wide load instruction costs a cycle to issue and each 32-byte sector it touches
// a quarter cycle (128 B/clock per SM), on every SM at once — not overlapped with DRAM (a
// memory-bound kernel whose loads are poorly coalesced waits on both);
// shared memory at 128 bytes per clock per SM, not overlapped either; tensor cores at 60% of
// peak (cuBLAS's F16 GEMMs, the kernels' F16 and int8 mma); 1 µs per kernel launch (graph node)
// and 10 µs per host sync.
double roofline_seconds(const Counts& c, double dram_bytes, const GpuSpec& gpu)
{
    const double t_dram = dram_bytes / (0.9 * gpu.dram_bytes_per_s);
    const double t_l1 =
        std::max(c.load_instructions / (gpu.sms * gpu.clock_hz), c.load_sectors / (4.0 * gpu.sms * gpu.clock_hz));
    const double t_smem = c.shared_bytes / (gpu.smem_bytes_per_clock * gpu.sms * gpu.clock_hz);
    const double t_tensor =
        (c.gemm_flops + c.mma_f16) / (0.6 * gpu.tensor_flops) + c.mma_int8 / (0.6 * gpu.tensor_int8_ops);
    return t_dram + t_l1 + t_smem + t_tensor + c.launches * 1e-6 + c.host_syncs * 10e-6;
}

// A prefill of `prompt` tokens (per token, at full depth): the weights are read from DRAM once
// per micro-batch of kCudaMaxBatch tokens; on the F16 GEMM path each micro-batch also writes the
// F16 copy and the GEMM reads it (gemm_bytes counts the GEMM's operands once).
double prefill_tps(const Counts& c, double weights, int64_t prompt, const GpuSpec& gpu)
{
    const double batches = double((prompt + kCudaMaxBatch - 1) / kCudaMaxBatch);
    return 1.0 / roofline_seconds(c, batches * weights / double(prompt) + 2.0 * c.gemm_bytes, gpu);
}

// The per-token counts of a prefill of `measured` tokens carried to one of `target` tokens (both
// within one micro-batch, multiples of the GEMM's 64-token tile): the GEMMs' and the other
// kernels' work per token is the same; the attention kernels' grows with the mean context,
// (target + 1) / 2 positions against (measured + 1) / 2; launches are per micro-batch, so per
// token they shrink as measured / target.
Counts carry_prefill(const Counts& c, int64_t measured, int64_t target)
{
    const double grow = double(target + 1) / double(measured + 1) - 1.0;
    Counts r = c;
    r.load_instructions += grow * c.attn_instructions;
    r.load_bytes += grow * c.attn_bytes;
    r.load_sectors += grow * c.attn_sectors;
    r.mma_f16 += grow * c.attn_mma_f16;
    r.shared_bytes += grow * c.attn_shared;
    for (auto f : {&Counts::attn_instructions, &Counts::attn_bytes, &Counts::attn_sectors, &Counts::attn_mma_f16,
                   &Counts::attn_shared})
        r.*f *= grow + 1.0;
    r.launches *= double(measured) / double(target);
    return r;
}

// Shared-memory bank wavefronts (sim_runtime.h's model): per request, and against the conflict-free
// ideal (1.0: no conflict), overall and by kernel file, from the whole model's run.
void write_shared(JsonWriter& w, const Counts& c, double tokens)
{
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    w.key("shared_requests_per_token").value(c.shared_requests / tokens, "%.0f");
    w.key("shared_wavefronts_per_request").value(ratio(c.shared_wavefronts, c.shared_requests), "%.4f");
    w.key("shared_bank_conflict_factor").value(ratio(c.shared_wavefronts, c.shared_ideal), "%.4f");
    w.key("shared_by_kernel").begin_object();
    for (const auto& [kernel, k] : c.shared_by_kernel) {
        w.key(kernel).begin_object();
        w.key("requests_per_token").value(k.requests / tokens, "%.0f");
        w.key("wavefronts_per_request").value(ratio(k.wavefronts, k.requests), "%.4f");
        w.key("bank_conflict_factor").value(ratio(k.wavefronts, k.ideal), "%.4f");
        w.end_object();
    }
    w.end_object();
}

}   // namespace

Result<std::string> count_sim_test(const SimTest& t)
{
    auto full = load_model(t.model_path);
    if (!full)
        return make_error(full.error().message);
    const int64_t n_layer = full->hp.n_layer;
    if (n_layer < 2)
        return make_error("counting per layer needs a model of at least 2 layers");
    auto whole = run_counted(*full, t);
    if (!whole)
        return make_error(whole.error().message);
    // The same model less its last layer: the difference is one layer's work (counts per layer
    // do not depend on depth), the rest is what every token costs once (embedding, head, sampling).
    auto cut = load_model(t.model_path);
    if (!cut)
        return make_error(cut.error().message);
    cut->layers.pop_back();
    cut->hp.n_layer -= 1;
    auto fewer = run_counted(*cut, t);
    if (!fewer)
        return make_error(fewer.error().message);

    const double tokens = double(t.n_prompt > 0 ? t.n_prompt : t.n_gen);
    const Counts per_layer = (*whole - *fewer).scaled(1.0 / tokens);
    const Counts per_token = whole->scaled(1.0 / tokens);
    const Counts fixed = per_token.plus(per_layer, -double(n_layer));
    const Counts at_depth = fixed.plus(per_layer, double(t.full_depth));

    const double layer_bytes = layer_weight_bytes(full->layers.front());
    const double head_bytes = weight_bytes(full->output_norm) +
                              weight_bytes(full->tied_output ? full->tok_embd : full->output) +
                              double(full->tok_embd.row_bytes);
    const double weights_per_token = head_bytes + double(n_layer) * layer_bytes;
    const double weights_at_depth = head_bytes + double(t.full_depth) * layer_bytes;

    JsonWriter w;
    w.begin_object();
    w.key("layers_counted").value(n_layer).key("full_depth").value(t.full_depth);
    w.key("launches_per_token").value(per_token.launches, "%.2f");
    w.key("launches_per_layer").value(per_layer.launches, "%.2f");
    w.key("host_syncs_per_token").value(per_token.host_syncs, "%.2f");
    w.key("weight_bytes_per_token").value(weights_per_token, "%.0f");
    w.key("global_load_bytes_per_token").value(per_token.load_bytes, "%.0f");
    w.key("global_load_sector_bytes_per_token").value(per_token.load_sectors * 32.0, "%.0f");
    w.key("global_load_instructions_per_token").value(per_token.load_instructions, "%.0f");
    w.key("gemm_flops_per_token").value(per_token.gemm_flops, "%.0f");
    w.key("mma_int8_ops_per_token").value(per_token.mma_int8, "%.0f");
    w.key("mma_f16_flops_per_token").value(per_token.mma_f16, "%.0f");
    w.key("shared_bytes_per_token").value(per_token.shared_bytes, "%.0f");
    const double eff = per_token.matvec_sectors > 0 ? per_token.matvec_bytes / (per_token.matvec_sectors * 32.0) : 0;
    const double per_lane = per_token.matvec_lanes > 0 ? per_token.matvec_bytes / per_token.matvec_lanes : 0;
    w.key("matvec_sector_efficiency").value(eff, "%.4f");
    w.key("matvec_mean_load_bytes_per_lane").value(per_lane, "%.3f");
    w.key("attention_load_bytes_per_token").value(per_token.attention_bytes, "%.0f");
    const double att_eff =
        per_token.attention_sectors > 0 ? per_token.attention_bytes / (per_token.attention_sectors * 32.0) : 0;
    w.key("attention_sector_efficiency").value(att_eff, "%.4f");
    w.key("prefill_attention_load_bytes_per_token").value(per_token.prefill_attention_bytes, "%.0f");
    write_shared(w, *whole, tokens);
    w.key("estimate").begin_object();
    // Decode streams every weight once per token.
    if (t.n_gen > 0) {
        w.key("rtx4090_tg_tps").value(1.0 / roofline_seconds(at_depth, weights_at_depth, kRtx4090), "%.1f");
        w.key("h100_tg_tps").value(1.0 / roofline_seconds(at_depth, weights_at_depth, kH100), "%.1f");
    } else {
        const std::string n = std::to_string(t.n_prompt);
        w.key("rtx4090_pp" + n + "_tps").value(prefill_tps(at_depth, weights_at_depth, t.n_prompt, kRtx4090), "%.1f");
        w.key("h100_pp" + n + "_tps").value(prefill_tps(at_depth, weights_at_depth, t.n_prompt, kH100), "%.1f");
        // pp512 from a shorter prompt (the sim is slow): carry_prefill says how.
        constexpr int64_t kTarget = 512;
        if (t.n_prompt < kTarget && t.n_prompt % 64 == 0) {
            const Counts c = carry_prefill(at_depth, t.n_prompt, kTarget);
            w.key("rtx4090_pp512_tps").value(prefill_tps(c, weights_at_depth, kTarget, kRtx4090), "%.1f");
            w.key("h100_pp512_tps").value(prefill_tps(c, weights_at_depth, kTarget, kH100), "%.1f");
            w.key("pp512_carried_from").value(t.n_prompt);
        }
    }
    w.end_object();
    w.end_object();
    return w.str();
}

#else

Result<std::string> count_sim_test(const SimTest&)
{
    return make_error("the cuda-sim device is not in this build (configure with -DCAUSERIE_CUDA_SIM=ON)");
}

#endif

}   // namespace causerie::cli
