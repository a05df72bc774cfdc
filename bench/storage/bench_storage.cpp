// Conversation store benchmark: builds a database of 10,000 conversations and 1,000,000
// messages (one transaction, prepared statements), then times what the app does most and
// prints a table. A program, not a test:
//   bench_storage [--conversations N] [--messages M] [--db PATH] [--keep]
// With --db PATH of an existing file of the right size the generation step is skipped.
#include "conversationstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace causerie::storage;

namespace {

// A pronounceable vocabulary; word i is drawn with probability ~ 1/(i+1) (Zipf-like), so
// the benchmark can search a common, a middling and a rare word.
QStringList makeVocabulary(int size)
{
    static const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa",
                                      "do", "fe", "gu", "hi", "ja", "be", "co", "du", "el", "or"};
    QStringList words;
    for (int i = 0; i < size; ++i) {
        QString w;
        int n = i + 20;
        while (n > 0) {
            w += QLatin1String(syllables[n % 20]);
            n /= 20;
        }
        words << w;
    }
    return words;
}

struct Timing {
    QString name;
    int runs = 0;
    double medianMs = 0, p95Ms = 0, maxMs = 0;
    double targetMs = 0;
    QString note;
};

Timing summarize(const QString& name, std::vector<double> samples, double targetMs, const QString& note = {})
{
    std::sort(samples.begin(), samples.end());
    Timing t;
    t.name = name;
    t.runs = int(samples.size());
    t.medianMs = samples[samples.size() / 2];
    t.p95Ms = samples[std::min(samples.size() - 1, size_t(std::ceil(samples.size() * 0.95)) - 1)];
    t.maxMs = samples.back();
    t.targetMs = targetMs;
    t.note = note;
    return t;
}

template <class F>
std::vector<double> measure(int runs, F&& f)
{
    std::vector<double> samples;
    QElapsedTimer timer;
    for (int i = 0; i < runs; ++i) {
        timer.start();
        f();
        samples.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    return samples;
}

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "bench_storage: %s\n", qPrintable(what));
    std::exit(1);
}

template <class T>
T check(StoreResult<T> r, const char* what)
{
    if (!r)
        die(QStringLiteral("%1: %2").arg(QLatin1String(what), r.errorString()));
    return std::move(r).value();
}

