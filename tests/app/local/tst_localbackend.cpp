// LocalBackend: the engine on its own thread behind the ChatBackend contract, on the tiny model.
#include "tst_local_util.h"
#include "engineworker.h"
#include "localbackend.h"

#include "engine/chat_template.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"
#if defined(CAUSERIE_CUDA_SIM)
#include "kernels/cuda/device.h"
#endif

#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <tuple>

class TestLocalBackend : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { registerLocalTypes(); }
    void loadsModelInfo();
    void loadFailureIsReported();
    void fileNameShownAsNameIsMadeInert();
    void expertsNamedWithTheArchitecture();
    void kvTypeReachesTheEngine();
    void noModelFails();
    void answerMatchesEngineAndIsCoalesced();
    void oneTokenHasNoSpeed();
    void cancelKeepsPartialAndFinishes();
    void cancelBeforeStart();
    void contextOverflowFails();
    void longConversationLeavesOutTheOldest();
    void quitWhileGenerating();
    void longChatTokenizesEachMessageOnce();
    void supersededCountIsSkipped();
    void onlyTheLatestCountIsAnswered();
    void thinkingSwitchReachesThePrompt();
    void templateNotesReachTheModelInfo();
    void brokenGpuMovesTheModelToTheCpu();
};

namespace {

// A random 'qwen3' model over SmolLM2's real ChatML vocabulary (tests/data/vocab/), with
// `chatTemplate` as its tokenizer.chat_template (empty: none); false when it cannot be written.
bool writeChatModel(const QString& path, const std::string& chatTemplate)
{
    auto f = causerie::GGUFFile::open(CAUSERIE_TEST_DATA_DIR "/vocab/smollm2-135m.gguf");
    if (!f)
        return false;
    auto vocab = causerie::read_vocab(*f);
    if (!vocab)
        return false;
    vocab->chat_template.clear();
    causerie::TestModelSpec spec;
    spec.arch = "qwen3";
    spec.n_embd = 64;
    spec.n_ff = 128;
    spec.vocab = &*vocab;
    spec.chat_template = chatTemplate;
    return bool(causerie::write_test_model(QFile::encodeName(path).toStdString(), spec));
}

// The prompt tokens the backend counted for one greedy one-token answer to "Hi".
int promptTokensFor(LocalBackend& b, std::optional<bool> thinking)
{
    GenerationSettings s = greedy(1);
    s.thinking = thinking;
    Collected c;
    const QString id = b.startChat({{QStringLiteral("user"), QStringLiteral("Hi"), {}}}, s);
    collect(b, id, c);
    if (!QTest::qWaitFor([&] { return c.done; }, 20000) || c.failed)
        return -1;
    return c.stats.promptTokens;
}

}   // namespace

// Qwen3's switch per request: off, the prompt carries the empty thought "<think>\n\n</think>\n\n"
// (the engine's template with set_thinking(false)); unset is the template's default, on.
void TestLocalBackend::thinkingSwitchReachesThePrompt()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("qwen3.gguf"));
    QVERIFY(writeChatModel(path, "{{ '<|im_start|>' }}{% if enable_thinking %}{% endif %}"));
    LocalBackend b;
    QVERIFY(loadModel(b, path));
    QCOMPARE(b.modelInfo().chatTemplate, QStringLiteral("qwen3"));
    QVERIFY(b.modelInfo().thinkingSwitch);
    QVERIFY(!b.modelInfo().chatTemplateAssumed);
    const int on = promptTokensFor(b, std::nullopt);
    QVERIFY(on > 0);
    QCOMPARE(promptTokensFor(b, true), on);
    const int off = promptTokensFor(b, false);
    auto model = causerie::load_model(QFile::encodeName(path).toStdString());
    QVERIFY(model);
    auto tok = causerie::Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok);
    causerie::ChatTemplate tmpl = causerie::ChatTemplate::detect(model->vocab, *tok, "qwen3");
    const std::vector<causerie::ChatTurn> turns = {{"user", "Hi"}};
    const auto thinkingOn = tmpl.apply(*tok, turns);
    tmpl.set_thinking(false);
    const auto thinkingOff = tmpl.apply(*tok, turns);
    QVERIFY(thinkingOn && thinkingOff);
    QCOMPARE(on, int(thinkingOn->size()));
    QCOMPARE(off, int(thinkingOff->size()));
    QVERIFY(off > on);
    // One conversation's switch does not stay on the model: counting the tokens of a history
    // (no switch there) after the request with thinking off counts the default prompt.
    QSignalSpy counted(&b, &LocalBackend::tokensCounted);
    b.countTokens({{QStringLiteral("user"), QStringLiteral("Hi"), {}}});
    QVERIFY(counted.wait(20000));
    QCOMPARE(counted.at(0).at(1).toInt(), on);
}

