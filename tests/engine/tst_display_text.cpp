// sanitize_display_text: strings from model files made inert before a terminal or a label shows
// them. One case per kind of hostile text, each compared with the exact output.
#include "engine/display_text.h"

#include <QtTest>

#include <string>

using namespace causerie;

namespace {

const std::string kFFFD = "\xEF\xBF\xBD";       // U+FFFD REPLACEMENT CHARACTER
const std::string kEllipsis = "\xE2\x80\xA6";   // U+2026

// Well-formed UTF-8 survives a QString round trip unchanged (invalid bytes would become U+FFFD).
bool valid_utf8(const std::string& s)
{
    const QByteArray b(s.data(), qsizetype(s.size()));
    return QString::fromUtf8(b).toUtf8() == b;
}

}   // namespace

class TestDisplayText : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void plainTextUnchanged()
    {
        QCOMPARE(sanitize_display_text("Mistral-7B-Instruct-v0.3", 200), std::string("Mistral-7B-Instruct-v0.3"));
        QCOMPARE(sanitize_display_text("Modèle 日本語 🦙", 200), std::string("Modèle 日本語 🦙"));
        // Zero-width joiners make emoji sequences: kept.
        QCOMPARE(sanitize_display_text("👩\u200D💻", 200), std::string("👩\u200D💻"));
        QCOMPARE(sanitize_display_text("", 200), std::string());
    }
    void escapeSequenceMadeInert()
    {
        // ESC[2J clears a terminal; without its ESC it is three harmless characters.
        QCOMPARE(sanitize_display_text("a\x1b[2Jb", 200), "a" + kFFFD + "[2Jb");
        // OSC 8 hyperlink and a title change (ESC ] ... BEL).
        QCOMPARE(sanitize_display_text("\x1b]0;pwned\x07x", 200), kFFFD + "]0;pwned" + kFFFD + "x");
        // The 8-bit CSI (U+009B) and DEL.
        QCOMPARE(sanitize_display_text("\xC2\x9B"
                                       "2J\x7F",
                                       200),
                 kFFFD + "2J" + kFFFD);
    }
    void lineBreaksBecomeSpaces()
    {
        // A carriage return would let a name overwrite the line it is printed on.
        QCOMPARE(sanitize_display_text("safe\rEVIL", 200), std::string("safe EVIL"));
        QCOMPARE(sanitize_display_text("a\nb\tc\vd\fe", 200), std::string("a b c d e"));
        QCOMPARE(sanitize_display_text("a\u2028b\u2029c\u0085d", 200), std::string("a b c d"));
    }
    void bidiControlsReplaced()
    {
        // U+202E RIGHT-TO-LEFT OVERRIDE turns "exe.gguf" into what looks like "fugg.exe".
        QCOMPARE(sanitize_display_text("model\u202Efugg.exe", 200), "model" + kFFFD + "fugg.exe");
        for (const char* c : {"\u202A", "\u202B", "\u202C", "\u202D", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E",
                              "\u200F", "\u061C"})
            QCOMPARE(sanitize_display_text(std::string("x") + c + "y", 200), "x" + kFFFD + "y");
        // Tag characters (invisible, used to smuggle text).
        QCOMPARE(sanitize_display_text("a\U000E0041b", 200), "a" + kFFFD + "b");
    }
    void nulReplaced()
    {
        const std::string s("ab\0cd", 5);
        QCOMPARE(sanitize_display_text(s, 200), "ab" + kFFFD + "cd");
    }
    void invalidUtf8Replaced()
    {
        QCOMPARE(sanitize_display_text("a\xFF"
                                       "b",
                                       200),
                 "a" + kFFFD + "b");
        QCOMPARE(sanitize_display_text("\xC0\xAF", 200), kFFFD + kFFFD);                           // overlong '/'
        QCOMPARE(sanitize_display_text("\xED\xA0\x80", 200), kFFFD + kFFFD + kFFFD);               // surrogate D800
        QCOMPARE(sanitize_display_text("\xF4\x90\x80\x80", 200), kFFFD + kFFFD + kFFFD + kFFFD);   // > U+10FFFF
        QCOMPARE(sanitize_display_text("\xE6\x97", 200), kFFFD + kFFFD);                           // cut at the end
        QCOMPARE(sanitize_display_text("\xE6\x97"
                                       "a",
                                       200),
                 kFFFD + kFFFD + "a");   // cut before ASCII
        QVERIFY(valid_utf8(sanitize_display_text("\x80\xBF\xFE\xC3", 200)));
    }
    void lengthBounded()
    {
        // A 100 KB name: 200 characters at most, the last one an ellipsis.
        const std::string huge(100 * 1024, 'n');
        const std::string out = sanitize_display_text(huge, 200);
        QCOMPARE(out, std::string(199, 'n') + kEllipsis);
        // Counted in characters, not bytes.
        std::string wide;
        for (int i = 0; i < 50000; ++i)
            wide += "é";
        QCOMPARE(sanitize_display_text(wide, 3), "éé" + kEllipsis);
        // Exactly max_chars characters: no ellipsis.
        QCOMPARE(sanitize_display_text("abc", 3), std::string("abc"));
        QCOMPARE(sanitize_display_text("abcd", 3), "ab" + kEllipsis);
        QCOMPARE(sanitize_display_text("abc", 0), std::string());
        QCOMPARE(sanitize_display_text("abc", 1), kEllipsis);
        QCOMPARE(sanitize_display_text("a", 1), std::string("a"));
    }
    void everyByteSequenceGivesSafeUtf8()
    {
        // All 2-byte strings: the output is valid UTF-8 with no control character left.
        for (int a = 0; a < 256; ++a)
            for (int b = 0; b < 256; ++b) {
                const char in[2] = {char(a), char(b)};
                const std::string out = sanitize_display_text(std::string_view(in, 2), 200);
                const QString q = QString::fromUtf8(out.data(), qsizetype(out.size()));
                QCOMPARE(q.toUtf8(), QByteArray(out.data(), qsizetype(out.size())));
                for (QChar c : q)
                    QVERIFY2(c.category() != QChar::Other_Control,
                             qPrintable(QString::number(a) + "," + QString::number(b)));
            }
    }
};

QTEST_GUILESS_MAIN(TestDisplayText)
#include "tst_display_text.moc"
