// Fitting a conversation into the context (engine/context_fit.h): which messages are kept, the
// refusal of a question that alone does not fit, the same prompt as rendering the conversation
// again after each exchange left out (the previous, quadratic way, kept here as the reference),
// and a long conversation tokenized once whatever the number of turns.
#include "engine/chat_template.h"
#include "engine/context_fit.h"
#include "engine/test_model.h"
#include "engine/tokenizer.h"

#include <QTest>

#include <random>

using namespace causerie;

namespace {

using Ids = std::vector<int32_t>;

// The synthetic vocabulary with the control tokens of every template family appended.
VocabData vocab_with_controls()
{
    VocabData vocab = make_synthetic_vocab(600).value();
    for (const char* c : {"[INST]", "[/INST]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "<|im_start|>", "<|im_end|>",
                          "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"}) {
        vocab.tokens.push_back(c);
        if (!vocab.scores.empty())
            vocab.scores.push_back(0.0f);
        vocab.token_types.push_back(3);
    }
    return vocab;
}

std::vector<ChatTurn> chat(std::initializer_list<std::pair<const char*, const char*>> turns)
{
    std::vector<ChatTurn> out;
    for (const auto& [role, content] : turns)
        out.push_back({role, content});
    return out;
}

// What the engine worker did before context_fit: render the whole conversation, and while it
// and the answer's room exceed the context, leave out the oldest exchange and render it again.
struct Reference {
    Ids ids;
    int left_out = 0;
    bool fits = false;
    int64_t texts_tokenized = 0;
};

class CountingEncoder final : public TextEncoder {
public:
    Result<std::vector<int32_t>> encode(const Tokenizer& tok, const std::string& text) override
    {
        ++calls;
        return tok.encode(text, false);
    }
    int64_t calls = 0;
};

Reference reference_fit(const ChatTemplate& tmpl, const Tokenizer& tok, std::vector<ChatTurn> turns, int n_ctx)
{
    CountingEncoder counter;
    Reference r;
    const int room = std::min(n_ctx / 4, 512);
    auto prompt = tmpl.apply(tok, turns, &counter, nullptr);
    if (!prompt)
        qFatal("reference: %s", prompt.error().message.c_str());
    while (int(prompt->size()) + room > n_ctx) {
        size_t first = 0;
        while (first < turns.size() && turns[first].role == "system")
            ++first;
        size_t end = first + 1;
        while (end < turns.size() && turns[end].role != "user")
            ++end;
        if (first >= turns.size() || end >= turns.size())
            break;
        turns.erase(turns.begin() + std::ptrdiff_t(first), turns.begin() + std::ptrdiff_t(end));
        r.left_out += int(end - first);
        prompt = tmpl.apply(tok, turns, &counter, nullptr);
    }
    r.ids = *prompt;
    r.fits = int(prompt->size()) < n_ctx;
    r.texts_tokenized = counter.calls;
    return r;
}

}   // namespace

class TestContextFit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void keepsAConversationThatFits();
    void leavesOutTheOldestExchangesFirst();
    void consecutiveQuestionsAndALeadingAnswer();
    void questionAloneTooLongIsRefused();
    void promptThatFitsWithoutTheAnswerRoomIsSent();
    void badInputIsAnError();
    void answerRoom();
    void boundsCoverEachTurn();
    void samePromptAsRenderingAgain_data();
    void samePromptAsRenderingAgain();
    void middleSystemMessageFallsBackToRendering();
    void templateErrorsPassThrough();
    void longConversationTokenizedOnce();
    void mistralQuestionWithSystemTokenizedTwice();
    void cacheForgetsWhatIsNoLongerUsed();

private:
    std::unique_ptr<Tokenizer> m_mistral;   // the real Mistral 7B v0.1 sentencepiece model
    VocabData m_vocab;
    std::unique_ptr<Tokenizer> m_ctrl;   // synthetic, with every family's control tokens
};

