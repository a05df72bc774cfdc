// One transformer layer on the CPU (see layer_cpu.h for the computation and what is shared).
#include "layer_cpu.h"

#include "kernels/cpu/attention_cpu.h"
#include "kernels/cpu/dequant_ref.h"
#include "kernels/cpu/matmul_cpu.h"
#include "kernels/cpu/matmul_ref.h"
#include "kernels/cpu/ops_ref.h"
#include "kernels/cpu/quantize_ref.h"
#include "kernels/cpu/repack_cpu.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <utility>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace causerie {
namespace {

using namespace kernels;

// Rows padded to whole repacked groups when the rows of several weights are enumerated together,
// so every thread's range starts on a group boundary of each weight.
int64_t padded_rows(int64_t rows) { return (rows + kRepackRows - 1) / kRepackRows * kRepackRows; }

// Gives the pages wholly inside [p, p + n) of the model's read-only file mapping back to the
// kernel: they are not read again (the repacked copy is), and if they were, they would be read
// back from the file. Never for memory that is not a file mapping (MADV_DONTNEED would zero it).
void release_mapped_pages(const void* p, size_t n)
{
#if defined(__unix__) && defined(MADV_DONTNEED)
    const auto page = uintptr_t(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
    if (end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
    (void)p;
    (void)n;
#endif
}

const float* norm_weight(const Weight& w) { return static_cast<const float*>(w.data); }

// f(t) for every row t in [0, n), rows split over the pool when there is enough work (about
// work_per_row operations each): a prompt's norms, RoPE and activations are no longer left to
// one thread while the others wait for the next product; a decode step's stay on the caller.
template <class F>
void each_row(ThreadPool& pool, int64_t n, int64_t work_per_row, const F& f)
{
    pool.parallel_for(
        n,
        [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t)
                f(t);
        },
        1, work_per_row);
}

}   // namespace

std::vector<const Weight*> layer_matrices(const LayerWeights& L)
{
    std::vector<const Weight*> out;
    for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down, &L.ffn_gate_inp})
        if (w->data)
            out.push_back(w);
    for (const std::vector<Weight>* experts : {&L.gate_exps, &L.up_exps, &L.down_exps})
        for (const Weight& w : *experts)
            out.push_back(&w);
    return out;
}

size_t converted_bytes_per_token(const Model& model)
{
    size_t most = converted_row_bytes(model.output.type, model.output.cols);
    for (const LayerWeights& L : model.layers)
        for (const Weight* w : layer_matrices(L))
            most = std::max(most, converted_row_bytes(w->type, w->cols));
    // A mixture of experts converts a token's row once for each expert it chose (experts_block).
    return most * size_t(std::max<int64_t>(1, model.hp.n_expert_used));
}

// Anonymous memory asking for transparent huge pages (one token over a 14336 x 4096 Q4_0 weight
// streamed 12 -> 17 GB/s with 2 MiB pages: fewer TLB misses). The price: when the kernel has to
// compact memory to find 2 MiB pages, the first allocation of ~600 MB took ~1.5 s here instead
// of ~0.4 s.
bool PackedArena::allocate(size_t bytes)
{
    release();
#if defined(__unix__)
    constexpr size_t huge = size_t(2) << 20;
    m_size = (bytes + huge - 1) / huge * huge;
    void* p = ::mmap(nullptr, m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        m_size = 0;
        return false;
    }
#ifdef MADV_HUGEPAGE
    ::madvise(p, m_size, MADV_HUGEPAGE);   // advice only: without it the kernels still work
#endif
    m_data = static_cast<uint8_t*>(p);
    return true;
#else
    (void)bytes;
    return false;
#endif
}

void PackedArena::release()
{
#if defined(__unix__)
    if (m_data)
        ::munmap(m_data, m_size);
#endif
    m_data = nullptr;
    m_size = 0;
}

void CpuMatmul::reserve(const Model& model, int64_t max_tokens)
{
    m_xconv.resize(size_t(max_tokens) * converted_bytes_per_token(model));
}

