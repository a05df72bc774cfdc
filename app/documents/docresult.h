#pragma once
// Errors as values for documents: the message is written for the user and names the file
// ("/x/report.pdf is encrypted (password-protected): not read.").
#include "engine/result.h"

#include <QString>

namespace causerie::documents {

struct DocError {
    QString message;
};

template <class T>
using DocResult = causerie::Result<T, DocError>;

struct DocOk {};
using DocStatus = DocResult<DocOk>;

}   // namespace causerie::documents