void TestContextFit::initTestCase()
{
    auto tok = Tokenizer::from_sentencepiece_file(CAUSERIE_TEST_DATA_DIR "/mistral-v0.1-tokenizer.model");
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().message.c_str());
    m_mistral = std::make_unique<Tokenizer>(std::move(tok).value());
    m_vocab = vocab_with_controls();
    auto ctrl = Tokenizer::from_vocab(m_vocab);
    QVERIFY2(ctrl.ok(), ctrl.ok() ? "" : ctrl.error().message.c_str());
    m_ctrl = std::make_unique<Tokenizer>(std::move(ctrl).value());
}

void TestContextFit::keepsAConversationThatFits()
{
    const auto turns = chat({{"system", "s"}, {"user", "a"}, {"assistant", "b"}, {"user", "c"}});
    const std::vector<int> tokens = {5, 10, 10, 10};
    auto fit = fit_context(turns, tokens, 3, 100, 25);
    QVERIFY(fit.ok());
    QCOMPARE(fit->kept, (std::vector<size_t>{0, 1, 2, 3}));
    QCOMPARE(fit->left_out, 0);
    QCOMPARE(fit->prompt_tokens, 38);
    QVERIFY(fit->fits);
}

void TestContextFit::leavesOutTheOldestExchangesFirst()
{
    // 3 + 5 + 5 * 10 = 58 tokens; with 10 for the answer the context of 40 needs two exchanges
    // left out: 58 -> 38 (38 + 10 > 40) -> 18.
    const auto turns = chat(
        {{"system", "s"}, {"user", "q1"}, {"assistant", "a1"}, {"user", "q2"}, {"assistant", "a2"}, {"user", "q3"}});
    const std::vector<int> tokens = {5, 10, 10, 10, 10, 10};
    auto fit = fit_context(turns, tokens, 3, 40, 10);
    QVERIFY(fit.ok());
    QCOMPARE(fit->kept, (std::vector<size_t>{0, 5}));
    QCOMPARE(fit->left_out, 4);
    QCOMPARE(fit->prompt_tokens, 18);
    QVERIFY(fit->fits);

    // One exchange is enough when the context is a little larger: only as many as needed go.
    fit = fit_context(turns, tokens, 3, 48, 10);
    QVERIFY(fit.ok());
    QCOMPARE(fit->kept, (std::vector<size_t>{0, 3, 4, 5}));
    QCOMPARE(fit->left_out, 2);
    QCOMPARE(fit->prompt_tokens, 38);
}

void TestContextFit::consecutiveQuestionsAndALeadingAnswer()
{
    // A conversation may open with an answer (a greeting) and hold two questions in a row (the
    // answer between them failed and was not stored): each step leaves out up to the next question.
    const auto turns =
        chat({{"assistant", "hello"}, {"user", "q1"}, {"user", "q2"}, {"assistant", "a2"}, {"user", "q3"}});
    const std::vector<int> tokens = {4, 10, 10, 10, 10};
    auto fit = fit_context(turns, tokens, 0, 30, 0);
    QVERIFY(fit.ok());
    // 44 -> 40 (the greeting) -> 30 (q1) -> fits? 30 > 30 is false: stop.
    QCOMPARE(fit->kept, (std::vector<size_t>{2, 3, 4}));
    QCOMPARE(fit->left_out, 2);
    QCOMPARE(fit->prompt_tokens, 30);
    QVERIFY(!fit->fits);   // exactly the context: no room for a single token of answer
}

void TestContextFit::questionAloneTooLongIsRefused()
{
    const auto turns = chat({{"system", "s"}, {"user", "q1"}, {"assistant", "a1"}, {"user", "long"}});
    const std::vector<int> tokens = {5, 10, 10, 200};
    auto fit = fit_context(turns, tokens, 3, 128, 32);
    QVERIFY(fit.ok());
    QVERIFY(!fit->fits);
    QCOMPARE(fit->kept, (std::vector<size_t>{0, 3}));   // everything that could go went
    QCOMPARE(fit->left_out, 2);
    QCOMPARE(fit->prompt_tokens, 208);   // what the shortest prompt needs
}

void TestContextFit::promptThatFitsWithoutTheAnswerRoomIsSent()
{
    // Nothing left to leave out and the answer gets less than its room: still sent (the model
    // answers until the context is full), as long as the prompt itself is shorter than the context.
    const auto turns = chat({{"user", "q"}});
    auto fit = fit_context(turns, std::vector<int>{100}, 1, 128, 32);
    QVERIFY(fit.ok());
    QVERIFY(fit->fits);
    QCOMPARE(fit->prompt_tokens, 101);
}

