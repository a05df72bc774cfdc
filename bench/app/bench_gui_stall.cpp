// Runs the real window (offscreen) with the tiny model, generates N tokens, and measures how long
// the GUI thread's event loop was away between two turns (a 1 ms timer's gaps): the worst one is
// what a user would see as a stutter. Target < 16 ms (one frame at 60 Hz).
//
// --hostile streams a prepared 1 MB answer instead (ordinary Markdown around one fenced code
// block whose single line is 200,000 characters), --chunk characters per delta at 60 deltas a
// second, into the answer row the window shows (MessageListModel::setStreamingText, as the chat
// controller does; the tiny model only makes the row, marked "streaming" again before the first
// delta). It measures the view: segment split, highlighting, layout and rendering; not the
// controller's SQLite flushes.
//
// Without --hostile each run also prints (stderr) the tokens/s the window shows under the answer
// and the prompt's length, to compare the app's path with `causerie-cli bench` at the same threads.
//
// Two counts a shared machine does not blur, to compare builds while others work:
// --gc counts the script engine's garbage collections in each run (and how many the strings it
// holds set off: "triggered by unmanaged heap"); their number does not depend on the load, each
// costs a few ms of GUI thread (the logging it needs costs time too: compare stalls without it).
// Each run starts once the previous run's conversation is gone (its items are dropped over the
// next turns of the event loop: for a 1 MB answer ~10-20 ms of GUI CPU, printed per run); before,
// runs 2 and up counted that in their answer's first gaps.
// --delegates N makes each kind of message item (a user's message, an answer as it begins to
// stream, a short finished answer) N times in the window, outside the chat view, and prints the
// GUI thread's CPU time to make one, to show it (the two frames after it is made) and to drop
// it, with the objects and items one holds; then it exits.
//
//   bench_gui_stall [--model FILE.gguf] [--tokens 500] [--runs 3] [--threads N] [--gc]
//   bench_gui_stall --hostile [--chunk 1024] [--size 1000000] [--runs 1] [--gc]
//   bench_gui_stall --delegates 40
#include "appwindow.h"
#include "conversationstore.h"
#include "messagelistmodel.h"

#include "../../tests/common/hostile_answer.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QQmlComponent>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <vector>