void CpuMatmul::repack(const Model& model, const std::vector<const Weight*>& weights, size_t budget)
{
    std::vector<std::pair<const Weight*, size_t>> placed;   // weight, offset in the arena
    size_t total = 0;
    for (const Weight* w : weights) {
        if (!repack_available(w->type, w->cols))
            continue;
        placed.emplace_back(w, total);
        total += (repacked_bytes(w->type, w->rows, w->cols) + 4095) / 4096 * 4096;
    }
    if (placed.empty() || total > budget || !m_packed_arena.allocate(total))
        return;
    // Only a model mapped from a file may have its pages released (see release_mapped_pages):
    // GGUFFile::open always maps the file, from_memory leaves the path empty. A tied output is
    // also the embedding table, read row by row for every token: from the copy when unpack_row
    // reads its type back, else from the file, each page faulted back in when a token needs it.
    const bool mapped = !model.file.path().empty();
    for (const auto& entry : placed) {
        // Not a structured binding: clang before 16 cannot capture one in the lambda below
        // (the fuzzing configuration builds with clang 14).
        const Weight* w = entry.first;
        uint8_t* dst = m_packed_arena.data() + entry.second;
        const int64_t groups = (w->rows + kRepackRows - 1) / kRepackRows;
        // Runs of ~8 MiB of source rows, released as soon as they are copied: the peak is the
        // repacked copy plus one run, not plus the largest tensor (the 32000-row output).
        const size_t group_src = size_t(kRepackRows) * w->row_bytes;
        const int64_t run = std::max<int64_t>(1, int64_t((size_t(8) << 20) / group_src));
        for (int64_t g0 = 0; g0 < groups; g0 += run) {
            const int64_t g1 = std::min(groups, g0 + run);
            m_pool.parallel_for(g1 - g0, [&](int64_t b, int64_t e) {
                repack_groups(w->type, w->data, w->row_bytes, w->rows, w->cols, g0 + b, g0 + e, dst);
            });
            if (mapped) {
                const int64_t r1 = std::min(w->rows, g1 * kRepackRows);
                release_mapped_pages(static_cast<const uint8_t*>(w->data) + size_t(g0 * kRepackRows) * w->row_bytes,
                                     size_t(r1 - g0 * kRepackRows) * w->row_bytes);
            }
        }
        m_packed[w] = dst;
        if (mapped && w->data == model.tok_embd.data && unpack_available(w->type))
            m_dropped[w->data] = dst;
    }
}

const uint8_t* CpuMatmul::packed(const Weight& w) const
{
    const auto it = m_packed.find(&w);
    return it == m_packed.end() ? nullptr : it->second;
}

void CpuMatmul::dequantize_row(const Weight& w, int64_t row, float* out)
{
    const auto it = m_dropped.find(w.data);
    if (it == m_dropped.end()) {
        dequantize_row_ref(w.type, static_cast<const char*>(w.data) + size_t(row) * w.row_bytes, out, w.cols);
        return;
    }
    m_row.resize(w.row_bytes);
    unpack_row(w.type, it->second, w.cols, row, m_row.data());
    dequantize_row_ref(w.type, m_row.data(), out, w.cols);
}

void CpuMatmul::run(const float* x, int64_t n, std::span<const Op> ops)
{
    m_run_products.clear();
    for (const Op& op : ops)
        m_run_products.push_back({op.w, x, n, op.y});
    run_each(m_run_products);
}

void CpuMatmul::run_each(std::span<const Product> products)
{
    size_t begin = 0;
    while (begin < products.size()) {
        m_conv_at.clear();
        m_conv_owner.clear();
        size_t used = 0;
        size_t end = begin;
        for (; end < products.size(); ++end) {
            const Product& p = products[end];
            if (p.x_conv) {   // converted by the caller
                m_conv_at.push_back(0);
                m_conv_owner.push_back(false);
                continue;
            }
            if (end > begin) {
                const Product& prev = products[end - 1];
                if (!prev.x_conv && p.x == prev.x && p.n == prev.n && p.w->cols == prev.w->cols &&
                    vec_dot_type(p.w->type) == vec_dot_type(prev.w->type)) {
                    m_conv_at.push_back(m_conv_at.back());
                    m_conv_owner.push_back(false);
                    continue;
                }
            }
            const size_t bytes = size_t(p.n) * converted_row_bytes(p.w->type, p.w->cols);
            if (end > begin && used + bytes > m_xconv.size())
                break;   // the next group converts it (one product always fits: reserve's max_tokens rows)
            m_conv_at.push_back(used);
            m_conv_owner.push_back(true);
            used += bytes;
        }
        run_group(products.subspan(begin, end - begin));
        begin = end;
    }
}

