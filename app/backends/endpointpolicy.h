#pragma once
// What Causerie accepts as an endpoint address and where it lets an API key go (issue #20):
//  - a base URL never carries credentials or parameters (user:pass@, ?api-key=..., #...):
//    the key travels only in the Authorization header, and URLs end up in logs and dialogs;
//  - a key never travels over plain http:// to a host that is not this computer, unless
//    the user allowed it for that endpoint (app: a setting stored with the endpoint;
//    causerie-cli: --allow-insecure-http);
//  - a key belongs to an origin (scheme, host, port): moving the endpoint elsewhere forgets it.
// Pure functions on strings and URLs, tested without a network (tst_remotestores).
#include <QString>
#include <QUrl>

// Empty when `base` is a usable base URL; otherwise why not, for the user (translated).
// The message never repeats the credentials it refuses.
QString baseUrlProblem(const QString& base);

// 127.0.0.0/8, ::1 (also IPv4-mapped), "localhost": a key sent there stays on this computer.
bool isLoopbackHost(const QString& host);

// Same scheme, host and port (default ports made explicit: http 80, https 443).
bool sameOrigin(const QUrl& a, const QUrl& b);
bool sameOrigin(const QString& baseA, const QString& baseB);

// Empty when a request to `url` may go out; otherwise why it must not (translated, naming
// the endpoint (when endpointName is not empty) and the host, without the remedy: the app
// and the CLI each add their own).
// Only a request carrying a key over http:// to a non-loopback host is refused.
QString insecureKeyProblem(const QUrl& url, bool hasKey, bool allowInsecureHttp, const QString& endpointName);
