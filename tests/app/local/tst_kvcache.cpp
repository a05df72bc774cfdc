// The conversations' KV states kept by the local engine: in memory, in the files of the
// cache folder (budget, Clear cache, bad files, permissions) and the whole path through
// LocalBackend on the tiny model: a conversation switched away from, or saved before a restart,
// answers from its saved state, with the same words as without any cache.
#include "tst_local_util.h"
#include "appcontroller.h"
#include "appsettings.h"
#include "kvcachecontroller.h"
#include "kvcachefiles.h"
#include "kvcachewriter.h"
#include "localbackend.h"
#include "messagelistmodel.h"

#include "engine/kv_state.h"
#include "engine/test_model.h"

#include "../../common/data_rows.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <sys/stat.h>

namespace {

// One request, waited for. Greedy, so the words depend only on the prompt.
Collected ask(LocalBackend& b, qint64 conversationId, const QList<ChatMessage>& history, int maxTokens = 24,
              bool contextShift = true)
{
    GenerationSettings s;
    s.temperature = 0.0;
    s.maxTokens = maxTokens;
    s.conversationId = conversationId;
    s.contextShift = contextShift;
    Collected a;
    QObject ctx;   // the connections end with this call
    collect(b, b.startChat(history, s), a, &ctx);
    if (!QTest::qWaitFor([&a] { return a.done; }, 60000)) {
        a.failed = true;
        a.error.message = QStringLiteral("no answer within 60 s");
    }
    return a;
}

ChatMessage user(const QString& text) { return {QStringLiteral("user"), text}; }
ChatMessage assistant(const QString& text) { return {QStringLiteral("assistant"), text}; }

// A file's bytes, or empty when it cannot be read.
QByteArray bytesOf(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

bool setAge(const QString& path, int secondsAgo)
{
    QFile f(path);
    return f.open(QIODevice::ReadWrite) &&
           f.setFileTime(QDateTime::currentDateTimeUtc().addSecs(-secondsAgo), QFileDevice::FileModificationTime);
}

QStringList cacheFileNames(const QString& folder)
{
    return QDir(folder).entryList({QStringLiteral("*.kv")}, QDir::Files, QDir::Name);
}

// `b` with its cache in `folder`, then the tiny model loaded; false if it did not load.
bool loadWithCache(LocalBackend& b, const QString& folder)
{
    b.setCacheFolder(folder);
    return loadModel(b);
}

// Permission bits, as ls shows them.
int modeOf(const QString& path)
{
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}

causerie::KvSnapshot fakeSnapshot(size_t rowBytes)
{
    causerie::KvSnapshot s;
    s.rows.assign(rowBytes, 7);
    return s;
}

// Holds the cache writer before each write until the test opens it, and records which
// conversations' writes reached it. Made before the backends it concerns, gone after them.
class WriteGate {
public:
    WriteGate()
        : m_s(std::make_shared<Shared>())
    {
        KvCacheWriter::setBeforeWriteHookForTests([s = m_s](qint64 id) {
            std::unique_lock lock(s->mutex);
            s->reached.append(id);
            // A bound only so a broken test cannot hang the run; the tests open the gate.
            s->opened.wait_for(lock, std::chrono::seconds(60), [&s] { return s->open; });
        });
    }
    ~WriteGate()
    {
        open();
        KvCacheWriter::setBeforeWriteHookForTests({});
    }
    void open()
    {
        std::lock_guard lock(m_s->mutex);
        m_s->open = true;
        m_s->opened.notify_all();
    }
    QList<qint64> reached() const
    {
        std::lock_guard lock(m_s->mutex);
        return m_s->reached;
    }

private:
    struct Shared {
        std::mutex mutex;
        std::condition_variable opened;
        bool open = false;
        QList<qint64> reached;
    };
    std::shared_ptr<Shared> m_s;
};

const QList<ChatMessage> kFirstA = {user(QStringLiteral("Tell me about the sea and the boats on it."))};
const QList<ChatMessage> kFirstB = {user(QStringLiteral("What is the capital of Italy?"))};

// Conversation 4's answer to kFirstB from `b`, while a warning matching `warning` is logged
// about its cache.
Collected askWhileWarned(LocalBackend& b, const QString& warning)
{
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(warning));
    return ask(b, 4, kFirstB);
}

// kFirstA answered in conversation `held`, its state then held at `gate` while being written,
// and kFirstB answered in conversation `queued`, its state queued behind; false if a step failed.
bool holdOneQueueAnother(LocalBackend& b, const WriteGate& gate, qint64 held, qint64 queued)
{
    return !ask(b, held, kFirstA).failed &&
           QTest::qWaitFor([&] { return gate.reached() == QList<qint64>{held}; }, 5000) &&
           !ask(b, queued, kFirstB).failed;
}

// The model loaded with its cache in `folder`, kFirstA answered in conversation `first`, then
// kFirstB in `second`; false if a step failed.
bool loadAndAskBoth(LocalBackend& b, const QString& folder, qint64 first, qint64 second)
{
    return loadWithCache(b, folder) && !ask(b, first, kFirstA).failed && !ask(b, second, kFirstB).failed;
}

}   // namespace

class TestKvCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    // The file folder on its own (the in-memory LRU, KvSnapshotCache, is the engine's: tst_kv_state).
    void filesBudgetRemovesTheLeastRecentlyUsed();
    void clearRemovesCacheFilesOnly();
    void unreadableFilesAreDeleted_data();
    void unreadableFilesAreDeleted();

    // Through LocalBackend on the tiny model.
    void switchingBackRestoresFromMemory();
    void restartRestoresFromTheFile();
    void filesArePrivate();
    void badFileAnswersCold_data();
    void badFileAnswersCold();
    void unwritableFolderStillAnswers();
    void readOnlyFolderStillAnswers();
    void failedWriteStillAnswers();
    void quitWritesWhatOnlyMemoryHeld();
    void budgetThroughTheBackend();
    void budgetAppliesToTheFolderAtStart();
    void clearCacheEmptiesTheFolder();
    void forgottenConversationLosesItsFile();

    // The writer thread (KvCacheWriter): the engine does not wait for the disk.
    void writerReadsPendingStatesFromMemory();
    void writerQueueIsBounded();
    void engineAnswersWhileTheWriterWrites();
    void newerStateOfAConversationWins();
    void forgetDropsPendingWrites();
    void clearDropsPendingWrites();
    void quitFinishesPendingWrites();

    // The settings and the controller Settings → Engine uses.
    void budgetSettingIsBounded();
    void contextShiftFollowsTheSetting_data();
    void contextShiftFollowsTheSetting();
    void controllerPassesTheBudgetAndSaysCleared();
    void appSavesEachConversationAndForgetsDeletedOnes();

private:
    QTemporaryDir m_dir;
    QByteArray m_goodFile;   // a valid state of the tiny model (default context), conversation 1
    QString m_otherModel;    // a random model of another shape
};

void TestKvCache::initTestCase()
{
    registerLocalTypes();
    QVERIFY(m_dir.isValid());
    const QString folder = m_dir.filePath(QStringLiteral("good"));
    {
        LocalBackend b;
        QVERIFY(loadWithCache(b, folder));
        const Collected a = ask(b, 1, kFirstA);
        QVERIFY2(!a.failed, qPrintable(a.error.message));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(folder + QStringLiteral("/1.kv")), 10000);
    }
    m_goodFile = bytesOf(folder + QStringLiteral("/1.kv"));
    QVERIFY(m_goodFile.size() > 1000);
    QVERIFY(causerie::read_snapshot(QFile::encodeName(folder + QStringLiteral("/1.kv")).toStdString()).ok());
    m_otherModel = m_dir.filePath(QStringLiteral("other.gguf"));
    QVERIFY(causerie::write_test_model(QFile::encodeName(m_otherModel).toStdString(), causerie::TestModelSpec{}).ok());
}

void TestKvCache::filesBudgetRemovesTheLeastRecentlyUsed()
{
    const QString folder = m_dir.filePath(QStringLiteral("budget"));
    QVERIFY(QDir().mkpath(folder));
    KvCacheFiles files(folder);
    // Used 30, 20 and 10 seconds ago; 1,000 bytes each.
    for (int id : {1, 2, 3}) {
        QVERIFY(writeBytes(files.pathFor(id), QByteArray(1000, 'x')));
        QVERIFY(setAge(files.pathFor(id), 40 - 10 * id));
    }
    QCOMPARE(files.size(), 3000);
    files.setBudget(2500);
    QCOMPARE(cacheFileNames(folder), QStringList({"2.kv", "3.kv"}));
    QCOMPARE(files.size(), 2000);
    // 3 is now the oldest: a 2 used since goes last.
    QVERIFY(setAge(files.pathFor(2), 1));
    files.setBudget(1000);
    QCOMPARE(cacheFileNames(folder), QStringList({"2.kv"}));
    files.setBudget(0);
    QCOMPARE(cacheFileNames(folder), QStringList());
    QCOMPARE(files.size(), 0);
}

void TestKvCache::clearRemovesCacheFilesOnly()
{
    const QString folder = m_dir.filePath(QStringLiteral("clear"));
    QVERIFY(QDir().mkpath(folder));
    KvCacheFiles files(folder);
    QVERIFY(writeBytes(files.pathFor(1), QByteArray(10, 'x')));
    QVERIFY(writeBytes(files.pathFor(2) + QStringLiteral(".tmp"), QByteArray(20, 'x')));   // a crashed write
    QVERIFY(writeBytes(folder + QStringLiteral("/notes.txt"), "not ours"));
    QCOMPARE(files.size(), 30);
    files.clear();
    QCOMPARE(files.size(), 0);
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList{"notes.txt"});
    // No folder: nothing read, written or counted.
    KvCacheFiles none;
    QVERIFY(!none.enabled());
    QVERIFY(!none.write(1, fakeSnapshot(10)));
    QVERIFY(!none.read(1));
    QCOMPARE(none.size(), 0);
}

void TestKvCache::unreadableFilesAreDeleted_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not a cache file") << QByteArray("GGUF and then some text that is no KV state at all");
    QTest::newRow("truncated") << m_goodFile.left(m_goodFile.size() / 2);
    QByteArray flipped = m_goodFile;
    for (qsizetype i = flipped.size() / 2; i < flipped.size() / 2 + 8; ++i)
        flipped[i] = char(~flipped[i]);
    QTest::newRow("flipped bytes") << flipped;
    QByteArray version = m_goodFile;
    version[8] = 0;   // the u32 format version after the 8-byte magic: 0, older than any
    QTest::newRow("older format version") << version;
}

