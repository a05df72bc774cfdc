// Session: prefix reuse must give exactly the logits of a fresh evaluation; generation stops on
// length, stop strings, cancel and a full context; streamed text equals the decoded ids.
// Generations decoded together (batch.h) give what each gives alone.
#include "engine/batch.h"
#include "engine/session.h"
#include "engine/test_model.h"

#include <QTemporaryDir>
#include <QTest>

using namespace causerie;

class TestSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void prefixReuseGivesFreshLogits();
    void greedyLengthAndStreamedText();
    void stopStringCutsText();
    void cancelBetweenTokens();
    void contextLimits();
    void batchedGenerationsMatchAlone();

private:
    std::unique_ptr<Session> newSession(int64_t n_ctx);
    std::string generateText(Session& s, const std::vector<int32_t>& prompt, GenerateOptions o, GenerateStats* stats);

    QTemporaryDir m_dir;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tok;
};

void TestSession::initTestCase()
{
    const std::string path = m_dir.filePath(QStringLiteral("s.gguf")).toStdString();
    TestModelSpec spec;
    spec.seed = 3;
    QVERIFY(write_test_model(path, spec).ok());
    auto model = load_model(path);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    m_model = std::make_unique<Model>(std::move(model).value());
    auto tok = Tokenizer::from_vocab(m_model->vocab);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
    m_tok = std::make_unique<Tokenizer>(std::move(tok).value());
}

std::unique_ptr<Session> TestSession::newSession(int64_t n_ctx)
{
    BackendOptions o;
    o.n_ctx = n_ctx;
    o.n_threads = 2;
    auto b = create_cpu_backend(*m_model, o);
    if (!b)
        return nullptr;
    return std::make_unique<Session>(*m_tok, std::move(b).value());
}

std::string TestSession::generateText(Session& s, const std::vector<int32_t>& prompt, GenerateOptions o,
                                      GenerateStats* stats)
{
    std::string text;
    auto st = s.generate(prompt, o, [&](std::string_view t) {
        text += t;
        return true;
    });
    if (st.ok() && stats)
        *stats = *st;
    return text;
}

void TestSession::prefixReuseGivesFreshLogits()
{
    auto s = newSession(128);
    QVERIFY(s);
    std::vector<int32_t> a = {1, 300, 301, 302, 303};
    std::vector<int32_t> b = a;
    b.insert(b.end(), {310, 311, 312});
    std::vector<int32_t> edited = {1, 300, 301, 399, 398, 397};   // diverges inside the cache

    QVERIFY(s->evaluate(a).ok());
    for (const auto& prompt : {b, edited, a}) {
        auto reused = s->evaluate(prompt);
        QVERIFY(reused.ok());
        auto fresh = newSession(128)->evaluate(prompt);
        QVERIFY(fresh.ok());
        QCOMPARE(*reused, *fresh);
        QCOMPARE(s->cached_tokens(), prompt);
    }

    GenerateOptions o;
    o.sampling.temperature = 0.0f;
    o.max_tokens = 1;
    GenerateStats stats;
    generateText(*s, b, o, nullptr);
    std::vector<int32_t> longer = b;
    longer.push_back(s->last_generated().at(0));
    longer.push_back(320);
    generateText(*s, longer, o, &stats);
    // Everything evaluated before (b, and the generated token once it was fed back) is reused.
    QCOMPARE(stats.prompt_tokens, int(longer.size()));
    QCOMPARE(stats.reused_tokens, int(b.size()));
}

void TestSession::greedyLengthAndStreamedText()
{
    auto s = newSession(128);
    GenerateOptions o;
    o.sampling.temperature = 0.0f;
    o.sampling.repeat_penalty = 1.0f;
    o.max_tokens = 12;
    GenerateStats stats;
    const std::vector<int32_t> prompt = {1, 400, 401};
    const std::string text = generateText(*s, prompt, o, &stats);
    QCOMPARE(stats.finish_reason, std::string("length"));
    QCOMPARE(stats.completion_tokens, 12);
    QCOMPARE(int(s->last_generated().size()), 12);
    // 11 forward passes made the 12 tokens (the first came from the prompt's logits, the last
    // was never evaluated): the speed counts those, as bench does.
    QCOMPARE(int(s->cached_tokens().size()), int(prompt.size()) + 11);
    QVERIFY(stats.decode_ms > 0);
    QCOMPARE(stats.tokens_per_second, 11 * 1000.0 / stats.decode_ms);
    // Streamed pieces add up to the decoded continuation.
    std::vector<int32_t> all = prompt;
    all.insert(all.end(), s->last_generated().begin(), s->last_generated().end());
    QCOMPARE(QString::fromStdString(text),
             QString::fromStdString(m_tok->decode(all).substr(m_tok->decode(prompt).size())));
    // Greedy is deterministic, also through a reused cache.
    const std::vector<int32_t> first = s->last_generated();
    generateText(*s, prompt, o, nullptr);
    QCOMPARE(s->last_generated(), first);
}

void TestSession::stopStringCutsText()
{
    auto s = newSession(128);
    GenerateOptions o;
    o.sampling.temperature = 0.0f;
    o.max_tokens = 24;
    const std::vector<int32_t> prompt = {1, 405, 406};
    const std::string full = generateText(*s, prompt, o, nullptr);
    QVERIFY2(full.size() >= 8, full.c_str());
    // Stop on a piece of the middle of the text: the answer ends right before it.
    const size_t at = full.size() / 2;
    const std::string stop = full.substr(at, 3);
    const size_t first = full.find(stop);
    o.stop = {stop};
    GenerateStats stats;
    const std::string cut = generateText(*s, prompt, o, &stats);
    QCOMPARE(stats.finish_reason, std::string("stop"));
    QCOMPARE(QString::fromStdString(cut), QString::fromStdString(full.substr(0, first)));
}

