#include "storagetypes.h"

namespace causerie::storage {

QString statusName(MessageStatus status)
{
    switch (status) {
    case MessageStatus::Streaming: return QStringLiteral("streaming");
    case MessageStatus::Done: return QStringLiteral("done");
    case MessageStatus::Interrupted: return QStringLiteral("interrupted");
    case MessageStatus::Error: return QStringLiteral("error");
    case MessageStatus::Cancelled: return QStringLiteral("cancelled");
    }
    return QStringLiteral("done");
}

QString roleName(MessageRole role)
{
    switch (role) {
    case MessageRole::System: return QStringLiteral("system");
    case MessageRole::User: return QStringLiteral("user");
    case MessageRole::Assistant: return QStringLiteral("assistant");
    }
    return QStringLiteral("user");
}

std::optional<MessageStatus> messageStatusFromString(const QString& text)
{
    for (auto s : {MessageStatus::Streaming, MessageStatus::Done, MessageStatus::Interrupted, MessageStatus::Error,
                   MessageStatus::Cancelled}) {
        if (statusName(s) == text)
            return s;
    }
    return std::nullopt;
}

std::optional<MessageRole> messageRoleFromString(const QString& text)
{
    for (auto r : {MessageRole::System, MessageRole::User, MessageRole::Assistant}) {
        if (roleName(r) == text)
            return r;
    }
    return std::nullopt;
}

QString attachmentKindName(AttachmentKind kind)
{
    return kind == AttachmentKind::Image ? QStringLiteral("image") : QStringLiteral("document");
}

std::optional<AttachmentKind> attachmentKindFromString(const QString& text)
{
    if (text == QLatin1String("document"))
        return AttachmentKind::Document;
    if (text == QLatin1String("image"))
        return AttachmentKind::Image;
    return std::nullopt;
}

QString SearchHit::snippetHtml() const
{
    QString html;
    int pos = 0;
    for (const auto& [start, length] : matches) {
        html += snippet.mid(pos, start - pos).toHtmlEscaped();
        html += QLatin1String("<b>") + snippet.mid(start, length).toHtmlEscaped() + QLatin1String("</b>");
        pos = start + length;
    }
    html += snippet.mid(pos).toHtmlEscaped();
    return html;
}

}   // namespace causerie::storage
