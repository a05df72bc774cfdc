#include "sim_runtime.h"

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <new>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace causerie::cuda_sim {
namespace {

namespace ctx = boost::context;

// Each fiber's stack. Kernels keep a few hundred bytes of locals; 256 KiB leaves room for a
// debug build's frames and is only committed by the OS as it is touched.
constexpr size_t kStackBytes = 256 * 1024;

struct MallocStack {
    ctx::stack_context allocate()
    {
        ctx::stack_context sc;
        void* p = std::malloc(kStackBytes);
        if (!p)
            throw std::bad_alloc();
        sc.size = kStackBytes;
        sc.sp = static_cast<char*>(p) + kStackBytes;
        return sc;
    }
    void deallocate(ctx::stack_context& sc) noexcept { std::free(static_cast<char*>(sc.sp) - sc.size); }
};

enum class State { Idle, Runnable, AtBarrier, AtWarpSync, Done };

struct SimThread {
    ctx::fiber fiber;       // the suspended GPU thread (empty while it runs)
    ctx::fiber scheduler;   // where to yield to (valid only while it runs)
    ThreadContext tc;
    State state = State::Idle;
    unsigned mask = 0;    // warp sync: lanes that must arrive
    uint64_t value = 0;   // shuffle: value offered / value received
    int src_lane = 0;
    bool exit = false;   // pool teardown: leave the fiber loop
    // Counting: how many times this thread has loaded at each instruction (site) since the block's
    // last __syncthreads (`epoch` of them so far): no warp instruction spans a block barrier, so
    // a site a lane skips in one step between barriers cannot shift its grouping in the next.
    std::unordered_map<const void*, uint32_t> loads;
    uint32_t epoch = 0;
};

// A warp-wide load instruction: the n-th execution of one load site by the lanes of one warp
// between two block barriers.
struct InstructionKey {
    uint64_t warp;
    const void* site;
    uint32_t epoch;
    uint32_t occurrence;
    bool operator==(const InstructionKey&) const = default;
};
struct InstructionKeyHash {
    size_t operator()(const InstructionKey& k) const
    {
        return std::hash<const void*>()(k.site) ^ (k.warp * 0x9E3779B97F4A7C15ull) ^ (uint64_t(k.occurrence) << 40) ^
               (uint64_t(k.epoch) * 0xC2B2AE3D27D4EB4Full);
    }
};

// Counting: the loads of one warp-wide instruction (one warp, one step), gathered while the
// block runs and folded into its kernel's counts when the block ends.
struct WarpInstruction {
    uint32_t lanes = 0;
    uint64_t bytes = 0;
    std::vector<uint64_t> sectors;   // distinct 32-byte sector numbers
};

// One pool of fibers per OS thread, grown to the largest block seen; fibers loop so that a
// block of 128 threads costs 128 context switches, not 128 stack allocations.
struct Pool {
    std::vector<std::unique_ptr<SimThread>> threads;
    const std::function<void()>* body = nullptr;
    std::vector<unsigned char> dyn_smem;

    ~Pool() { clear(); }

    void clear()
    {
        // A fiber that never finished its body (a failed launch) is unwound by its destructor;
        // one parked at the loop's top is told to exit.
        for (auto& t : threads) {
            if (t->fiber && (t->state == State::Idle || t->state == State::Done)) {
                t->exit = true;
                t->fiber = std::move(t->fiber).resume();
            }
        }
        threads.clear();
    }

    void grow(size_t n)
    {
        while (threads.size() < n) {
            auto t = std::make_unique<SimThread>();
            SimThread* self = t.get();
            t->fiber = ctx::fiber(std::allocator_arg, MallocStack(), [this, self](ctx::fiber&& sched) {
                self->scheduler = std::move(sched);
                for (;;) {
                    if (self->exit)
                        break;
                    (*body)();
                    self->state = State::Done;
                    self->scheduler = std::move(self->scheduler).resume();
                }
                return std::move(self->scheduler);
            });
            threads.push_back(std::move(t));
        }
    }
};

thread_local Pool* t_pool = nullptr;
// Counting state of the running launch (one OS thread runs a whole grid).
thread_local std::unordered_map<InstructionKey, WarpInstruction, InstructionKeyHash> t_instructions;
thread_local AccessCounts t_launch_loads;
// The shared-memory requests of the running block (lane accesses), and the launch's counts.
thread_local std::unordered_map<InstructionKey, std::vector<LaneAccess>, InstructionKeyHash> t_shared_requests;
thread_local SharedCounts t_launch_shared_requests;
thread_local double t_launch_mma_int8 = 0, t_launch_mma_f16 = 0, t_launch_shared = 0;   // this launch's
thread_local std::string t_fault;   // first fault of the running launch
thread_local SimThread* t_current = nullptr;
// Shared by every OS thread that launches (the engine runs a backend on a worker thread).
std::atomic<Schedule> g_schedule{Schedule::Forward};
std::atomic<uint64_t> g_launches{0};

Pool& pool()
{
    // Destroyed with the OS thread (thread_local unique_ptr), which unwinds the fibers.
    thread_local std::unique_ptr<Pool> p = std::make_unique<Pool>();
    t_pool = p.get();
    return *p;
}

void yield(SimThread* self) { self->scheduler = std::move(self->scheduler).resume(); }

const char* state_name(State s)
{
    switch (s) {
    case State::AtBarrier: return "__syncthreads()";
    case State::AtWarpSync: return "a warp shuffle or __syncwarp()";
    case State::Done: return "the end of the kernel";
    default: return "running";
    }
}

// Releases every warp whose mask lanes have all reached a warp sync, and the block barrier when
// every live thread is at it. Returns false when nothing could be released (a deadlock).
bool release(std::vector<std::unique_ptr<SimThread>>& th, unsigned n, std::string* error)
{
    bool released = false;
    for (unsigned w0 = 0; w0 < n; w0 += kWarpSize) {
        const unsigned w1 = std::min(n, w0 + unsigned(kWarpSize));
        int first = -1;
        for (unsigned i = w0; i < w1; ++i)
            if (th[i]->state == State::AtWarpSync) {
                first = int(i);
                break;
            }
        if (first < 0)
            continue;
        const unsigned mask = th[size_t(first)]->mask;
        bool all = true;
        for (unsigned lane = 0; lane < unsigned(kWarpSize); ++lane) {
            if (!(mask >> lane & 1u))
                continue;
            const unsigned i = w0 + lane;
            if (i >= w1) {
                *error = "a warp sync names lane " + std::to_string(lane) + " of warp " + std::to_string(w0 / 32) +
                         ", which does not exist in this block";
                return false;
            }
            if (th[i]->state == State::Done) {
                *error = "a warp sync waits for lane " + std::to_string(lane) + " of warp " + std::to_string(w0 / 32) +
                         ", which has already exited";
                return false;
            }
            if (th[i]->state != State::AtWarpSync || th[i]->mask != mask)
                all = false;
        }
        if (!all)
            continue;
        // Every source value is read before any result is written.
        uint64_t vals[kWarpSize] = {};
        for (unsigned i = w0; i < w1; ++i)
            vals[i - w0] = th[i]->value;
        for (unsigned lane = 0; lane < unsigned(kWarpSize); ++lane) {
            if (!(mask >> lane & 1u))
                continue;
            SimThread& t = *th[w0 + lane];
            const int src = t.src_lane;
            if (src >= 0 && src < int(w1 - w0) && (mask >> src & 1u))
                t.value = vals[src];
            t.state = State::Runnable;
        }
        released = true;
    }
    if (released)
        return true;

    // The CUDA rule: __syncthreads() must be reached by every thread of the block. Threads that
    // returned early make it undefined (a hang on some GPUs), so that is an error here.
    bool any_barrier = false, all_barrier = true;
    int exited = -1;
    for (unsigned i = 0; i < n; ++i) {
        if (th[i]->state == State::AtBarrier)
            any_barrier = true;
        else if (th[i]->state == State::Done)
            exited = int(i);
        else
            all_barrier = false;
    }
    if (any_barrier && all_barrier && exited >= 0) {
        *error = "deadlock: __syncthreads() is waited at while thread " + std::to_string(exited) +
                 " has already exited (a barrier must be reached by every thread of the block)";
        return false;
    }
    if (any_barrier && all_barrier) {
        for (unsigned i = 0; i < n; ++i)
            if (th[i]->state == State::AtBarrier)
                th[i]->state = State::Runnable;
        return true;
    }
    // Name two threads that wait at different places: that is what a user must fix.
    for (unsigned i = 0; i < n; ++i)
        for (unsigned j = i + 1; j < n; ++j)
            if (th[i]->state != th[j]->state && th[i]->state != State::Done && th[j]->state != State::Done) {
                *error = "deadlock: thread " + std::to_string(i) + " waits at " + state_name(th[i]->state) +
                         " while thread " + std::to_string(j) + " waits at " + state_name(th[j]->state);
                return false;
            }
    *error = "deadlock: the block's threads wait at a sync point that cannot complete";
    return false;
}

std::string run_block(Pool& p, const ThreadContext& base, unsigned n)
{
    auto& th = p.threads;
    for (unsigned i = 0; i < n; ++i) {
        SimThread& t = *th[i];
        t.tc = base;
        t.tc.thread_idx = dim3(i % base.block_dim.x, (i / base.block_dim.x) % base.block_dim.y,
                               i / (base.block_dim.x * base.block_dim.y));
        t.state = State::Runnable;
        t.loads.clear();
        t.epoch = 0;
    }
    for (;;) {
        for (unsigned k = 0; k < n; ++k) {
            const unsigned i = g_schedule == Schedule::Forward ? k : n - 1 - k;
            SimThread& t = *th[i];
            if (t.state != State::Runnable)
                continue;
            t_current = &t;
            t.fiber = std::move(t.fiber).resume();
            t_current = nullptr;
        }
        bool all_done = true;
        for (unsigned i = 0; i < n; ++i)
            all_done = all_done && th[i]->state == State::Done;
        if (all_done)
            break;
        std::string error;
        if (!release(th, n, &error))
            return error;
    }
    for (unsigned i = 0; i < n; ++i)
        th[i]->state = State::Idle;
    return {};
}

// ---- counters ------------------------------------------------------------------------------

std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_host_syncs{0};
std::atomic<uint64_t> g_copies_to_device{0};
std::atomic<uint64_t> g_pageable_copies{0};
std::mutex g_fault_mutex;               // g_fault_*, g_pinned
std::map<uintptr_t, size_t> g_pinned;   // pinned host allocations: start → bytes
bool g_fault_armed = false;
uint64_t g_fault_countdown = 0;
std::string g_fault_what;
std::string g_fault_sticky;
std::mutex g_counts_mutex;   // g_kernels, g_launches_at_reset, g_gemm
std::atomic<uint64_t> g_gemm_calls{0};
double g_gemm_flops = 0;
double g_gemm_bytes = 0;
std::atomic<uint64_t> g_mma_int8_ops{0}, g_mma_f16_flops{0}, g_shared_bytes{0};
std::map<std::string, KernelCounts> g_kernels;
uint64_t g_launches_at_reset = 0;
std::shared_mutex g_ranges_mutex;
std::map<uintptr_t, size_t> g_ranges;   // device allocations: start → bytes

// Records or forgets an allocation (start → bytes) in g_pinned or g_ranges, under the map's mutex.
template <typename Mutex>
void put_range(Mutex& m, std::map<uintptr_t, size_t>& ranges, const void* p, size_t bytes)
{
    std::unique_lock lock(m);
    ranges[reinterpret_cast<uintptr_t>(p)] = bytes;
}

template <typename Mutex>
void erase_range(Mutex& m, std::map<uintptr_t, size_t>& ranges, const void* p)
{
    std::unique_lock lock(m);
    ranges.erase(reinterpret_cast<uintptr_t>(p));
}

bool in_device_memory(const void* p, size_t bytes)
{
    const auto a = reinterpret_cast<uintptr_t>(p);
    std::shared_lock lock(g_ranges_mutex);
    auto it = g_ranges.upper_bound(a);
    if (it == g_ranges.begin())
        return false;
    --it;
    return a >= it->first && a + bytes <= it->first + it->second;
}

// "…/cuda_sim/matvec_sim.cpp" or "…/matvec.cu" → "matvec".
std::string kernel_name(const char* source)
{
    if (!source)
        return "unnamed";
    std::string s = source;
    // The build compiles each .cu for the sim through a generated cuda_sim/<name>_sim.cpp.
    const bool wrapper = s.find("/cuda_sim/") != std::string::npos;
    const size_t slash = s.find_last_of('/');
    if (slash != std::string::npos)
        s.erase(0, slash + 1);
    const size_t dot = s.find('.');
    if (dot != std::string::npos)
        s.erase(dot);
    if (wrapper && s.size() > 4 && s.compare(s.size() - 4, 4, "_sim") == 0)
        s.erase(s.size() - 4);
    return s;
}

void add(SharedCounts& to, const SharedCounts& c)
{
    to.requests += c.requests;
    to.wavefronts += c.wavefronts;
    to.ideal_wavefronts += c.ideal_wavefronts;
    to.lane_accesses += c.lane_accesses;
    to.bytes += c.bytes;
}

// The warp instruction the running lane's next access at `site` (a return address in the kernel)
// belongs to, and the lane's index in its warp.
InstructionKey next_instruction(const void* site, uint32_t* lane)
{
    SimThread& t = *t_current;
    const ThreadContext& tc = t.tc;
    const uint64_t linear = tc.thread_idx.x + uint64_t(tc.thread_idx.y) * tc.block_dim.x +
                            uint64_t(tc.thread_idx.z) * tc.block_dim.x * tc.block_dim.y;
    *lane = uint32_t(linear % kWarpSize);
    return {linear / kWarpSize, site, t.epoch, t.loads[site]++};
}

// Folds the instructions of the block that just ran into the launch's counts.
void fold_block()
{
    for (auto& [key, ins] : t_instructions) {
        (void)key;
        std::sort(ins.sectors.begin(), ins.sectors.end());
        const auto unique = std::unique(ins.sectors.begin(), ins.sectors.end()) - ins.sectors.begin();
        t_launch_loads.instructions += 1;
        t_launch_loads.lane_accesses += ins.lanes;
        t_launch_loads.bytes += ins.bytes;
        t_launch_loads.sectors += uint64_t(unique);
    }
    t_instructions.clear();
    for (const auto& [key, accesses] : t_shared_requests) {
        (void)key;
        add(t_launch_shared_requests, shared_request_cost(accesses));
    }
    t_shared_requests.clear();
}

void add(AccessCounts& to, const AccessCounts& c)
{
    to.instructions += c.instructions;
    to.lane_accesses += c.lane_accesses;
    to.bytes += c.bytes;
    to.sectors += c.sectors;
}

}   // namespace

void set_counting(bool on) { g_counting = on; }
bool counting() { return g_counting; }

Counters counters()
{
    Counters c;
    std::lock_guard lock(g_counts_mutex);
    c.launches = g_launches - g_launches_at_reset;
    c.host_syncs = g_host_syncs;
    c.copies_to_device = g_copies_to_device;
    c.pageable_copies_to_device = g_pageable_copies;
    c.gemm_calls = g_gemm_calls;
    c.gemm_flops = g_gemm_flops;
    c.gemm_bytes = g_gemm_bytes;
    c.mma_int8_ops = double(g_mma_int8_ops);
    c.mma_f16_flops = double(g_mma_f16_flops);
    c.shared_bytes = double(g_shared_bytes);
    c.kernels = g_kernels;
    return c;
}

void reset_counters()
{
    std::lock_guard lock(g_counts_mutex);
    g_launches_at_reset = g_launches;
    g_host_syncs = 0;
    g_copies_to_device = 0;
    g_pageable_copies = 0;
    g_gemm_calls = 0;
    g_gemm_flops = 0;
    g_gemm_bytes = 0;
    g_mma_int8_ops = 0;
    g_mma_f16_flops = 0;
    g_shared_bytes = 0;
    g_kernels.clear();
}

void count_host_sync() { ++g_host_syncs; }
void add_pinned_range(const void* p, size_t bytes) { put_range(g_fault_mutex, g_pinned, p, bytes); }

void remove_pinned_range(const void* p) { erase_range(g_fault_mutex, g_pinned, p); }

void count_copy_to_device(const void* src, size_t bytes)
{
    ++g_copies_to_device;
    const auto a = reinterpret_cast<uintptr_t>(src);
    std::lock_guard lock(g_fault_mutex);
    auto it = g_pinned.upper_bound(a);
    const bool pinned = it != g_pinned.begin() && (--it, a >= it->first && a + bytes <= it->first + it->second);
    if (!pinned)
        ++g_pageable_copies;
}

void inject_fault(uint64_t after_launches, std::string what)
{
    std::lock_guard lock(g_fault_mutex);
    g_fault_armed = true;
    g_fault_countdown = after_launches;
    g_fault_what = std::move(what);
}

std::string sticky_fault()
{
    std::lock_guard lock(g_fault_mutex);
    return g_fault_sticky;
}

void clear_fault()
{
    std::lock_guard lock(g_fault_mutex);
    g_fault_armed = false;
    g_fault_sticky.clear();
}

namespace {
// The launch's injected fault, if it is the one that fails (or one after it).
std::string take_fault()
{
    std::lock_guard lock(g_fault_mutex);
    if (!g_fault_sticky.empty())
        return g_fault_sticky;
    if (!g_fault_armed)
        return {};
    if (g_fault_countdown > 0) {
        --g_fault_countdown;
        return {};
    }
    g_fault_armed = false;
    g_fault_sticky = g_fault_what;
    return g_fault_sticky;
}
}   // namespace

void count_gemm(int64_t m, int64_t n, int64_t k, size_t operand_bytes, size_t result_bytes)
{
    ++g_gemm_calls;
    std::lock_guard lock(g_counts_mutex);
    g_gemm_flops += 2.0 * double(m) * double(n) * double(k);
    g_gemm_bytes += double(operand_bytes) + double(result_bytes);
}

void count_mma(bool int8, int64_t m, int64_t n, int64_t k)
{
    if (!g_counting)
        return;
    (int8 ? g_mma_int8_ops : g_mma_f16_flops) += uint64_t(2 * m * n * k);
    (int8 ? t_launch_mma_int8 : t_launch_mma_f16) += double(2 * m * n * k);
}

void count_shared(size_t bytes)
{
    if (!g_counting)
        return;
    g_shared_bytes += bytes;
    t_launch_shared += double(bytes);
}

void add_device_range(const void* p, size_t bytes) { put_range(g_ranges_mutex, g_ranges, p, bytes); }

void remove_device_range(const void* p) { erase_range(g_ranges_mutex, g_ranges, p); }

SharedCounts shared_request_cost(const std::vector<LaneAccess>& accesses)
{
    SharedCounts c;
    if (accesses.empty())
        return c;
    uint32_t width = 0;
    for (const LaneAccess& a : accesses) {
        width = std::max(width, a.bytes);
        c.bytes += a.bytes;
    }
    c.requests = 1;
    c.lane_accesses = accesses.size();
    const uint32_t lanes_per_phase = width > 8 ? 8 : width > 4 ? 16 : 32;
    for (uint32_t first = 0; first < uint32_t(kWarpSize); first += lanes_per_phase) {
        std::vector<uint64_t> words;   // distinct 4-byte words the phase touches
        for (const LaneAccess& a : accesses)
            if (a.lane >= first && a.lane < first + lanes_per_phase)
                for (uint64_t w = a.address / 4; w <= (a.address + a.bytes - 1) / 4; ++w)
                    words.push_back(w);
        if (words.empty())
            continue;
        std::sort(words.begin(), words.end());
        words.erase(std::unique(words.begin(), words.end()), words.end());
        uint32_t per_bank[kWarpSize] = {};
        uint32_t most = 0;
        for (uint64_t w : words)
            most = std::max(most, ++per_bank[w % kWarpSize]);
        c.wavefronts += most;
        c.ideal_wavefronts += 1;
    }
    return c;
}

[[gnu::noinline]] void record_shared(const void* p, size_t bytes)
{
    if (!t_current)
        return;
    const auto a = reinterpret_cast<uintptr_t>(p);
    if (a % bytes != 0)
        report_fault(bytes == 16  ? "misaligned 16-byte shared-memory access"
                     : bytes == 8 ? "misaligned 8-byte shared-memory access"
                                  : "misaligned shared-memory access");
    if (!g_counting || in_device_memory(p, bytes))
        return;
    uint32_t lane = 0;
    const InstructionKey key = next_instruction(__builtin_return_address(0), &lane);
    t_shared_requests[key].push_back({lane, a, uint32_t(bytes)});
}

// Not inlined: its return address is the load's place in the kernel (the helpers that call it
// are inlined into the kernels in optimised builds), which tells load instructions apart.
[[gnu::noinline]] void record_load(const void* p, size_t bytes)
{
    if (!g_counting || !t_current || !in_device_memory(p, bytes))
        return;
    uint32_t lane = 0;
    WarpInstruction& ins = t_instructions[next_instruction(__builtin_return_address(0), &lane)];
    ins.lanes += 1;
    ins.bytes += bytes;
    const auto a = reinterpret_cast<uintptr_t>(p);
    for (uint64_t s = a / 32; s <= (a + bytes - 1) / 32; ++s)
        ins.sectors.push_back(s);
}

void set_schedule(Schedule s) { g_schedule = s; }
Schedule schedule() { return g_schedule; }
uint64_t launches() { return g_launches; }

namespace {
thread_local bool t_capturing = false;
thread_local std::vector<RecordedLaunch> t_recorded;
thread_local std::string t_capture_error;
std::mutex g_warm_mutex;
std::set<std::string> g_warm;   // kernel files launched outside a capture

void note_warm(const char* source)
{
    if (!source || t_capturing)
        return;
    std::lock_guard lock(g_warm_mutex);
    g_warm.insert(source);
}
}   // namespace

void begin_capture()
{
    t_capturing = true;
    t_recorded.clear();
    t_capture_error.clear();
}

bool capturing() { return t_capturing; }

void record(RecordedLaunch launch, const char* source)
{
    if (source && t_capture_error.empty()) {
        std::lock_guard lock(g_warm_mutex);
        if (!g_warm.count(source))
            t_capture_error = std::string("a kernel of ") + source +
                              " was first launched during a capture (its module cannot be loaded lazily then)";
    }
    t_recorded.push_back(std::move(launch));
}

std::string capture_error() { return t_capture_error; }

void forget_warm_kernels()
{
    std::lock_guard lock(g_warm_mutex);
    g_warm.clear();
}

std::vector<RecordedLaunch> end_capture()
{
    t_capturing = false;
    return std::exchange(t_recorded, {});
}

std::string run_grid(dim3 grid, dim3 block, size_t dynamic_smem_bytes, const std::function<void()>& body,
                     const char* source)
{
    if (t_current)
        return "a kernel was launched from inside a kernel (not supported by the sim)";
    const uint64_t n = uint64_t(block.x) * block.y * block.z;
    if (n == 0 || n > kMaxThreadsPerBlock || block.z > 64)
        return "invalid block shape " + std::to_string(block.x) + "x" + std::to_string(block.y) + "x" +
               std::to_string(block.z) + " (1 to 1024 threads)";
    if (uint64_t(grid.x) * grid.y * grid.z == 0 || grid.y > 65535 || grid.z > 65535)
        return "invalid grid shape " + std::to_string(grid.x) + "x" + std::to_string(grid.y) + "x" +
               std::to_string(grid.z);
    if (dynamic_smem_bytes > 227 * 1024)
        return "dynamic shared memory of " + std::to_string(dynamic_smem_bytes) +
               " bytes exceeds what any supported GPU offers per block (227 KiB)";
    if (std::string fault = take_fault(); !fault.empty())
        return fault;
    note_warm(source);
    ++g_launches;
    Pool& p = pool();
    p.grow(size_t(n));
    p.body = &body;
    // Garbage, like uninitialised shared memory; 128 spare bytes so the block's view can start
    // 128-byte aligned, as a GPU's dynamic shared memory does (tensor-core loads need 32).
    p.dyn_smem.assign(dynamic_smem_bytes + 128, 0xCD);
    t_fault.clear();
    ThreadContext base;
    base.block_dim = block;
    base.grid_dim = grid;
    const bool counted = g_counting;
    t_instructions.clear();
    t_shared_requests.clear();
    t_launch_loads = {};
    t_launch_shared_requests = {};
    t_launch_mma_int8 = t_launch_mma_f16 = t_launch_shared = 0;
    struct Report {   // the launch's counts, however it ends
        const char* source;
        ~Report()
        {
            t_instructions.clear();
            t_shared_requests.clear();
            std::lock_guard lock(g_counts_mutex);
            KernelCounts& k = g_kernels[kernel_name(source)];
            k.launches += 1;
            add(k.loads, t_launch_loads);
            add(k.shared, t_launch_shared_requests);
            k.mma_int8_ops += t_launch_mma_int8;
            k.mma_f16_flops += t_launch_mma_f16;
            k.shared_bytes += t_launch_shared;
        }
    } report{source};
    for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
            for (unsigned x = 0; x < grid.x; ++x) {
                base.block_idx = dim3(x, y, z);
                std::string error = run_block(p, base, unsigned(n));
                if (counted)
                    fold_block();
                if (error.empty() && !t_fault.empty())
                    return "block (" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) +
                           "): " + t_fault;
                if (!error.empty()) {
                    p.clear();   // fibers stuck mid-kernel are unwound; the next launch starts fresh
                    return "block (" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) +
                           "): " + error;
                }
            }
    return {};
}