// What the model dialog shows: a template assumed (none in the file) and one whose prompt
// opens <think> (DeepSeek-R1's newer template).
void TestLocalBackend::templateNotesReachTheModelInfo()
{
    QTemporaryDir dir;
    const QString none = dir.filePath(QStringLiteral("none.gguf"));
    QVERIFY(writeChatModel(none, {}));
    LocalBackend b;
    QVERIFY(loadModel(b, none));
    QVERIFY(b.modelInfo().chatTemplateAssumed);
    // No template, ChatML control tokens, architecture qwen3: Qwen3's format is assumed.
    QCOMPARE(b.modelInfo().chatTemplate, QStringLiteral("qwen3"));
    QVERIFY(!b.promptOpensThinking());

    const QString r1 = dir.filePath(QStringLiteral("r1.gguf"));
    QVERIFY(writeChatModel(r1, "{{'<｜User｜>' + content}}{{'<｜Assistant｜><think>\\n'}}"));
    QVERIFY(loadModel(b, r1));
    QCOMPARE(b.modelInfo().chatTemplate, QStringLiteral("deepseek-r1"));
    QVERIFY(!b.modelInfo().chatTemplateAssumed);
    QVERIFY(!b.modelInfo().thinkingSwitch);
    QVERIFY(b.promptOpensThinking());
}

void TestLocalBackend::loadsModelInfo()
{
    LocalBackend b;
    QCOMPARE(b.modelState(), LocalBackend::ModelState::None);
    QVERIFY(!b.isReady());
    QVERIFY(loadModel(b));
    QVERIFY(b.isReady());
    const LocalModelInfo& info = b.modelInfo();
    QCOMPARE(info.name, QStringLiteral("tiny-random-mistral-arch"));
    QCOMPARE(info.architecture, QStringLiteral("llama"));
    QCOMPARE(info.quantization, QStringLiteral("Q8_0"));
    QCOMPARE(info.layers, 2);
    QCOMPARE(info.trainedContext, 2048);
    QCOMPARE(info.contextSize, 2048);
    QCOMPARE(info.chatTemplate, QStringLiteral("mistral-v1"));
    QVERIFY(info.device.startsWith(QLatin1String("CPU")));
    QVERIFY(!info.deviceNote.isEmpty());   // auto on a machine without a usable GPU says why
    // Threads "automatic" (0): every core but one, so the window keeps a core while it streams.
    const int automatic = std::max(1, QThread::idealThreadCount() - 1);
    QCOMPARE(info.device,
             automatic == 1 ? QStringLiteral("CPU (1 thread)") : QStringLiteral("CPU (%1 threads)").arg(automatic));
    QCOMPARE(b.displayName(), info.name);
}

// A model without general.name is named after its file, which is just as hostile: an escape
// sequence and a bidi override in the file name reach the window inert.
void TestLocalBackend::fileNameShownAsNameIsMadeInert()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("evil\x1b[2J\u202Eledom.gguf"));
    QVERIFY(causerie::write_test_model(QFile::encodeName(path).toStdString(), causerie::TestModelSpec{}));
    {   // the writer names its models: rename the key so the file has no general.name
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QByteArray bytes = f.readAll();
        QCOMPARE(bytes.count("general.name"), 1);
        bytes.replace("general.name", "general.nome");
        QVERIFY(f.seek(0));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    LocalBackend b;
    QSignalSpy loaded(&b, &LocalBackend::modelLoaded);
    LocalModelOptions o;
    o.path = path;
    b.loadModel(o);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(b.modelInfo().name, QStringLiteral("evil\uFFFD[2J\uFFFDledom"));
}

