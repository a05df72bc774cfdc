// The ConversationStore API as the app uses it: conversations, the message tree, streaming,
// search, export/import. Checked against values written by the test and against the raw file.
#include "conversationstore.h"
#include "migrations.h"
#include "storagetestutil.h"
#include "storefixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;
using storagetest::ids;

class TestConversationStore
    : public QObject
    , private storagetest::StoreFixture {
    Q_OBJECT

public:
    TestConversationStore()
        : StoreFixture(QStringLiteral("store"))
    {
    }

private:
    // A new conversation: the user's `question`, and the assistant's answer to it streaming.
    struct Exchange {
        qint64 conversation = 0, question = 0, answer = 0;
    };
    Exchange startAnswer(ConversationStore& s, const QString& question)
    {
        Exchange e;
        e.conversation = s.createConversation().value();
        e.question = append(s, e.conversation, 0, MessageRole::User, question);
        e.answer = append(s, e.conversation, e.question, MessageRole::Assistant, {}, MessageStatus::Streaming);
        return e;
    }

private Q_SLOTS:
    void connectionSettings()
    {
        QString path;
        auto store = openStore(&path);
        QVERIFY(store);
        QCOMPARE(store->journalMode(), QStringLiteral("wal"));
        QCOMPARE(store->database().queryInt("PRAGMA foreign_keys").value(), 1);
        QCOMPARE(store->database().queryInt("PRAGMA synchronous").value(), 1);   // 1 = NORMAL
        QCOMPARE(store->database().queryInt("PRAGMA user_version").value(), kSchemaVersion);
        // Every table of ours is STRICT.
        const QStringList strict =
            storagetest::rawQuery(path, "SELECT name FROM pragma_table_list WHERE strict = 1 AND schema = 'main' "
                                        "ORDER BY name");
        QCOMPARE(strict, QStringList({QStringLiteral("attachment_files"), QStringLiteral("attachments"),
                                      QStringLiteral("conversations"), QStringLiteral("folder_files"),
                                      QStringLiteral("folders"), QStringLiteral("message_sources"),
                                      QStringLiteral("messages")}));
        QVERIFY(store->backupPath().isEmpty());   // a new file has nothing to back up
    }

    void conversationsListedPinnedFirstThenByActivity()
    {
        auto store = openStore();
        QVERIFY(store);
        QList<qint64> created;
        for (int i = 0; i < 5; ++i) {
            ++m_clock;
            created << store->createConversation({QStringLiteral("c%1").arg(i), {}, {}, {}, {}}).value();
        }
        // Activity in c1 makes it the most recent; pinning c3 puts it on top regardless.
        append(*store, created[1], 0, MessageRole::User, QStringLiteral("hello"));
        QVERIFY(store->setPinned(created[3], true).ok());
        auto page = store->listConversations(0, 3);
        QVERIFY2(page.ok(), qPrintable(page.errorString()));
        QCOMPARE(page->size(), 3);
        QCOMPARE(page->at(0).id, created[3]);
        QVERIFY(page->at(0).pinned);
        QCOMPARE(page->at(1).id, created[1]);
        QCOMPARE(page->at(2).id, created[4]);
        auto rest = store->listConversations(3, 3);
        QCOMPARE(rest->size(), 2);
        QCOMPARE(rest->at(0).id, created[2]);
        QCOMPARE(rest->at(1).id, created[0]);
        QCOMPARE(store->conversationCount().value(), 5);

        QVERIFY(store->renameConversation(created[0], QStringLiteral("renamed")).ok());
        QCOMPARE(store->conversation(created[0])->title, QStringLiteral("renamed"));
        QVERIFY(!store->renameConversation(9999, QStringLiteral("x")).ok());

        QJsonObject settings{{QStringLiteral("temperature"), 0.3}, {QStringLiteral("top_p"), 0.9}};
        QVERIFY(store
                    ->setConversationOptions(created[2], QStringLiteral("remote"), QStringLiteral("mistral-small"),
                                             QStringLiteral("Be brief."), settings)
                    .ok());
        auto c = store->conversation(created[2]);
        QCOMPARE(c->backend, QStringLiteral("remote"));
        QCOMPARE(c->model, QStringLiteral("mistral-small"));
        QCOMPARE(c->systemPrompt, QStringLiteral("Be brief."));
        QCOMPARE(c->settings, settings);
    }

    void deleteCanBeUndoneForAShortWhile()
    {
        QString path;
        auto store = openStore(&path);
        QVERIFY(store);
        const qint64 a = store->createConversation({QStringLiteral("a"), {}, {}, {}, {}}).value();
        const qint64 b = store->createConversation({QStringLiteral("b"), {}, {}, {}, {}}).value();
        append(*store, b, 0, MessageRole::User, QStringLiteral("keep me safe"));
        QSignalSpy changed(store.get(), &ConversationStore::conversationsChanged);

        QVERIFY(store->deleteConversation(b).ok());
        QCOMPARE(changed.size(), 1);
        QCOMPARE(store->conversationCount().value(), 1);
        QCOMPARE(store->search(QStringLiteral("safe"))->size(), 0);   // hidden from search too
        m_clock += 5'000;
        QVERIFY(store->undoDelete(b).ok());
        QCOMPARE(store->conversationCount().value(), 2);
        QCOMPARE(store->activePath(b)->size(), 1);

        QVERIFY(store->deleteConversation(b).ok());
        m_clock += 10'001;   // past the 10 s undo window
        const auto undo = store->undoDelete(b);
        QVERIFY(!undo.ok());
        QVERIFY2(undo.errorString().contains(QLatin1String("can no longer be restored")),
                 qPrintable(undo.errorString()));
        QCOMPARE(store->purgeDeleted().value(), 1);
        QCOMPARE(storagetest::rawQuery(path, "SELECT count(*) FROM messages"), QStringList{"0"});
        QCOMPARE(storagetest::rawQuery(path, "SELECT id FROM conversations"), QStringList{QString::number(a)});
        // The full-text index followed the cascade.
        QString error;
        QVERIFY(storagetest::rawExec(path, "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')", &error));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void messageTreeBranchesAndActivePath()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 c = store->createConversation().value();
        const auto [u1, a1, u2, a2] = appendChain(*store, c, 0, {"u1", "a1", "u2", "a2"});
        QCOMPARE(ids(store->activePath(c).value()), QList<qint64>({u1, a1, u2, a2}));

        // Regenerate a2: a sibling under u2 becomes the active leaf.
        const qint64 a2b = append(*store, c, u2, MessageRole::Assistant, QStringLiteral("a2b"));
        QCOMPARE(ids(store->activePath(c).value()), QList<qint64>({u1, a1, u2, a2b}));
        QCOMPARE(store->siblings(a2b).value(), QList<qint64>({a2, a2b}));
        const auto path = store->activePath(c).value();
        QCOMPARE(path.back().siblingIndex, 1);
        QCOMPARE(path.back().siblingCount, 2);
        QCOMPARE(path.front().siblingCount, 1);

        // Edit u1: a new root; continuing there builds a second branch.
        const qint64 u1b = append(*store, c, 0, MessageRole::User, QStringLiteral("u1 edited"));
        const qint64 a1b = append(*store, c, u1b, MessageRole::Assistant, QStringLiteral("a1b"));
        QCOMPARE(store->siblings(u1).value(), QList<qint64>({u1, u1b}));
        QCOMPARE(ids(store->activePath(c).value()), QList<qint64>({u1b, a1b}));

        // Switching back to u1 follows its newest descendants (a2b, not a2).
        QSignalSpy branch(store.get(), &ConversationStore::activeBranchChanged);
        QVERIFY(store->switchBranch(u1).ok());
        QCOMPARE(branch.size(), 1);
        QCOMPARE(ids(store->activePath(c).value()), QList<qint64>({u1, a1, u2, a2b}));
        QVERIFY(store->switchBranch(a2).ok());
        QCOMPARE(ids(store->activePath(c).value()), QList<qint64>({u1, a1, u2, a2}));
        // The active branch is remembered across a reopen.
        QCOMPARE(store->conversation(c)->activeLeafId, a2);

        // A parent from another conversation is refused, with the ids named.
        const qint64 other = store->createConversation().value();
        auto bad = store->appendMessage({other, a2, MessageRole::User, QStringLiteral("x"), MessageStatus::Done, {}});
        QVERIFY(!bad.ok());
        QVERIFY2(bad.errorString().contains(QString::number(a2)), qPrintable(bad.errorString()));
        auto noConversation =
            store->appendMessage({424242, 0, MessageRole::User, QStringLiteral("x"), MessageStatus::Done, {}});
        QVERIFY(!noConversation.ok());
        QVERIFY2(noConversation.errorString().contains(QLatin1String("424242")),
                 qPrintable(noConversation.errorString()));
    }

    void streamingFinishAndStatus()
    {
        QString path;
        auto store = openStore(&path);
        QVERIFY(store);
        const auto [c, u, a] = startAnswer(*store, QStringLiteral("question"));
        QVERIFY(store->updateStreamingText(a, QStringLiteral("Par")).ok());
        QCOMPARE(storagetest::rawQuery(path, "SELECT content, status FROM messages ORDER BY id DESC LIMIT 1"),
                 QStringList{"Par|streaming"});
        QVERIFY(store->updateStreamingText(a, QStringLiteral("Paris is")).ok());

        MessageStats stats{QStringLiteral("ministral-8b"), QStringLiteral("local"), 12, 34, 210.5, 41.25,
                           QStringLiteral("stop")};
        QSignalSpy changed(store.get(), &ConversationStore::messageChanged);
        QVERIFY(store->finishMessage(a, QStringLiteral("Paris is the capital."), stats).ok());
        QCOMPARE(changed.size(), 1);
        auto m = store->message(a).value();
        QCOMPARE(m.content, QStringLiteral("Paris is the capital."));
        QCOMPARE(m.status, MessageStatus::Done);
        QCOMPARE(m.stats, stats);
        QCOMPARE(m.parentId, u);
        QCOMPARE(m.role, MessageRole::Assistant);
        // Finished messages no longer take streaming text.
        QVERIFY(!store->updateStreamingText(a, QStringLiteral("late")).ok());
        QVERIFY(!store->finishMessage(a, QStringLiteral("again"), stats).ok());

        const qint64 b = append(*store, c, u, MessageRole::Assistant, {}, MessageStatus::Streaming);
        QVERIFY(store->updateStreamingText(b, QStringLiteral("partial")).ok());
        QVERIFY(store->setStatus(b, MessageStatus::Error, QStringLiteral("HTTP 429: rate limited")).ok());
        m = store->message(b).value();
        QCOMPARE(m.status, MessageStatus::Error);
        QCOMPARE(m.errorText, QStringLiteral("HTTP 429: rate limited"));
        QCOMPARE(m.content, QStringLiteral("partial"));   // the partial answer is kept
        QVERIFY(!store->setStatus(b, MessageStatus::Streaming).ok());
        QVERIFY(!store->setStatus(777777, MessageStatus::Cancelled).ok());

        // Status text in the file is exactly the documented vocabulary.
        const qint64 d = append(*store, c, u, MessageRole::Assistant, {}, MessageStatus::Streaming);
        QVERIFY(store->setStatus(d, MessageStatus::Cancelled).ok());
        QCOMPARE(storagetest::rawQuery(path, "SELECT DISTINCT status FROM messages ORDER BY status"),
                 QStringList({"cancelled", "done", "error"}));
    }

    void reasoningIsKeptForAssistantMessages()
    {
        QString path;
        qint64 u = 0, a = 0, b = 0;
        const QString thinking = QStringLiteral("The user asks for a capital.\nFrance → Paris. ✓");
        {
            auto store = openStore(&path);
            QVERIFY(store);
            const Exchange e = startAnswer(*store, QStringLiteral("Capital of France?"));
            const qint64 c = e.conversation;
            u = e.question;
            a = e.answer;
            QCOMPARE(store->message(a)->reasoning, QString());   // none until the model thinks

            QSignalSpy changed(store.get(), &ConversationStore::messageChanged);
            QSignalSpy conversations(store.get(), &ConversationStore::conversationsChanged);
            QSignalSpy added(store.get(), &ConversationStore::messageAdded);
            QVERIFY(store->setReasoning(a, QStringLiteral("The user")).ok());
            QCOMPARE(storagetest::rawQuery(path, "SELECT reasoning, content, status FROM messages "
                                                 "ORDER BY id DESC LIMIT 1"),
                     QStringList{"The user||streaming"});
            QVERIFY(store->setReasoning(a, thinking).ok());   // replaces, does not append
            QVERIFY(store->updateStreamingText(a, QStringLiteral("Par")).ok());
            QCOMPARE(changed.size() + conversations.size() + added.size(), 0);   // like streaming text
            QCOMPARE(store->message(a)->reasoning, thinking);
            QCOMPARE(store->message(a)->content, QStringLiteral("Par"));

            QVERIFY(store->finishMessage(a, QStringLiteral("Paris."), {}).ok());
            QCOMPARE(store->message(a)->reasoning, thinking);   // finishing keeps it

            // Any status: a stopped answer gets its last flush after setStatus too.
            b = append(*store, c, u, MessageRole::Assistant, {}, MessageStatus::Streaming);
            QVERIFY(store->setStatus(b, MessageStatus::Cancelled).ok());
            QVERIFY(store->setReasoning(b, QStringLiteral("Hmm")).ok());
            QVERIFY(store->setReasoning(a, thinking + QStringLiteral(" (final)")).ok());   // done
            QVERIFY(store->switchBranch(a).ok());
            const auto path1 = store->activePath(c).value();
            QCOMPARE(path1.size(), 2);
            QCOMPARE(path1[0].reasoning, QString());
            QCOMPARE(path1[1].reasoning, thinking + QStringLiteral(" (final)"));
            QCOMPARE(path1[1].siblingIndex, 0);   // the sibling columns still line up after it
            QCOMPARE(path1[1].siblingCount, 2);

            // Search finds what was said, not the model's scratch work.
            QCOMPARE(store->search(QStringLiteral("Hmm"))->size(), 0);
            QCOMPARE(store->search(QStringLiteral("asks"))->size(), 0);
            QCOMPARE(store->search(QStringLiteral("Paris"))->size(), 1);
        }
        // Durable: a new connection reads it back.
        auto reopened = ConversationStore::open(path);
        QVERIFY2(reopened.ok(), qPrintable(reopened.errorString()));
        auto& store = *reopened.value();
        QCOMPARE(store.message(a)->reasoning, thinking + QStringLiteral(" (final)"));
        QCOMPARE(store.message(b)->reasoning, QStringLiteral("Hmm"));
        QCOMPARE(store.message(b)->status, MessageStatus::Cancelled);

        // Only answers think: a user (or system) message is refused and left as it was.
        auto onUser = store.setReasoning(u, QStringLiteral("x"));
        QVERIFY(!onUser.ok());
        QVERIFY2(onUser.errorString().contains(QStringLiteral("Message %1 is a user message").arg(u)),
                 qPrintable(onUser.errorString()));
        QCOMPARE(store.message(u)->reasoning, QString());
        const qint64 sys = store
                               .appendMessage({store.message(u)->conversationId,
                                               0,
                                               MessageRole::System,
                                               QStringLiteral("Be terse."),
                                               MessageStatus::Done,
                                               {}})
                               .value();
        auto onSystem = store.setReasoning(sys, QStringLiteral("x"));
        QVERIFY(!onSystem.ok());
        QVERIFY2(onSystem.errorString().contains(QLatin1String("system message")), qPrintable(onSystem.errorString()));
        auto unknown = store.setReasoning(987654, QStringLiteral("x"));
        QVERIFY(!unknown.ok());
        QVERIFY2(unknown.errorString().contains(QLatin1String("no message with id 987654")),
                 qPrintable(unknown.errorString()));
        QCOMPARE(storagetest::rawQuery(path, "SELECT count(*) FROM messages WHERE reasoning <> ''"), QStringList{"2"});
    }

    void reopenMarksStreamingInterrupted()
    {
        QString path;
        qint64 a = 0;
        {
            auto store = openStore(&path);
            QVERIFY(store);
            a = startAnswer(*store, QStringLiteral("q")).answer;
            QVERIFY(store->updateStreamingText(a, QStringLiteral("half an ans")).ok());
        }
        auto store = ConversationStore::open(path);
        QVERIFY(store.ok());
        QCOMPARE(store.value()->recoveredMessages(), 1);
        auto m = store.value()->message(a).value();
        QCOMPARE(m.status, MessageStatus::Interrupted);
        QCOMPARE(m.content, QStringLiteral("half an ans"));
    }

    void searchMarksMatchesAndIgnoresSyntax()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 c1 = store->createConversation({QStringLiteral("Travel"), {}, {}, {}, {}}).value();
        const qint64 c2 = store->createConversation({QStringLiteral("Cooking"), {}, {}, {}, {}}).value();
        const qint64 m1 = append(*store, c1, 0, MessageRole::User, QStringLiteral("What is the capital of France?"));
        append(*store, c2, 0, MessageRole::User, QStringLiteral("A recipe for crêpes, please"));
        const qint64 m3 =
            append(*store, c2, 0, MessageRole::User, QStringLiteral("Is <b>France</b> known for crepes?"));

        auto hits = store->search(QStringLiteral("france"));
        QVERIFY2(hits.ok(), qPrintable(hits.errorString()));
        QCOMPARE(hits->size(), 2);
        QCOMPARE(hits->at(0).messageId, m3);   // newest first
        QCOMPARE(hits->at(1).messageId, m1);
        QCOMPARE(hits->at(1).conversationId, c1);
        QCOMPARE(hits->at(1).conversationTitle, QStringLiteral("Travel"));
        QCOMPARE(hits->at(1).snippet, QStringLiteral("What is the capital of France?"));
        QCOMPARE(hits->at(1).matches, (QList<QPair<int, int>>{{23, 6}}));
        // Stored markup is escaped; only the match is bold.
        QCOMPARE(hits->at(0).snippetHtml(), QStringLiteral("Is &lt;b&gt;<b>France</b>&lt;/b&gt; known for crepes?"));

        // Diacritics folded, last word is a prefix.
        QCOMPARE(store->search(QStringLiteral("crepe"))->size(), 2);
        QCOMPARE(store->search(QStringLiteral("capital fra"))->size(), 1);
        QCOMPARE(store->search(QStringLiteral("capital fra "))->size(), 0);   // "fra" complete word

        // What users type is never FTS syntax.
        for (const char* typed : {"\"france", "AND OR", "*", "NEAR(", "france\"", "-france", "content:france",
                                  "^france", "(", "\"\"", "", "   ", "NOT"}) {
            auto r = store->search(QString::fromUtf8(typed));
            QVERIFY2(r.ok(), qPrintable(QStringLiteral("%1: %2").arg(typed, r.errorString())));
        }
        QCOMPARE(store->search(QStringLiteral("\"france"))->size(), 2);
        QCOMPARE(store->search(QStringLiteral("AND OR"))->size(), 0);
        QCOMPARE(ftsQueryFromUserText(QStringLiteral("a\"b cap"), false), QStringLiteral("\"a\"\"b\" \"cap\""));
        QCOMPARE(ftsQueryFromUserText(QStringLiteral("a\"b cap"), true), QStringLiteral("\"a\"\"b\" \"cap\"*"));
        QCOMPARE(ftsQueryFromUserText(QStringLiteral("a\"b ca"), true), QStringLiteral("\"a\"\"b\" \"ca\""));

        // Whole words before completions, even when the completion is newer.
        const qint64 m4 = append(*store, c1, m1, MessageRole::Assistant, QStringLiteral("Capitalism aside: Paris."));
        auto capital = store->search(QStringLiteral("capital")).value();
        QCOMPARE(capital.size(), 2);
        QCOMPARE(capital[0].messageId, m1);
        QCOMPARE(capital[1].messageId, m4);
        QCOMPARE(capital[1].matches, (QList<QPair<int, int>>{{0, 10}}));
        QCOMPARE(store->search(QStringLiteral("capital"), 1)->size(), 1);
    }

    void exportMarkdown()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 c = store
                             ->createConversation(
                                 {QStringLiteral("Capitals"), QStringLiteral("local"), QStringLiteral("tiny"), {}, {}})
                             .value();
        const qint64 u = append(*store, c, 0, MessageRole::User, QStringLiteral("Capital of France?"));
        const qint64 a = append(*store, c, u, MessageRole::Assistant, {}, MessageStatus::Streaming);
        QVERIFY(store->setReasoning(a, QStringLiteral("France's capital:\n\n- Paris")).ok());
        QVERIFY(store
                    ->finishMessage(
                        a, QStringLiteral("**Paris**."),
                        {QStringLiteral("tiny"), QStringLiteral("local"), 5, 3, 12.0, 30.0, QStringLiteral("stop")})
                    .ok());
        append(*store, c, u, MessageRole::Assistant, QStringLiteral("Lyon"), MessageStatus::Done);
        QVERIFY(store->switchBranch(a).ok());   // the export follows the active branch only
        QCOMPARE(store->exportMarkdown(c).value(),
                 QStringLiteral("# Capitals\n\n_Model: tiny (local)_\n\n"
                                "## User\n\nCapital of France?\n\n"
                                "## Assistant\n\n"
                                "<details><summary>Thinking</summary>\n\n"
                                "France's capital:\n\n- Paris\n\n"
                                "</details>\n\n"
                                "**Paris**.\n\n"
                                "_tiny · 3 tokens · 30.0 tok/s · 12 ms to first token_\n\n"));
        // A closing tag inside the thinking does not end the fold.
        QVERIFY(store->setReasoning(a, QStringLiteral("a </details> b")).ok());
        const QString md = store->exportMarkdown(c).value();
        QVERIFY2(md.contains(QLatin1String("\n\na &lt;/details&gt; b\n\n</details>\n\n**Paris**.")), qPrintable(md));
        QCOMPARE(md.count(QLatin1String("</details>")), 1);
        // Without reasoning, no empty fold.
        QVERIFY(store->setReasoning(a, {}).ok());
        QVERIFY(!store->exportMarkdown(c)->contains(QLatin1String("<details>")));
    }

    void jsonRoundTripIsExact()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 c = store
                             ->createConversation({QStringLiteral("Round trip ✓"), QStringLiteral("remote"),
                                                   QStringLiteral("mistral-large"), QStringLiteral("You are terse."),
                                                   QJsonObject{{QStringLiteral("temperature"), 0.7},
                                                               {QStringLiteral("max_tokens"), 512}}})
                             .value();
        QVERIFY(store->setPinned(c, true).ok());
        const qint64 u = append(*store, c, 0, MessageRole::User,
                                QStringLiteral("Line 1\nLine 2 \"quoted\" \\ tab\t end ") + QChar(0) +
                                    QStringLiteral(" after NUL 😀"));
        const qint64 a = append(*store, c, u, MessageRole::Assistant, {}, MessageStatus::Streaming);
        const QString thinking =
            QStringLiteral("Step 1: \"quote\" \\ tab\t\nStep 2: 🤔 ") + QChar(0) + QStringLiteral(" end");
        QVERIFY(store->setReasoning(a, thinking).ok());
        QVERIFY(store
                    ->finishMessage(a, QStringLiteral("answer"),
                                    {QStringLiteral("mistral-large"), QStringLiteral("remote"), 17, 2, 123.456789,
                                     0.1 + 0.2, QStringLiteral("length")})
                    .ok());
        const qint64 b = append(*store, c, u, MessageRole::Assistant, {}, MessageStatus::Streaming);
        QVERIFY(store->setStatus(b, MessageStatus::Error, QStringLiteral("HTTP 500")).ok());
        QVERIFY(store->switchBranch(a).ok());

        const QByteArray json = store->exportJson(c).value();
        const QJsonObject root = QJsonDocument::fromJson(json).object();
        QCOMPARE(root.value(QLatin1String("messages")).toArray().size(), 3);
        QCOMPARE(root.value(QLatin1String("active_leaf")).toInt(), 2);
        const QJsonArray exported = root.value(QLatin1String("messages")).toArray();
        QCOMPARE(exported[1].toObject().value(QLatin1String("reasoning")).toString(), thinking);
        // Written only where there is some (the user message and the failed answer have none).
        QVERIFY(!exported[0].toObject().contains(QLatin1String("reasoning")));
        QVERIFY(!exported[2].toObject().contains(QLatin1String("reasoning")));

        auto imported = store->importJson(json);
        QVERIFY2(imported.ok(), qPrintable(imported.errorString()));
        QVERIFY(imported.value() != c);
        QCOMPARE(store->exportJson(imported.value()).value(), json);
        // The import is searchable and keeps the active branch.
        QCOMPARE(store->search(QStringLiteral("NUL"))->size(), 2);
        const auto path = store->activePath(imported.value()).value();
        QCOMPARE(path.size(), 2);
        QCOMPARE(path[1].content, QStringLiteral("answer"));
        QCOMPARE(path[1].reasoning, thinking);
        QCOMPARE(path[0].reasoning, QString());
        QCOMPARE(path[1].stats.tokensPerSecond, std::optional<double>(0.1 + 0.2));
        QCOMPARE(path[0].content, store->message(u)->content);
    }

    // "3,012 tokens, 3,000 from cache": the cached count is stored with the answer, read back,
    // exported only when known, and imported again.
    void cachedTokensAreStoredExportedAndImported()
    {
        QString file;
        auto store = openStore(&file);
        QVERIFY(store);
        const auto [c, u, a] = startAnswer(*store, QStringLiteral("question"));
        MessageStats stats{QStringLiteral("SmolLM2"), QStringLiteral("local"), 3012, 20, 80.0, 30.0,
                           QStringLiteral("stop")};
        stats.cachedTokens = 3000;
        QVERIFY(store->finishMessage(a, QStringLiteral("answer"), stats).ok());
        QCOMPARE(store->message(a)->stats.cachedTokens, std::optional<qint64>(3000));
        QCOMPARE(storagetest::rawQuery(file, "SELECT prompt_tokens, cached_tokens FROM messages ORDER BY id"),
                 QStringList({"NULL|NULL", "3012|3000"}));
        // Appended with its statistics (an import path, a test): kept too.
        NewMessage withStats{c, a, MessageRole::Assistant, QStringLiteral("again"), MessageStatus::Done, stats};
        withStats.stats.cachedTokens = 7;
        const qint64 b = store->appendMessage(withStats).value();
        QCOMPARE(store->message(b)->stats.cachedTokens, std::optional<qint64>(7));

        const QJsonArray exported =
            QJsonDocument::fromJson(store->exportJson(c).value()).object().value(QLatin1String("messages")).toArray();
        QCOMPARE(exported.size(), 3);
        QVERIFY(!exported[0].toObject().contains(QLatin1String("cached_tokens")));   // unknown: not written
        QCOMPARE(exported[1].toObject().value(QLatin1String("cached_tokens")).toInteger(), 3000);
        QCOMPARE(exported[2].toObject().value(QLatin1String("cached_tokens")).toInteger(), 7);
        const QByteArray json = store->exportJson(c).value();
        auto imported = store->importJson(json);
        QVERIFY2(imported.ok(), qPrintable(imported.errorString()));
        QCOMPARE(store->exportJson(imported.value()).value(), json);

        // Not a whole number: refused, saying which field.
        QByteArray bad = json;
        bad.replace("\"cached_tokens\": 3000", "\"cached_tokens\": \"3000\"");
        QVERIFY(bad != json);
        auto refused = store->importJson(bad);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.errorString().contains(QLatin1String("messages[1].cached_tokens must be a whole number")),
                 qPrintable(refused.errorString()));
    }
};

QTEST_GUILESS_MAIN(TestConversationStore)
#include "tst_conversationstore.moc"
