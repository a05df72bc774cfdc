// `causerie-cli bench --device cuda-sim --json`: the sim's counts as the bench reports them. The
// counting itself is checked on hand-made patterns in tst_cuda_sim; here, on real models: what
// one layer costs does not depend on how many layers there are, and the Q4_0 matvec has the
// sector efficiency its packed layout implies (worked out by hand below).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <string>

namespace {

QByteArray runCli(const QStringList& args, bool* ok)
{
    QProcess p;
    p.start(QStringLiteral(CAUSERIE_CLI), args);
    *ok = p.waitForFinished(600000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!*ok)
        qWarning("%s", p.readAllStandardError().constData());
    return p.readAllStandardOutput();
}

// Every matrix 1024 wide and Q4_0: a row is 32 blocks, one per lane of the warp that reads it,
// in the packed layout of kernels/cuda/matvec.cuh. 8 heads of 128 dims, 2 KV heads.
QString makeModel(const QTemporaryDir& dir, int layers, int ctx = 64)
{
    const QString path = dir.filePath(QStringLiteral("m%1-%2.gguf").arg(layers).arg(ctx));
    bool ok = false;
    runCli({"make-test-model",
            path,
            "--type",
            "Q4_0",
            "--layers",
            QString::number(layers),
            "--embd",
            "1024",
            "--heads",
            "8",
            "--kv-heads",
            "2",
            "--ff",
            "1024",
            "--vocab",
            "320",
            "--ctx",
            QString::number(ctx),
            "--seed",
            "5"},
           &ok);
    return ok ? path : QString();
}

// The "sim" object of each test of one bench run, by test name ("pp2", "tg2"); tests {"-p", "0", "-n", "2"}: tg2 only.
QMap<QString, QJsonObject> simRows(const QString& model, const QStringList& extra = {},
                                   const QStringList& tests = {"-p", "2", "-n", "2"})
{
    bool ok = false;
    const QByteArray out = runCli(QStringList{"bench", model, "--device", "cuda-sim"} + tests +
                                      QStringList{"-r", "1", "-t", "1", "--json"} + extra,
                                  &ok);
    QMap<QString, QJsonObject> rows;
    if (ok)
        for (const QJsonValue& row : QJsonDocument::fromJson(out).array())
            rows[row.toObject().value("test").toString()] = row.toObject().value("sim").toObject();
    return rows;
}

}   // namespace

class TestBenchSim : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsPerLayerDoNotDependOnDepth();
    void appSamplerWaitsOncePerToken();
    void topKOptionRejectsBadInput_data();
    void topKOptionRejectsBadInput();
    void prefillCountsAttentionLoadsAndBankWavefronts();
};

void TestBenchSim::countsPerLayerDoNotDependOnDepth()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString two = makeModel(dir, 2);
    const QString three = makeModel(dir, 3);
    QVERIFY(!two.isEmpty() && !three.isEmpty());
    const QMap<QString, QJsonObject> rowsTwo = simRows(two);
    const QMap<QString, QJsonObject> rowsThree = simRows(three);

    for (const char* test : {"pp2", "tg2"}) {
        const QJsonObject a = rowsTwo.value(test);
        const QJsonObject b = rowsThree.value(test);
        QVERIFY2(!a.isEmpty() && !b.isEmpty(), test);
        QCOMPARE(a.value("layers_counted").toInt(), 2);
        QCOMPARE(b.value("layers_counted").toInt(), 3);
        // One more layer: exactly one layer's launches more per token, the same per-layer figure.
        QCOMPARE(b.value("launches_per_layer").toDouble(), a.value("launches_per_layer").toDouble());
        QCOMPARE(b.value("launches_per_token").toDouble() - a.value("launches_per_token").toDouble(),
                 a.value("launches_per_layer").toDouble());
        QVERIFY(a.value("launches_per_layer").toDouble() >= 1);
        // Hence the same estimate for the full-depth model from either.
        QCOMPARE(b.value("estimate").toObject(), a.value("estimate").toObject());

        // Packed Q4_0 matvec, worked out by hand. Per pair of rows (one warp, 32 blocks), each
        // lane loads 2 x 16 bytes of activation codes and 4 bytes of activation scale and sum, and
        // per row 16 bytes of codes and 2 bytes of weight scale, lanes on consecutive addresses of
        // 32-byte aligned planes: 512-byte loads touch 16 sectors, the 128- and 64-byte ones 4 and
        // 2. Every sector is used whole (efficiency 1; the GGUF layout read with 16-bit loads gave
        // 0.074) and a lane moves 72 bytes in 7 loads (every row count here is even). pp2: the
        // layers' products read each weight once for both prompt tokens (the multi-token variant):
        // per lane 2 x (16 + 2) bytes of weights in 4 loads and 2 x 36 of activations in 6, over
        // the 2816 warps of a layer (Q 512, K and V 128 each, O 512, gate/up 1024, down 512); the
        // head (160 warps) runs for the last token only, 72 bytes in 7.
        const double per_lane =
            std::string(test) == "tg2" ? 72.0 / 7.0 : (2 * 2816 * 108.0 + 160 * 72.0) / (2 * 2816 * 10.0 + 160 * 7.0);
        QVERIFY2(std::abs(a.value("matvec_mean_load_bytes_per_lane").toDouble() - per_lane) < 1e-3,
                 qPrintable(QString::number(a.value("matvec_mean_load_bytes_per_lane").toDouble())));
        QVERIFY2(std::abs(a.value("matvec_sector_efficiency").toDouble() - 1.0) < 1e-4,
                 qPrintable(QString::number(a.value("matvec_sector_efficiency").toDouble())));
    }
    // The bench's own decode reads one row of logits per token: one wait for the device.
    QCOMPARE(rowsTwo.value("tg2").value("host_syncs_per_token").toDouble(), 1.0);
}

