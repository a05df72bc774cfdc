#include "documentslog.h"

Q_LOGGING_CATEGORY(lcDocuments, "causerie.documents")
