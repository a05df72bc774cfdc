#include "memory.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>

namespace causerie {

std::string format_bytes(size_t bytes)
{
    char buf[32];
    if (bytes >= (size_t(1) << 30))
        std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(size_t(1) << 30));
    else
        std::snprintf(buf, sizeof buf, "%.0f MiB", double(bytes) / double(size_t(1) << 20));
    return buf;
}

std::optional<size_t> parse_meminfo_available(std::string_view meminfo)
{
    // A line "MemAvailable:   12345678 kB".
    constexpr std::string_view key = "MemAvailable:";
    size_t at = 0;
    while ((at = meminfo.find(key, at)) != std::string_view::npos && at != 0 && meminfo[at - 1] != '\n')
        at += key.size();
    if (at == std::string_view::npos)
        return std::nullopt;
    size_t p = at + key.size();
    while (p < meminfo.size() && meminfo[p] == ' ')
        ++p;
    uint64_t kib = 0;
    const auto [end, ec] = std::from_chars(meminfo.data() + p, meminfo.data() + meminfo.size(), kib);
    if (ec != std::errc() || meminfo.substr(size_t(end - meminfo.data())).substr(0, 3) != " kB")
        return std::nullopt;
    if (kib > std::numeric_limits<size_t>::max() / 1024)
        return std::numeric_limits<size_t>::max();
    return size_t(kib) * 1024;
}

std::optional<size_t> system_available_ram()
{
    std::ifstream in("/proc/meminfo");
    if (!in)
        return std::nullopt;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_meminfo_available(text);
}

std::optional<size_t> free_ram(size_t pretend)
{
    return pretend ? std::optional<size_t>(pretend) : system_available_ram();
}

size_t usable_of_free(size_t free_bytes) { return free_bytes > kRamHeadroomBytes ? free_bytes - kRamHeadroomBytes : 0; }

int64_t largest_context_that_fits(size_t fixed_bytes, size_t per_token_bytes, size_t usable)
{
    if (fixed_bytes >= usable || per_token_bytes == 0)
        return 0;
    const uint64_t n = (usable - fixed_bytes) / per_token_bytes;
    const int64_t fit = int64_t(std::min<uint64_t>(n, uint64_t(1) << 40));
    return fit >= 256 ? fit / 256 * 256 : fit;
}

Status check_context_fits(int64_t n_ctx, size_t fixed_bytes, size_t per_token_bytes, size_t free_bytes,
                          const std::string& what)
{
    const size_t usable = usable_of_free(free_bytes);
    // Saturating: a crafted model may ask for more than size_t holds.
    size_t kv = 0, needed = 0;
    if (__builtin_mul_overflow(size_t(n_ctx), per_token_bytes, &kv) || __builtin_add_overflow(kv, fixed_bytes, &needed))
        needed = std::numeric_limits<size_t>::max();
    if (needed <= usable)
        return Ok{};
    const int64_t fit = largest_context_that_fits(fixed_bytes, per_token_bytes, usable);
    const std::string head = "not enough memory for a context of " + std::to_string(n_ctx) + " tokens: " + what +
                             " need " + format_bytes(needed) + ", more than the " + format_bytes(usable) +
                             " of RAM that can be used (" + format_bytes(free_bytes) + " free, less " +
                             format_bytes(kRamHeadroomBytes) + " kept for the rest of the program)";
    if (fit == 0)
        return make_error(head + "; not even a context of 1 token fits (the buffers alone need " +
                          format_bytes(fixed_bytes) + ")");
    return make_error(head + "; a context of " + std::to_string(fit) + " tokens would fit");
}

}   // namespace causerie
