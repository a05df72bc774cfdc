#pragma once
// Sampling on the device: the repetition penalty, top-k, top-p, min-p, temperature and the draw
// of engine/sampler.cpp, so that a decode step ends with the chosen token in device memory (fed
// to the next step's embedding) and the host reads 4 bytes instead of a row of logits.
// Everything the kernels need per token is read from device memory (SampleParams and the
// penalty window), so that one captured graph serves every setting and every step.
#include "device.h"

#include <cstdint>

namespace causerie::kernels::gpu {
inline namespace CAUSERIE_GPU_FLAVOR {

inline constexpr int kSampleMaxK = 128;        // largest top-k (the candidates a block keeps)
inline constexpr int kSampleMaxWindow = 256;   // largest penalty window (distinct ids)
inline constexpr int kSampleChunk = 2048;      // logits (or candidates) one block selects from

// One token's settings, as the host writes them before the step (engine/sampler.h's meaning).
struct SampleParams {
    double draw = 0.0;             // uniform in [0, 1) from the host's generator (unused when greedy)
    float temperature = 0.0f;      // <= 0: greedy (the first maximum of the penalized row)
    float top_p = 1.0f;            // 1: off
    float min_p = 0.0f;            // 0: off
    float repeat_penalty = 1.0f;   // applied to the window's ids
    int32_t top_k = 1;             // 1..kSampleMaxK (ignored when greedy)
    int32_t n_window = 0;          // ids in the window, distinct, each in [0, n_vocab)
};

// Device bytes of the candidate lists sample_logits needs for a row of n_vocab logits: two lists
// of (key, id) pairs as long as the first level's output (none when one block does it all).
inline constexpr int64_t sample_scratch_bytes(int64_t n_vocab)
{
    const int64_t blocks = (n_vocab + kSampleChunk - 1) / kSampleChunk;
    return blocks > 1 ? 2 * blocks * kSampleMaxK * 8 : 0;
}
// Kernel launches sample_logits makes for n_vocab (the selection tree's levels).
int sample_launches(int64_t n_vocab);

// Penalizes the logits (n_vocab, left unchanged) at the window's ids, selects the top-k with a tree of
// blocks (each keeps the best kSampleMaxK of kSampleChunk entries: higher logit first, the lower
// id on ties, NaN never), and draws from them as Sampler::draw_sorted does, in the same float
// and double expressions. The chosen id goes to out_id[0] and, when `feed` is not null, to
// feed[0] (the next step's token). params/window: device memory (window: kSampleMaxWindow ids).
GpuStatus sample_logits(const float* logits, int64_t n_vocab, const SampleParams* params, const int32_t* window,
                        void* scratch, int32_t* out_id, int32_t* feed, Stream s);

// The whole-vocabulary path (top-k 0, or above kSampleMaxK): a row of any size without a tree of
// per-block top lists. Passes: the penalized row and its maximum per block; a histogram of
// (max - logit) in kSampleWideBins bins of 1/kSampleWidePerUnit (the last bin holds the rest);
// one block picks the bin where the candidates end (top-k, top-p by a lower bound of their mass
// against an upper bound of the total, min-p by -ln(min_p)); the candidates gathered (at most
// kSampleWideCap) and the exact mass of the rest; one block sorts them and draws as
// Sampler::draw_sorted does. When the candidates would exceed the cap (or the row holds NaN, or
// top-p with a top-k above the candidates needs a partial tail), out_id[0] = -1 and feed is not
// written: the host samples the row itself.
inline constexpr int kSampleWideBins = 8192;
inline constexpr int kSampleWidePerUnit = 256;   // bins per unit of logit
inline constexpr int kSampleWideCap = kSampleChunk;
inline constexpr int64_t sample_wide_scratch_bytes(int64_t n_vocab)
{
    const int64_t blocks = (n_vocab + kSampleChunk - 1) / kSampleChunk;
    return blocks * 8 + n_vocab * 4 + blocks * 8 + int64_t(kSampleWideBins) * 4 + 32 + int64_t(kSampleWideCap) * 8;
}
inline constexpr int sample_wide_launches() { return 5; }
// Device bytes of everything eval_sample adds (the plan counts them, engine/device.cpp): one
// scratch that either path uses (never both in one step; the wide one is the larger: 177,440
// bytes at 32,000 logits against the tree's 32,768), the parameters, the window and the id.
inline constexpr int64_t sample_device_bytes(int64_t n_vocab)
{
    const int64_t tree = sample_scratch_bytes(n_vocab), wide = sample_wide_scratch_bytes(n_vocab);
    return (tree > wide ? tree : wide) + 64 + int64_t(kSampleMaxWindow) * 4 + 4;
}
GpuStatus sample_logits_wide(const float* logits, int64_t n_vocab, const SampleParams* params, const int32_t* window,
                             void* scratch, int32_t* out_id, int32_t* feed, Stream s);

}   // namespace CAUSERIE_GPU_FLAVOR
}   // namespace causerie::kernels::gpu