void TestContextFit::badInputIsAnError()
{
    const auto turns = chat({{"user", "a"}, {"assistant", "b"}, {"user", "c"}});
    auto r = fit_context(turns, std::vector<int>{1, 2}, 0, 100, 10);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("3 messages but 2 token counts") != std::string::npos);
    r = fit_context({}, {}, 0, 100, 10);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("must end with a user message") != std::string::npos);
    const auto ending_with_answer = chat({{"user", "a"}, {"assistant", "b"}});
    r = fit_context(ending_with_answer, std::vector<int>{1, 2}, 0, 100, 10);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("must end with a user message") != std::string::npos);
    r = fit_context(turns, std::vector<int>{1, -2, 3}, 0, 100, 10);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("negative") != std::string::npos);
    r = fit_context(turns, std::vector<int>{1, 2, 3}, 0, 0, 0);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("must be positive") != std::string::npos);
    r = fit_context(turns, std::vector<int>{1, 2, 3}, -1, 100, 0);
    QVERIFY(!r.ok());
    // Counts whose sum passes INT_MAX are added without wrapping: refused, not "fits".
    r = fit_context(chat({{"user", "a"}}), std::vector<int>{INT32_MAX}, 5, 4096, 512);
    QVERIFY(r.ok());
    QVERIFY(!r->fits);
    QCOMPARE(r->prompt_tokens, INT32_MAX);
}

void TestContextFit::answerRoom()
{
    QCOMPARE(answer_room(128), 32);
    QCOMPARE(answer_room(2048), 512);
    QCOMPARE(answer_room(32768), 512);
    QCOMPARE(answer_room(16), 4);
    QCOMPARE(answer_room(0), 0);
}

void TestContextFit::boundsCoverEachTurn()
{
    // Each turn's span of the prompt is that turn's tokens: the question "c" of Mistral v1 is
    // "[INST] c [/INST]" with the system prompt written in it, the system turn fills nothing.
    const auto t = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    const auto turns = chat({{"system", "Be brief."}, {"user", "a"}, {"assistant", "b"}, {"user", "c"}});
    std::vector<size_t> bounds;
    auto ids = t.apply(*m_mistral, turns, nullptr, &bounds);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, t.apply(*m_mistral, turns).value());
    QCOMPARE(bounds, (std::vector<size_t>{1, 1, 9, 11, ids->size()}));
    const Ids last(ids->begin() + 11, ids->end());
    QCOMPARE(last, m_mistral->encode("[INST] Be brief.\n\nc [/INST]", false).value());

    // Llama 3.1 writes the system message into its dated preamble turn: that turn is the system
    // message's; without one, the preamble comes before the first turn.
    VocabData v = m_vocab;
    v.chat_template = "<|start_header_id|> Cutting Knowledge Date: December 2023\\n set date_string = \"26 Jul 2024\"";
    const auto llama = ChatTemplate::detect(v, *m_ctrl);
    QCOMPARE(int(llama.kind()), int(ChatTemplateKind::Llama3));
    QVERIFY(!llama.knowledge_line().empty());
    ids = llama.apply(*m_ctrl, turns, nullptr, &bounds);
    QVERIFY(ids.ok());
    QCOMPARE(bounds.size(), size_t(5));
    QCOMPARE(bounds[0], size_t(1));   // <|begin_of_text|>
    const auto no_system = chat({{"user", "a"}});
    std::vector<size_t> b2;
    auto ids2 = llama.apply(*m_ctrl, no_system, nullptr, &b2);
    QVERIFY(ids2.ok());
    QCOMPARE(b2.size(), size_t(2));
    QVERIFY(b2[0] > 1);                               // the preamble turn is before the first turn
    QCOMPARE(b2[1] - b2[0], bounds[2] - bounds[1]);   // "a" costs the same in both
}