void TestSession::cancelBetweenTokens()
{
    auto s = newSession(128);
    GenerateOptions o;
    o.sampling.temperature = 0.0f;
    o.max_tokens = 50;
    std::atomic<bool> cancel{true};
    auto st = s->generate(
        {1, 410}, o, [](std::string_view) { return true; }, &cancel);
    QVERIFY(st.ok());
    QCOMPARE(st->finish_reason, std::string("cancelled"));
    QCOMPARE(st->completion_tokens, 0);

    // The caller stops after three pieces of text: no more tokens are generated after that.
    cancel = false;
    int calls = 0;
    st = s->generate(
        {1, 410}, o, [&](std::string_view) { return ++calls < 3; }, &cancel);
    QVERIFY(st.ok());
    QCOMPARE(st->finish_reason, std::string("cancelled"));
    QCOMPARE(calls, 3);
    QVERIFY(st->completion_tokens < 50);
}

void TestSession::contextLimits()
{
    auto s = newSession(16);
    std::vector<int32_t> too_long(17, 300);
    auto r = s->evaluate(too_long);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("context") != std::string::npos);
    QVERIFY(!s->evaluate({}).ok());

    GenerateOptions o;
    o.sampling.temperature = 0.0f;
    o.sampling.repeat_penalty = 1.0f;
    GenerateStats stats;
    generateText(*s, std::vector<int32_t>(10, 300), o, &stats);
    QCOMPARE(stats.finish_reason, std::string("context"));
    QCOMPARE(int(s->cached_tokens().size()), 16);
}

// Three generations with sampling (temperature, seeds of their own) on sequences of one
// backend, decoded together by decode_step: one stops early (max_tokens), one joins after four
// steps, one fills its context while the others go on. Each streams the text, the ids and the
// finish reason it gets alone on its own backend.
void TestSession::batchedGenerationsMatchAlone()
{
    constexpr int64_t kCtx = 64;
    const std::vector<std::vector<int32_t>> prompts = {
        {1, 300, 301, 302}, {1, 310, 311, 312, 313, 314, 315, 316, 317, 318}, std::vector<int32_t>(50, 320)};
    std::vector<GenerateOptions> options(3);
    for (size_t i = 0; i < 3; ++i) {
        options[i].sampling.seed = 11 + i;
        options[i].sampling.random_seed = false;
        options[i].sampling.temperature = 0.9f;
    }
    options[0].max_tokens = 30;
    options[1].max_tokens = 5;   // ends early

    std::vector<std::string> want_text(3);
    std::vector<GenerateStats> want(3);
    std::vector<std::vector<int32_t>> want_ids(3);
    for (size_t i = 0; i < 3; ++i) {
        auto s = newSession(kCtx);
        QVERIFY(s);
        want_text[i] = generateText(*s, prompts[i], options[i], &want[i]);
        want_ids[i] = s->last_generated();
    }
    QCOMPARE(want[1].finish_reason, std::string("length"));
    QCOMPARE(want[2].finish_reason, std::string("context"));
    // 14 tokens evaluated after the prompt fill the context; the 15th, sampled from the last
    // row's logits, is emitted without being evaluated.
    QCOMPARE(want[2].completion_tokens, int(kCtx - 50 + 1));
    QVERIFY(want[0].completion_tokens > 10);

    auto first = newSession(kCtx);
    QVERIFY(first);
    std::vector<std::unique_ptr<Session>> sessions;
    sessions.push_back(std::move(first));
    for (int i = 1; i < 3; ++i) {
        auto seq = sessions.front()->backend().make_sequence();
        QVERIFY(seq.ok());
        sessions.push_back(std::make_unique<Session>(*m_tok, std::move(seq).value()));
    }
    std::vector<std::string> text(3);
    std::vector<std::unique_ptr<Generation>> gens;
    for (size_t i = 0; i < 3; ++i)
        gens.push_back(std::make_unique<Generation>(*sessions[i], options[i], [&text, i](std::string_view t) {
            text[i] += t;
            return true;
        }));
    QVERIFY(gens[0]->start(prompts[0]).ok());
    QVERIFY(gens[1]->start(prompts[1]).ok());
    std::vector<Generation*> running = {gens[0].get(), gens[1].get()};
    for (int step = 0; !running.empty(); ++step) {
        if (step == 4) {   // the third request arrives
            QVERIFY(gens[2]->start(prompts[2]).ok());
            running.push_back(gens[2].get());
        }
        QVERIFY(decode_step(running).ok());
        std::erase_if(running, [](Generation* g) { return g->done(); });
    }
    for (size_t i = 0; i < 3; ++i) {
        const GenerateStats got = gens[i]->finish();
        QCOMPARE(got.finish_reason, want[i].finish_reason);
        QCOMPARE(got.completion_tokens, want[i].completion_tokens);
        QCOMPARE(sessions[i]->last_generated(), want_ids[i]);
        QCOMPARE(QString::fromStdString(text[i]), QString::fromStdString(want_text[i]));
    }
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
