#include "devicetext.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace {

// lupdate reads the literal calls below (context DeviceText); `tr(f)` only looks up the fixed ones.
QString tr(const char* text) { return QCoreApplication::translate("DeviceText", text); }

// One reason the GPU was not (entirely) used, as engine/device.cpp and the CUDA probe word them.
QString reason(const QString& text)
{
    static const char* const fixed[] = {
        QT_TRANSLATE_NOOP("DeviceText", "0 GPU layers were asked for"),
        QT_TRANSLATE_NOOP("DeviceText", "this build of Causerie has no GPU backend"),
        QT_TRANSLATE_NOOP("DeviceText", "no NVIDIA GPU was found"),
        QT_TRANSLATE_NOOP("DeviceText", "no NVIDIA GPU could be queried"),
        QT_TRANSLATE_NOOP("DeviceText", "no CUDA device was found"),
    };
    for (const char* f : fixed)
        if (text == QLatin1String(f))
            return tr(f);
    // "GPU has 3.1 GiB free, model needs 5.0 GiB: 20 of 32 layers on GPU" / "...: not even one layer fits"
    static const QRegularExpression fit(QStringLiteral(
        R"(^GPU has (.+) free, model needs (.+): (?:(\d+) of (\d+) layers on GPU|not even one layer fits)$)"));
    if (const auto m = fit.match(text); m.hasMatch()) {
        const QString head = QCoreApplication::translate("DeviceText", "GPU has %1 free, model needs %2")
                                 .arg(m.captured(1), m.captured(2));
        return m.capturedLength(3) > 0
                   ? QCoreApplication::translate("DeviceText", "%1: %2 of %3 layers on GPU")
                         .arg(head, m.captured(3), m.captured(4))
                   : QCoreApplication::translate("DeviceText", "%1: not even one layer fits").arg(head);
    }
    // "the GPU stopped working (<the CUDA error's words>)": the session moved to the CPU mid-answer.
    static const QRegularExpression lost(QStringLiteral(R"(^the GPU stopped working \((.*)\)$)"));
    if (const auto m = lost.match(text); m.hasMatch())
        return QCoreApplication::translate("DeviceText", "the GPU stopped working (%1)").arg(m.captured(1));
    return text;   // a CUDA error's own words
}

}   // namespace

namespace DeviceText {

QString device(const QString& engineText)
{
    static const QRegularExpression cpu(QStringLiteral(R"(^CPU \((\d+) threads?\)$)"));
    if (const auto m = cpu.match(engineText); m.hasMatch()) {
        const int n = m.captured(1).toInt();
        return n == 1 ? QCoreApplication::translate("DeviceText", "CPU (1 thread)")
                      : QCoreApplication::translate("DeviceText", "CPU (%1 threads)").arg(n);
    }
    // "NVIDIA RTX 4090 (20/32 layers on GPU)" or "...; CUDA graphs off: <why>)"
    static const QRegularExpression gpu(
        QStringLiteral(R"(^(.+) \((\d+)/(\d+) layers on GPU(?:; CUDA graphs off: (.*))?\)$)"));
    if (const auto m = gpu.match(engineText); m.hasMatch()) {
        const QString layers =
            QCoreApplication::translate("DeviceText", "%1/%2 layers on GPU").arg(m.captured(2), m.captured(3));
        return m.capturedLength(4) > 0
                   ? QCoreApplication::translate("DeviceText", "%1 (%2; CUDA graphs off: %3)")
                         .arg(m.captured(1), layers, m.captured(4))
                   : QCoreApplication::translate("DeviceText", "%1 (%2)").arg(m.captured(1), layers);
    }
    return engineText;
}

QString note(const QString& engineText)
{
    static const QString cpuSuffix = QStringLiteral(": running on the CPU");
    if (engineText.endsWith(cpuSuffix))
        return QCoreApplication::translate("DeviceText", "%1: running on the CPU")
            .arg(reason(engineText.chopped(cpuSuffix.size())));
    return reason(engineText);
}

}   // namespace DeviceText