void TestContextFit::samePromptAsRenderingAgain_data()
{
    QTest::addColumn<int>("family");   // 0 Mistral v1 (real tokenizer), 1 v3, 2 v7, 3 ChatML, 4 ChatML with a
                                       // default system, 5 Llama 3, 6 Llama 3.1 (dated preamble)
    QTest::addColumn<bool>("system");
    for (int f = 0; f <= 6; ++f)
        for (bool s : {false, true})
            QTest::addRow("family %d%s", f, s ? " with system" : "") << f << s;
}

// For every template family, random conversations and context sizes: the messages kept, the
// prompt's tokens and the refusals are exactly those of rendering again after each drop.
void TestContextFit::samePromptAsRenderingAgain()
{
    QFETCH(int, family);
    QFETCH(bool, system);
    const Tokenizer& tok = family == 0 ? *m_mistral : *m_ctrl;
    ChatTemplate tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    VocabData v = m_vocab;
    switch (family) {
    case 1: tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV3); break;
    case 2: tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV7); break;
    case 3: tmpl = ChatTemplate::of_kind(ChatTemplateKind::ChatML); break;
    case 4:
        v.chat_template = "{{ '<|im_start|>system\\nYou are a helpful assistant named Test<|im_end|>' }}";
        tmpl = ChatTemplate::detect(v, tok);
        QVERIFY(!tmpl.default_system().empty());
        break;
    case 5: tmpl = ChatTemplate::of_kind(ChatTemplateKind::Llama3); break;
    case 6:
        v.chat_template = "<|start_header_id|> Cutting Knowledge Date: December 2023\\n strftime_now";
        tmpl = ChatTemplate::detect(v, tok);
        tmpl.set_date_for_testing("05 Dec 2026");
        QVERIFY(!tmpl.knowledge_line().empty());
        break;
    default: break;
    }
    static const char* const kWords[] = {"the",      "weather", "in",    "Paris",    "is",   "sunny",
                                         "and",      "warm",    "today", "tomorrow", "rain", "maybe",
                                         " spaced ", "\n",      "42",    "café",     "?"};
    std::mt19937 rng(uint32_t(1234 + family * 2 + int(system)));
    auto text = [&](int max_words) {
        std::string s;
        const int n = 1 + int(rng() % uint32_t(max_words));
        for (int i = 0; i < n; ++i)
            s += std::string(i ? " " : "") + kWords[rng() % std::size(kWords)];
        return s;
    };
    int whole = 0;
    int shortened = 0;
    int refused = 0;
    for (int c = 0; c < 40; ++c) {
        std::vector<ChatTurn> turns;
        if (system)
            turns.push_back({"system", text(12)});
        if (rng() % 5 == 0)
            turns.push_back({"assistant", text(6)});   // a greeting first
        const int exchanges = int(rng() % 12);
        for (int e = 0; e < exchanges; ++e) {
            turns.push_back({"user", text(20)});
            if (rng() % 6 != 0)   // sometimes the answer failed and is not in the history
                turns.push_back({"assistant", text(30)});
        }
        turns.push_back({"user", text(40)});
        // A context size aimed at each outcome in turn: whole, shortened, refused. `shortest`: the
        // system prompt and the question alone.
        const int full = int(tmpl.apply(tok, turns).value().size());
        std::vector<ChatTurn> alone;
        for (const ChatTurn& t : turns)
            if (t.role == "system")
                alone.push_back(t);
        alone.push_back(turns.back());
        const int shortest = int(tmpl.apply(tok, alone).value().size());
        int n_ctx = 2 * full + 8;
        if (c % 3 == 1)
            n_ctx = shortest + 1 + int(rng() % uint32_t(full - shortest + 8));
        else if (c % 3 == 2)
            n_ctx = 1 + int(rng() % uint32_t(shortest));
        const Reference ref = reference_fit(tmpl, tok, turns, n_ctx);
        PromptCache cache;
        auto got = prepare_prompt(tmpl, tok, turns, n_ctx, answer_room(n_ctx), &cache);
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        QCOMPARE(got->fit.left_out, ref.left_out);
        QCOMPARE(got->fit.fits, ref.fits);
        QCOMPARE(got->ids, ref.ids);
        QCOMPARE(got->fit.prompt_tokens, int(ref.ids.size()));
        QCOMPARE(got->full_tokens, int(tmpl.apply(tok, turns).value().size()));
        // The kept messages are the leading system message and the newest ones, in order.
        QVERIFY(!got->fit.kept.empty());
        QCOMPARE(got->fit.kept.back(), turns.size() - 1);
        QCOMPARE(int(turns.size() - got->fit.kept.size()), got->fit.left_out);
        // Without a cache: the same prompt.
        auto plain = prepare_prompt(tmpl, tok, turns, n_ctx, answer_room(n_ctx), nullptr);
        QVERIFY(plain.ok());
        QCOMPARE(plain->ids, ref.ids);
        if (!ref.fits)
            ++refused;
        else if (ref.left_out > 0)
            ++shortened;
        else
            ++whole;
    }
    // The random cases cover the three outcomes.
    QVERIFY2(whole >= 10 && shortened >= 5 && refused >= 10,
             qPrintable(QStringLiteral("%1 whole, %2 shortened, %3 refused").arg(whole).arg(shortened).arg(refused)));
}

