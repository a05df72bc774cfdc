// The default model (SmolLM2-135M-Instruct, fetched by the set-up command) through the desktop
// app's own path: AppController opens it on the engine thread, ChatController sends the question,
// and the stored answer must name Paris and be exactly what `causerie-cli chat --temp 0` prints.
// Skipped, with the reason, when the model is not in the user's model folder.
#include "appcontroller.h"
#include "messagelistmodel.h"
#include "tests/common/default_model.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using causerie::storage::MessageListModel;

namespace {

using causerie::testing::defaultModelPath;
const char* kQuestion = causerie::testing::kDefaultModelQuestion;
constexpr int kMaxTokens = causerie::testing::kDefaultModelMaxTokens;
constexpr int kCtx = causerie::testing::kDefaultModelContext;

}   // namespace

class TestDefaultModelApp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void appAndCliGiveTheSameAnswer()
    {
        const QString model = defaultModelPath();
        if (!QFile::exists(model))
            QSKIP(qPrintable(QStringLiteral("the default model is not at %1; run scripts/fetch-default-model.sh "
                                            "(or set CAUSERIE_DEFAULT_MODEL)")
                                 .arg(model)));
        QTemporaryDir dir;
        QString appAnswer;
        {
            AppController app(dir.filePath(QStringLiteral("data")));
            QVERIFY(app.isOpen());
            // Greedy, as the CLI's --temp 0; the other sampling values stay the app's defaults
            // (repetition penalty 1.1, as the CLI's default).
            app.settings()->setTemperature(0.0);
            app.settings()->setMaxTokens(kMaxTokens);
            app.settings()->setContextSize(kCtx);
            app.settings()->setDevice(QStringLiteral("cpu"));
            QCOMPARE(app.settings()->repeatPenalty(), 1.1);
            app.model()->openPath(model);
            QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 60000);
            QVERIFY(app.chat()->send(QString::fromLatin1(kQuestion)));
            QTRY_VERIFY_WITH_TIMEOUT(!app.chat()->generating(), 600000);
            auto* messages = qobject_cast<QAbstractItemModel*>(app.messages());
            QCOMPARE(messages->rowCount(), 2);
            QCOMPARE(messages->data(messages->index(1, 0), MessageListModel::StatusRole).toString(),
                     QStringLiteral("done"));
            appAnswer = messages->data(messages->index(1, 0), MessageListModel::ContentRole).toString();
        }
        qInfo("app: %s", qPrintable(appAnswer));
        QVERIFY2(appAnswer.contains(QLatin1String("Paris")), qPrintable(appAnswer));

        QProcess cli;
        QVERIFY2(causerie::testing::askDefaultModelCli(cli, QStringLiteral(CAUSERIE_CLI), model),
                 qPrintable(cli.errorString()));
        QVERIFY2(cli.waitForFinished(600000), "causerie-cli chat did not exit within 10 minutes");
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QCOMPARE(QString::fromUtf8(cli.readAllStandardOutput()), appAnswer + QLatin1Char('\n'));
    }
};

QTEST_MAIN(TestDefaultModelApp)
#include "tst_default_model_app.moc"
