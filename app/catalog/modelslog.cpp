#include "modelslog.h"

Q_LOGGING_CATEGORY(lcModels, "causerie.models", QtInfoMsg)
