#pragma once
// Memory checks made before a backend allocates its KV cache and scratch buffers: a context too
// large for the machine is a clear error that says what would fit, never an OOM kill. The
// weights are not counted: they are mapped from the file (bounded by it, and evictable page
// cache), whereas the KV cache and scratch sizes come from metadata and can be anything.
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace causerie {

// "1.5 GiB" / "340 MiB": how sizes are shown to the user.
std::string format_bytes(size_t bytes);

// MemAvailable of a /proc/meminfo text, in bytes; nullopt when absent or malformed.
std::optional<size_t> parse_meminfo_available(std::string_view meminfo);

// The system's MemAvailable (what can be allocated without swapping); nullopt when unknown.
std::optional<size_t> system_available_ram();

// Kept free for the rest of the program (tokenizer tables, the app, the sampler's rows) and
// for the estimate's error: MemAvailable is a kernel estimate, not a promise.
inline constexpr size_t kRamHeadroomBytes = size_t(128) << 20;

// Free RAM a backend plans with: `pretend` when non-zero (tests, `BackendOptions::free_ram_bytes`),
// else the system's MemAvailable. nullopt: unknown, do not check.
std::optional<size_t> free_ram(size_t pretend);

// Checks that fixed_bytes + n_ctx * per_token_bytes fit in `free_bytes` less kRamHeadroomBytes.
// The error says how much is needed, how much can be used and is free, and the largest context
// that would fit (rounded down to a multiple of 256 when that is at least 256), or that even
// one token does not fit. `what` names the memory ("the KV cache and scratch buffers").
Status check_context_fits(int64_t n_ctx, size_t fixed_bytes, size_t per_token_bytes, size_t free_bytes,
                          const std::string& what);

// free_bytes less kRamHeadroomBytes (0 when below it).
size_t usable_of_free(size_t free_bytes);

// The largest context whose fixed_bytes + n_ctx * per_token_bytes fit in `usable` (rounded as
// above); 0 when none does.
int64_t largest_context_that_fits(size_t fixed_bytes, size_t per_token_bytes, size_t usable);

}   // namespace causerie
