#pragma once
// A small deterministic embedder for tests: 8 dimensions, the first three are concepts
// (vehicles, dogs, money) that synonyms share, the others a hash of any other word at a tenth
// of the weight. So "automobile" and "car" are near though they share no letter.
#include "embedder.h"

#include <QRegularExpression>

#include <cmath>

class ConceptsEmbedder final : public causerie::documents::TextEmbedder {
public:
    explicit ConceptsEmbedder(QString id = QStringLiteral("test:concepts"))
        : m_id(std::move(id))
    {
    }
    QString modelId() const override { return m_id; }
    causerie::documents::DocResult<QList<QVector<float>>> embed(const QStringList& texts) override
    {
        ++calls;
        QList<QVector<float>> out;
        for (const QString& text : texts) {
            ++this->texts;
            out.append(vector(text));
        }
        if (dropLast && !out.isEmpty())
            out.removeLast();
        return out;
    }
    static QVector<float> vector(const QString& text)
    {
        static const QStringList concepts[3] = {
            {QStringLiteral("car"), QStringLiteral("automobile"), QStringLiteral("vehicle")},
            {QStringLiteral("dog"), QStringLiteral("puppy"), QStringLiteral("kennel")},
            {QStringLiteral("money"), QStringLiteral("cash"), QStringLiteral("payment")}};
        QVector<float> v(8, 0.0f);
        for (const QString& w : text.toLower().split(QRegularExpression(QStringLiteral("\\W+")), Qt::SkipEmptyParts)) {
            bool known = false;
            for (int c = 0; c < 3; ++c)
                if (concepts[c].contains(w)) {
                    v[c] += 1.0f;
                    known = true;
                }
            if (!known)
                v[3 + int(qHash(w, 7) % 5)] += 0.1f;
        }
        double n = 0;
        for (float x : v)
            n += double(x) * x;
        if (n > 0)
            for (float& x : v)
                x = float(x / std::sqrt(n));
        return v;
    }
    int calls = 0;
    int texts = 0;
    bool dropLast = false;

private:
    QString m_id;
};