// The app's path (Session::generate with the app's sampling defaults: temperature, top-k 40,
// top-p, min-p, repetition penalty) samples on the device: the host waits once per token, for
// the token's id (the prompt's first token: for its row of logits). It waited 4 times before
// (the top-k ids, their logits, the penalty window's logits, a stream sync). With top-k 0 (off)
// the whole-vocabulary path (kernels/cuda/sample.cu sample_logits_wide: 5 launches instead of
// the tree's one level for 320 logits) samples on the device too (320 candidates at most, under
// its 2048): still one wait per token.
void TestBenchSim::appSamplerWaitsOncePerToken()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString two = makeModel(dir, 2);
    QVERIFY(!two.isEmpty());
    const QJsonObject tree = simRows(two, {"--sampler", "app"}, {"-p", "0", "-n", "2"}).value("tg2");
    const QJsonObject wide = simRows(two, {"--sampler", "app", "--top-k", "0"}, {"-p", "0", "-n", "2"}).value("tg2");
    QVERIFY(!tree.isEmpty() && !wide.isEmpty());
    for (const QJsonObject& tg : {tree, wide}) {
        QCOMPARE(tg.value("host_syncs_per_token").toDouble(), 1.0);
        // The sampler's launches are per token, not per layer: the same 10 per layer as the bench's path.
        QCOMPARE(tg.value("launches_per_layer").toDouble(), 10.0);
    }
    // tg2 is the prompt's step and one decode step: 4 more launches over 2 tokens.
    QCOMPARE(wide.value("launches_per_token").toDouble() - tree.value("launches_per_token").toDouble(), 2.0);
}

void TestBenchSim::topKOptionRejectsBadInput_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("message");
    QTest::newRow("negative") << QStringList{"--sampler", "app", "--top-k", "-1"} << "--top-k must be 0 (off)";
    QTest::newRow("not a number") << QStringList{"--sampler", "app", "--top-k", "x"} << "top-k";
    QTest::newRow("bench's sampler") << QStringList{"--top-k", "0"} << "use it with --sampler app";
}

void TestBenchSim::topKOptionRejectsBadInput()
{
    QFETCH(QStringList, extra);
    QFETCH(QString, message);
    QProcess p;
    p.start(QStringLiteral(CAUSERIE_CLI),
            QStringList{"bench", "no-such-model.gguf", "--device", "cuda-sim", "-n", "2", "-p", "0", "--json"} + extra);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY(p.exitCode() != 0);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(message), qPrintable(err));
    QVERIFY2(!err.contains("no-such-model"), qPrintable(err));   // refused before the model is opened
}

// A 64-token prefill (pp64) runs the int8 GEMM (mmq) and the GQA prefill attention kernel, whose
// shared-memory layouts are conflict-free: every request takes the ideal wavefronts (factor 1).
// The attention kernel's global loads, by hand: per layer, the queries once (64 tokens x 8 heads
// x 128 floats) and each K/V row once per KV head for each 16-query tile (rows 16 + 32 + 48 + 64
// = 160, x 2 KV heads x (128 + 128) F16): 262,144 + 163,840 bytes; 2 layers over 64 tokens. A
// decode step (tg1) does not run it.
void TestBenchSim::prefillCountsAttentionLoadsAndBankWavefronts()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString two = makeModel(dir, 2, 128);
    QVERIFY(!two.isEmpty());
    const QMap<QString, QJsonObject> rows = simRows(two, {}, {"-p", "64", "-n", "1"});
    const QJsonObject pp = rows.value("pp64"), tg = rows.value("tg1");
    QVERIFY(!pp.isEmpty() && !tg.isEmpty());
    QCOMPARE(pp.value("prefill_attention_load_bytes_per_token").toDouble(), 2 * (262144.0 + 163840.0) / 64);
    QCOMPARE(tg.value("prefill_attention_load_bytes_per_token").toDouble(), 0.0);
    QVERIFY(pp.value("attention_load_bytes_per_token").toDouble() == 0.0);   // the decode kernel's only

    QVERIFY(pp.value("shared_requests_per_token").toDouble() > 0);
    QCOMPARE(pp.value("shared_bank_conflict_factor").toDouble(), 1.0);
    QVERIFY(pp.value("shared_wavefronts_per_request").toDouble() >= 1.0);
    const QJsonObject byKernel = pp.value("shared_by_kernel").toObject();
    for (const char* kernel : {"mmq", "attention_prefill"}) {
        const QJsonObject k = byKernel.value(kernel).toObject();
        QVERIFY2(k.value("requests_per_token").toDouble() > 0, kernel);
        QCOMPARE(k.value("bank_conflict_factor").toDouble(), 1.0);
        // Mostly 4-byte requests (one wavefront); mmq's 16-byte staging stores take 4.
        QVERIFY2(k.value("wavefronts_per_request").toDouble() >= 1.0 &&
                     k.value("wavefronts_per_request").toDouble() < 1.5,
                 kernel);
    }
}

QTEST_GUILESS_MAIN(TestBenchSim)
#include "tst_bench_sim.moc"
