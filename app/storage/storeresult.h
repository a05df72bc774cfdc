#pragma once
// Errors as values for the conversation store. The message is written for the user
// ("The conversation file /x/y.db is read-only. ...") and names the file or the item.
#include "engine/result.h"

#include <QString>

namespace causerie::storage {

struct StoreError {
    QString message;
    int sqliteCode = 0;   // extended SQLite result code, 0 when the error is not SQLite's
};

template <class T>
using StoreResult = causerie::Result<T, StoreError>;

struct Done {};
using StoreStatus = StoreResult<Done>;

}   // namespace causerie::storage

// Returns the error of a StoreResult/StoreStatus expression from the calling function.
#define STORE_TRY(expr)                                                                                                \
    do {                                                                                                               \
        if (auto r_ = (expr); !r_)                                                                                     \
            return r_.error();                                                                                         \
    } while (0)