void generate(ConversationStore& store, int conversations, qint64 messages, const QStringList& vocab)
{
    Database& db = store.database();
    // Building a throwaway file: no journal, no syncs, a big cache. The app's settings (WAL,
    // synchronous=NORMAL) are restored before anything is timed.
    check(db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144"), "bulk settings");
    Database::Transaction tx(db);
    check(tx.begin(), "begin");
    QRandomGenerator rng(42);
    // Inverse-CDF table for the Zipf-like draw.
    std::vector<double> cdf(size_t(vocab.size()));
    double sum = 0;
    for (int i = 0; i < vocab.size(); ++i)
        cdf[size_t(i)] = (sum += 1.0 / (i + 1));
    auto word = [&] {
        const double u = rng.generateDouble() * sum;
        return vocab[int(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin())];
    };
    qint64 t = 1'600'000'000'000;
    // Conversation 1 holds 200 messages (the one the benchmark opens); the rest share the others.
    const qint64 others = (messages - 200) / (conversations - 1);
    qint64 remainder = (messages - 200) % (conversations - 1);
    qint64 written = 0;
    for (int c = 0; c < conversations; ++c) {
        const qint64 count = c == 0 ? 200 : others + (remainder-- > 0 ? 1 : 0);
        {
            auto st = check(db.prepare("INSERT INTO conversations (title, created_at, updated_at, "
                                       "backend, model, settings_json) VALUES (?1, ?2, ?2, 'local', "
                                       "'mistral-7b-instruct', '{\"temperature\":0.7}')"),
                            "prepare");
            st.bind(1, QStringLiteral("%1 %2 %3").arg(word(), word(), word())).bind(2, t);
            check(st.run(), "insert conversation");
        }
        const qint64 conversationId = db.lastInsertRowId();
        qint64 parent = 0;
        for (qint64 m = 0; m < count; ++m) {
            auto st = check(db.prepare("INSERT INTO messages (conversation_id, parent_id, role, "
                                       "content, status, created_at, updated_at, completion_tokens) "
                                       "VALUES (?1, ?2, ?3, ?4, 'done', ?5, ?5, ?6)"),
                            "prepare");
            QString text;
            const int words = 8 + int(rng.bounded(24));
            for (int w = 0; w < words; ++w)
                text += word() + QLatin1Char(' ');
            st.bind(1, conversationId);
            if (parent)
                st.bind(2, parent);
            else
                st.bindNull(2);
            st.bind(3, QString::fromLatin1(m % 2 ? "assistant" : "user")).bind(4, text).bind(5, ++t);
            if (m % 2)
                st.bind(6, qint64(words * 2));
            else
                st.bindNull(6);
            check(st.run(), "insert message");
            parent = db.lastInsertRowId();
        }
        {
            auto st = check(db.prepare("UPDATE conversations SET active_leaf_id = ?2, updated_at = ?3 WHERE id = ?1"),
                            "prepare");
            check(st.bind(1, conversationId).bind(2, parent).bind(3, t).run(), "leaf");
        }
        written += count;
        if (c % 1000 == 999)
            std::fprintf(stderr, "  generated %d conversations, %lld messages\n", c + 1, written);
    }
    check(tx.commit(), "commit");
    check(db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000"), "app settings");
}

}   // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Conversation store benchmark"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("conversations"), QStringLiteral("Conversations to generate."),
                      QStringLiteral("n"), QStringLiteral("10000")});
    parser.addOption({QStringLiteral("messages"), QStringLiteral("Messages to generate."), QStringLiteral("n"),
                      QStringLiteral("1000000")});
    parser.addOption(
        {QStringLiteral("db"), QStringLiteral("Database file (kept; reused if it exists)."), QStringLiteral("path")});
    parser.process(app);
    const int conversations = parser.value(QStringLiteral("conversations")).toInt();
    const qint64 messages = parser.value(QStringLiteral("messages")).toLongLong();
    if (conversations < 2 || messages < 200 + conversations)
        die(QStringLiteral("need at least 2 conversations and 200 + conversations messages"));

    QTemporaryDir tmp;
    const QString path = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                            : tmp.filePath(QStringLiteral("bench.db"));
    const QStringList vocab = makeVocabulary(5000);
    QElapsedTimer timer;
    timer.start();
    double generateSeconds = 0;
    {
        auto store = check(ConversationStore::open(path), "open");
        const qint64 existing = check(store->database().queryInt("SELECT count(*) FROM messages"), "count");
        if (existing == 0) {
            std::fprintf(stderr, "generating %d conversations, %lld messages into %s\n", conversations, messages,
                         qPrintable(path));
            generate(*store, conversations, messages, vocab);
            generateSeconds = double(timer.elapsed()) / 1000.0;
        } else if (existing != messages) {
            die(QStringLiteral("%1 holds %2 messages, not %3").arg(path).arg(existing).arg(messages));
        }
    }
    const double fileMiB = double(QFile(path).size()) / (1024.0 * 1024.0);

    std::vector<Timing> rows;
    std::unique_ptr<ConversationStore> store;
    rows.push_back(summarize(QStringLiteral("open the database"),
                             measure(20,
                                     [&] {
                                         store.reset();
                                         store = check(ConversationStore::open(path), "open");
                                     }),
                             100, QStringLiteral("close + open: schema check, recovery, purge")));
    rows.push_back(summarize(QStringLiteral("list first page (50)"),
                             measure(200,
                                     [&] {
                                         if (check(store->listConversations(0, 50), "list").size() != 50)
                                             die(QStringLiteral("short page"));
                                     }),
                             5));
    rows.push_back(summarize(QStringLiteral("open conversation (200 messages)"),
                             measure(200,
                                     [&] {
                                         if (check(store->activePath(1), "path").size() != 200)
                                             die(QStringLiteral("conversation 1 should have 200 messages"));
                                     }),
                             5));
    // Word ranks 1, 100 and 3000 of the Zipf vocabulary: very common, middling, rare.
    for (int rank : {0, 99, 2999}) {
        const QString w = vocab[rank];
        int hits = 0;
        auto samples = measure(30, [&] { hits = int(check(store->search(w, 50), "search").size()); });
        rows.push_back(summarize(QStringLiteral("search \"%1\" (word rank %2)").arg(w).arg(rank + 1), samples, 50,
                                 QStringLiteral("%1 hits shown (limit 50)").arg(hits)));
    }
    // Search as you type: a 3-letter prefix that no whole word matches, so the prefix
    // completion (merging every matching word's postings) runs.
    {
        const QString typed = vocab[0].left(3);
        int hits = 0;
        auto samples = measure(10, [&] { hits = int(check(store->search(typed, 50), "search").size()); });
        rows.push_back(summarize(QStringLiteral("search prefix \"%1\" (typing)").arg(typed), samples, 50,
                                 QStringLiteral("%1 hits shown; completes the last word").arg(hits)));
    }
    qint64 parent = check(store->conversation(1), "conversation").activeLeafId;
    rows.push_back(summarize(QStringLiteral("append a message"),
                             measure(200,
                                     [&] {
                                         parent = check(store->appendMessage(
                                                            {1,
                                                             parent,
                                                             MessageRole::User,
                                                             QStringLiteral("one more question about %1").arg(vocab[7]),
                                                             MessageStatus::Done,
                                                             {}}),
                                                        "append");
                                     }),
                             5, QStringLiteral("one transaction: insert + FTS + conversation activity")));
    const qint64 streaming =
        check(store->appendMessage({1, parent, MessageRole::Assistant, {}, MessageStatus::Streaming, {}}), "append");
    QString text;
    rows.push_back(summarize(QStringLiteral("update a streaming message"),
                             measure(200,
                                     [&] {
                                         text += QStringLiteral("%1 %2 ").arg(vocab[3], vocab[40]);
                                         check(store->updateStreamingText(streaming, text), "update");
                                     }),
                             5, QStringLiteral("text grows to %1 chars").arg(200 * 16)));

    std::printf(
        "\nConversation store, %d conversations, %lld messages, file %.0f MiB%s\n\n", conversations, messages, fileMiB,
        generateSeconds > 0 ? qPrintable(QStringLiteral(", generated in %1 s").arg(generateSeconds, 0, 'f', 1)) : "");
    std::printf("| operation | runs | median ms | p95 ms | max ms | target ms | ok | note |\n");
    std::printf("|---|---:|---:|---:|---:|---:|:-:|---|\n");
    bool allOk = true;
    for (const Timing& t : rows) {
        const bool ok = t.p95Ms <= t.targetMs;
        allOk = allOk && ok;
        std::printf("| %s | %d | %.3f | %.3f | %.3f | %.0f | %s | %s |\n", qPrintable(t.name), t.runs, t.medianMs,
                    t.p95Ms, t.maxMs, t.targetMs, ok ? "yes" : "NO", qPrintable(t.note));
    }
    std::printf("\n(ok = p95 within target)\n");
    return allOk ? 0 : 2;
}
