#pragma once
// A source-code editor for a scripted node's program (Lua): monospace, line numbers in a gutter,
// Lua syntax highlighting, Tab as spaces, and one error line marked (the line the validator or the
// run reported) with its message as the gutter's tooltip.
#include <QPlainTextEdit>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include <vector>

namespace sb {

// Lua 5.4's lexical classes: keywords, the standard names a script may use (Signalbox's sandbox:
// string, table, math, utf8, coroutine and the base functions it keeps), numbers, strings (short
// and long brackets), comments (-- and --[[ ]]).
class LuaHighlighter : public QSyntaxHighlighter {
    Q_OBJECT

public:
    enum class Class { Keyword, Builtin, Number, String, Comment };
    explicit LuaHighlighter(QTextDocument *document);
    QTextCharFormat format(Class c) const;

protected:
    void highlightBlock(const QString &text) override;

private:
    // Block states: 0 plain; 1 inside a long comment, 2 inside a long string; the bracket's level
    // (number of '=') is kept in the bits above (state = kind | level << 2).
    QTextCharFormat m_formats[5];
};

class CodeEditor : public QPlainTextEdit {
    Q_OBJECT

public:
    explicit CodeEditor(QWidget *parent = nullptr);

    // Marks line `line` (1-based; 0 clears) as where an error is, with its message.
    void setErrorLine(int line, const QString &message = {});
    int errorLine() const { return m_errorLine; }
    QString errorMessage() const { return m_errorMessage; }
    int gutterWidth() const;
    LuaHighlighter *highlighter() const { return m_highlighter; }

protected:
    void resizeEvent(QResizeEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    friend class CodeEditorGutter;
    void paintGutter(QPaintEvent *event);
    void updateGutter(const QRect &rect, int dy);
    void updateSelections();

    QWidget *m_gutter;
    LuaHighlighter *m_highlighter;
    int m_errorLine = 0;
    QString m_errorMessage;
};

} // namespace sb
