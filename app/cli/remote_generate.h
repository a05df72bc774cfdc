#pragma once
#include <QStringList>

// `causerie-cli generate --remote BASE_URL --model NAME -p TEXT [-n N] [--temp X] [--top-p X]
// [--seed N] [--system TEXT] [--allow-insecure-http]`: streams the answer of a remote endpoint
// to stdout through the same RemoteBackend the app uses. The API key comes from the
// CAUSERIE_API_KEY environment variable (empty/unset = no Authorization header, for local
// servers); it is not sent over http:// to a host that is not loopback without
// --allow-insecure-http. A BASE_URL with credentials, a query or a fragment is refused. args are the
// arguments after "generate". Returns 0 on success; on failure prints "error: ..." to
// stderr and returns 1. Needs a QCoreApplication; runs its own QEventLoop.
int runRemoteGenerate(const QStringList& args);
