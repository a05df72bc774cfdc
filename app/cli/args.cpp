#include "args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace causerie::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags)
{
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
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

} // namespace causerie::cli
