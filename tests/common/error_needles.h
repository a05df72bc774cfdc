#pragma once
// For tests of bad input: an error message must name the culprit and the problem. Shared by the
// GGUF parser's and the model loader's EXPECT_*_ERROR macros.
#include <QString>
#include <QStringList>
#include <QTest>

#include <initializer_list>
#include <string>

namespace causerie::testing {

// Empty when `message` contains every needle; otherwise says which one it lacks.
inline QString lackedNeedle(const std::string& message, std::initializer_list<const char*> needles)
{
    for (const char* n : needles)
        if (message.find(n) == std::string::npos)
            return QStringLiteral("message \"%1\" lacks \"%2\"")
                .arg(QString::fromStdString(message), QString::fromUtf8(n));
    return {};
}

// The same with needles from a test's data table.
inline QString lackedNeedle(const std::string& message, const QStringList& needles)
{
    for (const QString& n : needles)
        if (message.find(n.toStdString()) == std::string::npos)
            return QStringLiteral("message \"%1\" lacks \"%2\"").arg(QString::fromStdString(message), n);
    return {};
}

// Empty when `r` is an error whose message contains every needle; otherwise what is wrong
// (`accepted` when it is no error at all).
template <typename R>
QString rejectionProblem(const R& r, const char* accepted, std::initializer_list<const char*> needles)
{
    if (r.ok())
        return QString::fromUtf8(accepted);
    return lackedNeedle(r.error().message, needles);
}
template <typename R>
QString rejectionProblem(const R& r, const char* accepted, const QStringList& needles)
{
    if (r.ok())
        return QString::fromUtf8(accepted);
    return lackedNeedle(r.error().message, needles);
}

}   // namespace causerie::testing

// The input must be rejected (`result` an error) and the message must contain every needle (the
// key/tensor and the problem): string literals, or one QStringList.
#define CAUSERIE_EXPECT_REJECTED(result, accepted, ...)                                                                \
    do {                                                                                                               \
        const QString problem_ = causerie::testing::rejectionProblem(result, accepted, {__VA_ARGS__});                 \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));                                                            \
    } while (0)
