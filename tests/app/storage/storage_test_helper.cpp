// Child process for the storage tests (not a test itself):
//   storage_test_helper stream <db> <seed>  streams answers into the store the way the app
//                                           does, reporting each committed step on stdout,
//                                           until it is killed (SIGKILL) or 10 s pass.
//   storage_test_helper guard <dir>         holds the InstanceGuard of <dir>, prints its role,
//                                           and prints "raise" for each raise request.
#include "conversationstore.h"
#include "instanceguard.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QThread>

#include <cstdio>
#include <unistd.h>

using namespace causerie::storage;

namespace {

// One unbuffered write per line, so everything reported is in the pipe before the next step.
void report(const QByteArray& line)
{
    const QByteArray out = line + '\n';
    const ssize_t written = ::write(STDOUT_FILENO, out.constData(), size_t(out.size()));
    (void)written;
}

// The text of assistant message `id` is a prefix of this endless, id-dependent stream.
// Kept in sync with streamText() in tst_storagecrash.cpp.
QString streamText(qint64 id, int length)
{
    QString s;
    for (int k = 0; s.size() < length; ++k)
        s += QStringLiteral("tok%1_%2 ").arg(k).arg(id);
    return s.left(length);
}

int stream(const QString& path, quint32 seed)
{
    QRandomGenerator rng(seed);
    auto opened = ConversationStore::open(path);
    if (!opened) {
        report("error " + opened.errorString().toUtf8());
        return 2;
    }
    ConversationStore& store = *opened.value();
    auto conversation = store.createConversation({QStringLiteral("crash run"), {}, {}, {}, {}});
    if (!conversation)
        return 3;
    const qint64 c = conversation.value();
    report("conv " + QByteArray::number(c));
    QElapsedTimer clock;
    clock.start();
    qint64 parent = 0;
    for (int turn = 0; clock.elapsed() < 10'000; ++turn) {
        auto user = store.appendMessage(
            {c, parent, MessageRole::User, QStringLiteral("question %1").arg(turn), MessageStatus::Done, {}});
        if (!user)
            return 4;
        report("user " + QByteArray::number(user.value()) + ' ' + QByteArray::number(parent));
        auto bot = store.appendMessage({c, user.value(), MessageRole::Assistant, {}, MessageStatus::Streaming, {}});
        if (!bot)
            return 5;
        const qint64 id = bot.value();
        const int target = 100 + int(rng.bounded(400));
        report("asst " + QByteArray::number(id) + ' ' + QByteArray::number(user.value()) + ' ' +
               QByteArray::number(target));
        int length = 0;
        while (length < target) {
            length = qMin(target, length + 1 + int(rng.bounded(40)));
            if (!store.updateStreamingText(id, streamText(id, length)))
                return 6;
            report("flush " + QByteArray::number(id) + ' ' + QByteArray::number(length));
            QThread::usleep(rng.bounded(3000));
        }
        MessageStats stats{QStringLiteral("tiny"), QStringLiteral("local"), 10, length / 8, 5.0, 100.0,
                           QStringLiteral("stop")};
        if (!store.finishMessage(id, streamText(id, length), stats))
            return 7;
        report("done " + QByteArray::number(id) + ' ' + QByteArray::number(length));
        parent = id;
    }
    return 0;
}

int guard(const QString& dir)
{
    InstanceGuard g(dir);
    const InstanceGuard::Role role = g.acquire();
    report(role == InstanceGuard::Role::Primary     ? "primary"
           : role == InstanceGuard::Role::Secondary ? "secondary"
                                                    : "failed");
    if (role != InstanceGuard::Role::Primary)
        return 1;
    QObject::connect(&g, &InstanceGuard::raiseRequested, [] { report("raise"); });
    return QCoreApplication::exec();
}

}   // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() == 4 && args[1] == QLatin1String("stream"))
        return stream(args[2], args[3].toUInt());
    if (args.size() == 3 && args[1] == QLatin1String("guard"))
        return guard(args[2]);
    std::fprintf(stderr, "usage: %s stream <db> <seed> | guard <dir>\n", argv[0]);
    return 64;
}
