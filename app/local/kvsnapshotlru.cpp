#include "kvsnapshotlru.h"

#include "engine/memory.h"

#include <algorithm>

size_t KvSnapshotLru::defaultByteBudget()
{
    constexpr size_t kCap = size_t(2) << 30;
    return std::min(kCap, causerie::system_available_ram().value_or(0) / 4);
}

void KvSnapshotLru::setLimits(size_t maxBytes, int maxCount)
{
    m_maxBytes = maxBytes;
    m_maxCount = std::max(0, maxCount);
}

std::vector<KvSnapshotLru::Entry> KvSnapshotLru::put(Entry entry)
{
    remove(entry.conversationId);
    m_bytes += entry.snapshot.bytes();
    m_entries.push_front(std::move(entry));
    return evict();
}

std::optional<KvSnapshotLru::Entry> KvSnapshotLru::take(qint64 conversationId)
{
    const auto it = std::find_if(m_entries.begin(), m_entries.end(),
                                 [conversationId](const Entry& e) { return e.conversationId == conversationId; });
    if (it == m_entries.end())
        return std::nullopt;
    Entry out = std::move(*it);
    m_bytes -= out.snapshot.bytes();
    m_entries.erase(it);
    return out;
}

bool KvSnapshotLru::remove(qint64 conversationId) { return take(conversationId).has_value(); }

std::vector<KvSnapshotLru::Entry> KvSnapshotLru::takeAll()
{
    std::vector<Entry> out;
    out.reserve(m_entries.size());
    for (Entry& e : m_entries)
        out.push_back(std::move(e));
    m_entries.clear();
    m_bytes = 0;
    return out;
}

void KvSnapshotLru::markAllSaved()
{
    for (Entry& e : m_entries)
        e.saved = true;
}

bool KvSnapshotLru::contains(qint64 conversationId) const
{
    return std::any_of(m_entries.begin(), m_entries.end(),
                       [conversationId](const Entry& e) { return e.conversationId == conversationId; });
}

std::vector<KvSnapshotLru::Entry> KvSnapshotLru::evict()
{
    std::vector<Entry> out;
    while (!m_entries.empty() && (m_bytes > m_maxBytes || int(m_entries.size()) > m_maxCount)) {
        m_bytes -= m_entries.back().snapshot.bytes();
        out.push_back(std::move(m_entries.back()));
        m_entries.pop_back();
    }
    return out;
}