void CpuMatmul::run_group(std::span<const Product> products)
{
    // The inputs: rows of all the converting products enumerated one after the other.
    int64_t conv_rows = 0;
    int64_t widest = 0;
    for (size_t i = 0; i < products.size(); ++i)
        if (m_conv_owner[i]) {
            conv_rows += products[i].n;
            widest = std::max(widest, products[i].w->cols);
        }
    auto convert = [&](int64_t b, int64_t e) {
        int64_t offset = 0;
        for (size_t i = 0; i < products.size(); ++i) {
            if (!m_conv_owner[i])
                continue;
            const Product& p = products[i];
            const int64_t rb = std::max(b, offset), re = std::min(e, offset + p.n);
            if (rb < re)   // rows [rb, re) of the enumeration: the product's rows [rb - offset, re - offset)
                convert_activations_cpu(p.w->type, p.x, p.w->cols, rb - offset, re - offset,
                                        m_xconv.data() + m_conv_at[i]);
            offset += p.n;
        }
    };
    if (conv_rows == 1)
        convert(0, 1);
    else
        m_pool.parallel_for(conv_rows, convert, 1, widest);

    // The products: cut into items of whole 16-row groups (one repacked group each) of about
    // equal work (rows x cols x tokens), handed out heaviest first from a shared counter. An
    // expert's product with 40 tokens weighs 40 times one with 1 token, so cutting by rows alone
    // left a thread with several times the work of another at the end of the pass; and when the
    // machine takes a thread away, the others only wait for the item it holds, a few per cent of
    // the pass. Every output is computed the same way whatever the cut.
    int64_t macs = 0;
    for (const Product& p : products)
        macs += padded_rows(p.w->rows) * p.w->cols * std::max<int64_t>(1, p.n);
    const int64_t threads = m_pool.size();
    const bool alone = threads == 1 || macs < ThreadPool::kMinParallelWork;   // a tiny model's products
    const int64_t target = std::max<int64_t>(1, macs / (threads * kItemsPerThread));
    m_items.clear();
    for (size_t i = 0; i < products.size(); ++i) {
        const Product& p = products[i];
        const int64_t groups = padded_rows(p.w->rows) / kRepackRows;
        const int64_t group_macs = kRepackRows * p.w->cols * std::max<int64_t>(1, p.n);
        const int64_t pieces = alone ? 1 : std::clamp<int64_t>(group_macs * groups / target, 1, groups);
        for (int64_t k = 0; k < pieces; ++k) {
            const int64_t g0 = groups * k / pieces, g1 = groups * (k + 1) / pieces;
            m_items.push_back({int32_t(i), int32_t(g0 * kRepackRows), int32_t(std::min(p.w->rows, g1 * kRepackRows)),
                               group_macs * (g1 - g0)});
        }
    }
    std::stable_sort(m_items.begin(), m_items.end(),
                     [](const WorkItem& a, const WorkItem& b) { return a.macs > b.macs; });
    auto run_item = [&](const WorkItem& item) {
        const Product& p = products[size_t(item.product)];
        const Weight& w = *p.w;
        const uint8_t* xc = p.x_conv ? p.x_conv : m_xconv.data() + m_conv_at[size_t(item.product)];
        if (const auto it = m_packed.find(&w); it != m_packed.end())
            matmul_repacked_cpu(w.type, it->second, w.rows, w.cols, item.row_begin, item.row_end, xc, p.n, p.y, w.rows);
        else
            matmul_converted_cpu(w.type, static_cast<const char*>(w.data) + size_t(item.row_begin) * w.row_bytes,
                                 w.row_bytes, item.row_end - item.row_begin, w.cols, xc, p.n, p.y + item.row_begin,
                                 w.rows);
    };
    if (alone) {
        for (const WorkItem& item : m_items)
            run_item(item);
        return;
    }
    std::atomic<size_t> next{0};
    m_pool.parallel_for(threads, [&](int64_t, int64_t) {   // each taker runs items until none are left
        for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < m_items.size();
             i = next.fetch_add(1, std::memory_order_relaxed))
            run_item(m_items[i]);
    });
}

