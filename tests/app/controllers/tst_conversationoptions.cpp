// A conversation's own system prompt and sampling values: what the request gets (through the
// same resolver the app gives ChatController), how they are stored, and bad stored values.
#include "appsettings.h"
#include "conversationoptions.h"
#include "conversationstore.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;

class TestConversationOptions : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<ConversationStore> m_store;
    std::unique_ptr<AppSettings> m_defaults;
    int m_created = 0;

    std::unique_ptr<ConversationOptions> makeOptions(qint64 id)
    {
        auto o = std::make_unique<ConversationOptions>(m_store.get(), m_defaults.get(), [this] {
            ++m_created;
            auto c = m_store->createConversation({});
            return c ? *c : qint64(0);
        });
        o->setConversationId(id);
        return o;
    }

    TurnSettings turnOf(qint64 id)
    {
        auto c = m_store->conversation(id);
        if (!c)
            qFatal("conversation %lld missing", id);
        return resolveTurnSettings(*m_defaults, *c);
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_store.reset();
        QFile::remove(m_dir.filePath(QStringLiteral("c.db")));
        QFile::remove(m_dir.filePath(QStringLiteral("settings.ini")));
        auto s = ConversationStore::open(m_dir.filePath(QStringLiteral("c.db")));
        QVERIFY2(s, qPrintable(s.errorString()));
        m_store = std::move(s).value();
        m_defaults = std::make_unique<AppSettings>(m_dir.filePath(QStringLiteral("settings.ini")));
        m_defaults->setSystemPrompt(QStringLiteral("Be brief."));
        m_defaults->setTemperature(0.7);
        m_defaults->setTopK(40);
        m_created = 0;
    }

    // A conversation created in a folder starts with the folder's prompt as its own; the folder
    // stays reachable from the options (its other defaults, documents, come with issue 16).
    void aFolderGivesItsPromptAndIsReachable()
    {
        const qint64 folder = m_store->createFolder(QStringLiteral("Work"), QStringLiteral("Be formal.")).value();
        NewConversation nc;
        nc.folderId = folder;
        const qint64 id = m_store->createConversation(nc).value();
        auto o = makeOptions(id);
        QCOMPARE(o->folderId(), folder);
        QVERIFY(o->customSystemPrompt());
        QCOMPARE(o->systemPrompt(), QStringLiteral("Be formal."));
        QCOMPARE(turnOf(id).systemPrompt, QStringLiteral("Be formal."));
        // Moved out: the options follow.
        QVERIFY(m_store->moveToFolder({id}, 0).ok());
        QCOMPARE(o->folderId(), 0);
        QCOMPARE(o->systemPrompt(), QStringLiteral("Be formal."));   // copied, so kept
    }

    void followsTheDefaultsUntilItHasItsOwn()
    {
        auto id = m_store->createConversation({});
        QVERIFY(id);
        auto o = makeOptions(*id);
        QVERIFY(!o->customSystemPrompt());
        QVERIFY(!o->customSampling());
        QCOMPARE(o->systemPrompt(), QStringLiteral("Be brief."));
        QCOMPARE(turnOf(*id).systemPrompt, QStringLiteral("Be brief."));
        // A change of the defaults shows at once and reaches the next request.
        QSignalSpy changed(o.get(), &ConversationOptions::changed);
        m_defaults->setTemperature(1.3);
        QVERIFY(changed.count() >= 1);
        QCOMPARE(o->temperature(), 1.3);
        QCOMPARE(turnOf(*id).generation.temperature, 1.3);
    }

    void tickedLibrariesAreStoredWithTheConversation()
    {
        auto id = m_store->createConversation({});
        QVERIFY(id);
        auto o = makeOptions(*id);
        QCOMPARE(o->libraries(), QStringList());
        o->setLibraryTicked(QStringLiteral("Contracts"), true);
        o->setLibraryTicked(QStringLiteral("Notes"), true);
        o->setLibraryTicked(QStringLiteral("Contracts"), true);   // once
        QCOMPARE(o->libraries(), (QStringList{QStringLiteral("Contracts"), QStringLiteral("Notes")}));
        QCOMPARE(m_store->conversation(*id)->settings.value("libraries").toArray(),
                 QJsonArray({QStringLiteral("Contracts"), QStringLiteral("Notes")}));
        // Sampling stays the defaults': ticking a library is not "settings of its own".
        QVERIFY(!o->customSampling());
        o->setLibraryTicked(QStringLiteral("Contracts"), false);
        auto again = makeOptions(*id);
        QCOMPARE(again->libraries(), QStringList{QStringLiteral("Notes")});
        again->setLibraries({});
        QVERIFY(!m_store->conversation(*id)->settings.contains("libraries"));
    }

    // Qwen3's thinking switch: on (unset) by default, off stored with the conversation and
    // passed to the request; a stored value that is not a boolean is ignored.
    void thinkingSwitchIsStoredAndReachesTheRequest()
    {
        auto id = m_store->createConversation({});
        QVERIFY(id);
        auto o = makeOptions(*id);
        QVERIFY(o->thinking());
        QVERIFY(!turnOf(*id).generation.thinking.has_value());
        QSignalSpy changed(o.get(), &ConversationOptions::changed);
        o->setThinking(false);
        QVERIFY(changed.count() >= 1);
        QVERIFY(!o->thinking());
        QCOMPARE(m_store->conversation(*id)->settings.value("thinking"), QJsonValue(false));
        QCOMPARE(turnOf(*id).generation.thinking, std::optional<bool>(false));
        QVERIFY(!o->customSampling());   // not "sampling of its own"
        QVERIFY(!makeOptions(*id)->thinking());
        o->setThinking(true);
        QVERIFY(!m_store->conversation(*id)->settings.contains("thinking"));
        QVERIFY(!turnOf(*id).generation.thinking.has_value());

        NewConversation nc;
        nc.settings = QJsonObject{{QStringLiteral("thinking"), QStringLiteral("no")}};
        auto odd = m_store->createConversation(nc);
        QVERIFY(odd);
        QVERIFY(!turnOf(*odd).generation.thinking.has_value());
        QVERIFY(makeOptions(*odd)->thinking());
    }

    void ownSystemPromptReachesTheRequest()
    {
        auto id = m_store->createConversation({});
        QVERIFY(id);
        auto o = makeOptions(*id);
        o->setSystemPrompt(QStringLiteral("Answer in French."));
        QVERIFY(o->customSystemPrompt());
        QCOMPARE(turnOf(*id).systemPrompt, QStringLiteral("Answer in French."));
        QCOMPARE(m_store->conversation(*id)->systemPrompt, QStringLiteral("Answer in French."));
        // "None" for this conversation while the default has one: an empty prompt of its own.
        o->setSystemPrompt(QString());
        QVERIFY(o->customSystemPrompt());
        QCOMPARE(turnOf(*id).systemPrompt, QString());
        // Back to the default.
        o->setCustomSystemPrompt(false);
        QVERIFY(!o->customSystemPrompt());
        QCOMPARE(turnOf(*id).systemPrompt, QStringLiteral("Be brief."));
        // Turning it on starts from the default text, to edit.
        o->setCustomSystemPrompt(true);
        QCOMPARE(o->systemPrompt(), QStringLiteral("Be brief."));
        m_defaults->setSystemPrompt(QStringLiteral("Changed default."));
        QCOMPARE(turnOf(*id).systemPrompt, QStringLiteral("Be brief."));   // its own copy
    }

    void ownSamplingIsFixedAtTodaysDefaultsAndBounded()
    {
        auto id = m_store->createConversation({});
        QVERIFY(id);
        auto o = makeOptions(*id);
        o->setTopK(5);
        QVERIFY(o->customSampling());
        TurnSettings t = turnOf(*id);
        QCOMPARE(t.generation.topK, 5);
        QCOMPARE(t.generation.temperature, 0.7);
        // The defaults move on; this conversation keeps the values it had when it got its own.
        m_defaults->setTemperature(1.5);
        QCOMPARE(turnOf(*id).generation.temperature, 0.7);
        QCOMPARE(o->temperature(), 0.7);
        // Out-of-range values are bounded as in the app's settings, and stored bounded.
        o->setTemperature(9.0);
        o->setTopP(-1.0);
        o->setRepeatPenalty(0.2);
        o->setSeed(-7);
        t = turnOf(*id);
        QCOMPARE(t.generation.temperature, 2.0);
        QCOMPARE(t.generation.topP, 0.01);
        QCOMPARE(t.generation.repeatPenalty, 1.0);
        QVERIFY(!t.generation.seed.has_value());
        QCOMPARE(m_store->conversation(*id)->settings.value(QStringLiteral("temperature")).toDouble(), 2.0);
        o->setSeed(42);
        QCOMPARE(turnOf(*id).generation.seed.value_or(0), quint64(42));
        // Off: back to the (current) defaults, and the stored values are gone.
        o->setCustomSampling(false);
        QVERIFY(!o->customSampling());
        QCOMPARE(turnOf(*id).generation.temperature, 1.5);
        QVERIFY(!m_store->conversation(*id)->settings.contains(QStringLiteral("topK")));
    }

    void badStoredValuesAreBoundedNotTrusted()
    {
        // A row edited by hand (or an import from elsewhere) with values no UI would allow.
        NewConversation nc;
        nc.settings = QJsonObject{{QStringLiteral("temperature"), 55.0},
                                  {QStringLiteral("topK"), -3},
                                  {QStringLiteral("minP"), QStringLiteral("lots")}};
        auto id = m_store->createConversation(nc);
        QVERIFY(id);
        const TurnSettings t = turnOf(*id);
        QCOMPARE(t.generation.temperature, 2.0);
        QCOMPARE(t.generation.topK, 0);
        QCOMPARE(t.generation.minP, m_defaults->minP());   // not a number: the default
    }

    void firstChangeInAnEmptyChatCreatesTheConversation()
    {
        auto o = makeOptions(0);
        QCOMPARE(o->systemPrompt(), QStringLiteral("Be brief."));   // shows the defaults
        QCOMPARE(m_created, 0);
        o->setTemperature(0.2);
        QCOMPARE(m_created, 1);
        QVERIFY(o->conversationId() > 0);
        QCOMPARE(turnOf(o->conversationId()).generation.temperature, 0.2);
    }

    void switchingConversationsShowsEachOnesValues()
    {
        auto a = m_store->createConversation({});
        auto b = m_store->createConversation({});
        QVERIFY(a && b);
        auto o = makeOptions(*a);
        o->setSystemPrompt(QStringLiteral("A's prompt"));
        o->setConversationId(*b);
        QVERIFY(!o->customSystemPrompt());
        QCOMPARE(o->systemPrompt(), QStringLiteral("Be brief."));
        o->setConversationId(*a);
        QCOMPARE(o->systemPrompt(), QStringLiteral("A's prompt"));
    }

    void aFailingStoreIsReportedAndNothingChanges()
    {
        // A conversation that is no longer there (deleted in another view, say).
        auto o = makeOptions(987654);
        QSignalSpy errors(o.get(), &ConversationOptions::errorOccurred);
        o->setSystemPrompt(QStringLiteral("lost?"));
        QCOMPARE(errors.count(), 1);
        QVERIFY(!errors.first().at(0).toString().isEmpty());
        QCOMPARE(m_created, 0);   // no conversation made up to hold the value
    }
};

QTEST_GUILESS_MAIN(TestConversationOptions)
#include "tst_conversationoptions.moc"
