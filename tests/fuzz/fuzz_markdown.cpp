// Fuzz target: the Markdown splitter of the chat view, whole and as a streamed answer grows.
// Input: 4 bytes seed the streaming cut points, the rest is the answer (UTF-8, invalid bytes
// become U+FFFD as in the app).
// Invariants: MessageSegmentModel fed growing prefixes of the answer always holds exactly
// splitMarkdown(prefix) (the rows it updates in place are right); prose segments are never blank
// and carry their text made safe (safeMarkdown), or none when shown as plain text;
// a code segment's rendered Markdown holds its text.
#include "fuzz_common.h"

#include "markdownsegments.h"
#include "safemarkdown.h"

#include <QCoreApplication>

#include <memory>

namespace {

void checkModel(const MessageSegmentModel& model, const QString& markdown)
{
    const QList<MarkdownSegment> expected = splitMarkdown(markdown);
    FUZZ_CHECK(model.rowCount() == expected.size());
    for (int i = 0; i < model.rowCount(); ++i) {
        const QModelIndex idx = model.index(i);
        const MarkdownSegment& e = expected.at(i);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::KindRole).toString() ==
                   (e.kind == MarkdownSegment::Code ? QLatin1String("code") : QLatin1String("text")));
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::TextRole).toString() == e.text);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::LanguageRole).toString() == e.language);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::MarkdownRole).toString() == e.markdown);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::PlainRole).toBool() == e.plain);
        if (e.kind == MarkdownSegment::Prose) {
            FUZZ_CHECK(!e.text.trimmed().isEmpty());
            // What the view renders: the text made safe, or nothing when it is shown as text.
            FUZZ_CHECK(e.plain == tooCostlyAsMarkdown(e.text));
            FUZZ_CHECK(e.markdown == (e.plain ? QString() : safeMarkdown(e.text)));
        } else {
            FUZZ_CHECK(!e.plain && e.markdown.contains(e.text));
        }
    }
}

}   // namespace

CAUSERIE_FUZZ_INIT_CORE_APPLICATION()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    causerie::fuzz::Input in(data, size);
    uint32_t x = in.u32() | 1;
    const std::string_view rest = in.rest();
    const QString answer = QString::fromUtf8(rest.data(), qsizetype(rest.size()));

    MessageSegmentModel model;
    qsizetype pos = 0;
    while (pos < answer.size()) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pos = std::min(answer.size(), pos + 1 + qsizetype(x % 64));
        const QString prefix = answer.left(pos);
        model.setMarkdown(prefix);
        checkModel(model, prefix);
    }
    model.setMarkdown(QString());
    FUZZ_CHECK(model.rowCount() == 0);
    return 0;
}
