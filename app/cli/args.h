#pragma once
// Minimal option parsing for causerie-cli: positional arguments plus --name value / --flag.
#include "engine/kv_type.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace causerie::cli {

class Args {
public:
    // `flags` are options without a value; every other --option takes one.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& flags);

    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    const std::vector<std::string>& positional() const { return m_positional; }
    bool has(const std::string& name) const { return m_values.count(name) > 0; }
    std::string get(const std::string& name, const std::string& fallback = {}) const;
    // Numbers: the error message names the option; std::nullopt when absent.
    std::optional<long long> get_int(const std::string& name, std::string* error) const;
    std::optional<double> get_double(const std::string& name, std::string* error) const;
    // Every option given that is not in `known` (typos must not be ignored silently).
    std::vector<std::string> unknown(const std::set<std::string>& known) const;

private:
    std::vector<std::string> m_positional;
    std::map<std::string, std::string> m_values;
    std::string m_error;
};

// --device D[:N], --gpu-layers N and --kv-type f16|q8_0, shared by the commands that run the engine.
// "cuda:1" is device "cuda" on GPU 1 (also "cuda-sim:N"); --gpu-layers -1 offloads as many
// layers as fit, 0 none (CPU), N at most N.
struct DeviceOptions {
    std::string device = "auto";
    int gpu_device = -1;   // -1: the usable GPU with the most free memory
    int n_gpu_layers = -1;
    KvType kv_type = KvType::F16;   // the KV cache's element type (engine/kv_type.h)
};
// std::nullopt with *error set (naming the option and the bad value) when they do not parse.
std::optional<DeviceOptions> parse_device_options(const Args& args, std::string* error);

}   // namespace causerie::cli
