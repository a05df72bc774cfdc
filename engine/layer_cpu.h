#pragma once
// One transformer layer on the CPU, with the runtime-dispatched kernels (kernels/cpu/*_cpu.h) and
// the thread pool: CpuBackend (forward_cpu.cpp) runs it for every layer, the CUDA backend
// (backend_cuda.cpp) for the layers that do not fit on its device. One implementation, so the
// two give the same logits for the same layer on the same CPU dispatch.
//
// A Llama layer, for n tokens at positions [pos, pos + n) with x (n, n_embd) the residual stream:
//   attention block:    h = rmsnorm(x) * attn_norm
//                       q, k, v = h . wq^T, h . wk^T, h . wv^T;  q, k = rope(q, k)
//                       cache rows [pos, pos + n) <- k, v (F16, or Q8_0: kv_type.h)
//                       x += attention(q, cache rows [0, pos + t]) . wo^T
//   feed-forward block: h = rmsnorm(x) * ffn_norm
//                       x += (silu(h . w_gate^T) * (h . w_up^T)) . w_down^T
// A mixture of experts (Mixtral, qwen3moe) replaces the feed-forward's products: per token,
//                       p = softmax(h . ffn_gate_inp^T); E = the n_expert_used largest p
//                       x += sum over e in E of p_e / sum_E p * ffn_e(h)   (ffn_e: expert e's SwiGLU)
// with the rows of a micro-batch grouped by expert, so each expert's weights are read once for
// all the tokens that chose it, and the products of all the experts one pass of the pool.
// Other architectures change steps of these blocks (their weights are in LayerWeights, their
// switches in HParams): Q/K/V biases after the products (qwen2); RMSNorm of every query and key
// head before RoPE (qwen3, gemma3); NeoX RoPE pairs, over part of the head (phi3), with LongRoPE
// factors and a cos/sin scale (phi3) or a base and linear scale per layer (gemma3: local/global);
// queries scaled before attention (phi3, gemma); a sliding window (gemma); RMSNorm of each
// block's output before its residual add and GELU-tanh in place of SiLU (gemma2/3).
#include "kv_type.h"
#include "model.h"
#include "thread_pool.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <unordered_map>
#include <vector>

namespace causerie {

// The 2-D weights of a layer, the ones its matrix products read.
std::vector<const Weight*> layer_matrices(const LayerWeights& L);

// The converted activations one token may need at once: the largest row converted for any matrix
// product of `model` (its layers and head), once per expert it uses with a mixture of experts.
size_t converted_bytes_per_token(const Model& model);

// One anonymous allocation for repacked weights, asking for transparent huge pages.
class PackedArena {
public:
    PackedArena() = default;
    PackedArena(const PackedArena&) = delete;
    PackedArena& operator=(const PackedArena&) = delete;
    ~PackedArena() { release(); }

    bool allocate(size_t bytes);   // false when the memory cannot be had
    uint8_t* data() const { return m_data; }

private:
    void release();

    uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

// Matrix products y = x . W^T on the CPU, numerics of llama.cpp's CPU backend: activations
// converted once per op to the weights' vec_dot_type (Q8_0/Q8_1/Q8_K or F16), weight rows split
// over the pool, and the repacked copy of a weight (kernels/cpu/repack_cpu.h) used where the CPU
// has a kernel for it. Bit-identical whatever the number of threads or tokens.
class CpuMatmul {
public:
    explicit CpuMatmul(ThreadPool& pool)
        : m_pool(pool)
    {
    }

    // Room to convert `max_tokens` rows of activations for any weight of `model`.
    // Throws std::bad_alloc (callers turn it into an error that names what did not fit).
    void reserve(const Model& model, int64_t max_tokens);

    // Repacks those of `weights` that the dispatched kernels have a repacked layout for (none on
    // CPUs without AVX-512 VNNI or under CAUSERIE_CPU=avx2|scalar), into one allocation of at
    // most `budget` bytes. A model mapped from a file gets the pages of the original rows handed
    // back to the kernel as they are copied, so memory stays about one copy of the weights.
    // Not enough memory is not an error: the weights are then used in place.
    // A tied embedding's pages are handed back too, so the process does not hold the table twice
    // (Gemma 3 270M: 170 MiB each): its rows are then read from the head's copy when unpack_row
    // reads its type back (dequantize_row), else faulted back in from the file as tokens need them.
    void repack(const Model& model, const std::vector<const Weight*>& weights, size_t budget = SIZE_MAX);