void TestContextFit::middleSystemMessageFallsBackToRendering()
{
    // Mistral v1 writes every system message into the last question; leaving out a system
    // message in the middle changes the question's tokens. The result is still the reference's.
    const auto tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    const auto turns = chat({{"user", "first question about the weather"},
                             {"assistant", "it is sunny and warm"},
                             {"system", "From now on answer in French, with many long and detailed words."},
                             {"user", "second question"},
                             {"assistant", "il fait beau"},
                             {"user", "and tomorrow?"}});
    for (int n_ctx = 30; n_ctx < 140; n_ctx += 3) {
        const Reference ref = reference_fit(tmpl, *m_mistral, turns, n_ctx);
        PromptCache cache;
        auto got = prepare_prompt(tmpl, *m_mistral, turns, n_ctx, answer_room(n_ctx), &cache);
        QVERIFY(got.ok());
        QCOMPARE(got->ids, ref.ids);
        QCOMPARE(got->fit.left_out, ref.left_out);
        QCOMPARE(got->fit.fits, ref.fits);
    }
}

void TestContextFit::templateErrorsPassThrough()
{
    PromptCache cache;
    const auto tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    auto r = prepare_prompt(tmpl, *m_mistral, chat({{"tool", "x"}, {"user", "a"}}), 100, 25, &cache);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("unknown chat role 'tool'") != std::string::npos);
    r = prepare_prompt(tmpl, *m_mistral, std::vector<ChatTurn>{{"user", std::string("a\xff")}}, 100, 25, &cache);
    QVERIFY(!r.ok());
    r = prepare_prompt(tmpl, *m_mistral, chat({{"user", "a"}, {"assistant", "b"}}), 100, 25, &cache);
    QVERIFY(!r.ok());
    // ChatML needs its control tokens: the template's own error, not a crash.
    r = prepare_prompt(ChatTemplate::of_kind(ChatTemplateKind::ChatML), *m_mistral, chat({{"user", "a"}}), 100, 25,
                       &cache);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("<|im_start|>") != std::string::npos);
}

