#include "embedder.h"

#include "documentslog.h"
#include "engine/embedding.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace causerie::documents {

LocalTextEmbedder::~LocalTextEmbedder() = default;

DocResult<std::unique_ptr<LocalTextEmbedder>> LocalTextEmbedder::open(const QString& path, int threads)
{
    EmbedderOptions options;
    options.n_threads = threads;
    auto e = Embedder::open(QFile::encodeName(path).toStdString(), options);
    if (!e)
        return DocError{QCoreApplication::translate("Documents", "The embedding model %1 could not be used: %2")
                            .arg(path, QString::fromStdString(e.error().message))};
    std::unique_ptr<LocalTextEmbedder> out(new LocalTextEmbedder);
    out->m_embedder = std::move(e).value();
    out->m_id = idForFile(path);
    return out;
}

QString LocalTextEmbedder::idForFile(const QString& path)
{
    const QFileInfo info(path);
    return QStringLiteral("gguf:%1:%2").arg(info.fileName()).arg(info.size());
}

int LocalTextEmbedder::dimension() const { return int(m_embedder->dimension()); }

DocResult<QList<QVector<float>>> LocalTextEmbedder::embed(const QStringList& texts)
{
    QList<QVector<float>> out;
    out.reserve(texts.size());
    for (const QString& text : texts) {
        auto v = m_embedder->embed(text.toStdString());
        if (!v)
            return DocError{QCoreApplication::translate("Documents", "The embedding model %1 failed: %2")
                                .arg(m_id, QString::fromStdString(v.error().message))};
        out.append(QVector<float>(v->begin(), v->end()));
    }
    return out;
}

QString embeddingText(const ChunkText& chunk)
{
    return chunk.heading.isEmpty() ? chunk.text : chunk.heading + QLatin1Char('\n') + chunk.text;
}

EmbedReport embedPending(DocIndex& index, TextEmbedder& embedder, const EmbedCallbacks& callbacks, int batch)
{
    EmbedReport report;
    const QString model = embedder.modelId();
    if (auto r = index.removeVectorsExcept(model); !r) {
        report.error = r.error().message;
        return report;
    }
    const qint64 total = index.chunksWithoutVectorCount(model);
    for (;;) {
        if (callbacks.cancelled && callbacks.cancelled()) {
            report.cancelled = true;
            return report;
        }
        const QList<ChunkText> chunks =
            index.chunksWithoutVector(model, batch > 0 ? batch : std::max(1, embedder.batchSize()));
        if (chunks.isEmpty())
            return report;
        QStringList texts;
        for (const ChunkText& c : chunks)
            texts.append(embeddingText(c));
        auto vectors = embedder.embed(texts);
        if (!vectors) {
            report.error = vectors.error().message;
            return report;
        }
        if (vectors.value().size() != chunks.size()) {
            report.error =
                QCoreApplication::translate("Documents", "The embedding model %1 gave %2 vectors for %3 texts.")
                    .arg(model)
                    .arg(vectors.value().size())
                    .arg(chunks.size());
            return report;
        }
        QList<QPair<qint64, QVector<float>>> rows;
        for (qsizetype i = 0; i < chunks.size(); ++i)
            rows.append({chunks[i].id, vectors.value()[i]});
        if (auto r = index.putVectors(model, rows); !r) {
            report.error = r.error().message;
            return report;
        }
        report.embedded += chunks.size();
        if (callbacks.progress)
            callbacks.progress(report.embedded, total);
    }
}

}   // namespace causerie::documents