// The model dialog's architecture line names a mixture of experts' counts.
void TestLocalBackend::expertsNamedWithTheArchitecture()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("moe.gguf"));
    const causerie::TestModelSpec spec{.arch = "qwen3moe", .n_expert = 8, .n_expert_used = 2};
    QVERIFY(causerie::write_test_model(QFile::encodeName(path).toStdString(), spec));
    LocalBackend b;
    QVERIFY(loadModel(b, path));
    QCOMPARE(b.modelInfo().architecture, QStringLiteral("qwen3moe, 8 experts, 2 per token"));
}

// Settings → KV cache precision: Q8_0 reaches the engine for heads of 32 values; the tiny model's
// heads of 16 keep F16 (the model still opens).
void TestLocalBackend::kvTypeReachesTheEngine()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("heads32.gguf"));
    const causerie::TestModelSpec spec{.n_embd = 128};   // 4 heads of 32
    QVERIFY(causerie::write_test_model(QFile::encodeName(path).toStdString(), spec));
    for (const auto& [file, asked, got] : {std::tuple{path, QStringLiteral("q8_0"), QStringLiteral("Q8_0")},
                                           {path, QStringLiteral("f16"), QStringLiteral("F16")},
                                           {kTiny, QStringLiteral("q8_0"), QStringLiteral("F16")}}) {
        LocalBackend b;
        QSignalSpy loaded(&b, &LocalBackend::modelLoaded);
        LocalModelOptions o;
        o.path = file;
        o.kvType = asked;
        b.loadModel(o);
        QVERIFY(loaded.wait(20000));
        QCOMPARE(b.modelInfo().kvType, got);
    }
}