    // The repacked copy of `w`, or nullptr when it is used in place.
    const uint8_t* packed(const Weight& w) const;

    // Row `row` of `w` as floats (dequantize_row_ref's values), from the repacked copy when the
    // pages of `w` were handed back by repack (a tied embedding), else from `w` itself.
    void dequantize_row(const Weight& w, int64_t row, float* out);

    struct Op {
        const Weight* w;
        float* y;   // (n, w->rows)
    };

    // y_i (n, w_i.rows) = x (n, cols) . w_i^T for weights that read the same input (Q/K/V,
    // gate/up): x is converted once when their vec_dot_types agree, and the rows of all of them
    // form one parallel_for, so the threads meet once instead of once per weight. n <= max_tokens.
    void run(const float* x, int64_t n, std::span<const Op> ops);
    void run(const float* x, int64_t n, std::initializer_list<Op> ops)
    {
        run(x, n, std::span<const Op>(ops.begin(), ops.size()));
    }
    void run(const Weight& w, const float* x, int64_t n, float* y) { run(x, n, {{&w, y}}); }

    struct Product {
        const Weight* w;
        const float* x;   // (n, w->cols)
        int64_t n;
        float* y;                          // (n, w->rows)
        const uint8_t* x_conv = nullptr;   // x already converted (n rows of converted_row_bytes): x unread
    };

    // y_i = x_i . w_i^T for products with inputs of their own (the experts of a micro-batch, each
    // on its tokens): the inputs converted in one parallel_for, the rows of all the weights in
    // another, so the pool meets twice instead of twice per product. A product reading the same
    // x and n as the one before it, for the same vec_dot_type, shares its conversion. When the
    // conversions do not fit the room reserve() made, they run in several such groups.
    void run_each(std::span<const Product> products);

    // Room for `bytes` of converted activations that the caller fills itself (Product::x_conv),
    // valid until the next run() or run_each() converting inputs; nullptr when reserve() made
    // less room.
    uint8_t* conversion_room(size_t bytes) { return bytes <= m_xconv.size() ? m_xconv.data() : nullptr; }

private:
    void run_group(std::span<const Product> products);   // products[i] reads m_conv_at[i]

    // Rows [row_begin, row_end) of one product of a group: what one thread takes at a time.
    struct WorkItem {
        int32_t product;
        int32_t row_begin;   // a multiple of 16
        int32_t row_end;
        int64_t macs;   // rows (padded) x cols x tokens
    };
    static constexpr int64_t kItemsPerThread = 16;   // items of a group's products per thread, about

    ThreadPool& m_pool;
    std::vector<uint8_t>
        m_xconv;   // (max_tokens * experts used, converted row) activations in the weights' vec_dot_type
    std::vector<size_t> m_conv_at;         // (products) where each product's converted input begins in m_xconv
    std::vector<bool> m_conv_owner;        // (products) whether the product converts it (not shared)
    std::vector<Product> m_run_products;   // run()'s ops as products
    std::vector<WorkItem> m_items;         // the products of run_group cut for the threads, heaviest first
    PackedArena m_packed_arena;            // repacked weights, one mapping
    std::unordered_map<const Weight*, const uint8_t*> m_packed;   // weight -> its repacked copy
    // a tied embedding's data -> the copy its rows are read from (unpack_available types)
    std::unordered_map<const void*, const uint8_t*> m_dropped;
    std::vector<uint8_t> m_row;   // one unpacked row (dequantize_row)
};

// The KV cache of one layer: row p holds the key and value of position p. Zeroed, so reading a
// position that was never written (a caller breaking eval's contract) is deterministic.
struct CpuKvCache {
    KvType type = KvType::F16;
    size_t k_row = 0;         // bytes per position: n_head_kv*head_dim values of `type`
    size_t v_row = 0;         // bytes per position: n_head_kv*value_dim values
    std::vector<uint8_t> k;   // (n_ctx, k_row) bytes
    std::vector<uint8_t> v;   // (n_ctx, v_row) bytes

