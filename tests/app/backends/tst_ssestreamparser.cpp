// SseStreamParser against the event-stream rules: every split point of a recorded stream,
// line-ending variants, comments, multi-line data, BOM, unterminated tail, size limit.
#include "recordedstreams.h"
#include "ssestreamparser.h"

#include <QTest>

#include <tuple>

namespace {
QList<SseEvent> feedAll(const QList<QByteArray>& chunks)
{
    SseStreamParser parser;
    QList<SseEvent> out;
    for (const QByteArray& c : chunks)
        out += parser.feed(c);
    return out;
}

SseEvent dataEvent(const QByteArray& data)
{
    SseEvent e;
    e.data = data;
    return e;
}
}   // namespace

class TestSseStreamParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void recordedStreamWhole()
    {
        const QList<SseEvent> events = feedAll({QByteArray(kMistralStream)});
        QCOMPARE(events.size(), kMistralStreamEvents);
        QVERIFY(events.first().data.startsWith("{\"id\":\"9a1c0f2e7b5d4c3a\""));
        QVERIFY(events.first().data.endsWith("}]}"));
        QCOMPARE(events.last().data, QByteArray("[DONE]"));
        for (const SseEvent& e : events) {
            QVERIFY(e.event.isEmpty());
            QVERIFY(!e.data.contains('\n'));
        }
    }

    void everySplitPoint_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<int>("events");
        const QByteArray lf(kMistralStream);
        // Multi-line events: a CRLF wrongly seen as two line ends would cut them in two.
        const QByteArray multi =
            ": comment\nevent: message\ndata: {\"a\":\ndata: \"é🙂\"}\n\ndata: x\ndata:\ndata: y\n\n";
        for (const auto& [name, stream, events] :
             {std::tuple{"recorded", lf, kMistralStreamEvents}, std::tuple{"multi-line", multi, 2}}) {
            QByteArray crlf = stream;
            crlf.replace("\n", "\r\n");
            QByteArray cr = stream;
            cr.replace('\n', '\r');
            QTest::addRow("%s LF", name) << stream << events;
            QTest::addRow("%s CRLF", name) << crlf << events;
            QTest::addRow("%s CR", name) << cr << events;
        }
    }

    // Two chunks cut at every byte, and three chunks cut around every byte: the events must
    // be the same as the whole stream's, whatever the cut (inside "data:", inside a CRLF,
    // inside a UTF-8 sequence).
    void everySplitPoint()
    {
        QFETCH(QByteArray, stream);
        QFETCH(int, events);
        const QList<SseEvent> whole = feedAll({stream});
        QCOMPARE(whole.size(), events);
        for (qsizetype i = 0; i <= stream.size(); ++i) {
            const QList<SseEvent> split = feedAll({stream.left(i), stream.mid(i)});
            if (split != whole)
                QFAIL(qPrintable(QStringLiteral("different events when split at byte %1").arg(i)));
        }
        for (qsizetype i = 1; i + 1 < stream.size(); ++i) {
            const QList<SseEvent> split = feedAll({stream.left(i), stream.mid(i, 1), stream.mid(i + 1)});
            if (split != whole)
                QFAIL(qPrintable(QStringLiteral("different events with a 1-byte chunk at %1").arg(i)));
        }
    }

    void multiLineContent()
    {
        const QList<SseEvent> events = feedAll({QByteArray("data: {\"a\":\r\ndata: \"b\"}\r\n\r\n")});
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].data, QByteArray("{\"a\":\n\"b\"}"));
    }

    void byteByByte()
    {
        const QByteArray stream(kMistralStream);
        QList<QByteArray> bytes;
        for (char c : stream)
            bytes.append(QByteArray(1, c));
        QCOMPARE(feedAll(bytes), feedAll({stream}));
    }

    void multiLineDataAndFields()
    {
        const QList<SseEvent> events = feedAll({QByteArray(": keep-alive comment\n"
                                                           "event: error\n"
                                                           "id: 42\n"
                                                           "data: first\n"
                                                           "data:second\n"
                                                           "data:  two spaces\n"
                                                           "retry: 1000\n"
                                                           "unknownfield: x\n"
                                                           "\n"
                                                           "data\n"
                                                           "\n"
                                                           "data: after\n"
                                                           "\n")});
        QCOMPARE(events.size(), 3);
        QCOMPARE(events[0].event, QByteArray("error"));
        QCOMPARE(events[0].id, QByteArray("42"));
        // One space after the colon is dropped, not two; lines join with LF.
        QCOMPARE(events[0].data, QByteArray("first\nsecond\n two spaces"));
        // A bare "data" line is a data field with an empty value: an event with empty data.
        QCOMPARE(events[1].data, QByteArray());
        QCOMPARE(events[1].event, QByteArray());    // the event type does not carry over
        QCOMPARE(events[1].id, QByteArray("42"));   // the last event id does
        QCOMPARE(events[2].data, QByteArray("after"));
    }

    void blankLinesWithoutDataDispatchNothing()
    {
        QCOMPARE(feedAll({QByteArray("\n\n: ping\n\n\r\n\r\n")}).size(), 0);
        QCOMPARE(feedAll({QByteArray("event: ping\n\n")}).size(), 0);
    }

    void byteOrderMarkSkippedOnlyAtStart()
    {
        const QByteArray bom("\xEF\xBB\xBF");
        QCOMPARE(feedAll({bom + "data: x\n\n"}), QList<SseEvent>{dataEvent("x")});
        QCOMPARE(feedAll({bom.left(1), bom.mid(1, 1), bom.mid(2) + "data: x\n\n"}), QList<SseEvent>{dataEvent("x")});
        // Not a BOM: bytes are kept ("\xEF" starts a line with an unknown field name).
        QCOMPARE(feedAll({QByteArray("da"), QByteArray("ta: y\n\n")}), QList<SseEvent>{dataEvent("y")});
        // A BOM later in the stream is data.
        QCOMPARE(feedAll({QByteArray("data: ") + bom + "z\n\n"}), QList<SseEvent>{dataEvent(bom + "z")});
    }

    void unterminatedEventIsNotDispatched()
    {
        SseStreamParser parser;
        QCOMPARE(parser.feed("data: complete\n\ndata: cut in the mid").size(), 1);
        QCOMPARE(parser.feed("dle\n").size(), 0);   // still waiting for the blank line
        QCOMPARE(parser.feed("\n").size(), 1);
    }

    void oversizedEventStopsTheParser()
    {
        SseStreamParser parser(1024);
        QCOMPARE(parser.feed("data: ok\n\n").size(), 1);
        QVERIFY(!parser.hasError());
        const QList<SseEvent> events = parser.feed("data: " + QByteArray(2048, 'a'));
        QVERIFY(events.isEmpty());
        QVERIFY(parser.hasError());
        QVERIFY(parser.feed("\n\ndata: more\n\n").isEmpty());
        parser.reset();
        QVERIFY(!parser.hasError());
        QCOMPARE(parser.feed("data: again\n\n").size(), 1);
    }

    // 10 MB in 64 KiB chunks must stay linear (this would take minutes if every chunk
    // copied the whole buffer).
    void largeStreamIsLinear()
    {
        QByteArray stream;
        const QByteArray line = "data: " + QByteArray(1000, 'x') + "\n\n";
        while (stream.size() < 10 * 1024 * 1024)
            stream += line;
        const qsizetype expected = stream.size() / line.size();
        SseStreamParser parser;
        qsizetype n = 0;
        for (qsizetype i = 0; i < stream.size(); i += 65536)
            n += parser.feed(stream.mid(i, 65536)).size();
        QCOMPARE(n, expected);
    }
};

QTEST_GUILESS_MAIN(TestSseStreamParser)
#include "tst_ssestreamparser.moc"
