#include "embeddingchoice.h"

#include "appsettings.h"
#include "endpointstore.h"
#include "remotebackend.h"
#include "remotecontroller.h"
#include "remoteembedder.h"

#include <QCoreApplication>

using namespace causerie::documents;

EmbeddingChoice embeddingChoice(const AppSettings& settings, RemoteController& remote)
{
    EmbeddingChoice c;
    const QString source = settings.embeddingSource();
    if (source == QLatin1String("local")) {
        const QString path = settings.embeddingModelFile();
        if (path.isEmpty())
            return c;
        c.modelId = LocalTextEmbedder::idForFile(path);
        c.factory = [path]() -> DocResult<std::unique_ptr<TextEmbedder>> {
            auto e = LocalTextEmbedder::open(path);
            if (!e)
                return e.error();
            return std::unique_ptr<TextEmbedder>(std::move(e.value()));
        };
    } else if (source == QLatin1String("remote")) {
        const RemoteEndpoint endpoint = remote.endpoint(settings.embeddingEndpoint());
        const QString model = settings.embeddingRemoteModel();
        RemoteBackend* backend = endpoint.id.isEmpty() ? nullptr : remote.backend(endpoint.id);
        if (!backend || model.isEmpty())
            return c;
        const ApiKey key = backend->apiKey();
        c.hasKey = !key.isEmpty();
        const RemoteEmbeddings probe(endpoint, model, key);
        c.modelId = probe.modelId();
        c.factory = [endpoint, model, key]() -> DocResult<std::unique_ptr<TextEmbedder>> {
            auto remote = std::make_shared<RemoteEmbeddings>(endpoint, model, key);
            return std::unique_ptr<TextEmbedder>(std::make_unique<FunctionEmbedder>(
                remote->modelId(), [remote](const QStringList& texts) -> DocResult<QList<QVector<float>>> {
                    RemoteEmbeddings::Result r = remote->embed(texts);
                    if (!r.error.isEmpty())
                        return DocError{r.error};
                    return r.vectors;
                }));
        };
    }
    return c;
}