    CpuKvCache(const HParams& hp, int64_t n_ctx, KvType type = KvType::F16);   // throws std::bad_alloc
    static size_t bytes_per_token(const HParams& hp,
                                  KvType type = KvType::F16);   // what the constructor takes per position
    int64_t n_ctx() const { return k_row > 0 ? int64_t(k.size() / k_row) : 0; }
};

// The activations of one micro-batch inside a layer. Layers run one after the other, so all the
// layers of a backend share one; between layers the caller may use it too (xb for the head).
struct CpuLayerScratch {
    std::vector<float> xb;     // (batch, n_embd) normed input / block output
    std::vector<float> q;      // (batch, n_head*head_dim)
    std::vector<float> kb;     // (batch, n_head_kv*head_dim)
    std::vector<float> vb;     // (batch, n_head_kv*value_dim)
    std::vector<float> att;    // (batch, n_head*value_dim)
    std::vector<float> gate;   // (batch, n_ff), with experts (batch * n_expert_used, n_ff_exp)
    std::vector<float> up;     // (batch, n_ff), with experts (batch * n_expert_used, n_ff_exp)
    // Mixture of experts only (empty otherwise).
    std::vector<float> router;   // (batch, n_expert) router logits, then probabilities
    // (batch * n_expert_used, n_embd) in expert order: the experts' outputs (first their inputs
    // as floats, when gate and up need different conversions)
    std::vector<float> moe_rows;

    void allocate(const HParams& hp, int64_t batch);         // throws std::bad_alloc
    static size_t bytes(const HParams& hp, int64_t batch);   // what allocate() takes
};

// Rows [row, row + n) of a micro-batch: positions [pos, pos + n) of one sequence, whose K/V for
// the layer being run are in `cache`. A prefill is one segment; a batched decode step is one
// one-row segment per sequence, each at its own position in its own cache.
struct CpuSegment {
    CpuKvCache* cache;
    int64_t row;
    int64_t n;
    int64_t pos;
};

// Runs the layers of `model` on the CPU. The references must outlive it; the matmul must have
// room for the scratch's batch.
class CpuLayer {
public:
    CpuLayer(const Model& model, ThreadPool& pool, CpuMatmul& matmul, CpuLayerScratch& scratch)
        : m(model)
        , hp(model.hp)
        , m_pool(pool)
        , m_matmul(matmul)
        , s(scratch)
    {
    }

    // Layer l for n tokens (at most the scratch's batch) at positions [pos, pos + n):
    // x (n, n_embd) is updated in place; the cache's rows [0, pos) must hold the earlier
    // positions, rows [pos, pos + n) are written.
    void forward(int64_t l, CpuKvCache& cache, float* x, int64_t n, int64_t pos)
    {
        const CpuSegment one{&cache, 0, n, pos};
        forward(l, std::span(&one, 1), x, n);
    }
    // Layer l for n rows made of `segments` (covering [0, n) in order, each with this layer's
    // cache of its sequence): the matrix products run once on all n rows (each weight is read
    // once for every sequence), RoPE, the K/V writes and attention per segment. Row t gets the
    // same values as when its segment runs alone (CpuMatmul is bit-identical whatever n).
    // The feed-forward runs on rows [ffn_first, n) only: the rows before keep the attention's
    // residual (for a last layer whose earlier rows nobody reads).
    void forward(int64_t l, std::span<const CpuSegment> segments, float* x, int64_t n, int64_t ffn_first = 0);

private:
    void attention_block(int64_t l, std::span<const CpuSegment> segments, float* x, int64_t n);
    void feed_forward_block(const LayerWeights& L, float* x, int64_t n);
    // The feed-forward of a mixture of experts: s.xb (n, n_embd) normed in, out (n, n_embd).
    void experts_block(const LayerWeights& L, int64_t n, float* out);
    void route_token(float* p, std::vector<int32_t>& order, int32_t* chosen, float* chosen_w) const;
    // x += s.xb (n, n_embd), normed by post_norm first when it has data.
    void add_block_output(const Weight& post_norm, float* x, int64_t n);
    // m_row_segment[t] = the segment of row t.
    void map_rows(std::span<const CpuSegment> segments, int64_t n);
    // window: attend to the `window` latest positions only (0: all of them). After map_rows.
    void attention(std::span<const CpuSegment> segments, int64_t n, int64_t window);

    const Model& m;
    const HParams& hp;
    ThreadPool& m_pool;
    CpuMatmul& m_matmul;
    CpuLayerScratch& s;
    std::vector<int32_t> m_row_segment;           // (n) the segment of each row, for attention
    std::vector<int32_t> m_chosen;                // (n, n_expert_used) each token's experts, most probable first
    std::vector<float> m_chosen_w;                // (n, n_expert_used) their weights
    std::vector<int32_t> m_expert_start;          // (n_expert + 1) where each expert's rows begin in expert order
    std::vector<int32_t> m_expert_pos;            // (n * n_expert_used) where row (token, slot) is in expert order
    std::vector<CpuMatmul::Product> m_products;   // the experts' products of one step
};

}   // namespace causerie