CpuKvCache::CpuKvCache(const HParams& hp, int64_t n_ctx, KvType kv_type)
    : type(kv_type)
    , k_row(kv_row_bytes(kv_type, hp.n_head_kv * hp.head_dim))
    , v_row(kv_row_bytes(kv_type, hp.n_head_kv * hp.value_dim))
    , k(size_t(n_ctx) * k_row)
    , v(size_t(n_ctx) * v_row)
{
}

size_t CpuKvCache::bytes_per_token(const HParams& hp, KvType type)
{
    return kv_row_bytes(type, hp.n_head_kv * hp.head_dim) + kv_row_bytes(type, hp.n_head_kv * hp.value_dim);
}

namespace {

// The feed-forward's hidden floats per token: with a mixture of experts, those of its chosen experts.
int64_t ffn_width(const HParams& hp) { return hp.n_expert > 0 ? hp.n_expert_used * hp.n_ff_exp : hp.n_ff; }

// Floats of the mixture-of-experts buffers (router, moe_rows) per token.
int64_t expert_floats(const HParams& hp) { return hp.n_expert > 0 ? hp.n_expert + hp.n_expert_used * hp.n_embd : 0; }

}   // namespace

size_t CpuLayerScratch::bytes(const HParams& hp, int64_t batch)
{
    const int64_t floats = hp.n_embd + hp.n_head * hp.head_dim + hp.n_head_kv * (hp.head_dim + hp.value_dim) +
                           hp.n_head * hp.value_dim + 2 * ffn_width(hp) + expert_floats(hp);
    return size_t(batch * floats) * sizeof(float);
}

void CpuLayerScratch::allocate(const HParams& hp, int64_t batch)
{
    xb.resize(size_t(batch * hp.n_embd));
    q.resize(size_t(batch * hp.n_head * hp.head_dim));
    kb.resize(size_t(batch * hp.n_head_kv * hp.head_dim));
    vb.resize(size_t(batch * hp.n_head_kv * hp.value_dim));
    att.resize(size_t(batch * hp.n_head * hp.value_dim));
    gate.resize(size_t(batch * ffn_width(hp)));
    up.resize(size_t(batch * ffn_width(hp)));
    if (hp.n_expert > 0) {
        router.resize(size_t(batch * hp.n_expert));
        moe_rows.resize(size_t(batch * hp.n_expert_used * hp.n_embd));
    }
}

void CpuLayer::forward(int64_t l, std::span<const CpuSegment> segments, float* x, int64_t n, int64_t ffn_first)
{
    attention_block(l, segments, x, n);
    if (ffn_first < n)
        feed_forward_block(m.layers[size_t(l)], x + ffn_first * hp.n_embd, n - ffn_first);
}

