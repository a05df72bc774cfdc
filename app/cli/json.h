#pragma once
// The CLI's one JSON writer, for every --json output (the contract other checks parse).
//
//   JsonWriter w;
//   w.begin_object().key("ids").begin_array();
//   for (int id : ids) w.value(id);
//   w.end_array().key("text").value(text).end_object();
//   std::printf("%s\n", w.str().c_str());
//
// Keys keep the order they are written in; commas are placed by the writer. Strings are escaped
// byte for byte (control characters as \u00XX; other bytes pass through, so valid UTF-8 stays
// valid UTF-8). A number that is not finite is written as null (JSON has no NaN).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace causerie::cli {

inline std::string json_string(std::string_view s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

class JsonWriter {
public:
    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }

    // Inside an object, every value is preceded by its key.
    JsonWriter& key(std::string_view k)
    {
        separate();
        m_out += json_string(k);
        m_out += ':';
        m_after_key = true;
        return *this;
    }

    JsonWriter& value(std::string_view s) { return raw(json_string(s)); }
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b) { return raw(b ? "true" : "false"); }
    template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) JsonWriter& value(T v)
    {
        return raw(std::to_string(v));
    }
    // `format` is a printf format for one double: "%.6g" keeps 6 significant digits, "%.3f" three
    // decimals, "%.0f" a whole number.
    JsonWriter& value(double v, const char* format = "%.6g")
    {
        if (!std::isfinite(v))
            return null();
        char buf[64];
        std::snprintf(buf, sizeof buf, format, v);
        return raw(buf);
    }
    JsonWriter& null() { return raw("null"); }

    template <class T>
    JsonWriter& array(const std::vector<T>& values)
    {
        begin_array();
        for (const T& v : values)
            value(v);
        return end_array();
    }

    // Text that is already JSON.
    JsonWriter& raw(std::string_view json)
    {
        separate();
        m_out += json;
        return *this;
    }

    const std::string& str() const { return m_out; }

private:
    JsonWriter& open(char c)
    {
        separate();
        m_out += c;
        m_first.push_back(true);
        return *this;
    }
    JsonWriter& close(char c)
    {
        m_out += c;
        if (!m_first.empty())
            m_first.pop_back();
        return *this;
    }
    // A comma before every value or key but the first of its container; none right after a key.
    void separate()
    {
        if (m_after_key) {
            m_after_key = false;
            return;
        }
        if (m_first.empty())
            return;
        if (!m_first.back())
            m_out += ',';
        m_first.back() = false;
    }

    std::string m_out;
    std::vector<bool> m_first;   // per open container: nothing written in it yet
    bool m_after_key = false;
};

// One-liners for the simple cases.
template <class T>
std::string json_int_array(const std::vector<T>& v)
{
    return JsonWriter().array(v).str();
}

inline std::string json_float(double v) { return JsonWriter().value(v).str(); }

}   // namespace causerie::cli
