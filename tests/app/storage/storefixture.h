#pragma once
// The fixture the conversation-store tests share: a temporary folder where each test opens a
// fresh store file, with a clock the test advances by hand so ordering is deterministic.
#include "conversationstore.h"

#include <QDebug>
#include <QTemporaryDir>

#include <array>
#include <memory>

namespace storagetest {

class StoreFixture {
protected:
    explicit StoreFixture(QString prefix)
        : m_prefix(std::move(prefix))
    {
    }

    QTemporaryDir m_dir;
    qint64 m_clock = 1'700'000'000'000;   // ms
    int m_fileIndex = 0;
    QString m_path;   // the file of the last store opened

    // A new store in a new file (its path in m_path and *pathOut), or null with a warning.
    std::unique_ptr<causerie::storage::ConversationStore> openStore(QString* pathOut = nullptr)
    {
        m_path = m_dir.filePath(QStringLiteral("%1%2.db").arg(m_prefix).arg(++m_fileIndex));
        if (pathOut)
            *pathOut = m_path;
        causerie::storage::ConversationStore::Options options;
        options.clock = [this] { return m_clock; };
        auto store = causerie::storage::ConversationStore::open(m_path, options);
        if (!store)
            qWarning() << store.error().message;
        return store ? std::move(store).value() : nullptr;
    }

    // A message appended a tick after the last one; its id, or -1 with a warning.
    qint64 append(causerie::storage::ConversationStore& s, qint64 conv, qint64 parent,
                  causerie::storage::MessageRole role, const QString& text,
                  causerie::storage::MessageStatus status = causerie::storage::MessageStatus::Done)
    {
        ++m_clock;
        auto id = s.appendMessage({conv, parent, role, text, status, {}});
        if (!id)
            qWarning() << id.error().message;
        return id ? id.value() : -1;
    }

    // Messages appended one under the other from `parent` (0: a new root), the user's and the
    // assistant's in turn, the user's first; their ids, in order (-1 where one failed).
    template <size_t N>
    std::array<qint64, N> appendChain(causerie::storage::ConversationStore& s, qint64 conv, qint64 parent,
                                      const char* const (&texts)[N])
    {
        std::array<qint64, N> ids{};
        for (size_t i = 0; i < N; ++i) {
            const auto role = i % 2 ? causerie::storage::MessageRole::Assistant : causerie::storage::MessageRole::User;
            parent = ids[i] = append(s, conv, parent, role, QString::fromUtf8(texts[i]));
        }
        return ids;
    }

private:
    QString m_prefix;
};

}   // namespace storagetest