void CpuLayer::attention_block(int64_t l, std::span<const CpuSegment> segments, float* x, int64_t n)
{
    const LayerWeights& L = m.layers[size_t(l)];
    const bool sliding = !hp.layer_swa.empty() && hp.layer_swa[size_t(l)];
    const float freq_base = sliding ? hp.rope_freq_base_swa : hp.rope_freq_base;
    const float freq_scale = sliding ? 1.0f : hp.rope_freq_scale;
    const int64_t d = hp.n_embd;
    const int64_t hd = hp.head_dim;
    const int64_t kv_dim = hp.n_head_kv * hd;
    const int64_t v_dim = hp.n_head_kv * hp.value_dim;
    const int64_t q_dim = hp.n_head * hd;

    each_row(m_pool, n, 4 * d,
             [&](int64_t t) { rmsnorm_cpu(&x[t * d], norm_weight(L.attn_norm), &s.xb[size_t(t * d)], d, hp.rms_eps); });
    m_matmul.run(s.xb.data(), n,
                 {{&L.wq, s.q.data()},      // (n, n_head*hd)
                  {&L.wk, s.kb.data()},     // (n, n_head_kv*hd)
                  {&L.wv, s.vb.data()}});   // (n, n_head_kv*vd)
    map_rows(segments, n);
    const auto rope = hp.rope_neox ? rope_neox_ref : rope_ref;
    each_row(m_pool, n, 8 * (q_dim + kv_dim) + 2 * v_dim, [&](int64_t t) {
        const CpuSegment& seg = segments[size_t(m_row_segment[size_t(t)])];
        CpuKvCache& cache = *seg.cache;
        // LongRoPE (phi3) picks its factors by the context size, which is the cache's.
        const float* factors = m.rope_factors(cache.n_ctx());
        const int64_t p = seg.pos + (t - seg.row);
        float* q = &s.q[size_t(t * q_dim)];
        float* k = &s.kb[size_t(t * kv_dim)];
        float* v = &s.vb[size_t(t * v_dim)];
        if (L.bq.data)   // Q/K/V biases (qwen2)
            add_ref(q, norm_weight(L.bq), q_dim);
        if (L.bk.data)
            add_ref(k, norm_weight(L.bk), kv_dim);
        if (L.bv.data)
            add_ref(v, norm_weight(L.bv), v_dim);
        if (L.q_norm.data) {   // per-head RMSNorm of queries and keys (qwen3), in place
            for (int64_t h = 0; h < hp.n_head; ++h)
                rmsnorm_cpu(q + h * hd, norm_weight(L.q_norm), q + h * hd, hd, hp.rms_eps);
            for (int64_t h = 0; h < hp.n_head_kv; ++h)
                rmsnorm_cpu(k + h * hd, norm_weight(L.k_norm), k + h * hd, hd, hp.rms_eps);
        }
        rope(q, hp.n_head, hd, hp.n_rot, p, freq_base, factors, hp.rope_attn_factor, freq_scale);
        rope(k, hp.n_head_kv, hd, hp.n_rot, p, freq_base, factors, hp.rope_attn_factor, freq_scale);
        if (hp.q_prescale != 0.0f)   // phi3, gemma: queries scaled here, attention by 1
            for (int64_t i = 0; i < q_dim; ++i)
                q[i] *= hp.q_prescale;
        // The cache rows converted as a weight of their type converts its activations (F16C or
        // SIMD Q8_0 blocks, byte-identical to the reference conversions).
        const TensorType kv_conv = cache.type == KvType::Q8_0 ? TensorType::Q8_0 : TensorType::F16;
        convert_activations_cpu(kv_conv, k, kv_dim, 0, 1, &cache.k[size_t(p) * cache.k_row]);
        convert_activations_cpu(kv_conv, v, v_dim, 0, 1, &cache.v[size_t(p) * cache.v_row]);
    });
    attention(segments, n, sliding ? hp.n_swa : 0);
    m_matmul.run(L.wo, s.att.data(), n, s.xb.data());   // (n, d)
    add_block_output(L.attn_post_norm, x, n);
}

// x += the block's output in s.xb, normed first by post_norm when the layer has one (gemma).
void CpuLayer::add_block_output(const Weight& post_norm, float* x, int64_t n)
{
    const int64_t d = hp.n_embd;
    each_row(m_pool, n, 5 * d, [&](int64_t t) {
        float* out = &s.xb[size_t(t * d)];
        if (post_norm.data)
            rmsnorm_cpu(out, norm_weight(post_norm), out, d, hp.rms_eps);
        add_ref(&x[t * d], out, d);
    });
}

void CpuLayer::map_rows(std::span<const CpuSegment> segments, int64_t n)
{
    if (m_row_segment.size() < size_t(n))
        m_row_segment.resize(size_t(n));
    for (size_t i = 0; i < segments.size(); ++i)
        for (int64_t t = segments[i].row; t < segments[i].row + segments[i].n; ++t)
            m_row_segment[size_t(t)] = int32_t(i);
}

// SwiGLU (GeGLU for gemma).
void CpuLayer::feed_forward_block(const LayerWeights& L, float* x, int64_t n)
{
    const int64_t d = hp.n_embd;
    const int64_t ff = hp.n_ff;

    each_row(m_pool, n, 4 * d,
             [&](int64_t t) { rmsnorm_cpu(&x[t * d], norm_weight(L.ffn_norm), &s.xb[size_t(t * d)], d, hp.rms_eps); });
    if (hp.n_expert > 0) {
        experts_block(L, n, s.xb.data());
    } else {
        m_matmul.run(s.xb.data(), n,
                     {{&L.w_gate, s.gate.data()},   // (n, n_ff)
                      {&L.w_up, s.up.data()}});     // (n, n_ff)
        const auto act = hp.ffn_gelu ? geglu_cpu : swiglu_ref;
        each_row(m_pool, n, 8 * ff,
                 [&](int64_t t) { act(&s.gate[size_t(t * ff)], &s.up[size_t(t * ff)], &s.gate[size_t(t * ff)], ff); });
        m_matmul.run(L.w_down, s.gate.data(), n, s.xb.data());   // (n, d)
    }
    add_block_output(L.ffn_post_norm, x, n);
}