void TestLocalBackend::loadFailureIsReported()
{
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("bad.gguf"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("GGUF but not really");
    f.close();
    LocalBackend b;
    QSignalSpy failed(&b, &LocalBackend::modelLoadFailed);
    b.loadModel({bad});
    QVERIFY(failed.wait(10000));
    QCOMPARE(failed.at(0).at(0).toString(), bad);
    QVERIFY(!failed.at(0).at(1).toString().isEmpty());
    QCOMPARE(b.modelState(), LocalBackend::ModelState::Failed);
    QCOMPARE(b.lastError(), failed.at(0).at(1).toString());
    // A good model after a bad one works.
    QVERIFY(loadModel(b));
    QVERIFY(b.isReady());

    // A vocabulary-only file (tokenizer, no tensors) is refused with the reason.
    QSignalSpy vocabFailed(&b, &LocalBackend::modelLoadFailed);
    b.loadModel({QStringLiteral(CAUSERIE_TEST_DATA_DIR "/vocab/mistral-v0.1.gguf")});
    QVERIFY(vocabFailed.wait(10000));
    QVERIFY2(vocabFailed.at(0).at(1).toString().contains(QLatin1String("this file has a vocabulary only, no weights")),
             qPrintable(vocabFailed.at(0).at(1).toString()));
    QCOMPARE(b.modelState(), LocalBackend::ModelState::Failed);
}

void TestLocalBackend::noModelFails()
{
    LocalBackend b;
    Collected c;
    const QString id = b.startChat({{QStringLiteral("user"), QStringLiteral("hi")}}, greedy(5));
    collect(b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 10000);
    QVERIFY(c.failed);
    QCOMPARE(c.error.kind, BackendError::Configuration);
}

void TestLocalBackend::answerMatchesEngineAndIsCoalesced()
{
    // The same conversation through the engine directly, on this thread.
    auto model = causerie::load_model(kTiny.toStdString());
    QVERIFY(model.ok());
    auto tok = causerie::Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    const auto tmpl = causerie::ChatTemplate::detect(model->vocab, *tok);
    const std::vector<causerie::ChatTurn> turns = {{"user", "Tell me a story."}};
    auto prompt = tmpl.apply(*tok, turns);
    QVERIFY(prompt.ok());
    causerie::BackendOptions bo;
    bo.device = "cpu";
    auto backend = causerie::create_backend(*model, bo);
    QVERIFY(backend.ok());
    causerie::Session session(*tok, std::move(backend).value());
    causerie::GenerateOptions go;
    go.sampling.temperature = 0.0f;
    go.sampling.repeat_penalty = 1.0f;   // GenerationSettings' default
    go.max_tokens = 200;
    go.stop_ids = tmpl.end_of_turn_ids(*tok);
    std::string expected;
    auto st = session.generate(*prompt, go, [&](std::string_view t) {
        expected += t;
        return true;
    });
    QVERIFY(st.ok());

    LocalBackend b;
    QVERIFY(loadModel(b));
    // The GUI thread stays free while the engine works: a 1 ms timer keeps firing.
    int ticks = 0;
    QTimer timer;
    timer.setInterval(1);
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    timer.start();
    Collected c;
    QElapsedTimer elapsed;
    elapsed.start();
    const QString id = b.startChat({{QStringLiteral("user"), QStringLiteral("Tell me a story.")}}, greedy(200));
    collect(b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 60000);
    const qint64 ms = elapsed.elapsed();
    QVERIFY(!c.failed);
    QCOMPARE(c.text, QString::fromStdString(expected));
    QCOMPARE(c.stats.completionTokens, st->completion_tokens);
    QCOMPARE(c.stats.promptTokens, int(prompt->size()));
    QCOMPARE(c.stats.finishReason, QString::fromStdString(st->finish_reason));
    QVERIFY(c.stats.ttftMs >= 0);
    // The speed shown is the engine's: forward passes over the decode time.
    QVERIFY(st->completion_tokens > 1);
    QVERIFY(c.stats.tokensPerSecond > 0 && std::isfinite(c.stats.tokensPerSecond));
    QVERIFY(ticks > 0);
    // At most one delta per 16 ms of generation (plus the final flush).
    QVERIFY2(c.deltas <= ms / EngineWorker::kDeltaIntervalMs + 2,
             qPrintable(QStringLiteral("%1 deltas in %2 ms").arg(c.deltas).arg(ms)));
}

void TestLocalBackend::oneTokenHasNoSpeed()
{
    // One token is made from the prompt's logits alone: no forward pass to time, so the speed is
    // unknown (shown as a dash), not 0 tokens/s.
    LocalBackend b;
    QVERIFY(loadModel(b));
    Collected c;
    const QString id = b.startChat({{QStringLiteral("user"), QStringLiteral("Tell me a story.")}}, greedy(1));
    collect(b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 60000);
    QVERIFY(!c.failed);
    QCOMPARE(c.stats.completionTokens, 1);
    QCOMPARE(c.stats.tokensPerSecond, -1.0);
}

void TestLocalBackend::cancelKeepsPartialAndFinishes()
{
    LocalBackend b;
    QVERIFY(loadModel(b));
    Collected c;
    GenerationSettings s = greedy(0);   // no limit: only cancel (or the context) ends it
    const QString id = b.startChat({{QStringLiteral("user"), QStringLiteral("Go on forever.")}}, s);
    collect(b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.deltas > 0 || c.done, 30000);
    b.cancel(id);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 10000);
    QVERIFY(!c.failed);
    if (c.stats.finishReason != QLatin1String("stop"))   // EOS may come before the cancel lands
        QCOMPARE(c.stats.finishReason, QStringLiteral("cancelled"));
    QVERIFY(c.stats.completionTokens >= 1);
}

void TestLocalBackend::cancelBeforeStart()
{
    LocalBackend b;
    QVERIFY(loadModel(b));
    Collected first;
    Collected second;
    const QString a = b.startChat({{QStringLiteral("user"), QStringLiteral("one")}}, greedy(50));
    const QString c2 = b.startChat({{QStringLiteral("user"), QStringLiteral("two")}}, greedy(50));
    collect(b, a, first);
    collect(b, c2, second);
    b.cancel(c2);   // still queued behind the first request
    QTRY_VERIFY_WITH_TIMEOUT(first.done && second.done, 30000);
    QCOMPARE(second.stats.finishReason, QStringLiteral("cancelled"));
    QCOMPARE(second.stats.completionTokens, 0);
    QVERIFY(second.text.isEmpty());
}

