// causerie-cli as scripts and checks use it: the JSON fields of tokenize/eval/info, and every
// error as "error: ..." on stderr with exit status 1 (never a signal, never a hang).
#include "../common/files.h"

#include "appsettings.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace {

const QString kTiny = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/tiny-mistral-q8_0.gguf");
// Vocabulary-only GGUFs (tokenizer metadata, no tensors) made by scripts/golden/make_vocab_gguf.py
// from the real tokenizers whose reference ids tests/data holds.
const QString kVocabMistral = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/vocab/mistral-v0.1.gguf");
const QString kVocabSmollm2 = QStringLiteral(CAUSERIE_TEST_DATA_DIR "/vocab/smollm2-135m.gguf");

struct Run {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;
};

Run run(const QStringList& args, const QByteArray& input = {})
{
    QProcess p;
    p.start(QStringLiteral(CAUSERIE_CLI), args);
    p.waitForStarted();
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.crashed = true;
        r.err = "timed out";
        return r;
    }
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QJsonObject json(const Run& r) { return QJsonDocument::fromJson(r.out).object(); }

}   // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokenizeJson();
    void evalJsonMatchesReference();
    void infoJson();
    void infoShowsHostileNameInert();
    void vocabOnlyTokenizeMatchesReference_data();
    void vocabOnlyTokenizeMatchesReference();
    void vocabOnlyInfo();
    void generateIsReproducibleWithSeed();
    void generatePromptCacheReusesPrefix();
    void generatePromptCacheBadFileStartsCold();
    void chatAnswersOncePerLineAndExitsAtEof();
    void chatLongerThanTheContextKeepsGoing();
    void chatQuestionLongerThanTheContextFails();
    void chatWithDocumentsWholeOrRetrieved();
    void chatWithUnreadableDocuments();
    void makeTestModelRoundTrip();
    void makeTestModelWithExperts();
    void benchJsonAndTable();
    void appBenchJsonAndTable();
    void appBenchUsesTheWindowsSampler();
    void errors_data();
    void errors();
};