// Routing as llama.cpp's build_moe_ffn does it for Mixtral and qwen3moe: softmax of the router
// logits (the sum in double, as ggml's), the n_expert_used largest probabilities (ties: the lower
// expert), renormalized by their sum (clamped below at F16's smallest normal, as ggml does);
// the chosen experts' outputs are weighted, then added most probable first. Row t of the output
// gets the same values whatever else is in the micro-batch (the products are bit-identical
// whatever their number of rows).
void CpuLayer::experts_block(const LayerWeights& L, int64_t n, float* out)
{
    const int64_t d = hp.n_embd;
    const int64_t ff = hp.n_ff_exp;
    const int64_t n_exp = hp.n_expert;
    const int64_t k = hp.n_expert_used;
    m_matmul.run(L.ffn_gate_inp, s.xb.data(), n, s.router.data());   // (n, n_expert)

    m_chosen.resize(size_t(n * k));
    m_chosen_w.resize(size_t(n * k));
    m_pool.parallel_for(
        n,
        [&](int64_t b, int64_t e) {
            std::vector<int32_t> order(static_cast<size_t>(n_exp));
            for (int64_t t = b; t < e; ++t)
                route_token(&s.router[size_t(t * n_exp)], order, &m_chosen[size_t(t * k)], &m_chosen_w[size_t(t * k)]);
        },
        1, 16 * n_exp);   // an exp and a few comparisons per expert

    // The (token, slot) rows of each expert, in token order (a counting sort).
    m_expert_start.assign(size_t(n_exp + 1), 0);
    for (int64_t r = 0; r < n * k; ++r)
        ++m_expert_start[size_t(m_chosen[size_t(r)] + 1)];
    for (int64_t e = 0; e < n_exp; ++e)
        m_expert_start[size_t(e + 1)] += m_expert_start[size_t(e)];
    m_expert_pos.resize(size_t(n * k));
    {
        std::vector<int32_t> fill(m_expert_start.begin(), m_expert_start.end() - 1);
        for (int64_t r = 0; r < n * k; ++r) {
            const int32_t j = fill[size_t(m_chosen[size_t(r)])]++;
            m_expert_pos[size_t(r)] = j;
        }
    }

    // Row j of gate and up (and of moe_rows, the experts' outputs): the j-th row in expert
    // order, so each expert's rows are contiguous. Each token's normed row is converted once and
    // copied to its k rows; every expert's gate and up products, then every down product, are
    // each one pass of the pool (a decode step too: its experts have one row each).
    const Weight& gate0 = L.gate_exps[0];
    const Weight& down0 = L.down_exps[0];
    const size_t in_bytes = converted_row_bytes(gate0.type, d);
    const size_t ff_bytes = converted_row_bytes(down0.type, ff);
    float* rows = s.moe_rows.data();   // (n*k, d)
    uint8_t* conv = nullptr;           // (n*k, in_bytes), then (n*k, ff_bytes)
    // The experts of a 3-D tensor share its type; gate and up need the same conversion.
    if (vec_dot_type(gate0.type) == vec_dot_type(L.up_exps[0].type))
        conv = m_matmul.conversion_room(size_t(n * k) * std::max(in_bytes, ff_bytes));
    m_pool.parallel_for(
        n,
        [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t) {
                const int64_t first = m_expert_pos[size_t(t * k)];
                if (!conv) {
                    for (int64_t i = 0; i < k; ++i)
                        std::copy_n(&s.xb[size_t(t * d)], d, &rows[m_expert_pos[size_t(t * k + i)] * d]);
                    continue;
                }
                convert_activations_cpu(gate0.type, &s.xb[size_t(t * d)], d, 0, 1, conv + size_t(first) * in_bytes);
                for (int64_t i = 1; i < k; ++i)
                    std::memcpy(conv + size_t(m_expert_pos[size_t(t * k + i)]) * in_bytes,
                                conv + size_t(first) * in_bytes, in_bytes);
            }
        },
        1, k * d);
    m_products.clear();
    for (int64_t e = 0; e < n_exp; ++e) {
        const int64_t first = m_expert_start[size_t(e)];
        const int64_t m = m_expert_start[size_t(e + 1)] - first;
        if (m == 0)
            continue;
        const uint8_t* x_conv = conv ? conv + size_t(first) * in_bytes : nullptr;
        m_products.push_back({&L.gate_exps[size_t(e)], &rows[first * d], m, &s.gate[size_t(first * ff)], x_conv});
        m_products.push_back({&L.up_exps[size_t(e)], &rows[first * d], m, &s.up[size_t(first * ff)], x_conv});
    }
    m_matmul.run_each(m_products);   // (m, n_ff_exp) each
    // SwiGLU, and the down products' inputs converted in the same pass (over the gate and up
    // inputs, read by then).
    m_pool.parallel_for(
        n * k,
        [&](int64_t b, int64_t e) {
            for (int64_t j = b; j < e; ++j)
                swiglu_ref(&s.gate[size_t(j * ff)], &s.up[size_t(j * ff)], &s.gate[size_t(j * ff)], ff);
            if (conv)
                convert_activations_cpu(down0.type, s.gate.data(), ff, b, e, conv);
        },
        1, 8 * ff);   // an exp and a few multiply-adds per element
    m_products.clear();
    for (int64_t e = 0; e < n_exp; ++e) {
        const int64_t first = m_expert_start[size_t(e)];
        const int64_t m = m_expert_start[size_t(e + 1)] - first;
        if (m > 0)
            m_products.push_back({&L.down_exps[size_t(e)], &s.gate[size_t(first * ff)], m, &rows[first * d],
                                  conv ? conv + size_t(first) * ff_bytes : nullptr});
    }
    m_matmul.run_each(m_products);   // (m, d) each

    // out[t] = sum over slots (most probable first) of weight * expert output.
    m_pool.parallel_for(
        n,
        [&](int64_t b, int64_t e) {
            for (int64_t t = b; t < e; ++t) {
                float* o = &out[t * d];
                for (int64_t i = 0; i < k; ++i) {
                    const float w = m_chosen_w[size_t(t * k + i)];
                    const float* y = &rows[int64_t(m_expert_pos[size_t(t * k + i)]) * d];
                    if (i == 0)
                        for (int64_t j = 0; j < d; ++j)
                            o[j] = y[j] * w;
                    else
                        for (int64_t j = 0; j < d; ++j)
                            o[j] += y[j] * w;
                }
            }
        },
        1, k * d);
}