void TestKvCache::unreadableFilesAreDeleted()
{
    QFETCH(QByteArray, bytes);
    const QString folder = m_dir.filePath(QStringLiteral("unreadable"));
    QVERIFY(QDir().mkpath(folder));
    KvCacheFiles files(folder);
    QVERIFY(writeBytes(files.pathFor(9), bytes));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("deleting the saved state of conversation 9")));
    QVERIFY(!files.read(9));
    QVERIFY(!QFile::exists(files.pathFor(9)));
    // The good file reads back.
    QVERIFY(writeBytes(files.pathFor(9), m_goodFile));
    const auto good = files.read(9);
    QVERIFY(good);
    QVERIFY(!good->tokens.empty());
}

// A → B → A: the third turn starts from A's state kept in memory (no folder here, so nothing can
// come from a file), and says the same as a session that never saw A.
void TestKvCache::switchingBackRestoresFromMemory()
{
    LocalBackend b;
    QVERIFY(loadModel(b));
    const Collected a1 = ask(b, 1, kFirstA);
    QVERIFY2(!a1.failed, qPrintable(a1.error.message));
    QCOMPARE(a1.stats.cachedTokens, 0);   // a new session holds nothing
    const Collected b1 = ask(b, 2, kFirstB);
    QVERIFY(!b1.failed);
    QVERIFY2(b1.stats.cachedTokens < a1.stats.promptTokens / 2, qPrintable(QString::number(b1.stats.cachedTokens)));
    const QList<ChatMessage> secondA = {kFirstA[0], assistant(a1.text), user(QStringLiteral("And the fish?"))};
    const Collected a2 = ask(b, 1, secondA);
    QVERIFY(!a2.failed);
    QVERIFY2(a2.stats.cachedTokens >= a1.stats.promptTokens,
             qPrintable(QStringLiteral("%1 cached of %2; the first turn's prompt had %3")
                            .arg(a2.stats.cachedTokens)
                            .arg(a2.stats.promptTokens)
                            .arg(a1.stats.promptTokens)));
    QVERIFY(a2.stats.cachedTokens < a2.stats.promptTokens);

    LocalBackend cold;
    QVERIFY(loadModel(cold));
    const Collected reference = ask(cold, 1, secondA);
    QCOMPARE(reference.stats.cachedTokens, 0);
    QCOMPARE(reference.stats.promptTokens, a2.stats.promptTokens);
    QCOMPARE(a2.text, reference.text);
    QVERIFY(!a2.text.isEmpty());
}

// A new backend (a restart) on the same folder starts A's next turn from A's file.
void TestKvCache::restartRestoresFromTheFile()
{
    const QString folder = m_dir.filePath(QStringLiteral("restart"));
    Collected a1;
    {
        LocalBackend b;
        QVERIFY(loadWithCache(b, folder));
        a1 = ask(b, 1, kFirstA);
        QVERIFY(!a1.failed);
        const Collected b1 = ask(b, 2, kFirstB);   // A is no longer the session's
        QVERIFY(!b1.failed);
    }
    QCOMPARE(cacheFileNames(folder), QStringList({"1.kv", "2.kv"}));
    const QList<ChatMessage> secondA = {kFirstA[0], assistant(a1.text), user(QStringLiteral("And the fish?"))};
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    const Collected a2 = ask(b, 1, secondA);
    QVERIFY(!a2.failed);
    QVERIFY2(a2.stats.cachedTokens >= a1.stats.promptTokens,
             qPrintable(QStringLiteral("%1 cached of %2").arg(a2.stats.cachedTokens).arg(a2.stats.promptTokens)));

    LocalBackend cold;
    QVERIFY(loadModel(cold));
    const Collected reference = ask(cold, 1, secondA);
    QCOMPARE(a2.text, reference.text);
}

void TestKvCache::filesArePrivate()
{
    const QString folder = m_dir.filePath(QStringLiteral("private/cache"));
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    QVERIFY(!ask(b, 3, kFirstB).failed);
    const QString path = folder + QStringLiteral("/3.kv");
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(path), 10000);
    QCOMPARE(modeOf(path), 0600);
    QCOMPARE(modeOf(folder), 0700);
}

void TestKvCache::badFileAnswersCold_data()
{
    causerie::testing::addColumnRows<QString>("kind", {{"zero bytes", "zero"},
                                                       {"truncated", "truncated"},
                                                       {"flipped bytes", "flipped"},
                                                       {"another model", "model"},
                                                       {"another context size", "context"}});
}

