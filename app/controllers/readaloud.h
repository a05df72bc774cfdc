#pragma once
// "Read aloud" on an answer: its Markdown made plain (code blocks and formulas announced, not
// spelled out), its language chosen (detected from the text, else the app's), and spoken by a
// SpeechEngine (Qt TextToSpeech through speech-dispatcher in the app; a fake in tests).
// One answer at a time; reading another, or the same one again, stops the first. When no
// speech engine answers, the state is Unavailable with a reason the view shows; nothing blocks.
#include <QLocale>
#include <QObject>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <functional>
#include <memory>

// What ReadAloud needs from a text-to-speech engine.
class SpeechEngine : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    // Empty when usable; else why not ("Connection to speech-dispatcher failed").
    virtual QString unavailableReason() const = 0;
    virtual QList<QLocale> locales() const = 0;
    virtual void say(const QString& text, const QLocale& locale) = 0;
    virtual void stop() = 0;

Q_SIGNALS:
    void started();
    void finished();   // said to the end, or stopped
    void failed(const QString& reason);
};

// Qt TextToSpeech's default engine (speechd on Debian).
std::unique_ptr<SpeechEngine> makeQtSpeechEngine();

class ReadAloud : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("App.readAloud")
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(qint64 messageId READ messageId NOTIFY stateChanged)   // the answer being read; 0: none
    Q_PROPERTY(QString unavailableReason READ unavailableReason NOTIFY stateChanged)
    // The language the current (or last) answer is read in ("fr") and why ("detected", "app").
    Q_PROPERTY(QString language READ language NOTIFY stateChanged)
    Q_PROPERTY(QString languageSource READ languageSource NOTIFY stateChanged)
public:
    enum State {
        Idle,       // nothing being read
        Starting,   // given to the engine, not speaking yet
        Speaking,
        Unavailable,   // no speech engine answered: unavailableReason says why
    };
    Q_ENUM(State)

    using EngineFactory = std::function<std::unique_ptr<SpeechEngine>()>;
    // The engine is made on the first read (a window that never reads aloud never connects to
    // speech-dispatcher). `appLanguage` gives the app's language ("" = the system's).
    ReadAloud(EngineFactory factory, std::function<QString()> appLanguage, QObject* parent = nullptr);
    ~ReadAloud() override;

    State state() const { return m_state; }
    qint64 messageId() const { return m_messageId; }
    QString unavailableReason() const { return m_reason; }
    QString language() const { return m_language; }
    QString languageSource() const { return m_languageSource; }

    // Reads the answer `messageId` (its Markdown `markdown`); the one being read: stops it.
    Q_INVOKABLE void toggle(qint64 messageId, const QString& markdown);
    Q_INVOKABLE void stop();

    // A spoken version of an answer's Markdown: no markup symbols, links as their text, code
    // blocks and display formulas announced instead of read, tables read row by row, a line
    // longer than SpeechTextConverter::kMaxLineChars said as "(long line)".
    static QString plainText(const QString& markdown);
    // A language the text is clearly written in ("en", "fr", "de", "es", "it", "pt", "nl"),
    // from its most common short words; "" when too short or unclear.
    static QString detectLanguage(const QString& text);
    // How long the engine may take to start speaking before it is called unavailable.
    static constexpr int kStartTimeoutMs = 5000;
    void setStartTimeoutMs(int ms) { m_startTimeout.setInterval(ms); }   // tests

Q_SIGNALS:
    void stateChanged();

private:
    void setState(State state, qint64 messageId);
    void fail(const QString& reason);
    bool ensureEngine();

    EngineFactory m_factory;
    std::function<QString()> m_appLanguage;
    std::unique_ptr<SpeechEngine> m_engine;
    QTimer m_startTimeout;
    State m_state = Idle;
    qint64 m_messageId = 0;
    QString m_reason;
    QString m_language;
    QString m_languageSource;
};
