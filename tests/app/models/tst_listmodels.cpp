// ConversationListModel and MessageListModel under QAbstractItemModelTester, driven through
// the store the way the app drives them.
#include "conversationlistmodel.h"
#include "conversationstore.h"
#include "messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace causerie::storage;

class TestListModels : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_index = 0;
    qint64 m_clock = 1'700'000'000'000;

    std::unique_ptr<ConversationStore> openStore()
    {
        StoreOptions options;
        options.clock = [this] { return ++m_clock; };   // strictly increasing activity times
        auto store = ConversationStore::open(m_dir.filePath(QStringLiteral("m%1.db").arg(++m_index)), options);
        return store ? std::move(store).value() : nullptr;
    }

    static QStringList titles(const QAbstractItemModel& model)
    {
        QStringList out;
        for (int r = 0; r < model.rowCount(); ++r)
            out << model.index(r, 0).data(ConversationListModel::TitleRole).toString();
        return out;
    }

    static QStringList contents(const QAbstractItemModel& model)
    {
        QStringList out;
        for (int r = 0; r < model.rowCount(); ++r)
            out << model.index(r, 0).data(MessageListModel::ContentRole).toString();
        return out;
    }

private Q_SLOTS:
    void conversationListPagesAndFollowsTheStore()
    {
        auto store = openStore();
        QVERIFY(store);
        for (int i = 0; i < 7; ++i)
            QVERIFY(store->createConversation({QStringLiteral("c%1").arg(i), {}, {}, {}, {}}).ok());
        ConversationListModel model(store.get(), 3);
        QCOMPARE(titles(model), QStringList({"c6", "c5", "c4"}));   // newest activity first
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QCOMPARE(model.rowCount(), 6);
        // The tester itself calls fetchMore(), so it is attached after the paging checks.
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchMore({});
        QCOMPARE(model.rowCount(), 7);
        QCOMPARE(titles(model).back(), QStringLiteral("c0"));
        QVERIFY(!model.canFetchMore({}));
        QCOMPARE(model.roleNames().value(ConversationListModel::TitleRole), QByteArray("title"));

        // Rename keeps the order: rows change in place.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        const qint64 c2 = model.conversationIdAt(4);
        QVERIFY(store->renameConversation(c2, QStringLiteral("renamed")).ok());
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1);   // only the renamed row: the other delegates are left alone
        QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 4);
        QCOMPARE(model.index(4, 0).data(ConversationListModel::TitleRole).toString(), QStringLiteral("renamed"));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);

        // Pin and activity reorder; delete hides; undo restores.
        QVERIFY(store->setPinned(model.conversationIdAt(6), true).ok());
        QCOMPARE(titles(model).first(), QStringLiteral("c0"));
        QVERIFY(model.index(0, 0).data(ConversationListModel::PinnedRole).toBool());
        QVERIFY(store->appendMessage({c2, 0, MessageRole::User, QStringLiteral("hi"), MessageStatus::Done, {}}).ok());
        QCOMPARE(titles(model).mid(0, 2), QStringList({"c0", "renamed"}));
        // Pinning and new activity moved rows: no row was inserted or removed to do it.
        QVERIFY(moved.size() >= 2);
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(removed.size(), 0);
        QVERIFY(store->deleteConversation(c2).ok());
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(removed.size(), 1);
        QVERIFY(!titles(model).contains(QStringLiteral("renamed")));
        QVERIFY(store->undoDelete(c2).ok());
        // The reload keeps the 6 rows the view had; the 7th comes with the next page, as a view
        // would fetch it.
        QCOMPARE(model.rowCount(), 6);
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QCOMPARE(model.rowCount(), 7);
        QCOMPARE(model.index(1, 0).data(ConversationListModel::IdRole).toLongLong(), c2);

        // A new conversation is one row inserted at the top (after the pinned one).
        inserted.clear();
        auto fresh = store->createConversation({QStringLiteral("new"), {}, {}, {}, {}});
        QVERIFY(fresh.ok());
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 1);
        QCOMPARE(model.conversationIdAt(1), *fresh);
        QCOMPARE(reset.size(), 0);
    }

    void messageListFollowsAChatTurn()
    {
        auto store = openStore();
        QVERIFY(store);
        const qint64 c = store->createConversation().value();
        MessageListModel model(store.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy idChanged(&model, &MessageListModel::conversationIdChanged);
        model.setConversationId(c);
        QCOMPARE(idChanged.size(), 1);
        QCOMPARE(model.rowCount(), 0);

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        const qint64 u =
            store->appendMessage({c, 0, MessageRole::User, QStringLiteral("Hello?"), MessageStatus::Done, {}}).value();
        const qint64 a = store->appendMessage({c, u, MessageRole::Assistant, {}, MessageStatus::Streaming, {}}).value();
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(1, 0).data(MessageListModel::StatusRole).toString(), QStringLiteral("streaming"));
        QCOMPARE(model.index(1, 0).data(MessageListModel::AuthorRole).toString(), QStringLiteral("assistant"));

        // Streaming text shows at once, without the database.
        QVERIFY(model.setStreamingText(a, QStringLiteral("Hi")));
        QCOMPARE(model.index(1, 0).data(MessageListModel::ContentRole).toString(), QStringLiteral("Hi"));
        QVERIFY(!model.setStreamingText(999, QStringLiteral("nope")));

        QVERIFY(store
                    ->finishMessage(
                        a, QStringLiteral("Hi there."),
                        {QStringLiteral("tiny"), QStringLiteral("local"), 4, 3, 50.0, 20.0, QStringLiteral("stop")})
                    .ok());
        const QModelIndex answer = model.index(1, 0);
        QCOMPARE(answer.data(MessageListModel::ContentRole).toString(), QStringLiteral("Hi there."));
        QCOMPARE(answer.data(MessageListModel::StatusRole).toString(), QStringLiteral("done"));
        QCOMPARE(answer.data(MessageListModel::CompletionTokensRole).toLongLong(), 3);
        QCOMPARE(answer.data(MessageListModel::TokensPerSecondRole).toDouble(), 20.0);
        QVERIFY(!model.index(0, 0).data(MessageListModel::TtftMsRole).isValid());   // user: no stats

        // Regenerate: a sibling replaces the answer in the view.
        const qint64 b =
            store->appendMessage({c, u, MessageRole::Assistant, QStringLiteral("Hello."), MessageStatus::Done, {}})
                .value();
        QCOMPARE(contents(model), QStringList({"Hello?", "Hello."}));
        QCOMPARE(model.index(1, 0).data(MessageListModel::SiblingIndexRole).toInt(), 1);
        QCOMPARE(model.index(1, 0).data(MessageListModel::SiblingCountRole).toInt(), 2);
        QVERIFY(store->switchBranch(a).ok());
        QCOMPARE(contents(model), QStringList({"Hello?", "Hi there."}));
        QCOMPARE(model.index(1, 0).data(MessageListModel::IdRole).toLongLong(), a);

        QVERIFY(store->setStatus(b, MessageStatus::Error, QStringLiteral("boom")).ok());   // not shown: no change
        QCOMPARE(model.index(1, 0).data(MessageListModel::StatusRole).toString(), QStringLiteral("done"));

        // Another conversation's messages do not show up here.
        const qint64 other = store->createConversation().value();
        QVERIFY(
            store->appendMessage({other, 0, MessageRole::User, QStringLiteral("elsewhere"), MessageStatus::Done, {}})
                .ok());
        QCOMPARE(model.rowCount(), 2);
        model.setConversationId(other);
        QCOMPARE(contents(model), QStringList({"elsewhere"}));
    }

    void messageListShowsReasoning()
    {
        // Appended last: the role numbers QML and older code use did not move.
        QCOMPARE(int(MessageListModel::ErrorTextRole), Qt::UserRole + 16);
        QCOMPARE(int(MessageListModel::ReasoningRole), Qt::UserRole + 17);

        auto store = openStore();
        QVERIFY(store);
        const qint64 c = store->createConversation().value();
        const qint64 u =
            store->appendMessage({c, 0, MessageRole::User, QStringLiteral("2+2?"), MessageStatus::Done, {}}).value();
        const qint64 a = store->appendMessage({c, u, MessageRole::Assistant, {}, MessageStatus::Streaming, {}}).value();
        MessageListModel model(store.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setConversationId(c);
        QCOMPARE(model.roleNames().value(MessageListModel::ReasoningRole), QByteArray("reasoning"));
        QCOMPARE(model.index(1, 0).data(MessageListModel::ReasoningRole).toString(), QString());

        // Streaming reasoning: in memory only, one row, one role.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(model.setStreamingReasoning(a, QStringLiteral("Two plus two")));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 1);
        QCOMPARE(changed.first().at(1).value<QModelIndex>().row(), 1);
        QCOMPARE(changed.first().at(2).value<QList<int>>(), QList<int>{MessageListModel::ReasoningRole});
        QCOMPARE(model.index(1, 0).data(MessageListModel::ReasoningRole).toString(), QStringLiteral("Two plus two"));
        QCOMPARE(model.index(1, 0).data(MessageListModel::ContentRole).toString(), QString());
        QCOMPARE(store->message(a)->reasoning, QString());   // the controller flushes, not the model
        QVERIFY(!model.setStreamingReasoning(999, QStringLiteral("nope")));
        QCOMPARE(changed.size(), 1);

        // What the store holds comes back at finish and on reload.
        QVERIFY(store->setReasoning(a, QStringLiteral("Two plus two is four.")).ok());
        QVERIFY(store->finishMessage(a, QStringLiteral("4"), {}).ok());
        QCOMPARE(model.index(1, 0).data(MessageListModel::ReasoningRole).toString(),
                 QStringLiteral("Two plus two is four."));
        MessageListModel fresh(store.get());
        fresh.setConversationId(c);
        QCOMPARE(fresh.index(1, 0).data(MessageListModel::ReasoningRole).toString(),
                 QStringLiteral("Two plus two is four."));
        QCOMPARE(fresh.index(0, 0).data(MessageListModel::ReasoningRole).toString(), QString());
    }
};

QTEST_GUILESS_MAIN(TestListModels)
#include "tst_listmodels.moc"
