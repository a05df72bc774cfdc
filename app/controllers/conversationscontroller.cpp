#include "conversationscontroller.h"

#include "chatcontroller.h"
#include "conversationlistmodel.h"
#include "conversationsections.h"
#include "conversationstore.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTimer>

Q_LOGGING_CATEGORY(lcConversations, "causerie.app.conversations", QtInfoMsg)

using namespace causerie::storage;

ConversationsController::ConversationsController(ConversationStore* store, ChatController* chat, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_chat(chat)
    , m_list(std::make_unique<ConversationListModel>(store))   // follows the store by itself
    , m_sections(std::make_unique<ConversationSections>())
{
    m_sections->setSourceModel(m_list.get());
    // Deleted conversations are purged for good once their undo window has passed.
    auto* purge = new QTimer(this);
    purge->setInterval(15'000);
    connect(purge, &QTimer::timeout, this, [this] { (void)m_store->purgeDeleted(); });
    purge->start();
}

ConversationsController::~ConversationsController() = default;

QObject* ConversationsController::model() const { return m_sections.get(); }

void ConversationsController::rename(qint64 id, const QString& title)
{
    if (title.trimmed().isEmpty())
        return;
    if (auto st = m_store->renameConversation(id, title.trimmed()); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::setPinned(qint64 id, bool pinned)
{
    if (auto st = m_store->setPinned(id, pinned); !st)
        Q_EMIT errorOccurred(st.errorString());
}

void ConversationsController::remove(qint64 id)
{
    if (auto st = m_store->deleteConversation(id); !st) {
        Q_EMIT errorOccurred(st.errorString());
        return;
    }
    if (m_chat->conversationId() == id)
        m_chat->newConversation();
    m_pendingDelete = id;
    Q_EMIT pendingDeleteChanged();
    Q_EMIT removed(id);
}

void ConversationsController::undoRemove()
{
    if (!m_pendingDelete)
        return;
    if (auto st = m_store->undoDelete(m_pendingDelete); !st)
        Q_EMIT errorOccurred(st.errorString());
    m_pendingDelete = 0;
    Q_EMIT pendingDeleteChanged();
}

QVariantList ConversationsController::search(const QString& text)
{
    QVariantList out;
    if (!m_store || text.trimmed().isEmpty())
        return out;
    auto hits = m_store->search(text, 50);
    if (!hits) {
        Q_EMIT errorOccurred(hits.errorString());
        return out;
    }
    for (const SearchHit& h : std::as_const(*hits))
        out.append(QVariantMap{{QStringLiteral("conversationId"), h.conversationId},
                               {QStringLiteral("messageId"), h.messageId},
                               {QStringLiteral("title"), h.conversationTitle},
                               {QStringLiteral("snippetHtml"), h.snippetHtml()}});
    return out;
}

QString ConversationsController::exportMarkdown(qint64 id)
{
    auto md = m_store->exportMarkdown(id);
    return md ? *md : QString();
}

bool ConversationsController::exportTo(qint64 id, const QUrl& file, bool includeFiles)
{
    if (!m_store)
        return false;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (path.isEmpty()) {
        Q_EMIT errorOccurred(tr("No file was chosen to export to."));
        return false;
    }
    const bool json = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    QByteArray bytes;
    if (json) {
        auto out = m_store->exportJson(id, causerie::storage::ExportOptions{includeFiles});
        if (!out) {
            Q_EMIT errorOccurred(out.errorString());
            return false;
        }
        bytes = *out;
    } else {
        auto out = m_store->exportMarkdown(id);
        if (!out) {
            Q_EMIT errorOccurred(out.errorString());
            return false;
        }
        bytes = out->toUtf8();
    }
    // Written beside the target and renamed over it at the end: a full disk or a crash leaves
    // the previous file as it was.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        Q_EMIT errorOccurred(tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), f.errorString()));
        return false;
    }
    qCInfo(lcConversations) << "exported conversation" << id << "to" << path << (json ? "(JSON)" : "(Markdown)");
    return true;
}

QString ConversationsController::exportFileName(qint64 id, const QString& suffix) const
{
    QString name;
    if (m_store) {
        if (auto c = m_store->conversation(id))
            name = c->title;
    }
    // Characters Windows, macOS or Linux refuse in a file name, and control characters.
    static const QRegularExpression bad(QStringLiteral("[\\\\/:*?\"<>|\\x{0000}-\\x{001f}]"));
    name.replace(bad, QStringLiteral(" "));
    name = name.simplified().left(80).trimmed();
    while (name.startsWith(QLatin1Char('.')))
        name.remove(0, 1);
    if (name.isEmpty())
        name = tr("Conversation");
    return name + QLatin1Char('.') + suffix;
}

bool ConversationsController::importFile(const QString& path)
{
    if (!m_store)
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        Q_EMIT errorOccurred(tr("Cannot read %1: %2").arg(path, f.errorString()));
        return false;
    }
    auto id = m_store->importJson(f.readAll());
    if (!id) {
        Q_EMIT errorOccurred(id.errorString());
        return false;
    }
    m_chat->openConversation(*id);
    return true;
}