// Token t's routing: p (n_expert) its router logits, made probabilities in place; chosen and
// chosen_w (n_expert_used) its experts, most probable first, and their weights. order: room for
// n_expert indices.
void CpuLayer::route_token(float* p, std::vector<int32_t>& order, int32_t* chosen, float* chosen_w) const
{
    const int64_t n_exp = hp.n_expert;
    const int64_t k = hp.n_expert_used;
    const float top = *std::max_element(p, p + n_exp);
    double sum = 0.0;
    for (int64_t e = 0; e < n_exp; ++e) {
        p[e] = std::exp(p[e] - top);
        sum += double(p[e]);
    }
    const float inv = float(1.0 / sum);
    for (int64_t e = 0; e < n_exp; ++e)
        p[e] *= inv;
    for (int64_t e = 0; e < n_exp; ++e)
        order[size_t(e)] = int32_t(e);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t a, int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    double chosen_sum = 0.0;
    for (int64_t i = 0; i < k; ++i)
        chosen_sum += double(p[order[size_t(i)]]);
    const float norm = std::max(float(chosen_sum), 6.103515625e-5f);
    for (int64_t i = 0; i < k; ++i) {
        const float w = p[order[size_t(i)]];
        chosen[i] = order[size_t(i)];
        chosen_w[i] = hp.expert_weights_norm ? w / norm : w;
    }
}

