// Tokenizer: the ModelProto writer, the three ways to build a Mistral v0.1 tokenizer (plain
// tokenizer.model, a VocabData turned into a ModelProto, the GGUF's tokenizer.ggml.*), the
// reference ids in tests/data/mistral-v0.1-tokenizer-cases.json, control text, bad input.
#include "engine/gguf.h"
#include "engine/sentencepiece_proto.h"
#include "engine/tokenizer.h"
#include "tests/common/data_rows.h"
#include "tests/common/qtest_printers.h"
#include "tests/common/tokenizer_corpus.h"

#include <sentencepiece_processor.h>

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <random>

using namespace causerie;

namespace {

const QString kDataDir = QStringLiteral(CAUSERIE_TEST_DATA_DIR);
const std::string kModelPath = (kDataDir + QStringLiteral("/mistral-v0.1-tokenizer.model")).toStdString();
const std::string kGgufPath = (kDataDir + QStringLiteral("/tiny-mistral-q8_0.gguf")).toStdString();

struct Case {
    std::string text;
    std::vector<int32_t> ids;   // with BOS (1) first
};

std::vector<Case> load_cases()
{
    QFile f(kDataDir + QStringLiteral("/mistral-v0.1-tokenizer-cases.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    std::vector<Case> cases;
    const QJsonArray arr = QJsonDocument::fromJson(f.readAll()).array();
    for (const QJsonValue& v : arr) {
        Case c;
        c.text = v.toObject().value(QStringLiteral("text")).toString().toStdString();
        for (const QJsonValue& id : v.toObject().value(QStringLiteral("ids")).toArray())
            c.ids.push_back(id.toInt());
        cases.push_back(std::move(c));
    }
    return cases;
}

// U+2581, the mark sentencepiece writes for a space.
const std::string kSpaceMark = "\xE2\x96\x81";

// A small sentencepiece ('llama') vocabulary: <unk> 0, <s> 1, </s> 2, then pieces of the test's own.
VocabData small_vocab(std::vector<std::string> tokens)
{
    VocabData v;
    v.model = "llama";
    v.tokens = std::move(tokens);
    v.unk_id = 0;
    v.bos_id = 1;
    v.eos_id = 2;
    return v;
}

// Entries of tests/data/tokenizer/roundtrip.txt (see its header for the format).
std::vector<std::string> load_corpus() { return testing::loadTokenizerCorpus(kDataDir); }

// The vocabulary of a tokenizer.model read through libsentencepiece's API, as the GGUF
// converter stores it: pieces, scores and types (GGUF token_type numbering).
VocabData vocab_from_model_file(const std::string& path)
{
    VocabData v;
    sentencepiece::SentencePieceProcessor sp;
    if (!sp.Load(path).ok())
        return v;
    v.model = "llama";
    for (int id = 0; id < sp.GetPieceSize(); ++id) {
        v.tokens.push_back(sp.IdToPiece(id));
        v.scores.push_back(sp.GetScore(id));
        int32_t type = 1;
        if (sp.IsUnknown(id))
            type = 2;
        else if (sp.IsControl(id))
            type = 3;
        else if (sp.IsUnused(id))
            type = 5;
        else if (sp.IsByte(id))
            type = 6;
        v.token_types.push_back(type);
    }
    v.bos_id = sp.bos_id();
    v.eos_id = sp.eos_id();
    v.unk_id = sp.unk_id();
    return v;
}

Result<VocabData> vocab_from_gguf(const std::string& path)
{
    Result<GGUFFile> f = GGUFFile::open(path);
    if (!f)
        return f.error();
    VocabData v;
    Result<std::string> model = f->get_string("tokenizer.ggml.model");
    if (!model)
        return model.error();
    v.model = model.value();
    Result<std::vector<std::string_view>> tokens = f->get_string_array("tokenizer.ggml.tokens");
    if (!tokens)
        return tokens.error();
    for (std::string_view t : tokens.value())
        v.tokens.emplace_back(t);
    if (Result<std::vector<float>> s = f->get_f32_array("tokenizer.ggml.scores"))
        v.scores = s.value();
    if (Result<std::vector<int32_t>> t = f->get_i32_array("tokenizer.ggml.token_type"))
        v.token_types = t.value();
    auto id = [&](const char* key) -> int32_t {
        Result<uint64_t> r = f->get_uint(key);
        return r ? static_cast<int32_t>(r.value()) : -1;
    };
    v.bos_id = id("tokenizer.ggml.bos_token_id");
    v.eos_id = id("tokenizer.ggml.eos_token_id");
    v.unk_id = id("tokenizer.ggml.unknown_token_id");
    if (Result<bool> b = f->get_bool("tokenizer.ggml.add_bos_token"))
        v.add_bos = b.value();
    return v;
}

QByteArray hex(const std::string& s) { return QByteArray::fromStdString(s).toHex(' '); }

QString ids_str(const std::vector<int32_t>& ids)
{
    QStringList parts;
    for (int32_t id : ids)
        parts << QString::number(id);
    return parts.join(QLatin1Char(','));
}

}   // namespace

class TstTokenizer : public QObject {
    Q_OBJECT

private:
    std::vector<Case> m_cases;
    std::vector<std::string> m_corpus;
    std::unique_ptr<Tokenizer> m_file;    // from tokenizer.model
    std::unique_ptr<Tokenizer> m_vocab;   // from a VocabData via our ModelProto

    const Tokenizer& tok(const QString& source) { return source == QLatin1String("file") ? *m_file : *m_vocab; }

private Q_SLOTS:
    void initTestCase()
    {
        m_cases = load_cases();
        QVERIFY2(m_cases.size() >= 12, "tests/data/mistral-v0.1-tokenizer-cases.json is missing or short");
        m_corpus = load_corpus();
        QVERIFY2(m_corpus.size() >= 25, "tests/data/tokenizer/roundtrip.txt is missing or short");

        QElapsedTimer timer;
        timer.start();
        Result<Tokenizer> f = Tokenizer::from_sentencepiece_file(kModelPath);
        const qint64 file_ms = timer.elapsed();
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().message.c_str());
        m_file = std::make_unique<Tokenizer>(std::move(f).value());

        const VocabData v = vocab_from_model_file(kModelPath);
        QCOMPARE(v.tokens.size(), size_t{32000});
        timer.restart();
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
        qInfo("32000-token vocabulary: from_sentencepiece_file %lld ms, from_vocab %lld ms", file_ms, timer.elapsed());
        m_vocab = std::make_unique<Tokenizer>(std::move(t).value());
    }

    // Examples from https://protobuf.dev/programming-guides/encoding/ plus the float and
    // negative int32 rules.
    void protoWriterWireFormat()
    {
        ProtoWriter w;
        w.varint_field(1, 150);
        QCOMPARE(hex(w.bytes()), QByteArray("08 96 01"));

        ProtoWriter s;
        s.bytes_field(2, "testing");
        QCOMPARE(hex(s.bytes()), QByteArray("12 07 74 65 73 74 69 6e 67"));

        ProtoWriter n;
        n.int32_field(43, -1);   // tag (43 << 3 | 0) = 344 = d8 02; -1 is ten bytes
        QCOMPARE(hex(n.bytes()), QByteArray("d8 02 ff ff ff ff ff ff ff ff ff 01"));

        ProtoWriter f;
        f.float_field(2, 1.0f);   // wire type 5, 0x3f800000 little-endian
        QCOMPARE(hex(f.bytes()), QByteArray("15 00 00 80 3f"));

        ProtoWriter b;
        b.bool_field(35, true);   // (35 << 3) = 280 = 98 02
        QCOMPARE(hex(b.bytes()), QByteArray("98 02 01"));
    }

    // The tests below run on both tokenizers tok() gives: the one opened from the file and the
    // one built from its vocabulary.
    void basics_data()
    {
        testing::addColumnRows<QString>("source",
                                        {{"file", QStringLiteral("file")}, {"vocab", QStringLiteral("vocab")}});
    }
    void basics()
    {
        QFETCH(QString, source);
        const Tokenizer& t = tok(source);
        QCOMPARE(t.n_vocab(), 32000);
        QCOMPARE(t.bos_id(), 1);
        QCOMPARE(t.eos_id(), 2);
        QVERIFY(t.add_bos());
        QVERIFY(t.is_control(1));
        QVERIFY(t.is_control(2));
        QVERIFY(!t.is_control(0));   // <unk> is type UNKNOWN, not CONTROL
        QVERIFY(!t.is_control(28705));
        QVERIFY(!t.is_control(-1));
        QVERIFY(!t.is_control(32000));
        QCOMPARE(t.piece_to_id("</s>"), 2);
        QCOMPARE(t.piece_to_id("<unk>"), 0);
        QCOMPARE(t.piece_to_id("<0x0A>"), 13);
        QCOMPARE(t.piece_to_id("\xE2\x96\x81"), 28705);
        QCOMPARE(t.piece_to_id("no such piece \xE2\x96\x81\xE2\x96\x81"), -1);
        QCOMPARE(t.id_to_piece(28705), std::string("\xE2\x96\x81"));
        QCOMPARE(t.id_to_piece(1), std::string("<s>"));
        QCOMPARE(t.id_to_piece(32000), std::string());
        QCOMPARE(t.id_to_piece(-7), std::string());
    }

    void referenceCases_data() { basics_data(); }
    void referenceCases()
    {
        QFETCH(QString, source);
        const Tokenizer& t = tok(source);
        for (size_t i = 0; i < m_cases.size(); ++i) {
            const Case& c = m_cases[i];
            Result<std::vector<int32_t>> ids = t.encode(c.text, true);
            QVERIFY2(ids.ok(), qPrintable(QStringLiteral("case %1: %2")
                                              .arg(i)
                                              .arg(QString::fromStdString(ids.ok() ? "" : ids.error().message))));
            QVERIFY2(
                ids.value() == c.ids,
                qPrintable(
                    QStringLiteral("case %1: got %2 expected %3").arg(i).arg(ids_str(ids.value()), ids_str(c.ids))));
            QCOMPARE(t.decode(c.ids), c.text);
        }
    }

    // The GGUF carries the same vocabulary as tokenizer.ggml.tokens/scores/token_type, read
    // here twice: by this test straight from GGUFFile, and by load_model() as the app does.
    void referenceCasesFromGguf_data()
    {
        QTest::addColumn<bool>("viaLoadModel");
        QTest::newRow("GGUFFile") << false;
        QTest::newRow("load_model") << true;
    }
    void referenceCasesFromGguf()
    {
        QFETCH(bool, viaLoadModel);
        VocabData v;
        if (viaLoadModel) {
            Result<Model> m = load_model(kGgufPath);
            QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
            v = m->vocab;
        } else {
            Result<VocabData> r = vocab_from_gguf(kGgufPath);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
            v = r.value();
        }
        QCOMPARE(v.model, std::string("llama"));
        QCOMPARE(v.tokens.size(), size_t{32000});
        QCOMPARE(v.scores.size(), size_t{32000});
        QCOMPARE(v.token_types.size(), size_t{32000});
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
        QCOMPARE(t->bos_id(), 1);
        QCOMPARE(t->eos_id(), 2);
        QVERIFY(t->add_bos());
        for (size_t i = 0; i < m_cases.size(); ++i) {
            Result<std::vector<int32_t>> ids = t->encode(m_cases[i].text, true);
            QVERIFY(ids.ok());
            QVERIFY2(ids.value() == m_cases[i].ids, qPrintable(QStringLiteral("case %1").arg(i)));
        }
        for (const std::string& text : m_corpus) {
            Result<std::vector<int32_t>> a = t->encode(text, false);
            Result<std::vector<int32_t>> b = m_file->encode(text, false);
            QVERIFY(a.ok() && b.ok());
            QVERIFY2(a.value() == b.value(), text.c_str());
            QCOMPARE(t->decode(a.value()), text);
        }
    }

    // Both tokenizers must agree on everything, not just the reference cases.
    void fileAndVocabAgreeOnCorpus()
    {
        for (const std::string& text : m_corpus) {
            Result<std::vector<int32_t>> a = m_file->encode(text, true);
            Result<std::vector<int32_t>> b = m_vocab->encode(text, true);
            QVERIFY(a.ok() && b.ok());
            QVERIFY2(a.value() == b.value(), text.c_str());
        }
    }

    void roundTrip_data() { basics_data(); }
    void roundTrip()
    {
        QFETCH(QString, source);
        const Tokenizer& t = tok(source);
        std::string all;
        for (const std::string& text : m_corpus) {
            for (bool bos : {false, true}) {
                Result<std::vector<int32_t>> ids = t.encode(text, bos);
                QVERIFY2(ids.ok(), text.c_str());
                QVERIFY(!ids->empty());
                QCOMPARE(ids->front() == 1, bos);
                QCOMPARE(t.decode(ids.value()), text);
            }
            all += text + "\n";
        }
        Result<std::vector<int32_t>> ids = t.encode(all, true);
        QVERIFY(ids.ok());
        QCOMPARE(t.decode(ids.value()), all);
    }

    // Random strings (fixed seed) over ASCII including control characters and NUL, spaces,
    // Latin, Cyrillic, CJK, emoji and private-use/astral code points. U+2581 is left out:
    // it is sentencepiece's space symbol, so it comes back as ' ' by design.
    void roundTripRandomText()
    {
        std::mt19937 rng(99);
        const std::pair<char32_t, char32_t> ranges[] = {
            {0x00, 0x7F},     {0x20, 0x20},     {0x09, 0x0A},       {0xA0, 0x24F},      {0x400, 0x4FF},
            {0x4E00, 0x9FFF}, {0xE000, 0xF8FF}, {0x1F300, 0x1FAFF}, {0x20000, 0x2A6DF}, {0x10FF00, 0x10FFFF},
        };
        for (int round = 0; round < 300; ++round) {
            std::u32string cps;
            const int len = 1 + static_cast<int>(rng() % 24);
            for (int i = 0; i < len; ++i) {
                const auto& r = ranges[rng() % std::size(ranges)];
                const char32_t cp = r.first + static_cast<char32_t>(rng() % (r.second - r.first + 1));
                cps.push_back(cp == 0x2581 ? U' ' : cp);
            }
            const std::string text = QString::fromUcs4(cps.data(), qsizetype(cps.size())).toStdString();
            Result<std::vector<int32_t>> ids = m_vocab->encode(text, true);
            QVERIFY2(ids.ok(), ids.ok() ? "" : ids.error().message.c_str());
            QCOMPARE(m_vocab->decode(ids.value()), text);
        }
    }

    // Leading spaces: the dummy prefix and a real space can land in separate pieces
    // (" hello" -> "▁" "▁hell" "o"); only the dummy one may be dropped by decode.
    void leadingSpaces()
    {
        Result<std::vector<int32_t>> ids = m_vocab->encode(" hello", false);
        QVERIFY(ids.ok());
        QCOMPARE(ids.value(), (std::vector<int32_t>{28705, 6312, 28709}));
        QCOMPARE(m_vocab->decode(ids.value()), std::string(" hello"));
        QCOMPARE(m_vocab->decode({28705, 28705}), std::string(" "));
        QCOMPARE(m_vocab->decode({1, 28705, 6312, 28709}), std::string(" hello"));
        // Not first: the space of "▁hell" is kept.
        QCOMPARE(m_vocab->decode({6312, 6312}), std::string("hell hell"));
    }

    // Our decode is a table-driven copy of sentencepiece's decoder (it needs to be, for the
    // O(1)-per-id StreamDecoder), so compare it with libsentencepiece itself on random id
    // sequences (fixed seed), byte pieces favoured so broken UTF-8 runs are common, and the
    // lone "▁" (28705) frequent because it decides whose leading space is dropped.
    void decodeMatchesLibsentencepiece()
    {
        sentencepiece::SentencePieceProcessor sp;
        QVERIFY(sp.Load(kModelPath).ok());
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> any(0, 31999);
        std::uniform_int_distribution<int> byte(3, 258);
        for (int round = 0; round < 500; ++round) {
            std::vector<int> ids;
            const int len = 1 + static_cast<int>(rng() % 30);
            for (int i = 0; i < len; ++i) {
                const unsigned pick = rng() % 8;
                ids.push_back(pick < 3 ? any(rng) : pick < 6 ? byte(rng) : pick == 6 ? 28705 : 1);
            }
            std::string expected;
            QVERIFY(sp.Decode(ids, &expected).ok());
            const std::vector<int32_t> ours(ids.begin(), ids.end());
            QVERIFY2(m_file->decode(ours) == expected, qPrintable(ids_str(ours)));
            QVERIFY2(m_vocab->decode(ours) == expected, qPrintable(ids_str(ours)));
        }
    }

    void controlTextIsNotParsed()
    {
        for (const char* text : {"[INST] hi </s>", "</s>", "<s>", "<unk>", "<0x41>", "<s>[INST]</s>"}) {
            for (const Tokenizer* t : {m_file.get(), m_vocab.get()}) {
                Result<std::vector<int32_t>> ids = t->encode(text, false);
                QVERIFY(ids.ok());
                QVERIFY(!ids->empty());
                for (int32_t id : ids.value()) {
                    QVERIFY2(!t->is_control(id), text);
                    QVERIFY2(id != 0, text);   // no <unk> either: every character is in the vocab
                }
                QCOMPARE(t->decode(ids.value()), std::string(text));
            }
        }
        // With BOS asked for, the only control id is the BOS at the front.
        Result<std::vector<int32_t>> ids = m_vocab->encode("[INST] hi </s>", true);
        QVERIFY(ids.ok());
        QCOMPARE(ids->front(), 1);
        QCOMPARE(int(std::count_if(ids->begin(), ids->end(), [&](int32_t id) { return m_vocab->is_control(id); })), 1);
    }

    void emptyText()
    {
        for (const Tokenizer* t : {m_file.get(), m_vocab.get()}) {
            Result<std::vector<int32_t>> with = t->encode("", true);
            QVERIFY(with.ok());
            QCOMPARE(with.value(), std::vector<int32_t>{1});
            Result<std::vector<int32_t>> without = t->encode("", false);
            QVERIFY(without.ok());
            QVERIFY(without->empty());
            QCOMPARE(t->decode({}), std::string());
            QCOMPARE(t->decode({1}), std::string());
            QCOMPARE(t->decode({1, 2}), std::string());
        }
    }

    void nulAndControlCharacters()
    {
        const std::string text("a\0b\x01\x7f", 5);
        Result<std::vector<int32_t>> ids = m_vocab->encode(text, false);
        QVERIFY(ids.ok());
        // Ids from Python sentencepiece 0.2.3 on the same model: NUL is not in the vocabulary
        // and falls back to <0x00> (id 3); \x01 and \x7f are ordinary pieces there.
        QCOMPARE(ids.value(), (std::vector<int32_t>{264, 3, 28726, 29534, 30982}));
        QCOMPARE(m_vocab->decode(ids.value()), text);
    }

    void invalidUtf8_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("where");
        QTest::newRow("lone 0xff") << QByteArray("ab\xff") << QStringLiteral("0xFF at byte offset 2");
        QTest::newRow("lone continuation") << QByteArray("a\x80z") << QStringLiteral("0x80 at byte offset 1");
        QTest::newRow("cut off at end") << QByteArray("caf\xc3") << QStringLiteral("0xC3 at byte offset 3");
        QTest::newRow("cut off emoji") << QByteArray("x \xf0\x9f\xa6") << QStringLiteral("0xF0 at byte offset 2");
        QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << QStringLiteral("0xC0 at byte offset 0");
        QTest::newRow("overlong 3-byte") << QByteArray("ok \xe0\x80\xaf") << QStringLiteral("0xE0 at byte offset 3");
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << QStringLiteral("0xED at byte offset 0");
        QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << QStringLiteral("0xF4 at byte offset 0");
        QTest::newRow("bad after good") << QByteArray("\xc3\xa9\xe2\x82") << QStringLiteral("0xE2 at byte offset 2");
    }
    void invalidUtf8()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, where);
        for (const Tokenizer* t : {m_file.get(), m_vocab.get()}) {
            Result<std::vector<int32_t>> ids = t->encode(std::string_view(text.constData(), size_t(text.size())), true);
            QVERIFY(!ids.ok());
            const QString msg = QString::fromStdString(ids.error().message);
            QVERIFY2(msg.contains(QStringLiteral("not valid UTF-8")) && msg.contains(where), qPrintable(msg));
        }
    }

    // 1 MiB of mixed text in one call (a pasted document). sentencepiece's BPE runs over
    // the whole string at once, so this also checks it stays near-linear.
    void veryLongInput()
    {
        std::string big;
        size_t i = 0;
        while (big.size() < (size_t{1} << 20))
            big += m_corpus[i++ % m_corpus.size()] + "\n";
        QElapsedTimer timer;
        timer.start();
        Result<std::vector<int32_t>> ids = m_vocab->encode(big, true);
        const qint64 encode_ms = timer.elapsed();
        QVERIFY(ids.ok());
        // Mixed scripts average roughly 1.5-4 bytes per token; a wildly different count
        // would mean text was lost or split per byte.
        QVERIFY2(ids->size() > big.size() / 8 && ids->size() < big.size(), qPrintable(QString::number(ids->size())));
        timer.restart();
        QCOMPARE(m_vocab->decode(ids.value()), big);
        qInfo("1 MiB: encode %lld ms, decode %lld ms, %zu tokens", encode_ms, timer.elapsed(), ids->size());
    }

    void unsupportedModel()
    {
        VocabData v;
        v.model = "bert";
        v.tokens = {"a", "b"};
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY(!t.ok());
        QVERIFY2(t.error().message.find("tokenizer model 'bert' is not supported yet") != std::string::npos,
                 t.error().message.c_str());

        v.model.clear();
        Result<Tokenizer> none = Tokenizer::from_vocab(v);
        QVERIFY(!none.ok());
        QVERIFY(none.error().message.find("tokenizer.ggml.model") != std::string::npos);
    }

    void badVocab_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << 0 << QStringLiteral("tokenizer.ggml.tokens is empty");
        QTest::newRow("scores size") << 1 << QStringLiteral("tokenizer.ggml.scores has 3 entries");
        QTest::newRow("types size") << 2 << QStringLiteral("tokenizer.ggml.token_type has 1 entries");
        QTest::newRow("type value") << 3 << QStringLiteral("token 300");
        QTest::newRow("duplicate byte") << 4 << QStringLiteral("token 600 '<0x41>' repeats token 68");
        QTest::newRow("missing byte") << 6 << QStringLiteral("'<0x0A>' is missing");
        QTest::newRow("bos range") << 7 << QStringLiteral("tokenizer.ggml.bos_token_id is 40000");
        QTest::newRow("no unknown") << 8 << QStringLiteral("unknown token");
        QTest::newRow("two unknown") << 9 << QStringLiteral("both marked as the unknown token");
        QTest::newRow("bad byte piece") << 11 << QStringLiteral("token 10 '<0x7>' has the byte type");
    }
    void badVocab()
    {
        QFETCH(int, which);
        QFETCH(QString, expected);
        static const VocabData good = vocab_from_model_file(kModelPath);
        VocabData v = good;
        switch (which) {
        case 0: v.tokens.clear(); break;
        case 1: v.scores = {0, 0, 0}; break;
        case 2: v.token_types = {1}; break;
        case 3: v.token_types[300] = 9; break;
        case 4:
            v.tokens[600] = "<0x41>";
            v.token_types[600] = 6;
            break;
        case 6:
            v.token_types[13] = 1;
            v.tokens[13] = "newline";
            break;
        case 7: v.bos_id = 40000; break;
        case 8:
            v.token_types[0] = 1;
            v.unk_id = -1;
            break;
        case 9: v.token_types[5] = 2; break;
        case 11: v.tokens[10] = "<0x7>"; break;
        }
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY(!t.ok());
        QVERIFY2(QString::fromStdString(t.error().message).contains(expected), t.error().message.c_str());
    }

    // Converted vocabularies can hold tokens sentencepiece refuses (repeats, empty, NUL,
    // invalid UTF-8); llama.cpp loads them, so must we. They can never come out of encode
    // but decode to their own text.
    void unusualPiecesAreKept()
    {
        VocabData v = vocab_from_model_file(kModelPath);
        v.tokens.insert(v.tokens.end(), {"\xE2\x96\x81", "", std::string("a\0b", 3), "\xFF\xFE", "<unk>"});
        v.scores.insert(v.scores.end(), {10.0f, 10.0f, 10.0f, 10.0f, 10.0f});
        v.token_types.insert(v.token_types.end(), {1, 1, 4, 1, 3});
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
        QCOMPARE(t->n_vocab(), 32005);
        for (const std::string& text : m_corpus) {
            Result<std::vector<int32_t>> a = t->encode(text, true);
            QVERIFY(a.ok());
            QCOMPARE(a.value(), m_file->encode(text, true).value());
        }
        const int32_t hello = 22557;   // "▁Hello"
        QCOMPARE(t->id_to_piece(hello), std::string("\xE2\x96\x81Hello"));
        QCOMPARE(t->decode({hello, 32000}), std::string("Hello "));
        QCOMPARE(t->decode({hello, 32001}), std::string("Hello"));
        QCOMPARE(t->decode({hello, 32002}), std::string("Hello"
                                                        "a\0b",
                                                        8));
        QCOMPARE(t->decode({hello, 32003}), std::string("Hello\xEF\xBF\xBD\xEF\xBF\xBD"));
        QCOMPARE(t->decode({hello, 32004}), std::string("Hello"));   // a second "<unk>", marked control
        QVERIFY(t->is_control(32004));
        QCOMPARE(t->id_to_piece(32000), std::string("\xE2\x96\x81"));
        QCOMPARE(t->id_to_piece(32002), std::string("a\0b", 3));
        QCOMPARE(t->piece_to_id("\xE2\x96\x81"), 28705);   // the first of the repeats
        QCOMPARE(t->piece_to_id("<unk>"), 0);
        QCOMPARE(t->piece_to_id(""), -1);
    }

    // Gemma's vocabulary lists runs of spaces as user-defined pieces written with real spaces,
    // which sentencepiece (it escapes spaces to U+2581 first) would never match. They are cut
    // out of the text first, longest first, as llama.cpp does: the expected ids are what
    // llama-tokenize (0c1e570) gives for this vocabulary written as a vocabulary-only GGUF.
    void userDefinedSpacePiecesAreMatched()
    {
        VocabData v = small_vocab({"<unk>", "<s>", "</s>", kSpaceMark, "a", "b", kSpaceMark + "b", "  ", "   "});
        v.scores = {0, 0, 0, -1, -2, -3, -0.5f, 0, 0};
        v.token_types = {2, 3, 3, 1, 1, 1, 1, 4, 4};
        v.add_space_prefix = false;
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
        const std::pair<const char*, std::vector<int32_t>> cases[] = {
            {"a  b", {4, 7, 5}}, {"a    b", {4, 8, 6}},       {"a b", {4, 6}},
            {"  a", {7, 4}},     {"a       b", {4, 8, 8, 6}}, {"b  ", {5, 7}},
        };
        for (const auto& [text, ids] : cases) {
            Result<std::vector<int32_t>> got = t->encode(text, false);
            QVERIFY(got.ok());
            QCOMPARE(got.value(), ids);
            QCOMPARE(t->decode(ids), std::string(text));
        }
    }

    // Missing scores/types are allowed: scores default to 0 and types to normal. Without
    // types there are no byte pieces, so sentencepiece has no byte fallback and text
    // outside the vocabulary becomes <unk>; <unk> is then found through unknown_token_id.
    void vocabWithoutScoresOrTypes()
    {
        const VocabData v = small_vocab({"<unk>", "<s>", "</s>", kSpaceMark, "a", "b", kSpaceMark + "a", "ab"});
        Result<Tokenizer> t = Tokenizer::from_vocab(v);
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().message.c_str());
        QVERIFY(!t->is_control(1));   // without types <s> is an ordinary piece
        Result<std::vector<int32_t>> ids = t->encode("ab", false);
        QVERIFY(ids.ok());
        // All scores are 0: sentencepiece merges the leftmost pair first, "▁"+"a" -> "▁a".
        QCOMPARE(ids.value(), (std::vector<int32_t>{6, 5}));
        Result<std::vector<int32_t>> unk = t->encode("az", false);
        QVERIFY(unk.ok());
        QCOMPARE(unk.value(), (std::vector<int32_t>{6, 0}));
        QCOMPARE(t->decode(unk.value()), std::string("a \xE2\x81\x87 "));
    }

    void badModelFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string missing = (dir.path() + QStringLiteral("/nope.model")).toStdString();
        Result<Tokenizer> a = Tokenizer::from_sentencepiece_file(missing);
        QVERIFY(!a.ok());
        QVERIFY2(a.error().message.find("cannot open tokenizer file") != std::string::npos, a.error().message.c_str());

        auto write = [&](const QString& name, const QByteArray& bytes) {
            QFile f(dir.path() + QLatin1Char('/') + name);
            if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
                return std::string();
            return f.fileName().toStdString();
        };
        const std::string empty = write(QStringLiteral("empty.model"), QByteArray());
        Result<Tokenizer> b = Tokenizer::from_sentencepiece_file(empty);
        QVERIFY(!b.ok());
        QVERIFY2(b.error().message.find("is empty") != std::string::npos, b.error().message.c_str());

        QFile real(QString::fromStdString(kModelPath));
        QVERIFY(real.open(QIODevice::ReadOnly));
        const QByteArray model = real.readAll();
        // Cut inside the piece list: protobuf sees a length running past the end.
        const std::string truncated = write(QStringLiteral("truncated.model"), model.left(1001));
        Result<Tokenizer> c = Tokenizer::from_sentencepiece_file(truncated);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().message.find("not a valid sentencepiece tokenizer.model") != std::string::npos,
                 c.error().message.c_str());

        // Random bytes (fixed seed) and a text file: errors, never a crash.
        std::mt19937 rng(1234);
        for (int round = 0; round < 20; ++round) {
            QByteArray junk(4096, Qt::Uninitialized);
            for (char& ch : junk)
                ch = static_cast<char>(rng() & 0xFF);
            const std::string path = write(QStringLiteral("junk%1.model").arg(round), junk);
            QVERIFY(!Tokenizer::from_sentencepiece_file(path).ok());
        }
        const std::string text = write(QStringLiteral("text.model"), QByteArray("this is not a model\n"));
        QVERIFY(!Tokenizer::from_sentencepiece_file(text).ok());

        // A directory, and a sparse 100 MiB file (the wrong file picked): refused up front.
        Result<Tokenizer> d = Tokenizer::from_sentencepiece_file(dir.path().toStdString());
        QVERIFY(!d.ok());
        QFile huge(dir.path() + QStringLiteral("/huge.model"));
        QVERIFY(huge.open(QIODevice::WriteOnly) && huge.resize(qint64{100} << 20));
        huge.close();
        Result<Tokenizer> h = Tokenizer::from_sentencepiece_file(huge.fileName().toStdString());
        QVERIFY(!h.ok());
        QVERIFY2(h.error().message.find("is 100 MiB") != std::string::npos, h.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TstTokenizer)
#include "tst_tokenizer.moc"