// A bad file in cache/ costs only time: the conversation answers as without it, the reason is
// logged, and the file is replaced by a good one once the answer is in.
void TestKvCache::badFileAnswersCold()
{
    QFETCH(QString, kind);
    const QString folder = m_dir.filePath(QStringLiteral("bad-") + kind);
    QVERIFY(QDir().mkpath(folder));
    const QString path = folder + QStringLiteral("/7.kv");
    QByteArray bytes;
    if (kind == QLatin1String("truncated")) {
        bytes = m_goodFile.left(m_goodFile.size() - 100);
    } else if (kind == QLatin1String("flipped")) {
        bytes = m_goodFile;
        bytes[bytes.size() - 10] = char(~bytes[bytes.size() - 10]);
    } else if (kind == QLatin1String("model") || kind == QLatin1String("context")) {
        // A valid state, made by another model or with another context.
        const QString other = m_dir.filePath(QStringLiteral("made-") + kind);
        LocalBackend maker;
        maker.setCacheFolder(other);
        QVERIFY(kind == QLatin1String("model") ? loadModel(maker, m_otherModel) : loadModel(maker, kTiny, 512));
        QVERIFY(!ask(maker, 1, kFirstA).failed);
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(other + QStringLiteral("/1.kv")), 10000);
        bytes = bytesOf(other + QStringLiteral("/1.kv"));
        QVERIFY(!bytes.isEmpty());
    }
    QVERIFY(writeBytes(path, bytes));

    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("deleting the saved state of conversation 7")));
    const Collected a = ask(b, 7, kFirstA);
    QVERIFY2(!a.failed, qPrintable(a.error.message));
    QCOMPARE(a.stats.cachedTokens, 0);   // cold: the bad state was not used

    LocalBackend cold;
    QVERIFY(loadModel(cold));
    QCOMPARE(a.text, ask(cold, 1, kFirstA).text);
    // The bad file is gone; what is there now is this answer's state.
    QTRY_VERIFY_WITH_TIMEOUT(bytesOf(path) != bytes && !bytesOf(path).isEmpty(), 10000);
    QVERIFY(causerie::read_snapshot(QFile::encodeName(path).toStdString()).ok());
}

// The cache folder cannot be made (a file is in its way): answers work, nothing is written.
void TestKvCache::unwritableFolderStillAnswers()
{
    const QString blocker = m_dir.filePath(QStringLiteral("blocker"));
    QVERIFY(writeBytes(blocker, "a file, not a folder"));
    LocalBackend b;
    QVERIFY(loadWithCache(b, blocker + QStringLiteral("/cache")));
    const Collected a = askWhileWarned(b, QStringLiteral("could not create the cache folder"));
    QVERIFY2(!a.failed, qPrintable(a.error.message));
    QVERIFY(!a.text.isEmpty());
    QCOMPARE(b.cacheSize(), 0);
}

void TestKvCache::readOnlyFolderStillAnswers()
{
    const QString folder = m_dir.filePath(QStringLiteral("readonly"));
    QVERIFY(QDir().mkpath(folder));
    QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
    const auto restore = qScopeGuard(
        [folder] { QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner); });
    if (writeBytes(folder + QStringLiteral("/probe"), "x"))
        QSKIP("this user writes into a read-only folder anyway (root): the case cannot be made here");
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    const Collected a = askWhileWarned(b, QStringLiteral("could not save the state of conversation 4"));
    QVERIFY2(!a.failed, qPrintable(a.error.message));
    QVERIFY(!a.text.isEmpty());
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList());
}

// The write itself fails (here: a folder where the temporary file goes, which even root cannot
// open for writing): the answer is in, nothing is written, the reason is logged.
void TestKvCache::failedWriteStillAnswers()
{
    const QString folder = m_dir.filePath(QStringLiteral("failedwrite"));
    QVERIFY(QDir().mkpath(folder + QStringLiteral("/4.kv.tmp")));
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    const Collected a = askWhileWarned(b, QStringLiteral("could not save the state of conversation 4"));
    QVERIFY2(!a.failed, qPrintable(a.error.message));
    QVERIFY(!a.text.isEmpty());
    // The next answer is in only once the previous one's state was handled: the warning is out.
    QVERIFY(!ask(b, 4, {kFirstB[0], assistant(a.text), user(QStringLiteral("Why?"))}).failed);
    QVERIFY(!QFile::exists(folder + QStringLiteral("/4.kv")));
}

// States only memory held (made while there was no folder) are written when the backend goes.
void TestKvCache::quitWritesWhatOnlyMemoryHeld()
{
    const QString folder = m_dir.filePath(QStringLiteral("quit"));
    {
        LocalBackend b;
        QVERIFY(loadModel(b));
        QVERIFY(!ask(b, 1, kFirstA).failed);
        QVERIFY(!ask(b, 2, kFirstB).failed);   // 1 goes to the LRU, 2 stays in the session
        b.setCacheFolder(folder);
        QTRY_COMPARE_WITH_TIMEOUT(b.cacheSize(), 0, 5000);
        QCOMPARE(cacheFileNames(folder), QStringList());
    }
    QCOMPARE(cacheFileNames(folder), QStringList({"1.kv", "2.kv"}));
    // The session's own (2) was written last: the most recently used.
    QVERIFY(QFileInfo(folder + QStringLiteral("/2.kv")).lastModified() >=
            QFileInfo(folder + QStringLiteral("/1.kv")).lastModified());
}

void TestKvCache::budgetThroughTheBackend()
{
    const QString folder = m_dir.filePath(QStringLiteral("backend-budget"));
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    QSignalSpy sized(&b, &LocalBackend::cacheSizeChanged);
    QVERIFY(!ask(b, 1, kFirstA).failed);
    QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder).size(), 1, 10000);
    QVERIFY(setAge(folder + QStringLiteral("/1.kv"), 60));   // surely the oldest
    QVERIFY(!ask(b, 2, kFirstB).failed);
    QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder).size(), 2, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(
        b.cacheSize(),
        QFileInfo(folder + QStringLiteral("/1.kv")).size() + QFileInfo(folder + QStringLiteral("/2.kv")).size(), 5000);
    QVERIFY(!sized.isEmpty());
    // One byte short of both: the least recently used goes.
    b.setCacheBudget(b.cacheSize() - 1);
    QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder), QStringList{"2.kv"}, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(b.cacheSize(), QFileInfo(folder + QStringLiteral("/2.kv")).size(), 5000);
    // A budget of nothing keeps nothing, not even the state just made.
    b.setCacheBudget(0);
    QVERIFY(!ask(b, 3, {user(QStringLiteral("Hello"))}).failed);
    QTRY_COMPARE_WITH_TIMEOUT(b.cacheSize(), 0, 5000);
    QCOMPARE(cacheFileNames(folder), QStringList());
}

