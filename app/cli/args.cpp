#include "args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace causerie::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags)
{
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 1 && a[0] == '-' &&
            !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
            std::string name = a.substr(a[1] == '-' ? 2 : 1);
            if (flags.count(name)) {
                m_values[name] = "1";
                continue;
            }
            if (i + 1 >= argv.size()) {
                m_error = "option " + a + " needs a value";
                return;
            }
            m_values[name] = argv[++i];
        } else {
            m_positional.push_back(a);
        }
    }
}

std::string Args::get(const std::string& name, const std::string& fallback) const
{
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

std::optional<long long> Args::get_int(const std::string& name, std::string* error) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (errno || end == it->second.c_str() || *end) {
        *error = "option --" + name + " expects an integer, got '" + it->second + "'";
        return std::nullopt;
    }
    return v;
}

std::optional<double> Args::get_double(const std::string& name, std::string* error) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (errno || end == it->second.c_str() || *end) {
        *error = "option --" + name + " expects a number, got '" + it->second + "'";
        return std::nullopt;
    }
    return v;
}

std::vector<std::string> Args::unknown(const std::set<std::string>& known) const
{
    std::vector<std::string> out;
    for (const auto& [name, value] : m_values)
        if (!known.count(name))
            out.push_back(name);
    return out;
}

std::optional<DeviceOptions> parse_device_options(const Args& args, std::string* error)
{
    DeviceOptions o;
    o.device = args.get("device", "auto");
    if (const auto colon = o.device.find(':'); colon != std::string::npos) {
        const std::string kind = o.device.substr(0, colon);
        const std::string index = o.device.substr(colon + 1);
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(index.c_str(), &end, 10);
        if ((kind != "cuda" && kind != "cuda-sim") || index.empty() || *end || errno || v < 0 || v > 1024) {
            *error = "option --device expects auto, cpu, cuda, cuda:N or cuda-sim (N a GPU index from 0), got '" +
                     o.device + "'";
            return std::nullopt;
        }
        o.device = kind;
        o.gpu_device = int(v);
    }
    std::string err;
    if (const auto n = args.get_int("gpu-layers", &err)) {
        if (*n < -1 || *n > 100000) {
            *error = "option --gpu-layers expects -1 (as many as fit), 0 (none) or a number of layers, got '" +
                     args.get("gpu-layers") + "'";
            return std::nullopt;
        }
        o.n_gpu_layers = int(*n);
    }
    if (!err.empty()) {
        *error = err;
        return std::nullopt;
    }
    if (args.has("kv-type")) {
        const auto type = parse_kv_type(args.get("kv-type"));
        if (!type) {
            *error = "option --kv-type expects f16 or q8_0, got '" + args.get("kv-type") + "'";
            return std::nullopt;
        }
        o.kv_type = *type;
    }
    return o;
}

}   // namespace causerie::cli