// s.att (n, n_head*vd) = softmax(Q K^T / sqrt(hd), causal) V: row t of a segment over its
// cache's positions [0, pos + t], computed as llama.cpp's CPU flash attention does
// (kernels/cpu/attention_cpu.h), so logits agree with it to 1e-4 rather than 3e-2.
void CpuLayer::attention(std::span<const CpuSegment> segments, int64_t n, int64_t window)
{
    const int64_t hd = hp.head_dim;
    const int64_t vd = hp.value_dim;
    const int64_t group = hp.n_head / hp.n_head_kv;   // query heads sharing one KV head (GQA)
    AttentionShape shape;
    shape.head_dim = hd;
    shape.value_dim = vd;
    shape.k_stride = hp.n_head_kv * hd;
    shape.v_stride = hp.n_head_kv * vd;
    shape.scale = hp.q_prescale != 0.0f ? 1.0f : 1.0f / std::sqrt(float(hd));
    shape.softcap = hp.attn_softcap;
    AttentionShape q8_shape = shape;   // a Q8_0 cache: strides in bytes
    q8_shape.k_stride = int64_t(kv_row_bytes(KvType::Q8_0, hp.n_head_kv * hd));
    q8_shape.v_stride = int64_t(kv_row_bytes(KvType::Q8_0, hp.n_head_kv * vd));
    const size_t scratch_floats =
        size_t(std::max(attention_scratch_floats(shape), attention_q8_0_scratch_floats(shape)));
    auto first_of = [&](const CpuSegment& seg, int64_t t) {
        // A sliding window skips the positions before it, as llama.cpp's mask does (its flash
        // attention skips masked positions, so the sums run over the same terms).
        const int64_t p = seg.pos + (t - seg.row);
        return window > 0 ? std::max<int64_t>(0, p + 1 - window) : int64_t(0);
    };
    // Products of the whole step: under kSerialWork a decode step's attention (a small model
    // early in a conversation) takes less time than waking the pool and waiting for it.
    constexpr int64_t kSerialWork = int64_t(1) << 16;
    int64_t work = 0;
    for (const CpuSegment& seg : segments)
        for (int64_t t = seg.row; t < seg.row + seg.n; ++t)
            work += seg.pos + (t - seg.row) + 1 - first_of(seg, t);
    work *= hp.n_head * (hd + vd);

    // One work item per (row, head), the last rows first: a prompt's row t reads t + 1 positions,
    // so the pool's last ranges are its lightest and the threads finish together.
    auto run = [&](int64_t b, int64_t e) {
        // Per thread and kept: no allocation per token.
        thread_local std::vector<float> scratch;
        if (scratch.size() < scratch_floats)
            scratch.resize(scratch_floats);
        for (int64_t item = b; item < e; ++item) {
            const int64_t t = n - 1 - item / hp.n_head;
            const int64_t h = item % hp.n_head;
            const int64_t kvh = h / group;
            const CpuSegment& seg = segments[size_t(m_row_segment[size_t(t)])];
            const int64_t p = seg.pos + (t - seg.row);
            const int64_t first = first_of(seg, t);
            const float* q = &s.q[size_t(t * hp.n_head * hd + h * hd)];
            float* out = &s.att[size_t(t * hp.n_head * vd + h * vd)];
            const CpuKvCache& c = *seg.cache;
            if (c.type == KvType::Q8_0)   // strides in bytes, a head's slice whole blocks
                attention_head_q8_0_cpu(q8_shape, q, c.k.data() + size_t(first) * c.k_row + size_t(kvh * hd / 32 * 34),
                                        c.v.data() + size_t(first) * c.v_row + size_t(kvh * vd / 32 * 34),
                                        p + 1 - first, out, scratch.data());
            else
                attention_head_cpu(shape, q,
                                   reinterpret_cast<const uint16_t*>(c.k.data()) + first * shape.k_stride + kvh * hd,
                                   reinterpret_cast<const uint16_t*>(c.v.data()) + first * shape.v_stride + kvh * vd,
                                   p + 1 - first, out, scratch.data());
        }
    };
    if (work < kSerialWork)
        run(0, n * hp.n_head);
    else
        m_pool.parallel_for(n * hp.n_head, run);
}

}   // namespace causerie