// The budget was lowered while the app was closed: the folder is brought within it at start.
void TestKvCache::budgetAppliesToTheFolderAtStart()
{
    const QString folder = m_dir.filePath(QStringLiteral("start-budget"));
    QVERIFY(QDir().mkpath(folder));
    KvCacheFiles files(folder);
    for (int id : {1, 2}) {
        QVERIFY(writeBytes(files.pathFor(id), QByteArray(1000, 'x')));
        QVERIFY(setAge(files.pathFor(id), 30 - 10 * id));
    }
    LocalBackend b;
    b.setCacheBudget(1500);
    b.setCacheFolder(folder);
    QTRY_COMPARE_WITH_TIMEOUT(b.cacheSize(), 1000, 5000);
    QCOMPARE(cacheFileNames(folder), QStringList{"2.kv"});
}

void TestKvCache::clearCacheEmptiesTheFolder()
{
    const QString folder = m_dir.filePath(QStringLiteral("clear-backend"));
    LocalBackend b;
    QVERIFY(loadAndAskBoth(b, folder, 1, 2));
    QTRY_VERIFY_WITH_TIMEOUT(b.cacheSize() > 0, 10000);
    QSignalSpy cleared(&b, &LocalBackend::cacheCleared);
    b.clearCache();
    QVERIFY(cleared.wait(5000));
    QCOMPARE(b.cacheSize(), 0);
    QCOMPARE(cacheFileNames(folder), QStringList());
    // Cleared in memory too: switching back to 1 starts it again, and quitting writes nothing
    // until an answer is in.
    const Collected again = ask(b, 1, {kFirstA[0], assistant(QStringLiteral("...")), user(QStringLiteral("Go on."))});
    QVERIFY(!again.failed);
    QVERIFY(again.stats.cachedTokens < again.stats.promptTokens / 2);
    QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder), QStringList{"1.kv"}, 10000);
}

void TestKvCache::forgottenConversationLosesItsFile()
{
    const QString folder = m_dir.filePath(QStringLiteral("forget"));
    {
        LocalBackend b;
        QVERIFY(loadAndAskBoth(b, folder, 5, 6));
        QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder), QStringList({"5.kv", "6.kv"}), 10000);
        b.forgetConversation(5);   // in the LRU
        b.forgetConversation(6);   // the session's own
        QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder), QStringList(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(b.cacheSize(), 0, 5000);
    }
    // Quitting did not write them back.
    QCOMPARE(cacheFileNames(folder), QStringList());
}

// A state waiting for the writer is what read() returns (the newest one), without waiting for
// the disk; once written, the file holds that newest one.
void TestKvCache::writerReadsPendingStatesFromMemory()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-read"));
    WriteGate gate;
    KvCacheWriter writer;
    writer.setFolder(folder);
    auto first = std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(100));
    auto second = std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(300));
    writer.enqueue(1, first);
    QTRY_COMPARE_WITH_TIMEOUT(gate.reached(), QList<qint64>{1}, 5000);   // being written, held
    QCOMPARE(writer.read(1).get(), first.get());
    writer.enqueue(1, second);   // queued behind it
    QCOMPARE(writer.read(1).get(), second.get());
    QVERIFY(!QFile::exists(folder + QStringLiteral("/1.kv")));
    gate.open();
    QVERIFY(writer.waitIdle(10000));
    QCOMPARE(gate.reached(), QList<qint64>({1, 1}));
    // The file holds the second state: the same bytes write_snapshot makes of it.
    const QString reference = m_dir.filePath(QStringLiteral("writer-read-reference.kv"));
    QVERIFY(causerie::write_snapshot(*second, QFile::encodeName(reference).toStdString()).ok());
    QCOMPARE(bytesOf(folder + QStringLiteral("/1.kv")), bytesOf(reference));
}

// At most kMaxQueued states wait besides the one being written: queueing one more waits for the
// writer to take the next one, which it does only once the first is on disk.
void TestKvCache::writerQueueIsBounded()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-bound"));
    WriteGate gate;
    KvCacheWriter writer;
    writer.setFolder(folder);
    writer.enqueue(1, std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(100)));
    QTRY_COMPARE_WITH_TIMEOUT(gate.reached(), QList<qint64>{1}, 5000);
    static_assert(KvCacheWriter::kMaxQueued == 2);
    writer.enqueue(2, std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(100)));
    writer.enqueue(3, std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(100)));
    // A newer state of a queued conversation takes its place: no wait.
    writer.enqueue(3, std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(200)));
    std::atomic<bool> returned{false};
    std::atomic<bool> firstWrittenAtReturn{false};
    std::thread fourth([&] {
        writer.enqueue(4, std::make_shared<const causerie::KvSnapshot>(fakeSnapshot(100)));
        firstWrittenAtReturn = QFile::exists(folder + QStringLiteral("/1.kv"));
        returned = true;
    });
    const auto join = qScopeGuard([&] {
        gate.open();
        fourth.join();
    });
    QCOMPARE(gate.reached(), QList<qint64>{1});
    gate.open();
    QTRY_VERIFY_WITH_TIMEOUT(returned.load(), 10000);
    QVERIFY(firstWrittenAtReturn.load());
    QVERIFY(writer.waitIdle(10000));
    QCOMPARE(gate.reached(), QList<qint64>({1, 2, 3, 4}));
    QCOMPARE(cacheFileNames(folder), QStringList({"1.kv", "2.kv", "3.kv", "4.kv"}));
}

