// Fuzz target: the Markdown splitter of the chat view, whole and as a streamed answer grows.
// Input: 4 bytes seed the streaming cut points, the rest is the answer (UTF-8, invalid bytes
// become U+FFFD as in the app).
// Invariants: MessageSegmentModel fed growing prefixes of the answer always holds exactly
// splitMarkdown(prefix) (the rows it updates in place are right); prose segments are never blank
// and carry their text made safe (safeMarkdown), or none when shown as plain text;
// a code segment's rendered Markdown holds its text, and so does a display math one; a long code block's pieces are
// within MarkdownSplitter's limits, never cut inside a surrogate pair, and joined back (codeBlock) the same from every
// one of them.
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
                   (e.kind == MarkdownSegment::Code   ? QLatin1String("code")
                    : e.kind == MarkdownSegment::Math ? QLatin1String("math")
                                                      : QLatin1String("text")));
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::TextRole).toString() == e.text);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::LanguageRole).toString() == e.language);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::MarkdownRole).toString() == e.markdown);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::PlainRole).toBool() == e.plain);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::PartRole).toInt() == e.part);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::ContinuesRole).toBool() == e.continues);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::JoinsLineRole).toBool() == e.joinsLine);
        FUZZ_CHECK(model.data(idx, MessageSegmentModel::OffsetRole).toInt() == int(e.offset));
        if (e.kind == MarkdownSegment::Prose) {
            FUZZ_CHECK(!e.text.trimmed().isEmpty());
            // What the view renders: the text made safe, or nothing when it is shown as text.
            FUZZ_CHECK(e.plain == tooCostlyAsMarkdown(e.text));
            FUZZ_CHECK(e.markdown == (e.plain ? QString() : safeMarkdown(e.text)));
        } else if (e.kind == MarkdownSegment::Math) {
            // Display math: its source as written, the LaTeX inside it, and no code roles.
            FUZZ_CHECK(!e.plain && e.part == 0 && !e.continues && e.markdown.contains(e.text));
            FUZZ_CHECK(e.markdown.startsWith(QLatin1String("$$")) || e.markdown.startsWith(QLatin1String("\\[")));
            FUZZ_CHECK(model.codeBlock(i).isEmpty());
        } else {
            FUZZ_CHECK(!e.plain && e.markdown.contains(e.text));
            FUZZ_CHECK(e.text.size() <= MarkdownSplitter::kCodePieceChars);
            FUZZ_CHECK(e.text.count(QLatin1Char('\n')) < MarkdownSplitter::kCodePieceLines);
            FUZZ_CHECK(e.part == 0 || (i > 0 && expected.at(i - 1).continues && expected.at(i - 1).part + 1 == e.part));
            if (e.joinsLine) {   // cut inside a line: never between the halves of a pair
                const QString& before = expected.at(i - 1).text;
                FUZZ_CHECK(before.isEmpty() || e.text.isEmpty() || !before.back().isHighSurrogate() ||
                           !e.text.front().isLowSurrogate());
            }
            const QString block = model.codeBlock(i);
            FUZZ_CHECK(block.mid(e.offset, e.text.size()) == e.text);
            FUZZ_CHECK(e.part == 0 || block == model.codeBlock(i - 1));
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