namespace {

// CPU time this thread has used, in ms.
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// --gc: the collections counted from the script engine's own log (each begins with this line).
int g_collections = 0;
int g_byStrings = 0;
QtMessageHandler g_previousHandler = nullptr;

void countCollections(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (context.category && qstrcmp(context.category, "qt.qml.gc.allocatorStats") == 0) {
        if (message.contains(QLatin1String("========== GC ==========")))
            ++g_collections;
        else if (message.contains(QLatin1String("triggered by unmanaged heap")))
            ++g_byStrings;
        return;   // the statistics themselves are not printed
    }
    g_previousHandler(type, context, message);
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int itemCount(QQuickItem* item)
{
    int n = 1;
    for (QQuickItem* child : item->childItems())
        n += itemCount(child);
    return n;
}

// Thread CPU ms from now until the window has drawn `frames` frames (and the events they left
// are done): what showing what changed costs.
double framesCpu(QQuickWindow* window, int frames)
{
    const double start = threadCpuMs();
    int drawn = 0;
    const QMetaObject::Connection c = QObject::connect(window, &QQuickWindow::afterRendering, [&] { ++drawn; });
    QElapsedTimer guard;
    guard.start();
    for (int f = 1; f <= frames; ++f) {
        window->update();
        while (drawn < f && guard.elapsed() < 5000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    }
    QCoreApplication::processEvents();
    QObject::disconnect(c);
    return threadCpuMs() - start;
}

// --delegates: each kind of message item made `n` times in the window (not in the chat view: no
// list, so its pieces are all made), one at a time.
int measureDelegates(AppWindow& ui, int n)
{
    QQuickWindow* window = ui.window();
    if (!window) {
        std::fprintf(stderr, "error: no window\n");
        return 1;
    }
    ui.engine().addImportPath(QStringLiteral("qrc:/qt/qml"));   // where Causerie.Ui is (Qt 6.4 does not look there)
    QQmlComponent component(&ui.engine());
    component.setData("import QtQuick\nimport Causerie.Ui\nMessageDelegate { width: 800 }\n", QUrl());
    if (!component.isReady()) {
        std::fprintf(stderr, "error: %s\n", qPrintable(component.errorString()));
        return 1;
    }
    const QVariantMap common{{QStringLiteral("index"), 0},
                             {QStringLiteral("messageId"), 1},
                             {QStringLiteral("reasoning"), QString()},
                             {QStringLiteral("siblingIndex"), 0},
                             {QStringLiteral("siblingCount"), 1},
                             {QStringLiteral("model"), QStringLiteral("tiny")},
                             {QStringLiteral("backend"), QStringLiteral("local")},
                             {QStringLiteral("promptTokens"), QVariant()},
                             {QStringLiteral("cachedTokens"), QVariant()},
                             {QStringLiteral("completionTokens"), QVariant()},
                             {QStringLiteral("ttftMs"), QVariant()},
                             {QStringLiteral("tokensPerSecond"), QVariant()},
                             {QStringLiteral("finishReason"), QString()},
                             {QStringLiteral("errorText"), QString()}};
    struct Kind {
        const char* name;
        QString author, status, content;
    };
    const Kind kinds[] = {
        {"user's message", QStringLiteral("user"), QStringLiteral("done"),
         QStringLiteral("Tell me a long story about the sea.")},
        {"answer beginning to stream", QStringLiteral("assistant"), QStringLiteral("streaming"), QString()},
        {"short finished answer", QStringLiteral("assistant"), QStringLiteral("done"),
         QStringLiteral("The sea was *calm* that morning, and the **boat** left.\n\n```python\nx = 1\n```\n")},
    };
    // The window opens (and warms its chat view up) first.
    QElapsedTimer opening;
    opening.start();
    while (opening.elapsed() < 2000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    const double idleFrames = median([&] {
        std::vector<double> v;
        for (int i = 0; i < 9; ++i)
            v.push_back(framesCpu(window, 2));
        return v;
    }());
    std::printf("GUI thread CPU ms per message item (median of %d; the first one made in brackets); showing it: "
                "the first two frames with it (two frames without it: %.2f ms; the offscreen platform draws the "
                "whole window each time)\n\n",
                n, idleFrames);
    std::printf("| item | objects | items | make ms | show ms | drop ms |\n|---|---:|---:|---:|---:|---:|\n");
    for (const Kind& kind : kinds) {
        QVariantMap props = common;
        props.insert(QStringLiteral("author"), kind.author);
        props.insert(QStringLiteral("status"), kind.status);
        props.insert(QStringLiteral("content"), kind.content);
        std::vector<double> make, show, drop;
        int objects = 0;
        int items = 0;
        for (int i = 0; i < n; ++i) {
            const double t0 = threadCpuMs();
            QObject* o = component.beginCreate(ui.engine().rootContext());
            auto* item = qobject_cast<QQuickItem*>(o);
            if (!item) {
                std::fprintf(stderr, "error: %s\n", qPrintable(component.errorString()));
                return 1;
            }
            component.setInitialProperties(o, props);
            item->setParentItem(window->contentItem());
            item->setZ(1000);
            component.completeCreate();
            make.push_back(threadCpuMs() - t0);
            show.push_back(framesCpu(window, 2));
            objects = int(o->findChildren<QObject*>().size()) + 1;
            items = itemCount(item);
            const double t1 = threadCpuMs();
            delete o;
            QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
            drop.push_back(threadCpuMs() - t1);
            framesCpu(window, 1);
        }
        std::printf("| %s | %d | %d | %.2f (%.2f) | %.2f (%.2f) | %.2f |\n", kind.name, objects, items, median(make),
                    make.front(), median(show), show.front(), median(drop));
    }
    return 0;
}

}   // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", qEnvironmentVariableIsSet("QT_QPA_PLATFORM") ? qgetenv("QT_QPA_PLATFORM") : "offscreen");
    QGuiApplication app(argc, argv);
    QQuickStyle::setStyle(QStringLiteral("Material"));
    QCommandLineParser p;
    const QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("GGUF model"), QStringLiteral("file"),
                                      QStringLiteral(CAUSERIE_SOURCE_DIR "/tests/data/tiny-mistral-q8_0.gguf"));
    const QCommandLineOption tokensOpt(QStringLiteral("tokens"), QStringLiteral("tokens per answer"),
                                       QStringLiteral("n"), QStringLiteral("500"));
    const QCommandLineOption runsOpt(QStringLiteral("runs"), QStringLiteral("answers"), QStringLiteral("n"),
                                     QStringLiteral("3"));
    const QCommandLineOption threadsOpt(QStringLiteral("threads"), QStringLiteral("engine threads (0: all cores)"),
                                        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption hostileOpt(QStringLiteral("hostile"),
                                        QStringLiteral("stream a 1 MB answer with a 200,000-character code line"));
    const QCommandLineOption chunkOpt(QStringLiteral("chunk"), QStringLiteral("--hostile: characters per delta"),
                                      QStringLiteral("n"), QStringLiteral("1024"));
    const QCommandLineOption topOpt(QStringLiteral("top"),
                                    QStringLiteral("print the n gaps with the most GUI CPU (and, --hostile, how much "
                                                   "of the answer was sent then)"),
                                    QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption sizeOpt(QStringLiteral("size"), QStringLiteral("--hostile: answer characters"),
                                     QStringLiteral("n"), QStringLiteral("1000000"));
    const QCommandLineOption gcOpt(QStringLiteral("gc"),
                                   QStringLiteral("count the script engine's garbage collections in each run"));
    const QCommandLineOption delegatesOpt(QStringLiteral("delegates"),
                                          QStringLiteral("time making each kind of message item n times, then exit"),
                                          QStringLiteral("n"), QStringLiteral("0"));
    p.addOptions(
        {modelOpt, tokensOpt, runsOpt, threadsOpt, hostileOpt, chunkOpt, sizeOpt, topOpt, gcOpt, delegatesOpt});
    p.addHelpOption();
    p.process(app);
    const bool countGc = p.isSet(gcOpt);
    if (countGc) {
        g_previousHandler = qInstallMessageHandler(countCollections);
        QLoggingCategory::setFilterRules(QStringLiteral("qt.qml.gc.allocatorStats=true"));
    }

    QTemporaryDir dir;
    AppWindow ui(dir.filePath(QStringLiteral("data")), QStringLiteral("en"));
    AppController& c = ui.controller();
    c.settings()->setTemperature(0.8);
    c.settings()->setSeed(1);
    const bool hostile = p.isSet(hostileOpt);
    const QString answer =
        hostile ? hostileAnswer(std::max<qsizetype>(200000, p.value(sizeOpt).toLongLong())) : QString();
    const qsizetype chunk = std::max<qsizetype>(1, p.value(chunkOpt).toLongLong());
    c.settings()->setMaxTokens(hostile ? 1 : p.value(tokensOpt).toInt());
    c.settings()->setRepeatPenalty(1.0);
    c.settings()->setThreads(p.value(threadsOpt).toInt());
    if (!ui.load()) {
        std::fprintf(stderr, "error: the window could not be created\n");
        return 1;
    }
    if (p.value(delegatesOpt).toInt() > 0)
        return measureDelegates(ui, p.value(delegatesOpt).toInt());
    c.model()->openPath(p.value(modelOpt));
    QElapsedTimer wait;
    wait.start();
    using State = LocalModelController::State;
    while ((c.model()->state() == State::None || c.model()->state() == State::Loading) && wait.elapsed() < 30000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    if (c.model()->state() != State::Ready) {
        std::fprintf(stderr, "error: %s\n", qPrintable(c.model()->error()));
        return 1;
    }

    if (hostile)
        std::printf("answer: %lld characters in deltas of %lld at 60 per second\n\n", qlonglong(answer.size()),
                    qlonglong(chunk));
    std::printf(hostile ? "| run | deltas | seconds | deltas/s | GUI ticks |"
                        : "| run | tokens | seconds | tokens/s | GUI ticks |");
    std::printf(" longest stall ms | its GUI CPU ms | it ended at ms | p99 stall ms |");
    std::printf(" most GUI CPU in a gap ms | it ended at ms | p99 GUI CPU ms | GUI CPU ms per %s |\n",
                hostile ? "delta" : "token");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    double worst = 0;
    double worstCpu = 0;
    for (int run = 1; run <= p.value(runsOpt).toInt(); ++run) {
        // Each run starts from an empty chat with the previous one's items gone: they are dropped
        // on the next turns (deferred deletion), and a 1 MB answer's items (its ~500 slots) are
        // what a new chat costs, not what streaming the next answer does. Said apart.
        const double dropStart = threadCpuMs();
        c.newChat();
        for (int turn = 0; turn < 3; ++turn) {
            QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
            QCoreApplication::processEvents();
        }
        const double dropCpu = threadCpuMs() - dropStart;
        std::vector<double> gaps;
        double longestSoFar = -1;
        double longestAt = 0;    // ms since send() when the longest gap ended
        double longestCpu = 0;   // GUI thread CPU ms within it: far below the gap = the thread was
                                 // waiting for a core (a busy machine), not running our code
        double mostCpu = 0;      // the most GUI thread CPU ms within one gap, whatever its length:
                                 // what our code costs at once, the figure a shared machine blurs least
        double mostCpuAt = 0;
        std::vector<double> cpus;   // GUI CPU ms within each gap
        struct Gap {
            double cpu, wall, at;
            qsizetype sent;
        };
        std::vector<Gap> costly;   // --top: every gap with its CPU, sorted after the run
        qsizetype sent = 0;        // --hostile: characters of the answer sent so far
        g_collections = 0;
        g_byStrings = 0;
        QElapsedTimer clock;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        tick.setInterval(1);
        qint64 last = 0;
        double lastCpu = threadCpuMs();
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = clock.nsecsElapsed();
            const double cpu = threadCpuMs();
            const double gap = double(now - last) / 1e6;
            if (gap > longestSoFar) {   // a running maximum: the handler stays O(1) on the GUI thread
                longestSoFar = gap;
                longestAt = double(now) / 1e6;
                longestCpu = cpu - lastCpu;
            }
            if (cpu - lastCpu > mostCpu) {
                mostCpu = cpu - lastCpu;
                mostCpuAt = double(now) / 1e6;
            }
            gaps.push_back(gap);
            cpus.push_back(cpu - lastCpu);
            costly.push_back({cpu - lastCpu, gap, double(now) / 1e6, sent});
            last = now;
            lastCpu = cpu;
        });
        clock.start();
        // The GUI thread's CPU over the whole run, per delta: what a delta costs on average,
        // which a loaded machine blurs least. It includes the 1 ms tick's own cost, so compare
        // builds only at similar tick counts (an idler thread ticks more often).
        const double runCpu = threadCpuMs();
        tick.start();
        if (!c.chat()->send(QStringLiteral("Tell me a long story about the sea."))) {
            std::fprintf(stderr, "error: %s\n", qPrintable(c.chat()->lastError()));
            return 1;
        }
        while (c.chat()->generating())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        auto* messages = qobject_cast<causerie::storage::MessageListModel*>(c.messages());
        int tokens =
            messages->data(messages->index(1, 0), causerie::storage::MessageListModel::CompletionTokensRole).toInt();
        if (hostile) {
            // The answer row exists: stream the prepared answer into it, one delta per 16 ms.
            const qint64 answerId =
                messages->data(messages->index(1, 0), causerie::storage::MessageListModel::IdRole).toLongLong();
            // As the chat controller's row is while it streams: "streaming" (the view shows a
            // streaming answer differently, e.g. its accessible name waits for the whole text).
            // The tiny model has finished its token: a second connection to the database marks
            // the row again (in SQL: the store refuses to set a message back to streaming) and
            // the list reads it back, before the first delta.
            auto side =
                causerie::storage::ConversationStore::open(dir.filePath(QStringLiteral("data/conversations.db")));
            if (!side) {
                std::fprintf(stderr, "error: %s\n", qPrintable(side.errorString()));
                return 1;
            }
            auto mark = (*side)->database().prepare("UPDATE messages SET status = 'streaming' WHERE id = ?1");
            if (!mark || !mark->bind(1, answerId).run()) {
                std::fprintf(stderr, "error: the answer row could not be marked streaming\n");
                return 1;
            }
            messages->reload();
            if (messages->data(messages->index(1, 0), causerie::storage::MessageListModel::StatusRole).toString() !=
                QLatin1String("streaming")) {
                std::fprintf(stderr, "error: the answer row is not streaming\n");
                return 1;
            }
            QTimer deltas;
            deltas.setTimerType(Qt::PreciseTimer);
            deltas.setInterval(16);
            QObject::connect(&deltas, &QTimer::timeout, [&] {
                sent = std::min(answer.size(), sent + chunk);
                messages->setStreamingText(answerId, answer.left(sent));
                if (sent == answer.size())
                    deltas.stop();
            });
            deltas.start();
            while (deltas.isActive())
                QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
            tokens = int((answer.size() + chunk - 1) / chunk);   // deltas, in this case
        }
        tick.stop();
        const double cpuPerDelta = tokens > 0 ? (threadCpuMs() - runCpu) / tokens : 0;
        const double seconds = double(clock.nsecsElapsed()) / 1e9;
        std::sort(gaps.begin(), gaps.end());
        const double longest = gaps.empty() ? 0 : gaps.back();
        const double p99 = gaps.empty() ? 0 : gaps[size_t(double(gaps.size() - 1) * 0.99)];
        std::sort(cpus.begin(), cpus.end());
        const double p99Cpu = cpus.empty() ? 0 : cpus[size_t(double(cpus.size() - 1) * 0.99)];
        worst = std::max(worst, longest);
        worstCpu = std::max(worstCpu, mostCpu);
        const size_t top = std::min(costly.size(), size_t(std::max(0, p.value(topOpt).toInt())));
        std::partial_sort(costly.begin(), costly.begin() + top, costly.end(),
                          [](const Gap& a, const Gap& b) { return a.cpu > b.cpu; });
        for (size_t i = 0; i < top; ++i)
            std::fprintf(stderr, "run %d: gap with %.1f ms GUI CPU, %.1f ms wall, ended at %.0f ms, %lld chars sent\n",
                         run, costly[i].cpu, costly[i].wall, costly[i].at, qlonglong(costly[i].sent));
        if (countGc)
            std::fprintf(stderr, "run %d: %d script-engine collections, %d of them triggered by strings\n", run,
                         g_collections, g_byStrings);
        std::fprintf(stderr, "run %d: the new chat (the previous one's items dropped) took %.1f ms GUI CPU before\n",
                     run, dropCpu);
        if (!hostile) {
            // What the window shows under the answer (completion tokens / decode seconds, prompt
            // excluded), to set beside `causerie-cli bench MODEL -t THREADS -p PROMPT -n TOKENS`.
            const QModelIndex row = messages->index(1, 0);
            using Roles = causerie::storage::MessageListModel;
            std::fprintf(stderr, "run %d: the window shows %.1f tokens/s (%d prompt tokens, %d generated)\n", run,
                         messages->data(row, Roles::TokensPerSecondRole).toDouble(),
                         messages->data(row, Roles::PromptTokensRole).toInt(), tokens);
        }
        std::printf("| %d | %d | %.2f | %.0f | %zu | %.1f | %.1f | %.0f | %.1f | %.1f | %.0f | %.1f | %.2f |\n", run,
                    tokens, seconds, tokens / seconds, gaps.size(), longest, longestCpu, longestAt, p99, mostCpu,
                    mostCpuAt, p99Cpu, cpuPerDelta);
    }
    std::printf("\nlongest GUI-thread stall: %.1f ms (target < 16 ms); most GUI CPU in one stall: %.1f ms\n", worst,
                worstCpu);
    return 0;
}