// The engine thread is free as soon as an answer is out: the next request is answered while
// the previous answer's state still waits for the (held) writer.
void TestKvCache::engineAnswersWhileTheWriterWrites()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-free"));
    WriteGate gate;
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    QVERIFY(!ask(b, 1, kFirstA).failed);
    QTRY_COMPARE_WITH_TIMEOUT(gate.reached(), QList<qint64>{1}, 5000);
    const Collected b1 = ask(b, 2, kFirstB);
    QVERIFY2(!b1.failed, qPrintable(b1.error.message));
    QVERIFY(!b1.text.isEmpty());
    QCOMPARE(gate.reached(), QList<qint64>{1});   // the first write is still held
    QCOMPARE(cacheFileNames(folder), QStringList());
    gate.open();
    QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder), QStringList({"1.kv", "2.kv"}), 10000);
    QCOMPARE(gate.reached(), QList<qint64>({1, 2}));
    QTRY_COMPARE_WITH_TIMEOUT(
        b.cacheSize(),
        QFileInfo(folder + QStringLiteral("/1.kv")).size() + QFileInfo(folder + QStringLiteral("/2.kv")).size(), 5000);
}

// Three quick answers in one conversation: the first is being written, the second is replaced
// in the queue by the third, and the file ends with the third's state.
void TestKvCache::newerStateOfAConversationWins()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-order"));
    QList<ChatMessage> history = kFirstA;
    Collected last;
    WriteGate gate;
    {
        LocalBackend b;
        QVERIFY(loadWithCache(b, folder));
        const QStringList followUps = {QStringLiteral("And the fish?"), QStringLiteral("And the birds?")};
        last = ask(b, 1, history);
        QVERIFY(!last.failed);
        QTRY_COMPARE_WITH_TIMEOUT(gate.reached(), QList<qint64>{1}, 5000);
        for (const QString& next : followUps) {
            history << assistant(last.text) << user(next);
            last = ask(b, 1, history);
            QVERIFY(!last.failed);
        }
        // `finished` comes before the state is queued: a count asked now is answered after it.
        QSignalSpy counted(&b, &LocalBackend::tokensCounted);
        b.countTokens(history);
        QVERIFY(counted.wait(10000));
        gate.open();
        QTRY_COMPARE_WITH_TIMEOUT(gate.reached(), QList<qint64>({1, 1}), 10000);
    }
    QCOMPARE(gate.reached(), QList<qint64>({1, 1}));   // the middle one was never written
    const auto saved = causerie::read_snapshot(QFile::encodeName(folder + QStringLiteral("/1.kv")).toStdString());
    QVERIFY(saved.ok());
    QVERIFY2(int(saved->tokens.size()) >= last.stats.promptTokens,
             qPrintable(QStringLiteral("%1 tokens saved, the last prompt had %2")
                            .arg(saved->tokens.size())
                            .arg(last.stats.promptTokens)));
}

// A conversation deleted while its state is being written, and another's queued: neither file
// is there afterwards, nor after quitting.
void TestKvCache::forgetDropsPendingWrites()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-forget"));
    WriteGate gate;
    {
        LocalBackend b;
        QVERIFY(loadWithCache(b, folder));
        QVERIFY(holdOneQueueAnother(b, gate, 5, 6));   // 6 queued behind 5
        b.forgetConversation(6);
        // The worker has forgotten 6 once it answers a count asked after (the gate is still shut).
        QSignalSpy counted(&b, &LocalBackend::tokensCounted);
        b.countTokens(kFirstB);
        QVERIFY(counted.wait(10000));
        QCOMPARE(gate.reached(), QList<qint64>{5});
        b.forgetConversation(5);
        gate.open();   // 5's write ends, then its file is deleted
        QTRY_COMPARE_WITH_TIMEOUT(b.cacheSize(), 0, 10000);
        QVERIFY(!ask(b, 7, {user(QStringLiteral("Hello"))}).failed);
        QTRY_COMPARE_WITH_TIMEOUT(cacheFileNames(folder), QStringList{"7.kv"}, 10000);
    }
    QCOMPARE(gate.reached(), QList<qint64>({5, 7}));   // 6 was dropped before it was written
    QCOMPARE(cacheFileNames(folder), QStringList{"7.kv"});
}

void TestKvCache::clearDropsPendingWrites()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-clear"));
    WriteGate gate;
    {
        LocalBackend b;
        QVERIFY(loadWithCache(b, folder));
        QVERIFY(holdOneQueueAnother(b, gate, 1, 2));
        QSignalSpy cleared(&b, &LocalBackend::cacheCleared);
        b.clearCache();
        gate.open();
        QVERIFY(cleared.wait(10000));
        QCOMPARE(b.cacheSize(), 0);
        QCOMPARE(cacheFileNames(folder), QStringList());
    }
    // 2 may have been written before the worker got to the clear (the gate opens meanwhile):
    // whichever, nothing is left.
    QCOMPARE(gate.reached().value(0), 1);
    QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList());   // no temporary file either
}

