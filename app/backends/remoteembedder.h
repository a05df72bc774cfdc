#pragma once
// Embeddings from an OpenAI-compatible endpoint: POST <base>/v1/embeddings
// {"model": M, "input": [texts]} → data[i].embedding, ordered by data[i].index.
//
// Only for an endpoint the user chose as the embedding model in Settings → Libraries (issue 20:
// nothing leaves the machine unless the user picked where it goes); the app never falls back to
// it on its own. The remote backend's rules apply: the base URL is checked (baseUrlProblem), the
// key travels only in the Authorization header and never over plain http:// to another computer
// unless the endpoint allows it (insecureKeyProblem), a redirect is followed only within the
// same origin, and messages never carry the key.
//
// embed() blocks (a local event loop on the calling thread: the indexer's, or the thread that
// plans a turn); its QNetworkAccessManager lives on that thread.
#include "apikey.h"
#include "endpointstore.h"

#include <QList>
#include <QStringList>
#include <QVector>

#include <optional>

class RemoteEmbeddings {
public:
    RemoteEmbeddings(RemoteEndpoint endpoint, QString model, ApiKey key, int timeoutMs = 120000);

    // "remote:<scheme://host:port>/<model>": the vectors in the index are kept under it.
    QString modelId() const;

    struct Result {
        QList<QVector<float>> vectors;   // one per text, in order
        QString error;                   // for the user; empty on success
    };
    Result embed(const QStringList& texts);

private:
    RemoteEndpoint m_endpoint;
    QString m_model;
    ApiKey m_key;
    int m_timeoutMs;
};

// The vectors of an /v1/embeddings answer for `count` texts, or why it is not one.
RemoteEmbeddings::Result parseEmbeddingsResponse(const QByteArray& body, qsizetype count);
