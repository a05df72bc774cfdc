#pragma once
// An OpenAiServer on its own thread (so that blocking test clients can talk to it), on a free
// loopback port, over a FakeEngine or a real SessionEngine.
#include "openaiserver.h"
#include "sessionengine.h"

#include <QThread>

#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

// A ServerEngine that answers from a script, on a thread per request: pieces in order, or
// endless pieces until cancelled. Records what it was asked.
class FakeEngine final : public causerie::server::ServerEngine {
public:
    std::atomic<causerie::server::EngineState> engineState{causerie::server::EngineState::Ready};
    // Set between requests; each request takes a copy when it is submitted.
    std::vector<std::string> pieces{"Hello", ", ", "world"};
    std::string endlessPiece;   // non-empty: repeat it until cancelled
    int capacity = 16;
    std::atomic<int> cancelsSeen{0};   // generations that stopped because of their cancel flag
    causerie::server::GenerationResult result{3, 0, 3, "stop", {}, false};

    ~FakeEngine() override
    {
        m_stop = true;
        for (auto& t : m_threads)
            t.join();
    }
    causerie::server::EngineState state() const override { return engineState; }
    std::string failure() const override { return "the file is not a GGUF model"; }
    std::string model_id() const override { return "fake-model"; }
    bool submit(causerie::server::GenerationRequest request, std::shared_ptr<causerie::server::GenerationSink> sink,
                std::shared_ptr<std::atomic<bool>> cancel) override
    {
        std::lock_guard lock(m_mutex);
        if (m_active >= capacity)
            return false;
        ++m_active;
        m_requests.push_back(request);
        // The script as it is now: a test may change it for the next request while this one runs.
        m_threads.emplace_back(
            [this, sink, cancel, pieces = pieces, endlessPiece = endlessPiece, r = result]() mutable {
                for (size_t i = 0; !m_stop; ++i) {
                    if (cancel->load()) {
                        ++cancelsSeen;
                        r.finish_reason = "cancelled";
                        break;
                    }
                    if (endlessPiece.empty() && i >= pieces.size())
                        break;
                    sink->piece(endlessPiece.empty() ? pieces[i] : endlessPiece);
                    if (!endlessPiece.empty())
                        std::this_thread::sleep_for(std::chrono::milliseconds(2));   // a token's time
                }
                {
                    std::lock_guard lock(m_mutex);
                    --m_active;
                }
                sink->finished(r);
            });
        return true;
    }
    causerie::server::GenerationRequest lastRequest()
    {
        std::lock_guard lock(m_mutex);
        return m_requests.empty() ? causerie::server::GenerationRequest{} : m_requests.back();
    }
    int requestCount()
    {
        std::lock_guard lock(m_mutex);
        return int(m_requests.size());
    }

private:
    std::mutex m_mutex;
    int m_active = 0;
    std::vector<causerie::server::GenerationRequest> m_requests;
    std::list<std::thread> m_threads;
    std::atomic<bool> m_stop{false};
};

class ServerHarness {
public:
    // Takes the engine (destroyed before the server, as the server requires).
    ServerHarness(std::unique_ptr<causerie::server::ServerEngine> engine, causerie::server::ServerConfig config)
        : m_engine(std::move(engine))
    {
        config.port = 0;
        m_thread.start();
        m_context.moveToThread(&m_thread);
        QMetaObject::invokeMethod(
            &m_context,
            [&] {
                m_server = new causerie::server::OpenAiServer(*m_engine, config);
                m_started = m_server->start(&m_error);
                m_port = m_server->port();
            },
            Qt::BlockingQueuedConnection);
    }
    ~ServerHarness()
    {
        m_engine.reset();
        destroyServer();
        m_thread.quit();
        m_thread.wait();
    }
    void destroyServer()
    {
        QMetaObject::invokeMethod(
            &m_context,
            [&] {
                delete m_server;
                m_server = nullptr;
            },
            Qt::BlockingQueuedConnection);
    }
    bool started() const { return m_started; }
    QString error() const { return m_error; }
    uint16_t port() const { return m_port; }
    causerie::server::ServerEngine& engine() { return *m_engine; }
    int activeRequests()
    {
        int n = 0;
        QMetaObject::invokeMethod(
            &m_context, [&] { n = m_server->activeRequests(); }, Qt::BlockingQueuedConnection);
        return n;
    }

private:
    std::unique_ptr<causerie::server::ServerEngine> m_engine;
    QThread m_thread;
    QObject m_context;
    causerie::server::OpenAiServer* m_server = nullptr;
    bool m_started = false;
    QString m_error;
    uint16_t m_port = 0;
};
