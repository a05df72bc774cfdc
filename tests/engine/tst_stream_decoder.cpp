// StreamDecoder: text pushed id by id is only ever whole UTF-8 characters, and all pushes
// plus flush() equal Tokenizer::decode of the whole sequence (and the original text).
#include "engine/tokenizer.h"
#include "tests/common/qtest_printers.h"
#include "tests/common/tokenizer_corpus.h"

#include <QFile>
#include <QStringDecoder>
#include <QTest>

#include <random>

using namespace causerie;

namespace {

const QString kDataDir = QStringLiteral(CAUSERIE_TEST_DATA_DIR);

// Same format as in tst_tokenizer: entries separated by lines holding only %%.
std::vector<std::string> load_corpus() { return testing::loadTokenizerCorpus(kDataDir); }

// Qt's own UTF-8 decoder as the independent judge of "complete, valid UTF-8".
bool is_whole_utf8(const std::string& s)
{
    QStringDecoder dec(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = dec(QByteArrayView(s.data(), qsizetype(s.size())));
    return !dec.hasError() && text.toUtf8().toStdString() == s;
}

const std::string kFFFD = "\xEF\xBF\xBD";

}   // namespace

class TstStreamDecoder : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Tokenizer> m_tok;
    std::vector<std::string> m_corpus;

    // Byte piece id of a byte value in the Mistral v0.1 vocabulary ("<0x00>" is id 3).
    int32_t byte_id(unsigned char b) const { return 3 + b; }

    // Pushes ids one at a time; checks every chunk is whole UTF-8; returns all text.
    std::string stream(const std::vector<int32_t>& ids, std::vector<std::string>* chunks = nullptr)
    {
        StreamDecoder dec(*m_tok);
        std::string all;
        for (int32_t id : ids) {
            const std::string chunk = dec.push(id);
            if (!is_whole_utf8(chunk))
                qWarning("chunk for id %d is not whole UTF-8", id);
            all += chunk;
            if (chunks)
                chunks->push_back(chunk);
        }
        const std::string rest = dec.flush();
        if (!is_whole_utf8(rest))
            qWarning("flushed text is not whole UTF-8");
        if (chunks)
            chunks->push_back(rest);
        return all + rest;
    }

    bool chunks_whole(const std::vector<std::string>& chunks)
    {
        return std::all_of(chunks.begin(), chunks.end(), is_whole_utf8);
    }

private Q_SLOTS:
    void initTestCase()
    {
        Result<Tokenizer> t = Tokenizer::from_sentencepiece_file(
            (kDataDir + QStringLiteral("/mistral-v0.1-tokenizer.model")).toStdString());
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
        m_tok = std::make_unique<Tokenizer>(std::move(t).value());
        m_corpus = load_corpus();
        QVERIFY(m_corpus.size() >= 25);
        QCOMPARE(m_tok->id_to_piece(byte_id(0xF0)), std::string("<0xF0>"));
    }

    void corpusOneIdAtATime()
    {
        for (const std::string& text : m_corpus) {
            Result<std::vector<int32_t>> ids = m_tok->encode(text, true);
            QVERIFY(ids.ok());
            std::vector<std::string> chunks;
            const std::string streamed = stream(ids.value(), &chunks);
            QVERIFY2(chunks_whole(chunks), text.c_str());
            QCOMPARE(streamed, m_tok->decode(ids.value()));
            QCOMPARE(streamed, text);
        }
    }

    // U+1F999 (llama) is not in the vocabulary: encode gives its 4 UTF-8 bytes as byte
    // pieces (ids from mistral-v0.1-tokenizer-cases.json). Nothing may come out before the
    // 4th byte.
    void emojiSplitOverBytePieces()
    {
        const std::vector<int32_t> ids{1, 28705, 243, 162, 169, 156};
        std::vector<std::string> chunks;
        QCOMPARE(stream(ids, &chunks), std::string("\xF0\x9F\xA6\x99"));
        const std::vector<std::string> expected{"", "", "", "", "", "\xF0\x9F\xA6\x99", ""};
        QCOMPARE(chunks, expected);

        // Two 4-byte characters in a row, then text: each appears when its last byte does.
        Result<std::vector<int32_t>> flags = m_tok->encode("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 ok", false);
        QVERIFY(flags.ok());
        std::vector<std::string> parts;
        QCOMPARE(stream(flags.value(), &parts), std::string("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 ok"));
        QVERIFY(chunks_whole(parts));
        QVERIFY(std::count(parts.begin(), parts.end(), std::string("\xF0\x9F\x87\xAB")) == 1);
    }