// The question alone does not fit: nothing can be left out, so it fails, saying why.
void TestLocalBackend::contextOverflowFails()
{
    LocalBackend b;
    QVERIFY(loadModel(b, kTiny, 16));
    QCOMPARE(b.modelInfo().contextSize, 16);
    Collected c;
    const QString id = b.startChat({{QStringLiteral("user"), QString(200, QLatin1Char('x'))}}, greedy(5));
    collect(b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 10000);
    QVERIFY(c.failed);
    QVERIFY2(c.error.message.contains(QLatin1String("context")), qPrintable(c.error.message));
}

void TestLocalBackend::quitWhileGenerating()
{
    auto b = std::make_unique<LocalBackend>();
    QVERIFY(loadModel(*b));
    Collected c;
    const QString id = b->startChat({{QStringLiteral("user"), QStringLiteral("Keep talking.")}}, greedy(0));
    collect(*b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.deltas > 0 || c.done, 30000);
    QVERIFY(!c.done);   // the answer (unbounded: up to the full context) is still being written
    // Quitting cancels the answer and joins the engine thread: the engine says it stopped the
    // request early — it did not write the answer to its end first (a hang is ctest's timeout).
    static QStringList logged;
    logged.clear();
    const QtMessageHandler previous =
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext& ctx, const QString& text) {
            if (qstrcmp(ctx.category, "causerie.engine") == 0)
                logged << text;
        });
    b.reset();
    qInstallMessageHandler(previous);
    const QString cancelled = QStringLiteral("request \"%1\" cancelled after").arg(id);
    QVERIFY2(std::any_of(logged.cbegin(), logged.cend(), [&](const QString& l) { return l.startsWith(cancelled); }),
             qPrintable(logged.join(QLatin1Char('\n'))));
}

// A conversation longer than the context still gets an answer: the oldest exchanges are left
// out (whole: a question with its answer), the system prompt and the new question stay, and
// room is left for the answer (a quarter of the context).
void TestLocalBackend::longConversationLeavesOutTheOldest()
{
    LocalBackend b;
    QVERIFY(loadModel(b, kTiny, 128));
    QList<ChatMessage> history = {{QStringLiteral("system"), QStringLiteral("Be brief.")}};
    for (int i = 0; i < 8; ++i) {
        history.append(
            {QStringLiteral("user"), QStringLiteral("Question number %1 about the weather in Paris").arg(i)});
        history.append({QStringLiteral("assistant"), QStringLiteral("Answer number %1: it is sunny and warm").arg(i)});
    }
    history.append({QStringLiteral("user"), QStringLiteral("And tomorrow?")});
    Collected c;
    const QString id = b.startChat(history, greedy(4));
    collect(b, id, c);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 20000);
    QVERIFY2(!c.failed, qPrintable(c.error.message));
    QVERIFY(c.stats.leftOutMessages > 0);
    QCOMPARE(c.stats.leftOutMessages % 2, 0);   // exchanges, not halves of them
    QVERIFY(c.stats.leftOutMessages < 16);      // only as many as needed
    QVERIFY(c.stats.promptTokens > 0);
    QVERIFY2(c.stats.promptTokens + 32 <= 128, qPrintable(QString::number(c.stats.promptTokens)));
    QVERIFY(c.stats.completionTokens > 0);

    // A conversation that fits is sent whole.
    Collected whole;
    const QString id2 = b.startChat({history.first(), history.last()}, greedy(2));
    collect(b, id2, whole);
    QTRY_VERIFY_WITH_TIMEOUT(whole.done, 20000);
    QVERIFY(!whole.failed);
    QCOMPARE(whole.stats.leftOutMessages, 0);
}

