// The engine's device name and notes in the app's language: each known form is rebuilt from
// translatable strings (a translator that marks what it translates shows which parts went
// through it), English stays word for word, and text the engine wrote freely is kept.
#include "devicetext.h"

#include <QCoreApplication>
#include <QTest>
#include <QTranslator>

namespace {

// Translates every DeviceText string to itself in «», so a test sees what was translated.
class MarkingTranslator : public QTranslator {
public:
    bool isEmpty() const override { return false; }
    QString translate(const char* context, const char* source, const char*, int) const override
    {
        return QLatin1String(context) == QLatin1String("DeviceText")
                   ? QStringLiteral("«") + QString::fromUtf8(source) + QStringLiteral("»")
                   : QString();
    }
};

}   // namespace

class TestDeviceText : public QObject {
    Q_OBJECT

    // What the app shows for the engine's text: a note, or a device name.
    static QString shown(bool isNote, const QString& text)
    {
        return isNote ? DeviceText::note(text) : DeviceText::device(text);
    }

private Q_SLOTS:
    void englishIsUnchanged_data()
    {
        QTest::addColumn<bool>("isNote");
        QTest::addColumn<QString>("text");
        QTest::newRow("cpu 1") << false << QStringLiteral("CPU (1 thread)");
        QTest::newRow("cpu 8") << false << QStringLiteral("CPU (8 threads)");
        QTest::newRow("gpu") << false << QStringLiteral("NVIDIA RTX 4090 (20/32 layers on GPU)");
        QTest::newRow("gpu graphs") << false
                                    << QStringLiteral(
                                           "NVIDIA L4 (32/32 layers on GPU; CUDA graphs off: capture failed)");
        QTest::newRow("unknown device") << false << QStringLiteral("cuda-sim (all layers)");
        QTest::newRow("no gpu") << true << QStringLiteral("no NVIDIA GPU was found: running on the CPU");
        QTest::newRow("0 layers") << true << QStringLiteral("0 GPU layers were asked for: running on the CPU");
        QTest::newRow("fit") << true
                             << QStringLiteral("GPU has 3.1 GiB free, model needs 5.0 GiB: 20 of 32 layers on GPU");
        QTest::newRow("no fit") << true
                                << QStringLiteral("GPU has 200 MiB free, model needs 5.0 GiB: not even one layer fits: "
                                                  "running on the CPU");
        QTest::newRow("cuda error") << true << QStringLiteral("cudaMalloc failed (out of memory): running on the CPU");
        QTest::newRow("gpu lost") << true
                                  << QStringLiteral("the GPU stopped working (an illegal memory access was "
                                                    "encountered): running on the CPU");
        QTest::newRow("empty") << true << QString();
    }

    // Without a translator every form comes back exactly as the engine wrote it.
    void englishIsUnchanged()
    {
        QFETCH(bool, isNote);
        QFETCH(QString, text);
        QCOMPARE(shown(isNote, text), text);
    }

    void everyKnownPartIsTranslated_data()
    {
        QTest::addColumn<bool>("isNote");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("cpu 1") << false << QStringLiteral("CPU (1 thread)") << QStringLiteral("«CPU (1 thread)»");
        QTest::newRow("cpu 8") << false << QStringLiteral("CPU (8 threads)") << QStringLiteral("«CPU (8 threads)»");
        QTest::newRow("gpu") << false << QStringLiteral("NVIDIA RTX 4090 (20/32 layers on GPU)")
                             << QStringLiteral("«NVIDIA RTX 4090 («20/32 layers on GPU»)»");
        QTest::newRow("gpu graphs") << false << QStringLiteral("NVIDIA L4 (32/32 layers on GPU; CUDA graphs off: x)")
                                    << QStringLiteral("«NVIDIA L4 («32/32 layers on GPU»; CUDA graphs off: x)»");
        QTest::newRow("no gpu") << true << QStringLiteral("no NVIDIA GPU was found: running on the CPU")
                                << QStringLiteral("««no NVIDIA GPU was found»: running on the CPU»");
        QTest::newRow("fit") << true
                             << QStringLiteral("GPU has 3.1 GiB free, model needs 5.0 GiB: 20 of 32 layers on GPU")
                             << QStringLiteral("««GPU has 3.1 GiB free, model needs 5.0 GiB»: 20 of 32 layers on GPU»");
        QTest::newRow("gpu lost") << true
                                  << QStringLiteral("the GPU stopped working (unspecified launch failure): "
                                                    "running on the CPU")
                                  << QStringLiteral("««the GPU stopped working (unspecified launch failure)»: "
                                                    "running on the CPU»");
        // A CUDA error's own words stay as written, inside the translated frame.
        QTest::newRow("cuda error") << true << QStringLiteral("cudaMalloc failed: running on the CPU")
                                    << QStringLiteral("«cudaMalloc failed: running on the CPU»");
    }

    void everyKnownPartIsTranslated()
    {
        QFETCH(bool, isNote);
        QFETCH(QString, text);
        QFETCH(QString, expected);
        MarkingTranslator marking;
        QVERIFY(QCoreApplication::installTranslator(&marking));
        const QString got = shown(isNote, text);
        QCoreApplication::removeTranslator(&marking);
        QCOMPARE(got, expected);
    }
};

QTEST_GUILESS_MAIN(TestDeviceText)
#include "tst_devicetext.moc"