// Quitting while one state is being written and another waits: both are on disk, whole, when
// the backend is gone, and the next start resumes from them.
void TestKvCache::quitFinishesPendingWrites()
{
    const QString folder = m_dir.filePath(QStringLiteral("writer-quit"));
    Collected a1;
    {
        WriteGate gate;
        std::thread opener;
        {
            LocalBackend b;
            QVERIFY(loadWithCache(b, folder));
            a1 = ask(b, 1, kFirstA);
            QVERIFY(!a1.failed);
            QTRY_COMPARE_WITH_TIMEOUT(gate.reached(), QList<qint64>{1}, 5000);
            QVERIFY(!ask(b, 2, kFirstB).failed);
            QCOMPARE(cacheFileNames(folder), QStringList());
            // Opened from another thread as this one goes into ~LocalBackend, which must wait for
            // both writes (without that wait the files are not there yet below).
            opener = std::thread([&gate] { gate.open(); });
        }
        opener.join();
        QCOMPARE(gate.reached(), QList<qint64>({1, 2}));
    }
    QCOMPARE(cacheFileNames(folder), QStringList({"1.kv", "2.kv"}));
    QCOMPARE(QDir(folder).entryList({QStringLiteral("*.tmp")}, QDir::Files), QStringList());
    for (const QString& name : {QStringLiteral("/1.kv"), QStringLiteral("/2.kv")})
        QVERIFY(causerie::read_snapshot(QFile::encodeName(folder + name).toStdString()).ok());
    LocalBackend b;
    QVERIFY(loadWithCache(b, folder));
    const Collected a2 = ask(b, 1, {kFirstA[0], assistant(a1.text), user(QStringLiteral("And the fish?"))});
    QVERIFY(!a2.failed);
    QVERIFY2(a2.stats.cachedTokens >= a1.stats.promptTokens,
             qPrintable(QStringLiteral("%1 cached of %2").arg(a2.stats.cachedTokens).arg(a2.stats.promptTokens)));
}

void TestKvCache::budgetSettingIsBounded()
{
    const QString file = m_dir.filePath(QStringLiteral("settings.ini"));
    {
        AppSettings s(file);
        QCOMPARE(s.cacheBudgetMiB(), 2048);
        QCOMPARE(s.cacheBudgetBytes(), qint64(2) << 30);
        s.setCacheBudgetMiB(-5);
        QCOMPARE(s.cacheBudgetMiB(), 0);
        s.setCacheBudgetMiB(512);
        QCOMPARE(s.cacheBudgetMiB(), 512);
        QCOMPARE(s.cacheBudgetBytes(), qint64(512) << 20);
        s.raw().setValue(QStringLiteral("engine/cacheBudgetMiB"), -100);   // a hand-edited file
        QCOMPARE(s.cacheBudgetMiB(), 0);
        s.raw().setValue(QStringLiteral("engine/cacheBudgetMiB"), QStringLiteral("lots"));
        QCOMPARE(s.cacheBudgetMiB(), 0);
        s.raw().setValue(QStringLiteral("engine/cacheBudgetMiB"), 1 << 30);
        QCOMPARE(s.cacheBudgetMiB(), AppSettings::kMaxCacheBudgetMiB);
        s.setCacheBudgetMiB(300);
    }
    AppSettings again(file);
    QCOMPARE(again.cacheBudgetMiB(), 300);
}

void TestKvCache::contextShiftFollowsTheSetting_data()
{
    causerie::testing::addColumnRows<bool>("shift",
                                           {{"shift (the default)", true}, {"read the kept history again", false}});
}

// A conversation longer than a 256-token context: each turn leaves out more of its oldest
// exchanges. With the shift, the kept exchanges' rows stay in the cache (the next turn reads
// its new message and what changed); without it, all but the few tokens the two prompts start
// with is read again.
void TestKvCache::contextShiftFollowsTheSetting()
{
    QFETCH(bool, shift);
    {
        AppSettings settings(m_dir.filePath(QStringLiteral("shift.ini")));
        QVERIFY(settings.contextShift());   // on by default
        settings.setContextShift(shift);
        QCOMPARE(settings.generation().contextShift, shift);
    }
    LocalBackend b;
    QVERIFY(loadModel(b, kTiny, 256));
    QList<ChatMessage> history;
    for (int i = 0; i < 8; ++i) {
        history << user(QStringLiteral("Question %1: tell me about the harbour, the boats, the fishermen and "
                                       "the weather they met on the way out this morning.")
                            .arg(i))
                << assistant(QStringLiteral("Answer %1: the boats left early, the sea was calm, the nets came "
                                            "back full and everyone was home before the storm.")
                                 .arg(i));
    }
    auto turn = [&](int n) {
        QList<ChatMessage> h = history.mid(0, 2 * n);
        h << user(QStringLiteral("And then, in turn %1?").arg(n));
        return ask(b, 42, h, 8, shift);
    };
    const Collected first = turn(6);
    QVERIFY(first.done);
    QVERIFY2(!first.failed, qPrintable(first.error.message));
    QVERIFY(first.stats.leftOutMessages > 0);
    const Collected second = turn(7);
    QVERIFY(second.done);
    QVERIFY2(!second.failed, qPrintable(second.error.message));
    QVERIFY(second.stats.leftOutMessages > first.stats.leftOutMessages);
    qInfo("prompt %d tokens, %d from the cache, %d messages left out", second.stats.promptTokens,
          second.stats.cachedTokens, second.stats.leftOutMessages);
    if (shift)
        QVERIFY2(second.stats.cachedTokens >= 32, qPrintable(QString::number(second.stats.cachedTokens)));
    else
        QVERIFY2(second.stats.cachedTokens < 16, qPrintable(QString::number(second.stats.cachedTokens)));
}

