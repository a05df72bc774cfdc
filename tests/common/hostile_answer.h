#pragma once
// The hostile answer of bench_gui_stall --hostile, also streamed by tst_announcer: `total`
// characters of Markdown (headings, paragraphs, lists, a small code block every eighth part)
// around one ```cpp block made of a single 200,000-character line in the middle.
#include <QString>

inline QString hostileAnswer(qsizetype total)
{
    QString prose;
    for (int i = 0; prose.size() < (total - 200000) / 2; ++i) {
        prose += QStringLiteral("## Part %1\n\nThe sea was *calm* that morning, and the **boat** left the harbour "
                                "at dawn with [a map](https://example.org/%1) and `a compass`.\n\n"
                                "- first item %1\n- second item with more words in it\n\n")
                     .arg(i);
        if (i % 8 == 7)
            prose += QStringLiteral("```python\ndef f%1(x):\n    return x * %1  # a comment\n```\n\n").arg(i);
    }
    QString line;
    for (int i = 0; line.size() < 200000; ++i)
        line += QStringLiteral("x%1 = f(y%1, \"s\") + 0x%1; ").arg(i % 97);
    line.truncate(200000);
    return (prose + QStringLiteral("```cpp\n") + line + QStringLiteral("\n```\n\n") + prose).left(total);
}
