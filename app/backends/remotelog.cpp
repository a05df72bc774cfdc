#include "remotelog.h"

Q_LOGGING_CATEGORY(lcRemote, "causerie.remote")