// A chat of 100 questions and 100 answers, sent turn after turn in a small context (so most
// turns leave exchanges out): every message text is tokenized once in all, where rendering again
// after each exchange left out tokenized the whole history several times per turn.
void TestContextFit::longConversationTokenizedOnce()
{
    const auto tmpl = ChatTemplate::of_kind(ChatTemplateKind::ChatML);
    const int n_ctx = 256;
    PromptCache cache;
    int64_t reference_calls = 0;
    std::vector<ChatTurn> turns = {{"system", "You answer about the weather."}};
    int shortened = 0;
    for (int t = 0; t < 100; ++t) {
        turns.push_back(
            {"user", "question " + std::to_string(t) + ": will it rain in Paris on day " + std::to_string(t) + "?"});
        auto got = prepare_prompt(tmpl, *m_ctrl, turns, n_ctx, answer_room(n_ctx), &cache);
        cache.sweep();
        QVERIFY(got.ok());
        QVERIFY(got->fit.fits);
        shortened += got->fit.left_out > 0 ? 1 : 0;
        if (t % 10 == 9) {   // the reference is quadratic: every tenth turn is enough here
            const Reference ref = reference_fit(tmpl, *m_ctrl, turns, n_ctx);
            QCOMPARE(got->ids, ref.ids);
            QCOMPARE(got->fit.left_out, ref.left_out);
            reference_calls += ref.texts_tokenized;
        }
        turns.push_back({"assistant", "answer " + std::to_string(t) + ": no rain, " + std::to_string(10 + t % 20) +
                                          " degrees and a light wind from the west."});
    }
    QCOMPARE(turns.size(), size_t(201));
    QVERIFY2(shortened > 80, qPrintable(QString::number(shortened)));
    // Texts tokenized: the system message, the 100 questions, the 99 answers that were sent
    // again (the last one never was), and the template's two fixed texts ("\n", "assistant\n").
    QCOMPARE(cache.tokenizer_calls(), int64_t(1 + 100 + 99 + 2));
    // Rendering again after each drop: ten of the hundred turns alone tokenized far more.
    qInfo("rendering again after each drop tokenized %lld texts in 10 turns; the cache %lld in 100",
          (long long)reference_calls, (long long)cache.tokenizer_calls());
    QVERIFY(reference_calls > 50 * cache.tokenizer_calls());
}

// Mistral v1/v3 write the system prompt into the last question, so a question's text changes
// once when the next one comes: each question is tokenized twice (as the last one, then as an
// earlier one), each answer once.
void TestContextFit::mistralQuestionWithSystemTokenizedTwice()
{
    const auto tmpl = ChatTemplate::of_kind(ChatTemplateKind::MistralV1);
    PromptCache cache;
    std::vector<ChatTurn> turns = {{"system", "Be brief."}};
    for (int t = 0; t < 30; ++t) {
        turns.push_back({"user", "question " + std::to_string(t)});
        auto got = prepare_prompt(tmpl, *m_mistral, turns, 128, 32, &cache);
        cache.sweep();
        QVERIFY(got.ok());
        QCOMPARE(got->ids, reference_fit(tmpl, *m_mistral, turns, 128).ids);
        turns.push_back({"assistant", "answer " + std::to_string(t)});
    }
    QCOMPARE(cache.tokenizer_calls(), int64_t(30 * 2 - 1 + 29));
}

void TestContextFit::cacheForgetsWhatIsNoLongerUsed()
{
    const auto tmpl = ChatTemplate::of_kind(ChatTemplateKind::ChatML);
    PromptCache cache;
    std::vector<ChatTurn> turns = {{"user", "a"}, {"assistant", "b"}, {"user", "draft 1"}};
    QVERIFY(tmpl.apply(*m_ctrl, turns, &cache, nullptr).ok());
    cache.sweep();
    const size_t first = cache.size();
    QCOMPARE(first, size_t(5));   // 3 messages, "\n", "assistant\n"
    // The user typed on: the old draft is forgotten at the next sweep, the rest stays.
    turns.back().content = "draft 12";
    QVERIFY(tmpl.apply(*m_ctrl, turns, &cache, nullptr).ok());
    QCOMPARE(cache.tokenizer_calls(), int64_t(6));
    cache.sweep();
    QCOMPARE(cache.size(), size_t(5));
    turns.back().content = "draft 1";   // forgotten: tokenized again
    QVERIFY(tmpl.apply(*m_ctrl, turns, &cache, nullptr).ok());
    QCOMPARE(cache.tokenizer_calls(), int64_t(7));
    // Another tokenizer (another model) never gets this one's tokens.
    const auto again = tmpl.apply(*m_ctrl, turns, &cache, nullptr);
    QCOMPARE(cache.tokenizer_calls(), int64_t(7));
    auto other = Tokenizer::from_vocab(m_vocab);
    QVERIFY(other.ok());
    QVERIFY(tmpl.apply(*other, turns, &cache, nullptr).ok());
    QCOMPARE(cache.tokenizer_calls(), int64_t(12));
    QCOMPARE(again.value(), tmpl.apply(*m_ctrl, turns).value());
}

QTEST_GUILESS_MAIN(TestContextFit)
#include "tst_context_fit.moc"