    // A byte run cut short by a text piece, a control piece or the end: each byte of the
    // broken character becomes U+FFFD, as sentencepiece decodes it.
    void brokenByteRuns()
    {
        const int32_t a = m_tok->piece_to_id("a");
        QVERIFY(a > 0);
        std::vector<std::string> chunks;
        QCOMPARE(stream({byte_id(0xF0), byte_id(0x9F), a}, &chunks), kFFFD + kFFFD + "a");
        QCOMPARE(chunks, (std::vector<std::string>{"", "", kFFFD + kFFFD + "a", ""}));
        QCOMPARE(m_tok->decode({byte_id(0xF0), byte_id(0x9F), a}), kFFFD + kFFFD + "a");

        QCOMPARE(m_tok->decode({byte_id(0xE2), 2, byte_id(0x82), byte_id(0xAC)}), kFFFD + kFFFD + kFFFD);
        QCOMPARE(stream({byte_id(0xE2), 2, byte_id(0x82), byte_id(0xAC)}), kFFFD + kFFFD + kFFFD);

        // Cut off by the end: nothing until flush().
        StreamDecoder dec(*m_tok);
        QCOMPARE(dec.push(byte_id(0xE2)), std::string());
        QCOMPARE(dec.push(byte_id(0x82)), std::string());
        QCOMPARE(dec.flush(), kFFFD + kFFFD);

        // A byte that can never start a character is replaced at once, not held back.
        StreamDecoder now(*m_tok);
        QCOMPARE(now.push(byte_id(0xFF)), kFFFD);
        QCOMPARE(now.push(byte_id(0x80)), kFFFD);
        // Overlong and surrogate encodings are invalid, byte by byte.
        QCOMPARE(m_tok->decode({byte_id(0xC0), byte_id(0xAF)}), kFFFD + kFFFD);
        QCOMPARE(m_tok->decode({byte_id(0xED), byte_id(0xA0), byte_id(0x80)}), kFFFD + kFFFD + kFFFD);
        // A valid character then garbage: the character survives.
        QCOMPARE(m_tok->decode({byte_id(0xC3), byte_id(0xA9), byte_id(0xC3)}), std::string("\xC3\xA9") + kFFFD);
    }

    void controlUnknownAndOutOfRange()
    {
        Result<std::vector<int32_t>> hello = m_tok->encode("Hello world", true);
        QVERIFY(hello.ok());
        std::vector<int32_t> noisy;
        for (int32_t id : hello.value()) {
            noisy.push_back(id);
            noisy.push_back(99999);   // outside the vocabulary: skipped
            noisy.push_back(-4);
        }
        QCOMPARE(m_tok->decode(noisy), std::string("Hello world"));
        QCOMPARE(stream(noisy), std::string("Hello world"));
        // </s> in the middle decodes to nothing; the following piece keeps its space.
        std::vector<int32_t> with_eos = hello.value();
        with_eos.insert(with_eos.begin() + 2, 2);
        QCOMPARE(m_tok->decode(with_eos), std::string("Hello world"));
        QCOMPARE(m_tok->decode({0}), std::string(" \xE2\x81\x87 "));   // <unk>: sentencepiece's " ⁇ "
        QCOMPARE(stream({1, 0, 2}), std::string(" \xE2\x81\x87 "));
    }

    // Random id sequences (fixed seed) as a sampler could produce them, byte pieces
    // favoured so broken runs are common: chunks are always whole UTF-8 and add up to decode.
    void randomSequences()
    {
        std::mt19937 rng(42);
        std::uniform_int_distribution<int32_t> any(0, m_tok->n_vocab() - 1);
        std::uniform_int_distribution<int32_t> byte(3, 258);
        for (int round = 0; round < 300; ++round) {
            std::vector<int32_t> ids;
            const int len = 1 + static_cast<int>(rng() % 40);
            for (int i = 0; i < len; ++i)
                ids.push_back(rng() % 3 == 0 ? any(rng) : byte(rng));
            std::vector<std::string> chunks;
            const std::string streamed = stream(ids, &chunks);
            QVERIFY(chunks_whole(chunks));
            QCOMPARE(streamed, m_tok->decode(ids));
            QVERIFY(is_whole_utf8(streamed));
        }
    }
};

QTEST_GUILESS_MAIN(TstStreamDecoder)
#include "tst_stream_decoder.moc"
