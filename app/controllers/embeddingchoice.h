#pragma once
// The embedding model the settings name (Settings → Libraries), made into what
// LibrariesController::setEmbedder takes. A remote endpoint is used only when the user chose it
// there (issue 20); nothing is chosen for them.
#include "embedder.h"

class AppSettings;
class RemoteController;

struct EmbeddingChoice {
    causerie::documents::EmbedderFactory factory;   // empty: none
    QString modelId;
    bool hasKey = false;   // remote: the endpoint's key had arrived from the keychain
};

EmbeddingChoice embeddingChoice(const AppSettings& settings, RemoteController& remote);
