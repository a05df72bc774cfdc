#include "catalogentry.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace {

struct Text {
    Q_DECLARE_TR_FUNCTIONS(ModelCatalog)
};

// Reads the fields of one entry; the first missing or mistyped field sets `error`.
class EntryReader {
public:
    EntryReader(const QJsonObject& o, QString where)
        : m_o(o)
        , m_where(std::move(where))
    {
    }

    QString string(const char* key, bool required = true)
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined()) {
            if (required)
                fail(key, Text::tr("is missing"));
            return {};
        }
        if (!v.isString()) {
            fail(key, Text::tr("must be a string"));
            return {};
        }
        return v.toString();
    }

    // JSON numbers are doubles: integers are exact up to 2^53 bytes, far above any model.
    qint64 integer(const char* key, bool required = true)
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined()) {
            if (required)
                fail(key, Text::tr("is missing"));
            return 0;
        }
        const double d = v.toDouble(-1.0);
        if (!v.isDouble() || d < 0 || d != double(qint64(d)) || d > 9.0e15) {
            fail(key, Text::tr("must be a whole number of 0 or more"));
            return 0;
        }
        return qint64(d);
    }

    void fail(const char* key, const QString& what)
    {
        if (m_error.isEmpty())
            m_error = Text::tr("%1: field \"%2\" %3").arg(m_where, QLatin1String(key), what);
    }

    const QString& error() const { return m_error; }

private:
    QJsonObject m_o;
    QString m_where;
    QString m_error;
};

QString validate(const CatalogEntry& e, EntryReader& r)
{
    static const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
    if (e.id.isEmpty())
        r.fail("id", Text::tr("is empty"));
    if (e.name.isEmpty())
        r.fail("name", Text::tr("is empty"));
    if (!e.url.isValid() || e.url.scheme() != QLatin1String("https") || e.url.host().isEmpty())
        r.fail("url", Text::tr("must be an https:// address"));
    if (!isSafeModelFileName(e.file))
        r.fail("file", Text::tr("must be a plain file name ending in .gguf (no folders, no \"..\")"));
    else if (!e.url.path().endsWith(QLatin1Char('/') + e.file))
        r.fail("file", Text::tr("must be the last part of the url"));
    if (e.size == 0 && e.approxSize == 0)
        r.fail("size", Text::tr("is 0 and no approxSize is given"));
    if (!e.sha256.isEmpty() && !hex64.match(e.sha256).hasMatch())
        r.fail("sha256", Text::tr("must be empty or 64 lower-case hexadecimal digits"));
    if (e.neededMemory <= 0)
        r.fail("neededMemory", Text::tr("must be more than 0"));
    if (e.contextLength <= 0)
        r.fail("contextLength", Text::tr("must be more than 0"));
    return r.error();
}

}   // namespace

bool isSafeModelFileName(const QString& name)
{
    if (name.isEmpty() || name.size() > 255 || name.startsWith(QLatin1Char('.')))
        return false;
    if (name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\')) || name.contains(QLatin1String("..")))
        return false;
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || c == QLatin1Char(':'))
            return false;
    }
    return name.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive) && name.size() > 5;
}

static CatalogParseResult parseCatalogEntries(const QByteArray& json, const QString& source)
{
    CatalogParseResult out;
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &perr);
    if (perr.error != QJsonParseError::NoError) {
        out.error = Text::tr("%1 is not valid JSON: %2 at byte %3").arg(source, perr.errorString()).arg(perr.offset);
        return out;
    }
    if (!doc.isObject() || !doc.object().value(QLatin1String("models")).isArray()) {
        out.error = Text::tr("%1 must be a JSON object with a \"models\" list").arg(source);
        return out;
    }
    const QJsonArray models = doc.object().value(QLatin1String("models")).toArray();
    QSet<QString> ids;
    QSet<QString> files;
    for (qsizetype i = 0; i < models.size(); ++i) {
        if (!models.at(i).isObject()) {
            out.error = Text::tr("%1: entry %2 is not a JSON object").arg(source).arg(i + 1);
            return out;
        }
        const QJsonObject o = models.at(i).toObject();
        const QString idText = o.value(QLatin1String("id")).toString();
        const QString where = idText.isEmpty() ? Text::tr("%1: entry %2").arg(source).arg(i + 1)
                                               : Text::tr("%1: entry \"%2\"").arg(source, idText);
        EntryReader r(o, where);
        CatalogEntry e;
        e.id = r.string("id");
        e.name = r.string("name");
        e.family = r.string("family");
        e.parameters = r.string("parameters");
        e.quantization = r.string("quantization");
        e.url = QUrl(r.string("url"), QUrl::StrictMode);
        e.file = r.string("file");
        e.size = r.integer("size");
        e.approxSize = r.integer("approxSize", false);
        e.sha256 = r.string("sha256");
        e.neededMemory = r.integer("neededMemory");
        e.contextLength = int(r.integer("contextLength"));
        e.license = r.string("license");
        e.layers = int(r.integer("layers", false));
        e.kvHeads = int(r.integer("kvHeads", false));
        e.headDim = int(r.integer("headDim", false));
        if (!r.error().isEmpty() || !validate(e, r).isEmpty()) {
            out.error = r.error();
            return out;
        }
        if (ids.contains(e.id)) {
            out.error = Text::tr("%1: field \"id\" is used by two entries").arg(where);
            return out;
        }
        if (files.contains(e.file)) {
            out.error = Text::tr("%1: field \"file\" is used by two entries").arg(where);
            return out;
        }
        ids.insert(e.id);
        files.insert(e.file);
        out.entries.append(e);
    }
    if (out.entries.isEmpty())
        out.error = Text::tr("%1 lists no models").arg(source);
    return out;
}

CatalogParseResult parseCatalog(const QByteArray& json, const QString& source)
{
    CatalogParseResult out = parseCatalogEntries(json, source);
    if (!out.ok())
        out.entries.clear();   // a broken catalog is never half-used
    return out;
}
