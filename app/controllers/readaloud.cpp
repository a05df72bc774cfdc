#include "readaloud.h"

#include "speechtextconverter.h"

#include <QHash>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QTextToSpeech>

Q_LOGGING_CATEGORY(lcReadAloud, "causerie.app.readaloud", QtInfoMsg)

namespace {

class QtSpeechEngine : public SpeechEngine {
public:
    QtSpeechEngine()
        : m_tts(new QTextToSpeech(this))
    {
        // stateChanged is queued by the speechd plugin (its callbacks come from its own thread).
        connect(m_tts, &QTextToSpeech::stateChanged, this, [this](QTextToSpeech::State s) {
            if (s == QTextToSpeech::Speaking)
                Q_EMIT started();
            else if (s == QTextToSpeech::Ready)
                Q_EMIT finished();
            else if (s == QTextToSpeech::Error)
                Q_EMIT failed(m_tts->errorString());
        });
    }
    QString unavailableReason() const override
    {
        if (m_tts->state() != QTextToSpeech::Error)
            return {};
        return m_tts->errorString().isEmpty() ? QStringLiteral("The speech engine could not start.")
                                              : m_tts->errorString();
    }
    QList<QLocale> locales() const override { return m_tts->availableLocales(); }
    void say(const QString& text, const QLocale& locale) override
    {
        if (locale != m_tts->locale())
            m_tts->setLocale(locale);
        m_tts->say(text);
    }
    void stop() override { m_tts->stop(); }

private:
    QTextToSpeech* m_tts;
};

// The most frequent short words of each language the detector knows. A word may count for
// several ("is": English and Dutch); the winner must be well ahead (detectLanguage).
const QHash<QString, QSet<QString>>& stopWords()
{
    static const QHash<QString, QSet<QString>> words = {
        {QStringLiteral("en"), {"the", "and", "is", "are", "of", "to", "with", "this", "that", "you", "it", "for"}},
        {QStringLiteral("fr"), {"le", "la", "les", "et", "est", "des", "une", "du", "avec", "pour", "vous", "dans"}},
        {QStringLiteral("de"), {"der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "sie", "auf", "ich"}},
        {QStringLiteral("es"), {"el", "los", "las", "y", "es", "una", "por", "con", "para", "como", "pero", "del"}},
        {QStringLiteral("it"), {"il", "gli", "di", "che", "è", "una", "per", "sono", "con", "non", "della", "anche"}},
        {QStringLiteral("pt"), {"o", "os", "e", "é", "um", "uma", "não", "com", "para", "mais", "você", "isso"}},
        {QStringLiteral("nl"), {"de", "het", "een", "en", "is", "van", "niet", "met", "voor", "zijn", "ook", "dat"}},
    };
    return words;
}

}   // namespace

std::unique_ptr<SpeechEngine> makeQtSpeechEngine() { return std::make_unique<QtSpeechEngine>(); }

ReadAloud::ReadAloud(EngineFactory factory, std::function<QString()> appLanguage, QObject* parent)
    : QObject(parent)
    , m_factory(std::move(factory))
    , m_appLanguage(std::move(appLanguage))
{
    m_startTimeout.setSingleShot(true);
    m_startTimeout.setInterval(kStartTimeoutMs);
    connect(&m_startTimeout, &QTimer::timeout, this, [this] {
        if (m_engine)
            m_engine->stop();
        fail(tr("The speech engine did not start speaking."));
    });
}

ReadAloud::~ReadAloud() = default;

void ReadAloud::setState(State state, qint64 messageId)
{
    if (state == m_state && messageId == m_messageId)
        return;
    m_state = state;
    m_messageId = messageId;
    Q_EMIT stateChanged();
}

void ReadAloud::fail(const QString& reason)
{
    m_startTimeout.stop();
    m_reason = reason;
    qCInfo(lcReadAloud) << "read aloud unavailable:" << reason;
    m_state = Idle;   // forces the change below even if the message id is the same
    setState(Unavailable, 0);
}

bool ReadAloud::ensureEngine()
{
    if (!m_engine) {
        m_engine = m_factory ? m_factory() : nullptr;
        if (!m_engine) {
            fail(tr("No speech engine is installed."));
            return false;
        }
        connect(m_engine.get(), &SpeechEngine::started, this, [this] {
            m_startTimeout.stop();
            if (m_state == Starting)
                setState(Speaking, m_messageId);
        });
        connect(m_engine.get(), &SpeechEngine::finished, this, [this] {
            m_startTimeout.stop();
            if (m_state == Starting || m_state == Speaking)
                setState(Idle, 0);
        });
        connect(m_engine.get(), &SpeechEngine::failed, this,
                [this](const QString& reason) { fail(tr("Read aloud is unavailable: %1").arg(reason)); });
    }
    if (const QString reason = m_engine->unavailableReason(); !reason.isEmpty()) {
        fail(tr("Read aloud is unavailable: %1").arg(reason));
        // Try again next time (speech-dispatcher may have been started meanwhile).
        m_engine.reset();
        return false;
    }
    return true;
}

void ReadAloud::toggle(qint64 messageId, const QString& markdown)
{
    const bool same = messageId == m_messageId && (m_state == Starting || m_state == Speaking);
    stop();
    if (same)
        return;
    const QString text = plainText(markdown);
    if (text.trimmed().isEmpty() || !ensureEngine())
        return;
    // The answer's language when it is clear from the text, else the app's.
    m_language = detectLanguage(text);
    m_languageSource = QStringLiteral("detected");
    if (m_language.isEmpty()) {
        const QString app = m_appLanguage ? m_appLanguage() : QString();
        m_language = app.isEmpty() ? QLocale().name().section(QLatin1Char('_'), 0, 0) : app;
        m_languageSource = QStringLiteral("app");
    }
    // The engine's locale of that language (the system's region first), else its default.
    QLocale locale;
    const QLocale::Language wanted = QLocale(m_language).language();
    const QList<QLocale> available = m_engine->locales();
    for (const QLocale& l : available) {
        if (l.language() == wanted) {
            locale = l;
            if (l.territory() == QLocale().territory())
                break;
        }
    }
    m_reason.clear();
    setState(Starting, messageId);
    m_startTimeout.start();
    m_engine->say(text, locale);
}

void ReadAloud::stop()
{
    m_startTimeout.stop();
    if (m_state != Starting && m_state != Speaking)
        return;
    if (m_engine)
        m_engine->stop();
    setState(Idle, 0);
}

QString ReadAloud::plainText(const QString& markdown)
{
    SpeechTextConverter converter;
    return SpeechTextConverter::join(converter.feed(markdown));
}

QString ReadAloud::detectLanguage(const QString& text)
{
    static const QRegularExpression nonWord(QStringLiteral("[^\\w]+"), QRegularExpression::UseUnicodePropertiesOption);
    QHash<QString, int> score;
    int words = 0;
    for (const QString& w : text.toLower().split(nonWord, Qt::SkipEmptyParts)) {
        ++words;
        for (auto it = stopWords().cbegin(); it != stopWords().cend(); ++it)
            if (it.value().contains(w))
                ++score[it.key()];
    }
    QString best;
    int bestScore = 0;
    int second = 0;
    for (auto it = score.cbegin(); it != score.cend(); ++it) {
        if (it.value() > bestScore) {
            second = bestScore;
            bestScore = it.value();
            best = it.key();
        } else if (it.value() > second) {
            second = it.value();
        }
    }
    // Clear: a few hits, a good share of the words, and well ahead of the runner-up.
    if (words < 4 || bestScore < 3 || bestScore * 10 < words || bestScore < 2 * second)
        return {};
    return best;
}