const ThreadContext& current() { return t_current->tc; }

void report_fault(const char* what)
{
    if (t_fault.empty()) {
        const ThreadContext& tc = t_current->tc;
        t_fault = std::string(what) + " in thread (" + std::to_string(tc.thread_idx.x) + "," +
                  std::to_string(tc.thread_idx.y) + "," + std::to_string(tc.thread_idx.z) + ")";
    }
}

void* dynamic_shared_memory()
{
    const auto base = reinterpret_cast<uintptr_t>(t_pool->dyn_smem.data());
    return t_pool->dyn_smem.data() + ((128 - base % 128) % 128);
}

void sync_threads()
{
    SimThread* self = t_current;
    self->loads.clear();
    ++self->epoch;
    self->state = State::AtBarrier;
    yield(self);
}

void sync_warp(unsigned mask)
{
    SimThread* self = t_current;
    self->state = State::AtWarpSync;
    self->mask = mask;
    self->src_lane = -1;
    yield(self);
}

uint64_t shuffle(unsigned mask, uint64_t bits, int src_lane)
{
    SimThread* self = t_current;
    self->state = State::AtWarpSync;
    self->mask = mask;
    self->value = bits;
    self->src_lane = src_lane;
    yield(self);
    return self->value;
}

}   // namespace causerie::cuda_sim
