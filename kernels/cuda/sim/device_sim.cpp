// The device API on host memory, for the sim build. Streams are synchronous (every call has
// finished when it returns), which hides missing stream_sync() calls: see README.md.
#include "kernels/cuda/device.h"
#include "kernels/cuda/sim/sim_runtime.h"

#include "kernels/cpu/dequant_ref.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace causerie::kernels::gpu {
inline namespace sim {
namespace {

// Pretend device: 24 GiB unless a test sets a limit.
constexpr size_t kDefaultTotal = size_t(24) << 30;

std::mutex g_mutex;
std::unordered_map<void*, size_t> g_allocs;
size_t g_in_use = 0;
size_t g_limit = 0;
size_t g_reported_free = 0;
int g_device_count = 1;
int g_graphs = 0;
bool g_fail_captures = false;

struct SimGraph {
    std::vector<cuda_sim::RecordedLaunch> launches;
};

// A copy or memset while a graph is being captured: the real callers never do this (the value
// would be frozen into the graph), so the sim refuses it.
GpuStatus refuse_in_capture(const char* what)
{
    return gpu_error(std::string(what) + " while capturing a graph: only kernel launches are captured");
}

size_t total_bytes() { return g_limit ? g_limit : kDefaultTotal; }

}   // namespace

void sim_set_memory_limit(size_t bytes)
{
    std::lock_guard lock(g_mutex);
    g_limit = bytes;
}

void sim_set_reported_free(size_t bytes)
{
    std::lock_guard lock(g_mutex);
    g_reported_free = bytes;
}

size_t sim_bytes_in_use()
{
    std::lock_guard lock(g_mutex);
    return g_in_use;
}

void sim_set_device_count(int n)
{
    std::lock_guard lock(g_mutex);
    g_device_count = n < 1 ? 1 : n;
}

int sim_device_count()
{
    std::lock_guard lock(g_mutex);
    return g_device_count;
}

GpuStatus device_init(int index, DeviceInfo* info)
{
    const int count = sim_device_count();
    if (index < 0 || index >= count)
        return gpu_error("cuda-sim has " + std::to_string(count) + " device(s), no index " + std::to_string(index));
    if (info) {
        info->name = index == 0 ? "CUDA sim (host memory)" : "CUDA sim #" + std::to_string(index) + " (host memory)";
        mem_info(&info->free_bytes, &info->total_bytes).error.clear();
        info->compute_major = 8;
        info->compute_minor = 6;
    }
    return gpu_ok();
}

GpuStatus mem_info(size_t* free_bytes, size_t* total_bytes_out)
{
    std::lock_guard lock(g_mutex);
    const size_t total = total_bytes();
    *free_bytes = g_reported_free ? g_reported_free : total > g_in_use ? total - g_in_use : 0;
    *total_bytes_out = total;
    return gpu_ok();
}

GpuStatus device_malloc(void** ptr, size_t bytes)
{
    *ptr = nullptr;
    std::lock_guard lock(g_mutex);
    if (g_in_use + bytes > total_bytes())
        return gpu_error("device_malloc(" + std::to_string(bytes) + " bytes): out of memory (sim limit " +
                             std::to_string(total_bytes()) + " bytes, " + std::to_string(g_in_use) + " in use)",
                         true);
    // 256-byte alignment like cudaMalloc, so kernels may assume it.
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256 + 256);
    if (!p)
        return gpu_error("device_malloc(" + std::to_string(bytes) + " bytes): host out of memory", true);
    g_allocs[p] = bytes;
    g_in_use += bytes;
    cuda_sim::add_device_range(p, bytes);
    *ptr = p;
    return gpu_ok();
}

void device_free(void* ptr)
{
    if (!ptr)
        return;
    std::lock_guard lock(g_mutex);
    auto it = g_allocs.find(ptr);
    if (it == g_allocs.end())
        return;
    g_in_use -= it->second;
    g_allocs.erase(it);
    cuda_sim::remove_device_range(ptr);
    std::free(ptr);
}

namespace {
// The sticky fault every call reports once the device is broken (sim_inject_sticky_error).
GpuStatus broken(const char* call) { return gpu_error(std::string(call) + ": " + cuda_sim::sticky_fault()); }
}   // namespace

#define SIM_REFUSE_WHEN_BROKEN(call)                                                                                   \
    do {                                                                                                               \
        if (!cuda_sim::sticky_fault().empty())                                                                         \
            return broken(call);                                                                                       \
    } while (0)

GpuStatus host_alloc_pinned(void** ptr, size_t bytes)
{
    *ptr = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (!*ptr)
        return gpu_error("host_alloc_pinned(" + std::to_string(bytes) + " bytes): host out of memory", true);
    cuda_sim::add_pinned_range(*ptr, bytes);
    return gpu_ok();
}

void host_free_pinned(void* ptr)
{
    if (!ptr)
        return;
    cuda_sim::remove_pinned_range(ptr);
    std::free(ptr);
}

std::string device_lost() { return cuda_sim::sticky_fault(); }