// 100 turns of a chat in a context of 128 tokens (so most turns leave exchanges out), with the
// composer counting three drafts before each question: every text reaches the tokenizer once in
// all. Before, each turn tokenized the whole history again, once more per exchange left out.
// The worker is driven directly on this thread (its slots are plain calls).
void TestLocalBackend::longChatTokenizesEachMessageOnce()
{
    EngineWorker worker;
    QSignalSpy loaded(&worker, &EngineWorker::modelLoaded);
    LocalModelOptions o;
    o.path = kTiny;
    o.contextSize = 128;
    worker.loadModel(o);
    QCOMPARE(loaded.count(), 1);
    QSignalSpy counted(&worker, &EngineWorker::tokensCounted);
    QSignalSpy finished(&worker, &EngineWorker::finished);
    QLoggingCategory::setFilterRules(QStringLiteral("causerie.engine.info=false"));   // a line per turn
    auto restoreLog = qScopeGuard([] { QLoggingCategory::setFilterRules({}); });
    QSignalSpy failed(&worker, &EngineWorker::failed);

    QList<ChatMessage> history;
    int leftOut = 0;
    for (int t = 0; t < 100; ++t) {
        const QString question = QStringLiteral("Question %1: will it rain in Paris on day %1?").arg(t);
        for (const QString& draft : {question.left(10), question.left(11), question}) {
            QList<ChatMessage> withDraft = history;
            withDraft.append({QStringLiteral("user"), draft});
            worker.countTokens(QString::number(t), withDraft);
        }
        history.append({QStringLiteral("user"), question});
        worker.generate(QString::number(t), history, greedy(1), std::make_shared<std::atomic<bool>>(false));
        QVERIFY2(failed.isEmpty(),
                 failed.isEmpty() ? "" : qPrintable(failed.first().at(1).value<BackendError>().message));
        QCOMPARE(finished.count(), t + 1);
        leftOut = finished.last().at(1).value<GenerationStats>().leftOutMessages;
        history.append(
            {QStringLiteral("assistant"), QStringLiteral("Answer %1: no rain, %2 degrees.").arg(t).arg(10 + t % 20)});
    }
    QCOMPARE(history.size(), 200);
    QCOMPARE(counted.count(), 300);
    QVERIFY2(leftOut > 150, qPrintable(QString::number(leftOut)));
    // Per turn: the two partial drafts, the question (first seen as the last draft) and the
    // previous answer (first sent in this turn's first count). Mistral v1 with no system prompt
    // writes a question the same way whether it is the last one or not.
    QCOMPARE(worker.textsTokenized(), qint64(100 * 3 + 99));
}

// The worker's half of dropping stale counts: a count whose flag is set is not computed.
void TestLocalBackend::supersededCountIsSkipped()
{
    EngineWorker worker;
    QSignalSpy loaded(&worker, &EngineWorker::modelLoaded);
    worker.loadModel({kTiny});
    QCOMPARE(loaded.count(), 1);
    QSignalSpy counted(&worker, &EngineWorker::tokensCounted);
    const QList<ChatMessage> history = {{QStringLiteral("user"), QStringLiteral("Hello there")}};
    worker.countTokens(QStringLiteral("old"), history, std::make_shared<std::atomic<bool>>(true));
    QCOMPARE(counted.count(), 0);
    QCOMPARE(worker.textsTokenized(), qint64(0));
    worker.countTokens(QStringLiteral("new"), history, std::make_shared<std::atomic<bool>>(false));
    QCOMPARE(counted.count(), 1);
    QCOMPARE(counted.at(0).at(0).toString(), QStringLiteral("new"));
    QVERIFY(counted.at(0).at(1).toInt() > 0);
    worker.countTokens(QStringLiteral("no flag"), history);
    QCOMPARE(counted.count(), 2);
    QCOMPARE(counted.at(1).at(1).toInt(), counted.at(0).at(1).toInt());
}

