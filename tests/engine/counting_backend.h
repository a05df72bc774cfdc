#pragma once
// A ComputeBackend that forwards every call to the one it wraps and counts what the session
// asks of it: evaluations (whole rows of logits or the device's top-k) and context shifts.
// Shared by tst_kv_state and tst_cuda_backend.
#include "engine/backend.h"

#include <memory>
#include <utility>

namespace causerie {

class CountingBackend : public ComputeBackend {
public:
    explicit CountingBackend(std::unique_ptr<ComputeBackend> inner)
        : m_inner(std::move(inner))
    {
    }
    std::string device_name() const override { return m_inner->device_name(); }
    int64_t n_ctx() const override { return m_inner->n_ctx(); }
    int64_t n_vocab() const override { return m_inner->n_vocab(); }
    Status eval(std::span<const int32_t> t, int64_t pos, float* last, float* all) override
    {
        ++rows;
        evaluated += int64_t(t.size());
        return m_inner->eval(t, pos, last, all);
    }
    Status eval_top_k(std::span<const int32_t> t, int64_t pos, int k, std::span<const int32_t> g,
                      TopLogits* out) override
    {
        ++tops;
        evaluated += int64_t(t.size());
        return m_inner->eval_top_k(t, pos, k, g, out);
    }
    int max_top_k() const override { return m_inner->max_top_k(); }
    size_t kv_bytes(int64_t n) const override { return m_inner->kv_bytes(n); }
    Status read_kv(int64_t n, uint8_t* out) override { return m_inner->read_kv(n, out); }
    Status write_kv(int64_t n, const uint8_t* in) override { return m_inner->write_kv(n, in); }
    Status shift_kv(int64_t p, int64_t d, int64_t keep) override
    {
        ++shifts;
        return m_inner->shift_kv(p, d, keep);
    }

    int rows = 0;            // eval calls
    int tops = 0;            // eval_top_k calls
    int64_t evaluated = 0;   // tokens evaluated by either
    int shifts = 0;          // shift_kv calls

private:
    std::unique_ptr<ComputeBackend> m_inner;
};

}   // namespace causerie