void sim_inject_sticky_error(uint64_t after_launches)
{
    cuda_sim::inject_fault(after_launches, "an illegal memory access was encountered (injected by the sim)");
}

void sim_clear_sticky_error() { cuda_sim::clear_fault(); }

void sim_forget_warm_kernels() { cuda_sim::forget_warm_kernels(); }

GpuStatus copy_to_device(void* dst, const void* src, size_t bytes, Stream)
{
    if (cuda_sim::capturing())
        return refuse_in_capture("copy_to_device");
    SIM_REFUSE_WHEN_BROKEN("copy_to_device");
    cuda_sim::count_copy_to_device(src, bytes);
    std::memcpy(dst, src, bytes);
    return gpu_ok();
}
GpuStatus copy_to_host(void* dst, const void* src, size_t bytes, Stream)
{
    if (cuda_sim::capturing())
        return refuse_in_capture("copy_to_host");
    SIM_REFUSE_WHEN_BROKEN("copy_to_host");
    cuda_sim::count_host_sync();   // a GPU's copy_to_host waits for the stream (device_cuda.cu)
    std::memcpy(dst, src, bytes);
    return gpu_ok();
}
GpuStatus copy_on_device(void* dst, const void* src, size_t bytes, Stream)
{
    if (cuda_sim::capturing())
        return refuse_in_capture("copy_on_device");
    std::memmove(dst, src, bytes);
    return gpu_ok();
}
GpuStatus memset_device(void* dst, int value, size_t bytes, Stream)
{
    if (cuda_sim::capturing())
        return refuse_in_capture("memset_device");
    std::memset(dst, value, bytes);
    return gpu_ok();
}

GpuStatus stream_create(Stream* s)
{
    static char token;   // any non-null value: the sim runs every call synchronously
    *s = &token;
    return gpu_ok();
}
void stream_destroy(Stream) {}
GpuStatus stream_sync(Stream)
{
    SIM_REFUSE_WHEN_BROKEN("stream_sync");
    cuda_sim::count_host_sync();
    return gpu_ok();
}

void sim_fail_captures(bool fail)
{
    std::lock_guard lock(g_mutex);
    g_fail_captures = fail;
}

namespace {
bool sim_failing_captures()
{
    std::lock_guard lock(g_mutex);
    return g_fail_captures;
}
}   // namespace

GpuStatus capture_begin(Stream s)
{
    if (!s)
        return gpu_error("capture_begin: the default stream cannot be captured");
    if (cuda_sim::capturing())
        return gpu_error("capture_begin: a capture is already in progress on this thread");
    cuda_sim::begin_capture();
    return gpu_ok();
}

GpuStatus capture_end(Stream, Graph* graph)
{
    *graph = nullptr;
    if (!cuda_sim::capturing())
        return gpu_error("capture_end: no capture in progress");
    auto g = std::make_unique<SimGraph>();
    g->launches = cuda_sim::end_capture();
    if (std::string error = cuda_sim::capture_error(); !error.empty())
        return gpu_error("capture_end: " + error);
    if (sim_failing_captures())
        return gpu_error("capture_end: instantiation failed (sim_fail_captures)");
    {
        std::lock_guard lock(g_mutex);
        ++g_graphs;
    }
    *graph = g.release();
    return gpu_ok();
}

GpuStatus graph_launch(Graph graph, Stream)
{
    if (!graph)
        return gpu_error("graph_launch: no graph");
    SIM_REFUSE_WHEN_BROKEN("graph_launch");
    for (const auto& launch : static_cast<SimGraph*>(graph)->launches)
        if (std::string error = launch(); !error.empty())
            return gpu_error("graph kernel launch failed: " + error);
    return gpu_ok();
}

void graph_destroy(Graph graph) { delete static_cast<SimGraph*>(graph); }

int sim_graphs_captured()
{
    std::lock_guard lock(g_mutex);
    return g_graphs;
}

GpuStatus gemm_f16(Stream, int64_t m, int64_t n, int64_t k_dim, const void* w, const void* x, float* y, int64_t ldy)
{
    if (m <= 0 || n <= 0 || k_dim <= 0 || ldy < m)
        return gpu_error("gemm_f16: bad shape m=" + std::to_string(m) + " n=" + std::to_string(n) +
                         " k=" + std::to_string(k_dim) + " ldy=" + std::to_string(ldy));
    cuda_sim::count_gemm(m, n, k_dim, size_t((m + n) * k_dim) * 2, size_t(m * n) * 4);
    const auto* W = static_cast<const uint16_t*>(w);
    const auto* X = static_cast<const uint16_t*>(x);
    for (int64_t t = 0; t < n; ++t)
        for (int64_t r = 0; r < m; ++r) {
            float acc = 0.0f;
            for (int64_t k = 0; k < k_dim; ++k)
                acc += fp16_to_fp32(W[r * k_dim + k]) * fp16_to_fp32(X[t * k_dim + k]);
            y[t * ldy + r] = acc;
        }
    return gpu_ok();
}

}   // namespace sim
}   // namespace causerie::kernels::gpu