// The user types while an answer streams: the counts pile up behind the generation on the engine
// thread. Only the last one is computed and answered, with the count of the last text.
void TestLocalBackend::onlyTheLatestCountIsAnswered()
{
    LocalBackend b;
    QVERIFY(loadModel(b));
    Collected busy;
    const QString gen = b.startChat({{QStringLiteral("user"), QStringLiteral("Go on forever.")}}, greedy(0));
    collect(b, gen, busy);
    QTRY_VERIFY_WITH_TIMEOUT(busy.deltas > 0 || busy.done, 30000);
    QSignalSpy counted(&b, &LocalBackend::tokensCounted);
    QString text;
    QString last;
    for (int i = 0; i < 30; ++i) {
        text += QStringLiteral("word%1 ").arg(i);
        last = b.countTokens({{QStringLiteral("user"), text}});
    }
    QVERIFY2(!busy.done, "the generation ended before the counts were queued: nothing was waiting");
    b.cancel(gen);
    QTRY_VERIFY_WITH_TIMEOUT(busy.done, 10000);
    // Counts are answered in order: once the last is in, no older one can follow.
    QTRY_VERIFY_WITH_TIMEOUT(!counted.isEmpty() && counted.last().at(0).toString() == last, 10000);
    QCOMPARE(counted.count(), 1);

    auto model = causerie::load_model(kTiny.toStdString());
    QVERIFY(model.ok());
    auto tok = causerie::Tokenizer::from_vocab(model->vocab);
    QVERIFY(tok.ok());
    const auto tmpl = causerie::ChatTemplate::detect(model->vocab, *tok);
    const std::vector<causerie::ChatTurn> turns = {{"user", text.toStdString()}};
    QCOMPARE(counted.at(0).at(1).toInt(), int(tmpl.apply(*tok, turns).value().size()));
    QCOMPARE(counted.at(0).at(2).toInt(), 2048);
}

// The model on the (simulated) GPU, which breaks in the middle of an answer with a sticky error:
// the answer still finishes, on the CPU, with the text the CPU gives; the model's device becomes
// the CPU and its note says why (what the details and the status line show), once.
void TestLocalBackend::brokenGpuMovesTheModelToTheCpu()
{
#if !defined(CAUSERIE_CUDA_SIM)
    QSKIP("needs the cuda-sim device (CAUSERIE_CUDA_SIM)");
#else
    const auto clear = qScopeGuard([] { causerie::kernels::gpu::sim_clear_sticky_error(); });
    const QList<ChatMessage> history{{QStringLiteral("user"), QStringLiteral("Tell me a story.")}};
    LocalBackend cpu;
    QVERIFY(loadModel(cpu));
    Collected want;
    collect(cpu, cpu.startChat(history, greedy(12)), want);
    QTRY_VERIFY_WITH_TIMEOUT(want.done, 60000);
    QVERIFY(!want.failed);

    LocalBackend b;
    QSignalSpy loaded(&b, &LocalBackend::modelLoaded);
    LocalModelOptions o;
    o.path = kTiny;
    o.device = QStringLiteral("cuda-sim");
    o.contextSize = 256;
    b.loadModel(o);
    QVERIFY(loaded.wait(60000));
    QVERIFY2(b.modelInfo().device.contains(QLatin1String("layers on GPU")), qPrintable(b.modelInfo().device));
    causerie::kernels::gpu::sim_inject_sticky_error(80);   // after the prefill, during the answer
    Collected c;
    collect(b, b.startChat(history, greedy(12)), c);
    QTRY_VERIFY_WITH_TIMEOUT(c.done, 300000);
    QVERIFY2(!c.failed, qPrintable(c.error.message + QLatin1Char(' ') + c.error.detail));
    QCOMPARE(c.text, want.text);
    QCOMPARE(loaded.count(), 2);   // loaded, then the move to the CPU
    const LocalModelInfo info = loaded.last().at(0).value<LocalModelInfo>();
    QVERIFY2(info.device.startsWith(QLatin1String("CPU")), qPrintable(info.device));
    QVERIFY2(info.deviceNote.startsWith(QLatin1String("the GPU stopped working (")) &&
                 info.deviceNote.contains(QLatin1String("illegal memory access")) &&
                 info.deviceNote.endsWith(QLatin1String(": running on the CPU")),
             qPrintable(info.deviceNote));
    QCOMPARE(b.modelInfo().device, info.device);
    QCOMPARE(b.modelState(), LocalBackend::ModelState::Ready);
    // The next answer runs on the CPU without another notice.
    Collected next;
    collect(b, b.startChat(history, greedy(4)), next);
    QTRY_VERIFY_WITH_TIMEOUT(next.done, 60000);
    QVERIFY(!next.failed);
    QCOMPARE(loaded.count(), 2);
#endif
}

QTEST_GUILESS_MAIN(TestLocalBackend)
#include "tst_localbackend.moc"