void TestKvCache::controllerPassesTheBudgetAndSaysCleared()
{
    const QString dataDir = m_dir.filePath(QStringLiteral("controller"));
    AppSettings settings(m_dir.filePath(QStringLiteral("controller.ini")));
    LocalBackend b;
    KvCacheController cache(&b, &settings, dataDir);
    QCOMPARE(KvCacheController::folderFor(dataDir), dataDir + QStringLiteral("/cache"));
    QVERIFY(loadModel(b));
    QSignalSpy sizeChanged(&cache, &KvCacheController::sizeChanged);
    QVERIFY(!ask(b, 1, kFirstA).failed);
    QTRY_VERIFY_WITH_TIMEOUT(cache.size() > 0, 10000);
    QVERIFY(!sizeChanged.isEmpty());
    QCOMPARE(cache.sizeText(), QLocale().formattedDataSize(cache.size()));
    QCOMPARE(cacheFileNames(KvCacheController::folderFor(dataDir)), QStringList{"1.kv"});
    QCOMPARE(cache.status(), QString());

    // The budget setting reaches the files at once.
    settings.setCacheBudgetMiB(0);
    QTRY_COMPARE_WITH_TIMEOUT(cache.size(), 0, 5000);
    settings.setCacheBudgetMiB(64);
    QVERIFY(!ask(b, 2, kFirstB).failed);
    QTRY_VERIFY_WITH_TIMEOUT(cache.size() > 0, 10000);

    QSignalSpy status(&cache, &KvCacheController::statusChanged);
    cache.clear();
    QVERIFY(status.wait(5000));
    QCOMPARE(cache.status(), QStringLiteral("Cache cleared"));
    QCOMPARE(cache.size(), 0);
    QCOMPARE(cache.sizeText(), QLocale().formattedDataSize(0));
    // The cache grows again: the note goes.
    QVERIFY(!ask(b, 3, {user(QStringLiteral("Hello"))}).failed);
    QTRY_COMPARE_WITH_TIMEOUT(cache.status(), QString(), 10000);
}

// The whole app: each conversation's state is saved under its id in the data folder's cache/,
// going back to one answers from it (the stored details say how much), deleting it deletes it.
void TestKvCache::appSavesEachConversationAndForgetsDeletedOnes()
{
    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("data"));
    AppController app(data);
    QVERIFY(app.isOpen());
    app.settings()->setTemperature(0.0);
    app.settings()->setMaxTokens(8);
    app.model()->openPath(kTiny);
    QTRY_COMPARE_WITH_TIMEOUT(app.model()->state(), LocalModelController::State::Ready, 30000);
    auto sendAndWait = [&app](const QString& text) {
        if (!app.chat()->send(text))
            return false;
        return QTest::qWaitFor([&app] { return !app.chat()->generating(); }, 30000);
    };
    QVERIFY(sendAndWait(kFirstA[0].content));
    const qint64 first = app.chat()->conversationId();
    QVERIFY(first > 0);
    const QString firstFile = KvCacheController::folderFor(data) + QStringLiteral("/%1.kv").arg(first);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(firstFile), 10000);
    QCOMPARE(modeOf(KvCacheController::folderFor(data)), 0700);

    app.newChat();
    QVERIFY(sendAndWait(kFirstB[0].content));
    const qint64 second = app.chat()->conversationId();
    QVERIFY(second != first);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(KvCacheController::folderFor(data) + QStringLiteral("/%1.kv").arg(second)),
                             10000);

    app.openConversation(first);
    QVERIFY(sendAndWait(QStringLiteral("And the fish?")));
    auto* messages = qobject_cast<causerie::storage::MessageListModel*>(app.messages());
    QVERIFY(messages);
    QCOMPARE(messages->rowCount(), 4);
    const QModelIndex answer = messages->index(3);
    const int prompt = answer.data(causerie::storage::MessageListModel::PromptTokensRole).toInt();
    const int cached = answer.data(causerie::storage::MessageListModel::CachedTokensRole).toInt();
    // At least the whole first prompt (the answer's own tokens may be written differently once
    // they are part of the history: the tiny random model's words are not the tokenizer's).
    const int firstPrompt = messages->index(1).data(causerie::storage::MessageListModel::PromptTokensRole).toInt();
    QVERIFY(firstPrompt > 0);
    QVERIFY2(cached >= firstPrompt && cached < prompt,
             qPrintable(QStringLiteral("%1 of %2, first prompt %3").arg(cached).arg(prompt).arg(firstPrompt)));
    // The first answer had nothing to start from.
    QCOMPARE(messages->index(1).data(causerie::storage::MessageListModel::CachedTokensRole).toInt(), 0);

    app.conversations()->remove(first);
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(firstFile), 5000);
    QVERIFY(QFile::exists(KvCacheController::folderFor(data) + QStringLiteral("/%1.kv").arg(second)));
}

QTEST_MAIN(TestKvCache)
#include "tst_kvcache.moc"
