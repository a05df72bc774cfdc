#pragma once
// The insides of the TeX-math typesetter (mathlayout.h), shared by its files: TeX's font
// parameters, styles and atoms, the symbol tables (mathsymbols.cpp) and the parser that lays out
// as it reads (mathparser.cpp: lists, scripts, commands; mathconstructs.cpp: fractions,
// delimiters, radicals, accents, operators, environments). Not for use outside app/math.
#include "mathlayout.h"

#include <QHash>

#include <utility>

namespace math::detail {

// TeX's font parameters (cmsy10/cmex10, as KaTeX uses them), em.
inline constexpr double kXHeight = 0.431;
inline constexpr double kNum1 = 0.677, kNum2 = 0.394, kNum3 = 0.444;
inline constexpr double kDenom1 = 0.686, kDenom2 = 0.345;
inline constexpr double kSup1 = 0.413, kSup2 = 0.363, kSup3 = 0.289;
inline constexpr double kSub1 = 0.15, kSub2 = 0.247;
inline constexpr double kSupDrop = 0.386, kSubDrop = 0.05;
inline constexpr double kDelim1 = 2.39, kDelim2 = 1.01;
inline constexpr double kRule = 0.04;   // default rule thickness
inline constexpr double kBigOp1 = 0.111, kBigOp2 = 0.166, kBigOp3 = 0.2, kBigOp4 = 0.6, kBigOp5 = 0.1;
inline constexpr double kScriptSpace = 0.05;
inline constexpr double kNullDelim = 0.12;

struct ParseError {
    QString message;
    int position;
};

// D, T, S, SS and whether cramped (exponents sit lower).
struct Style {
    int level = 1;   // 0 display, 1 text, 2 script, 3 scriptscript
    bool cramped = false;
    double scale() const { return level <= 1 ? 1.0 : level == 2 ? 0.7 : 0.5; }
    bool display() const { return level == 0; }
    Style sup() const { return {level <= 1 ? 2 : 3, cramped}; }
    Style sub() const { return {level <= 1 ? 2 : 3, true}; }
    Style num() const { return {level == 0 ? 1 : level == 1 ? 2 : 3, cramped}; }
    Style den() const { return {num().level, true}; }
    Style cramp() const { return {level, true}; }
};

enum Cls { Ord, Op, Bin, Rel, Open, Close, Punct, Inner };

struct Atom {
    Box box;
    Cls cls = Ord;
    bool isChar = false;    // a single glyph (scripts hug it)
    bool largeOp = false;   // \sum …: may take limits
    bool limits = false;    // scripts above and below
    bool isSpace = false;   // explicit space: no atom spacing around it
    double italic = 0;      // italic correction: a superscript moves right by it, a subscript not
};

// Letters and digits change font with \mathbf and co.
enum class Variant { Normal, Rm, Bf, It, BB, Cal, Frak, Scr, Sf, Tt, BoldSymbol };

struct Symbol {
    char32_t ch;
    Cls cls;
};

// The symbol tables, built once (mathsymbols.cpp).
const QHash<QString, Symbol>& symbols();
// Big operators: the character, and whether scripts become limits in display style.
const QHash<QString, std::pair<char32_t, bool>>& bigOperators();
// Operator names written upright; true: limits in display style.
const QHash<QString, bool>& namedOperators();

// TeX's spacing between atoms (The TeXbook, ch. 18), in mu: >0 always, <0 only in D and T.
inline constexpr int kSpacing[8][8] = {
    // Ord Op  Bin Rel Open Close Punct Inner
    {0, 3, -4, -5, 0, 0, 0, -3},       // Ord
    {3, 3, 0, -5, 0, 0, 0, -3},        // Op
    {-4, -4, 0, 0, -4, 0, 0, -4},      // Bin
    {-5, -5, 0, 0, -5, 0, 0, -5},      // Rel
    {0, 0, 0, 0, 0, 0, 0, 0},          // Open
    {0, 3, -4, -5, 0, 0, 0, -3},       // Close
    {-3, -3, 0, -3, -3, -3, -3, -3},   // Punct
    {-3, 3, -4, -5, -3, 0, -3, -3},    // Inner
};

Box glyphBoxFrom(const GlyphMetrics& m, double scale);
Box spaceBox(double width);

// Reads the formula and lays it out as it goes; an error throws ParseError (caught by
// layoutFormula). Its members are in mathparser.cpp and mathconstructs.cpp.
class Parser {
public:
    explicit Parser(const QString& s)
        : m_s(s)
    {
    }

    Box formula(Mode mode);

private:
    [[noreturn]] void fail(const QString& message, int at = -1) { throw ParseError{message, at < 0 ? m_p : at}; }

    // Bounds every recursion.
    struct Depth {
        explicit Depth(Parser* p)
            : parser(p)
        {
            if (++parser->m_depth > kMaxDepth)
                parser->fail(QStringLiteral("nested too deeply"));
        }
        ~Depth() { --parser->m_depth; }
        Parser* parser;
    };

    void count(const Box& b);
    // A construct's finished box, counted, as an atom of class `cls`.
    Atom countedAtom(const Box& b, Cls cls = Ord);
    void skipSpaces();
    bool atEnd() const { return m_p >= m_s.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_s.at(m_p); }

    // "\name" at m_p: the name (letters, or one other character); m_p moves past it.
    QString peekCommand(int* end = nullptr) const;
    QString readCommand();
    char32_t readChar();
    void expect(QChar c);

    // Whether the list being read ends here (the caller consumes what ends it).
    bool listEnds();
    Box list(Style st);
    Box join(QList<Atom>& atoms, Style st);

    // A required argument: a group, or one token.
    Box argument(Style st);

    // {text} as written, for \text, \operatorname, \begin.
    QString rawGroup();
    Atom atomWithScripts(Style st);

    // TeX rule 18: scripts beside the nucleus.
    Atom scripts(Atom a, const Box* sup, const Box* sub, Style st);

    // TeX rule 13a: limits above and below, centred.
    Atom limits(Atom a, const Box* sup, const Box* sub, Style st);
    Box glyph(char32_t ch, Font font, Style st);
    Font variantFont(char32_t ch) const;
    Atom charAtom(char32_t ch, Cls cls, Style st);
    Atom primary(Style st);
    Atom fraction(Style st, int kind, bool rule);   // kind: 0 as the style, 1 \dfrac, 2 \tfrac

    // A delimiter of at least `total` (height + depth), centred on the axis; '.' is none.
    Box delimiter(char32_t ch, double total, Style st);
    char32_t delimiterChar();
    static double delimiterSize(double height, double depth, double scale);
    Atom leftRight(Style st);
    Atom bigDelimiter(Style st, double size, Cls cls);
    Atom radical(Style st);

    // \hat, \bar, \vec, … drawn as paths over the base.
    Atom accent(Style st, const QString& name);
    Atom underline(Style st);
    Atom text(Style st, Font font);
    Atom styled(Style st, Variant v);
    Atom operatorName(Style st, const QString& name, bool withLimits);
    Atom bigOperator(Style st, char32_t ch, bool withLimits);
    Atom over(Style st, bool above);   // \overset{a}{b} / \underset{a}{b}

    Atom boxed(Style st);
    Atom environment(Style st);
    Atom spaceAtom(double em, Style st);
    Atom command(Style st);

    const QString& m_s;
    int m_p = 0;
    int m_depth = 0;
    int m_items = 0;
    int m_inOptional = 0;   // inside \sqrt[…]: "]" ends the list
    Variant m_variant = Variant::Normal;
};

}   // namespace math::detail