void TestCli::tokenizeJson()
{
    const Run r = run({QStringLiteral("tokenize"), kTiny, QStringLiteral("--text"), QStringLiteral("Hello world!"),
                       QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QByteArray(R"({"ids":[1,22557,1526,28808]})"));
    // Typed control text stays text: no BOS/EOS ids besides the leading BOS.
    const Run c = run({QStringLiteral("tokenize"), kTiny, QStringLiteral("--text"), QStringLiteral("</s>[INST]<s>"),
                       QStringLiteral("--json")});
    QCOMPARE(c.exitCode, 0);
    const QJsonArray ids = json(c).value(QStringLiteral("ids")).toArray();
    QVERIFY(ids.size() > 3);
    QCOMPARE(ids.at(0).toInt(), 1);
    for (int i = 1; i < ids.size(); ++i)
        QVERIFY(ids.at(i).toInt() > 2);
}

void TestCli::evalJsonMatchesReference()
{
    const Run r = run({QStringLiteral("eval"), kTiny, QStringLiteral("--prompt"), QStringLiteral("Hello world!"),
                       QStringLiteral("--top"), QStringLiteral("5"), QStringLiteral("--greedy"), QStringLiteral("12"),
                       QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject o = json(r);
    QCOMPARE(o.value(QStringLiteral("prompt_ids")).toArray(), QJsonArray({1, 22557, 1526, 28808}));
    const QJsonArray top = o.value(QStringLiteral("top")).toArray();
    QCOMPARE(top.size(), 5);
    // Reference order and values from llama.cpp (tests/data/tiny-mistral-q8_0.golden.txt).
    const int ids[5] = {27883, 1242, 11960, 7048, 3916};
    const double logits[5] = {4.5319, 3.9516, 3.8410, 3.8168, 3.7826};
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(top.at(i).toArray().at(0).toInt(), ids[i]);
        QVERIFY(std::fabs(top.at(i).toArray().at(1).toDouble() - logits[i]) < 1e-3);
    }
    QCOMPARE(o.value(QStringLiteral("greedy_ids")).toArray().size(), 12);
    QCOMPARE(QStringLiteral("Hello world!") + o.value(QStringLiteral("greedy_text")).toString(),
             QStringLiteral("Hello world! clutch relationgroupsethDetailleepxFEств hrsmallment▼"));
}

void TestCli::infoJson()
{
    const Run r = run({QStringLiteral("info"), kTiny, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject o = json(r);
    QCOMPARE(o.value(QStringLiteral("architecture")).toString(), QStringLiteral("llama"));
    QCOMPARE(o.value(QStringLiteral("n_layer")).toInt(), 2);
    QCOMPARE(o.value(QStringLiteral("n_embd")).toInt(), 64);
    QCOMPARE(o.value(QStringLiteral("n_head_kv")).toInt(), 2);
    QCOMPARE(o.value(QStringLiteral("n_vocab")).toInt(), 32000);
    QCOMPARE(o.value(QStringLiteral("quantization")).toString(), QStringLiteral("Q8_0"));
    QCOMPARE(o.value(QStringLiteral("chat_template")).toString(), QStringLiteral("mistral-v1"));
}

void TestCli::vocabOnlyTokenizeMatchesReference_data()
{
    // Reference ids: sentencepiece over Mistral's tokenizer.model (BOS included), and PyPI
    // `tokenizers` over SmolLM2's vocabulary (no BOS: SmolLM2 does not add one).
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QJsonArray>("ids");
    QFile m(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/mistral-v0.1-tokenizer-cases.json"));
    QVERIFY(m.open(QIODevice::ReadOnly));
    int n = 0;
    for (const QJsonValue c : QJsonDocument::fromJson(m.readAll()).array())
        QTest::addRow("mistral %d", n++) << kVocabMistral << c[QStringLiteral("text")].toString()
                                         << c[QStringLiteral("ids")].toArray();
    QFile b(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/bpe/smollm2-135m-instruct-cases.json"));
    QVERIFY(b.open(QIODevice::ReadOnly));
    n = 0;
    for (const QJsonValue c : QJsonDocument::fromJson(b.readAll()).object()[QStringLiteral("cases")].toArray()) {
        // tokenize --text takes one argument: texts with a NUL cannot be passed.
        if (!c[QStringLiteral("text")].toString().contains(QChar(0)))
            QTest::addRow("smollm2 %d", n)
                << kVocabSmollm2 << c[QStringLiteral("text")].toString() << c[QStringLiteral("ids")].toArray();
        ++n;
    }
}

void TestCli::vocabOnlyTokenizeMatchesReference()
{
    QFETCH(QString, file);
    QFETCH(QString, text);
    QFETCH(QJsonArray, ids);
    const Run r = run({QStringLiteral("tokenize"), file, QStringLiteral("--text"), text, QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(json(r).value(QStringLiteral("ids")).toArray(), ids);
}

void TestCli::vocabOnlyInfo()
{
    Run r = run({QStringLiteral("info"), kVocabMistral, QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonObject o = json(r);
    QCOMPARE(o.value(QStringLiteral("vocab_only")).toBool(), true);
    QCOMPARE(o.value(QStringLiteral("architecture")).toString(), QStringLiteral("llama"));
    QCOMPARE(o.value(QStringLiteral("n_vocab")).toInt(), 32000);
    QCOMPARE(o.value(QStringLiteral("tokenizer")).toString(), QStringLiteral("llama"));
    QCOMPARE(o.value(QStringLiteral("bos_id")).toInt(), 1);
    QCOMPARE(o.value(QStringLiteral("eos_id")).toInt(), 2);
    QCOMPARE(o.value(QStringLiteral("chat_template")).toString(), QStringLiteral("mistral-v1"));

    r = run({QStringLiteral("info"), kVocabSmollm2, QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    o = json(r);
    QCOMPARE(o.value(QStringLiteral("vocab_only")).toBool(), true);
    QCOMPARE(o.value(QStringLiteral("n_vocab")).toInt(), 49152);
    QCOMPARE(o.value(QStringLiteral("tokenizer")).toString(), QStringLiteral("gpt2"));
    QCOMPARE(o.value(QStringLiteral("pre_tokenizer")).toString(), QStringLiteral("smollm"));
    QCOMPARE(o.value(QStringLiteral("chat_template")).toString(), QStringLiteral("chatml"));
    QCOMPARE(o.value(QStringLiteral("chat_template_assumed")).toBool(), false);

    // The table says there are no weights.
    r = run({QStringLiteral("info"), kVocabSmollm2});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("weights         none: a vocabulary only"), r.out.constData());
    QVERIFY2(r.out.contains("vocabulary      49152 (gpt2, pre-tokenizer smollm)"), r.out.constData());
}

void TestCli::infoShowsHostileNameInert()
{
    // The tiny model with its general.name (24 bytes) overwritten in place by a clear-screen
    // sequence, a carriage return and a right-to-left override: info prints none of them.
    QFile src(kTiny);
    QVERIFY(src.open(QIODevice::ReadOnly));
    QByteArray bytes = src.readAll();
    const QByteArray name = "tiny-random-mistral-arch";
    const QByteArray hostile = QByteArray("\x1b[2J\r\xE2\x80\xAE") + "evil-model-name!";
    QCOMPARE(hostile.size(), name.size());
    const qsizetype at = bytes.indexOf(name);
    QVERIFY(at > 0);
    bytes.replace(at, name.size(), hostile);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("hostile.gguf"));
    QVERIFY(causerie::testing::writeFile(path, bytes));

    const QString inert = QStringLiteral("\uFFFD[2J \uFFFDevil-model-name!");
    Run r = run({QStringLiteral("info"), path});
    QCOMPARE(r.exitCode, 0);
    for (const QByteArray& bad : {QByteArray("\x1b"), QByteArray("\r"), QByteArray("\xE2\x80\xAE")})
        QVERIFY2(!r.out.contains(bad), r.out.constData());
    QVERIFY2(r.out.contains(QByteArray("name            ") + inert.toUtf8() + "\n"), r.out.constData());
    r = run({QStringLiteral("info"), path, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(json(r).value(QStringLiteral("name")).toString(), inert);
}

void TestCli::generateIsReproducibleWithSeed()
{
    const QStringList args = {QStringLiteral("generate"), kTiny,
                              QStringLiteral("-p"),       QStringLiteral("Once upon"),
                              QStringLiteral("-n"),       QStringLiteral("12"),
                              QStringLiteral("--temp"),   QStringLiteral("0.9"),
                              QStringLiteral("--seed"),   QStringLiteral("5")};
    const Run a = run(args);
    const Run b = run(args);
    QCOMPARE(a.exitCode, 0);
    QVERIFY(!a.out.trimmed().isEmpty());
    QCOMPARE(a.out, b.out);
    QVERIFY(a.err.contains("12 generated"));
}

// --prompt-cache: the first run saves the state, the next one restores it and prefills only what
// follows the cached prefix; the answer at temperature 0 is the one without any cache.
void TestCli::generatePromptCacheReusesPrefix()
{
    QTemporaryDir dir;
    const QString cache = dir.filePath(QStringLiteral("p.kv"));
    const QString promptFile = dir.filePath(QStringLiteral("prompt.txt"));
    const QByteArray text = "The history of the small town by the river began with a mill and a bridge";
    QFile f(promptFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
    f.close();
    auto generate = [&](const QStringList& extra) {
        QStringList args = {QStringLiteral("generate"), kTiny,
                            QStringLiteral("-n"),       QStringLiteral("8"),
                            QStringLiteral("--temp"),   QStringLiteral("0"),
                            QStringLiteral("--json")};
        return run(args + extra);
    };
    const Run plain = generate({QStringLiteral("-f"), promptFile});
    QCOMPARE(plain.exitCode, 0);
    const QJsonObject p = json(plain);
    const int promptTokens = p.value(QStringLiteral("prompt_tokens")).toInt();
    QVERIFY(promptTokens > 10);
    QCOMPARE(p.value(QStringLiteral("cached_tokens")).toInt(), 0);
    QCOMPARE(p.value(QStringLiteral("gen_tokens")).toInt(), 8);
    for (const char* key : {"text", "prompt_ms", "gen_ms"})
        QVERIFY2(p.contains(QLatin1String(key)), key);

    const Run first = generate({QStringLiteral("-f"), promptFile, QStringLiteral("--prompt-cache"), cache});
    QCOMPARE(first.exitCode, 0);
    QCOMPARE(json(first).value(QStringLiteral("cached_tokens")).toInt(), 0);   // no file yet
    QVERIFY(QFileInfo(cache).size() > 0);
    QVERIFY(!QFileInfo::exists(cache + QStringLiteral(".tmp")));

    // The same prompt again: everything but the last token comes from the file.
    const Run again =
        generate({QStringLiteral("-p"), QString::fromUtf8(text), QStringLiteral("--prompt-cache"), cache});
    QCOMPARE(again.exitCode, 0);
    QVERIFY2(!again.err.contains("prompt cache"), again.err.constData());
    QCOMPARE(json(again).value(QStringLiteral("cached_tokens")).toInt(), promptTokens - 1);
    QCOMPARE(json(again).value(QStringLiteral("text")).toString(), p.value(QStringLiteral("text")).toString());

    // A longer prompt: its prefix (the first prompt) comes from the file.
    const QString longer = QString::fromUtf8(text) + QStringLiteral(" across the water, and then");
    const Run cached = generate({QStringLiteral("-p"), longer, QStringLiteral("--prompt-cache"), cache});
    const Run cold = generate({QStringLiteral("-p"), longer});
    QCOMPARE(cached.exitCode, 0);
    QVERIFY(json(cached).value(QStringLiteral("cached_tokens")).toInt() >= promptTokens - 1);
    QCOMPARE(json(cached).value(QStringLiteral("text")).toString(),
             json(cold).value(QStringLiteral("text")).toString());
}

// A cache file that is not one, or one that cannot be written: a note on stderr, the answer
// computed cold, exit status 0; the bad file is replaced by a good one.
void TestCli::generatePromptCacheBadFileStartsCold()
{
    QTemporaryDir dir;
    const QString cache = dir.filePath(QStringLiteral("junk.kv"));
    QFile f(cache);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(1000, 'x'));
    f.close();
    const QStringList args = {QStringLiteral("generate"), kTiny,
                              QStringLiteral("-p"),       QStringLiteral("Once upon a time"),
                              QStringLiteral("-n"),       QStringLiteral("4"),
                              QStringLiteral("--temp"),   QStringLiteral("0"),
                              QStringLiteral("--json"),   QStringLiteral("--prompt-cache")};
    Run r = run(args + QStringList{cache});
    QVERIFY2(!r.crashed, r.err.constData());
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains("note: prompt cache not used, starting cold") && r.err.contains("wrong magic"),
             r.err.constData());
    QCOMPARE(json(r).value(QStringLiteral("cached_tokens")).toInt(), 0);
    r = run(args + QStringList{cache});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(!r.err.contains("prompt cache"), r.err.constData());
    QVERIFY(json(r).value(QStringLiteral("cached_tokens")).toInt() > 0);

    const QString nowhere = dir.filePath(QStringLiteral("missing/folder/p.kv"));
    r = run(args + QStringList{nowhere});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains("note: prompt cache not saved") && r.err.contains("No such file"), r.err.constData());
    QCOMPARE(json(r).value(QStringLiteral("gen_tokens")).toInt(), 4);
}

void TestCli::chatAnswersOncePerLineAndExitsAtEof()
{
    const Run r = run({QStringLiteral("chat"), kTiny, QStringLiteral("--temp"), QStringLiteral("0"),
                       QStringLiteral("-n"), QStringLiteral("6")},
                      "What is the capital of France?\n");
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(!r.out.trimmed().isEmpty(), r.err.constData());
    QCOMPARE(r.out.count('\n'), 1);
}

// Twelve questions in a context of 64 tokens: the oldest exchanges are left out (the engine's
// context_fit, as in the app) and every line gets its answer; before, the fourth line failed with
// "the prompt has 70 tokens but the context holds 64".
void TestCli::chatLongerThanTheContextKeepsGoing()
{
    QByteArray lines;
    for (int i = 1; i <= 12; ++i)
        lines += "Question number " + QByteArray::number(i) + " about the weather in Paris today?\n";
    const Run r = run({QStringLiteral("chat"), kTiny, QStringLiteral("--ctx"), QStringLiteral("64"),
                       QStringLiteral("--temp"), QStringLiteral("0"), QStringLiteral("-n"), QStringLiteral("6")},
                      lines);
    QVERIFY2(!r.crashed, r.err.constData());
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.count('\n'), 12);
    QVERIFY2(r.err.contains("note: the 2 oldest messages are left out to fit the context of 64 tokens"),
             r.err.constData());
    QVERIFY2(r.err.contains("note: the 20 oldest messages are left out"), r.err.constData());
    QVERIFY(!r.err.contains("error"));

    // The same without the context shift (the trimmed conversation prefilled again each turn).
    const Run plain =
        run({QStringLiteral("chat"), kTiny, QStringLiteral("--ctx"), QStringLiteral("64"), QStringLiteral("--temp"),
             QStringLiteral("0"), QStringLiteral("-n"), QStringLiteral("6"), QStringLiteral("--no-context-shift")},
            lines);
    QCOMPARE(plain.exitCode, 0);
    QCOMPARE(plain.out.count('\n'), 12);
}

// `chat --doc`: the app's path. Two small files fit half the context: both go in whole (both are
// sources). A long one does not: the question's passage is retrieved (only its file is a source).
void TestCli::chatWithDocumentsWholeOrRetrieved()
{
    QTemporaryDir dir;
    const QString small = dir.filePath(QStringLiteral("notes.txt"));
    const QString other = dir.filePath(QStringLiteral("todo.md"));
    const QString large = dir.filePath(QStringLiteral("long.txt"));
    auto write = [](const QString& path, const QByteArray& bytes) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
    };
    QVERIFY(write(small, "The rent is 800 euros."));
    QVERIFY(write(other, "# Todo\n\nCall the plumber."));
    QByteArray filler;
    for (int i = 0; i < 200; ++i)
        filler += "Paragraph " + QByteArray::number(i) + " says nothing of interest about gardens.\n\n";
    QVERIFY(write(large, filler + "The boiler was serviced in March by Dupont.\n\n" + filler));

    const Run whole =
        run({QStringLiteral("chat"), kTiny, QStringLiteral("--doc"), small, QStringLiteral("--doc"), other,
             QStringLiteral("--temp"), QStringLiteral("0"), QStringLiteral("-n"), QStringLiteral("4")},
            "How much is the rent?\n");
    QCOMPARE(whole.exitCode, 0);
    QVERIFY2(whole.err.contains("source [1] notes.txt\nsource [2] todo.md\n"), whole.err.constData());
    QCOMPARE(whole.out.count('\n'), 1);

    const Run retrieved = run({QStringLiteral("chat"), kTiny, QStringLiteral("--doc"), large, QStringLiteral("--doc"),
                               small, QStringLiteral("--ctx"), QStringLiteral("512"), QStringLiteral("--temp"),
                               QStringLiteral("0"), QStringLiteral("-n"), QStringLiteral("4")},
                              "When was the boiler serviced by Dupont?\n");
    QCOMPARE(retrieved.exitCode, 0);
    QVERIFY2(retrieved.err.contains("source [1] long.txt\n"), retrieved.err.constData());
    QVERIFY2(!retrieved.err.contains("notes.txt"), retrieved.err.constData());
}

void TestCli::chatWithUnreadableDocuments()
{
    QTemporaryDir dir;
    const QString binary = dir.filePath(QStringLiteral("binary.txt"));
    QFile f(binary);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("\x7f"
                       "ELF\0\0\0\0",
                       8)
                .repeated(64));
    f.close();
    const Run r = run({QStringLiteral("chat"), kTiny, QStringLiteral("--doc"), binary}, "hello\n");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("warning: " + binary.toUtf8() + " is not a text file"), r.err.constData());
    QVERIFY2(r.err.contains("error: no document could be read"), r.err.constData());
    QVERIFY(r.out.isEmpty());
    const Run missing = run({QStringLiteral("chat"), kTiny, QStringLiteral("--doc")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains("option --doc needs a file"), missing.err.constData());
}

// A question that alone does not fit cannot be helped by leaving anything out: a clear error.
void TestCli::chatQuestionLongerThanTheContextFails()
{
    const Run r = run({QStringLiteral("chat"), kTiny, QStringLiteral("--ctx"), QStringLiteral("32"),
                       QStringLiteral("--temp"), QStringLiteral("0"), QStringLiteral("-n"), QStringLiteral("6")},
                      QByteArray(400, 'x') + "\n");
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(
        r.err.contains("error: this message needs 208 tokens but the context holds 32; shorten it, or raise --ctx"),
        r.err.constData());
    QVERIFY(r.out.trimmed().isEmpty());
}

void TestCli::makeTestModelRoundTrip()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("q.gguf"));
    Run r = run({QStringLiteral("make-test-model"), path, QStringLiteral("--type"), QStringLiteral("Q4_0"),
                 QStringLiteral("--layers"), QStringLiteral("3")});
    QCOMPARE(r.exitCode, 0);
    r = run({QStringLiteral("info"), path, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(json(r).value(QStringLiteral("n_layer")).toInt(), 3);
    QCOMPARE(json(r).value(QStringLiteral("quantization")).toString(), QStringLiteral("Q4_0"));
}

// A qwen3moe model with 8 experts, 2 per token: info says so, in text and in --json.
void TestCli::makeTestModelWithExperts()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("moe.gguf"));
    Run r =
        run({QStringLiteral("make-test-model"), path, QStringLiteral("--arch"), QStringLiteral("qwen3moe"),
             QStringLiteral("--experts"), QStringLiteral("8,2"), QStringLiteral("--expert-ff"), QStringLiteral("64")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = run({QStringLiteral("info"), path});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("experts         8 experts, 2 per token (feed-forward 64 each)"), r.out.constData());
    r = run({QStringLiteral("info"), path, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(json(r).value(QStringLiteral("architecture")).toString(), QStringLiteral("qwen3moe"));
    QCOMPARE(json(r).value(QStringLiteral("experts")).toInt(), 8);
    QCOMPARE(json(r).value(QStringLiteral("experts_used")).toInt(), 2);
    r = run({QStringLiteral("info"), kTiny, QStringLiteral("--json")});   // dense: 0 experts
    QCOMPARE(json(r).value(QStringLiteral("experts")).toInt(), 0);
}

void TestCli::benchJsonAndTable()
{
    const Run r = run({QStringLiteral("bench"), kTiny, QStringLiteral("-t"), QStringLiteral("1"), QStringLiteral("-p"),
                       QStringLiteral("8"), QStringLiteral("-n"), QStringLiteral("4"), QStringLiteral("-r"),
                       QStringLiteral("2"), QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QJsonParseError perr;
    const QJsonArray rows = QJsonDocument::fromJson(r.out, &perr).array();
    QVERIFY2(perr.error == QJsonParseError::NoError, qPrintable(perr.errorString()));
    QCOMPARE(rows.size(), 2);
    // The tiny model's shapes (golden file): embeddings and output 32000 x 64, per layer Q/O 64 x 64,
    // K/V 64 x 32, gate/up/down 64 x 192, two norms of 64; two layers; the output norm.
    const qint64 params = 2 * 32000 * 64 + 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 192 + 2 * 64) + 64;
    const QStringList tests = {QStringLiteral("pp8"), QStringLiteral("tg4")};
    for (int i = 0; i < 2; ++i) {
        const QJsonObject o = rows.at(i).toObject();
        QCOMPARE(o.value(QStringLiteral("test")).toString(), tests.at(i));
        QCOMPARE(o.value(QStringLiteral("type")).toString(), QStringLiteral("Q8_0"));
        QCOMPARE(o.value(QStringLiteral("threads")).toInt(), 1);
        QCOMPARE(o.value(QStringLiteral("size_bytes")).toInteger(), QFileInfo(kTiny).size());
        QCOMPARE(o.value(QStringLiteral("n_params")).toInteger(), params);
        QCOMPARE(o.value(QStringLiteral("n_prompt")).toInt(), i == 0 ? 8 : 0);
        QCOMPARE(o.value(QStringLiteral("n_gen")).toInt(), i == 0 ? 0 : 4);
        const QJsonArray samples = o.value(QStringLiteral("samples_ts")).toArray();
        QCOMPARE(samples.size(), 2);
        const double mean = (samples.at(0).toDouble() + samples.at(1).toDouble()) / 2;
        QVERIFY(mean > 0);
        QVERIFY(std::fabs(o.value(QStringLiteral("avg_ts")).toDouble() - mean) <= 1e-3 + 1e-6 * mean);   // %.3f
        QVERIFY(o.value(QStringLiteral("device")).toString().startsWith(QLatin1String("CPU")));
        // Only generation reads the weights once per token.
        QCOMPARE(o.value(QStringLiteral("bytes_per_token")).toDouble() > 0, i == 1);
    }

    const Run t = run({QStringLiteral("bench"), kTiny, QStringLiteral("-t"), QStringLiteral("1,2"),
                       QStringLiteral("-p"), QStringLiteral("8"), QStringLiteral("-n"), QStringLiteral("4"),
                       QStringLiteral("-r"), QStringLiteral("1")});
    QCOMPARE(t.exitCode, 0);
    int tableRows = 0;
    for (const QByteArray& line : t.out.split('\n'))
        if (line.startsWith("| tiny-random-mistral-arch"))
            ++tableRows;
    QCOMPARE(tableRows, 4);   // 2 thread counts x (pp8, tg4)
}

// appbench: each run a window turn then bench's measurement of the same counts, and their medians.
void TestCli::appBenchJsonAndTable()
{
    const Run r = run({QStringLiteral("appbench"), kTiny, QStringLiteral("-n"), QStringLiteral("8"),
                       QStringLiteral("-r"), QStringLiteral("3"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonParseError perr;
    const QJsonObject o = QJsonDocument::fromJson(r.out, &perr).object();
    QVERIFY2(perr.error == QJsonParseError::NoError, qPrintable(perr.errorString()));
    QCOMPARE(o.value(QStringLiteral("type")).toString(), QStringLiteral("Q8_0"));
    QCOMPARE(o.value(QStringLiteral("positions")).toString(), QStringLiteral("bench"));
    // The window's automatic thread count (every core but one) is the default for both paths.
    const int threads = std::max(1, QThread::idealThreadCount() - 1);
    QCOMPARE(o.value(QStringLiteral("threads")).toInt(), threads);
    QCOMPARE(o.value(QStringLiteral("device")).toString(),
             threads == 1 ? QStringLiteral("CPU (1 thread)") : QStringLiteral("CPU (%1 threads)").arg(threads));
    const QJsonArray runs = o.value(QStringLiteral("runs")).toArray();
    QCOMPARE(runs.size(), 6);
    for (int i = 0; i < runs.size(); i += 2) {
        const QJsonObject window = runs.at(i).toObject(), bench = runs.at(i + 1).toObject();
        QCOMPARE(window.value(QStringLiteral("path")).toString(), QStringLiteral("window"));
        QCOMPARE(bench.value(QStringLiteral("path")).toString(), QStringLiteral("bench"));
        // A new conversation: only the template's opening is in the cache, the rest is prefilled.
        QVERIFY(window.value(QStringLiteral("cached_tokens")).toInt() > 0);
        QVERIFY(window.value(QStringLiteral("prompt_tokens")).toInt() > 10);
        const int generated = window.value(QStringLiteral("generated")).toInt();
        QVERIFY(generated >= 1 && generated <= 8);
        // bench does the same work: the tokens the window prefilled and generated.
        QCOMPARE(bench.value(QStringLiteral("prompt_tokens")), window.value(QStringLiteral("prompt_tokens")));
        QCOMPARE(bench.value(QStringLiteral("generated")).toInt(), generated);
        QCOMPARE(bench.value(QStringLiteral("cached_tokens")).toInt(), 0);
        for (const QJsonObject& s : {window, bench}) {
            QVERIFY(s.value(QStringLiteral("pp_ts")).toDouble() > 0);
            QVERIFY(s.value(QStringLiteral("tg_ts")).toDouble() > 0);
            QVERIFY(s.value(QStringLiteral("wall_s")).toDouble() > 0);
            // The generated tokens' CPU time is part of the whole.
            QVERIFY(s.value(QStringLiteral("tg_cpu_s")).toDouble() <= s.value(QStringLiteral("cpu_s")).toDouble());
            QVERIFY(s.value(QStringLiteral("cpu_s")).toDouble() >= 0);
        }
    }
    // The medians are of the runs: the window's tg median is one of its three runs' figures.
    const QJsonArray medians = o.value(QStringLiteral("median")).toArray();
    QCOMPARE(medians.size(), 2);
    const double tg = medians.at(0).toObject().value(QStringLiteral("tg_ts")).toDouble();
    bool found = false;
    for (int i = 0; i < runs.size(); i += 2)
        found = found || runs.at(i).toObject().value(QStringLiteral("tg_ts")).toDouble() == tg;
    QVERIFY(found);
    const QJsonObject ratio = o.value(QStringLiteral("window_over_bench")).toObject();
    const double benchTg = medians.at(1).toObject().value(QStringLiteral("tg_ts")).toDouble();
    QVERIFY(std::fabs(ratio.value(QStringLiteral("tg")).toDouble() - tg / benchTg) < 1e-3);
    QVERIFY(ratio.value(QStringLiteral("cpu")).isDouble());   // the CPU times' ratio (0 when too short to count)
    // The sampler's own cost a token, measured apart (the window pays it, bench does not).
    QVERIFY(o.value(QStringLiteral("sampler_us_per_token")).toDouble() > 0);
    QVERIFY(o.value(QStringLiteral("bench_cpu_us_per_token")).isDouble());

    const Run t = run({QStringLiteral("appbench"), kTiny, QStringLiteral("-t"), QStringLiteral("1"),
                       QStringLiteral("-n"), QStringLiteral("4"), QStringLiteral("-r"), QStringLiteral("2")});
    QVERIFY2(t.exitCode == 0, t.err.constData());
    int window = 0, bench = 0;
    for (const QByteArray& line : t.out.split('\n')) {
        window += line.contains("| window |");
        bench += line.contains("| bench  |");
    }
    QCOMPARE(window, 3);   // 2 runs and the median
    QCOMPARE(bench, 3);
    QVERIFY(t.out.contains("CPU (1 thread)"));
    QVERIFY(t.out.contains("window / bench (medians): pp "));
    QVERIFY(t.out.contains("the window's sampler: "));
}

// The sampler the window uses for a new conversation is AppSettings' defaults; greedy on request.
void TestCli::appBenchUsesTheWindowsSampler()
{
    QTemporaryDir dir;
    const AppSettings defaults(dir.filePath(QStringLiteral("settings.ini")));
    const GenerationSettings g = defaults.generation();
    const Run r = run({QStringLiteral("appbench"), kTiny, QStringLiteral("-n"), QStringLiteral("2"),
                       QStringLiteral("-r"), QStringLiteral("1"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject s = json(r).value(QStringLiteral("sampler")).toObject();
    QCOMPARE(s.value(QStringLiteral("temperature")).toDouble(), g.temperature);
    QCOMPARE(s.value(QStringLiteral("top_k")).toInt(), g.topK);
    QCOMPARE(s.value(QStringLiteral("top_p")).toDouble(), g.topP);
    QCOMPARE(s.value(QStringLiteral("min_p")).toDouble(), g.minP);
    QCOMPARE(s.value(QStringLiteral("repeat_penalty")).toDouble(), g.repeatPenalty);
    QCOMPARE(s.value(QStringLiteral("max_tokens")).toInt(), 2);

    const Run greedy =
        run({QStringLiteral("appbench"), kTiny, QStringLiteral("-n"), QStringLiteral("2"), QStringLiteral("-r"),
             QStringLiteral("1"), QStringLiteral("--sampler"), QStringLiteral("greedy"), QStringLiteral("--json")});
    QVERIFY2(greedy.exitCode == 0, greedy.err.constData());
    const QJsonObject gs = json(greedy).value(QStringLiteral("sampler")).toObject();
    QCOMPARE(gs.value(QStringLiteral("temperature")).toDouble(), 0.0);
    QCOMPARE(gs.value(QStringLiteral("repeat_penalty")).toDouble(), 1.0);
}

void TestCli::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");   // a fragment of the error message

    QTemporaryDir* dir = new QTemporaryDir;   // lives for the whole run: files used by the rows
    dir->setAutoRemove(true);
    const QString junk = dir->filePath("junk.gguf");
    QVERIFY(causerie::testing::writeFile(junk, QByteArray(4096, 'x')));
    const QString truncated = dir->filePath("truncated.gguf");
    QFile src(kTiny);
    QVERIFY(src.open(QIODevice::ReadOnly));
    QVERIFY(causerie::testing::writeFile(truncated, src.read(src.size() / 2)));

    QTest::newRow("no command") << QStringList{} << "usage";
    QTest::newRow("bench: two repetition counts")
        << QStringList{"bench", kTiny, "-r", "1,2"} << "option -r takes one number";
    QTest::newRow("bench: test too long")
        << QStringList{"bench", kTiny, "-p", "20000"} << "too long for a CPU benchmark";
    QTest::newRow("bench: bad list") << QStringList{"bench", kTiny, "-t", "1,,2"} << "expects positive integers";
    QTest::newRow("appbench: no model") << QStringList{"appbench"} << "usage: causerie-cli appbench";
    QTest::newRow("appbench: missing file") << QStringList{"appbench", "/nonexistent/m.gguf"} << "/nonexistent/m.gguf";
    QTest::newRow("appbench: not a gguf") << QStringList{"appbench", junk} << "GGUF";
    QTest::newRow("appbench: no tokens") << QStringList{"appbench", kTiny, "-n", "0"} << "option -n expects 1 to 16384";
    QTest::newRow("appbench: no threads") << QStringList{"appbench", kTiny, "-t", "0"} << "option -t expects 1 to 1024";
    QTest::newRow("appbench: bad runs") << QStringList{"appbench", kTiny, "-r", "x"} << "-r";
    QTest::newRow("appbench: bad sampler")
        << QStringList{"appbench", kTiny, "--sampler", "fast"} << "option --sampler expects app or greedy, got 'fast'";
    QTest::newRow("appbench: bad positions")
        << QStringList{"appbench", kTiny, "--positions", "2"} << "option --positions expects bench or window, got '2'";
    QTest::newRow("appbench: both prompts")
        << QStringList{"appbench", kTiny, "--prompt", "hi", "--prompt-file", junk} << "not both";
    QTest::newRow("appbench: empty prompt") << QStringList{"appbench", kTiny, "--prompt", " "} << "the prompt is empty";
    QTest::newRow("appbench: missing prompt file")
        << QStringList{"appbench", kTiny, "--prompt-file", "/nonexistent/p.txt"} << "cannot read /nonexistent/p.txt";
    QTest::newRow("appbench: unknown option") << QStringList{"appbench", kTiny, "--tokens", "5"} << "--tokens";
    QTest::newRow("appbench: vocabulary only")
        << QStringList{"appbench", kVocabMistral} << "this file has a vocabulary only, no weights";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command";
    QTest::newRow("missing file") << QStringList{"info", "/nonexistent/m.gguf"} << "/nonexistent/m.gguf";
    QTest::newRow("not a gguf") << QStringList{"info", junk} << "GGUF";
    QTest::newRow("truncated") << QStringList{"eval", truncated, "--prompt", "hi"} << "token_embd.weight";
    QTest::newRow("unknown option") << QStringList{"info", kTiny, "--jsn"} << "--jsn";
    QTest::newRow("bad number") << QStringList{"eval", kTiny, "--prompt", "hi", "--top", "five"} << "--top";
    QTest::newRow("option without value") << QStringList{"eval", kTiny, "--prompt"} << "--prompt";
    QTest::newRow("invalid utf-8") << QStringList{"tokenize", kTiny, "--file", kTiny} << "UTF-8";
    QTest::newRow("bad device") << QStringList{"eval", kTiny, "--prompt", "hi", "--device", "tpu"} << "tpu";
    QTest::newRow("bad device index") << QStringList{"eval", kTiny, "--prompt", "hi", "--device", "cpu:1"} << "cuda:N";
    QTest::newRow("bad gpu layers") << QStringList{"eval", kTiny, "--prompt", "hi", "--gpu-layers", "x"}
                                    << "--gpu-layers";
    QTest::newRow("negative gpu layers") << QStringList{"eval", kTiny, "--prompt", "hi", "--gpu-layers", "-5"}
                                         << "--gpu-layers";
    QTest::newRow("bad kv type") << QStringList{"generate", kTiny, "-p", "hi", "--kv-type", "q4_0"}
                                 << "option --kv-type expects f16 or q8_0, got 'q4_0'";
    QTest::newRow("context overflow") << QStringList{"eval",  kTiny, "--prompt", "one two three four five six",
                                                     "--ctx", "4"}
                                      << "context";
    QTest::newRow("bad top-p") << QStringList{"generate", kTiny, "-p", "hi", "--top-p", "0"} << "--top-p";
    QTest::newRow("generate: both -p and -f")
        << QStringList{"generate", kTiny, "-p", "hi", "-f", junk} << "(-p TEXT | -f FILE)";
    QTest::newRow("generate: missing prompt file")
        << QStringList{"generate", kTiny, "-f", "/nonexistent/p.txt"} << "cannot read '/nonexistent/p.txt'";
    const QString out = dir->filePath("rope.gguf");
    QTest::newRow("rope factor not positive") << QStringList{"make-test-model", out, "--rope-factors", "1,0"}
                                              << "positive numbers separated by commas, not '0'";
    QTest::newRow("rope factors, wrong count")   // head_dim 16: 8 pairs
        << QStringList{"make-test-model", out, "--rope-factors", "1,2,3"} << "expected head_dim/2 = 8";
    QTest::newRow("llama3 rope, too few values")
        << QStringList{"make-test-model", out, "--llama3-rope", "8,1"} << "FACTOR,LOW,HIGH,ORIGINAL_CTX";
    QTest::newRow("experts: more used than there are")
        << QStringList{"make-test-model", out, "--experts", "2,3"} << "USED <= COUNT";
    QTest::newRow("expert feed-forward without experts")
        << QStringList{"make-test-model", out, "--expert-ff", "64"} << "--expert-ff needs --experts";
    QTest::newRow("llama experts with their own length")
        << QStringList{"make-test-model", out, "--experts", "4,2", "--expert-ff", "64"}
        << "only qwen3moe has its own expert feed-forward length";
    QTest::newRow("both rope options") << QStringList{"make-test-model", out, "--llama3-rope", "8,1,4,64",
                                                      "--rope-factors",  "1"}
                                       << "not both";

    // A vocabulary-only file cannot be run: the reason, not a missing-tensor message.
    QTest::newRow("generate vocabulary only")
        << QStringList{"generate", kVocabMistral, "-p", "Hi"} << "this file has a vocabulary only, no weights";
    QTest::newRow("eval vocabulary only")
        << QStringList{"eval", kVocabMistral, "--prompt", "Hi"} << "this file has a vocabulary only, no weights";
    QTest::newRow("chat vocabulary only")
        << QStringList{"chat", kVocabSmollm2} << "this file has a vocabulary only, no weights";
}

void TestCli::errors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Run r = run(args);
    QVERIFY2(!r.crashed, r.err.constData());
    QCOMPARE(r.exitCode, 1);
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains(QLatin1String("error: ")) || expected == QLatin1String("usage"), qPrintable(err));
    QVERIFY2(err.contains(expected), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
