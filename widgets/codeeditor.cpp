#include "codeeditor.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QSet>
#include <QTextBlock>
#include <QToolTip>

namespace sb {

// The gutter left of the text: line numbers, the error line's number in red.
class CodeEditorGutter : public QWidget {
public:
    explicit CodeEditorGutter(CodeEditor *editor) : QWidget(editor), m_editor(editor) {}
    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }
    bool event(QEvent *e) override
    {
        if (e->type() == QEvent::ToolTip && m_editor->errorLine() > 0) {
            auto *help = static_cast<QHelpEvent *>(e);
            const QTextBlock block = m_editor->cursorForPosition(QPoint(0, help->pos().y())).block();
            if (block.blockNumber() + 1 == m_editor->errorLine()) {
                QToolTip::showText(help->globalPos(), m_editor->errorMessage(), this);
                return true;
            }
            QToolTip::hideText();
            return true;
        }
        return QWidget::event(e);
    }

private:
    CodeEditor *m_editor;
};

namespace {

enum State { Plain = 0, LongComment = 1, LongString = 2 };

const QSet<QString> &keywords()
{
    static const QSet<QString> set = {"and",      "break",  "do",   "else", "elseif", "end",  "false", "for",
                                      "function", "goto",   "if",   "in",   "local",  "nil",  "not",   "or",
                                      "repeat",   "return", "then", "true", "until",  "while"};
    return set;
}

const QSet<QString> &builtins()
{
    static const QSet<QString> set = {"assert", "error",        "ipairs",       "next",     "pairs",
                                      "pcall",  "print",        "rawequal",     "rawget",   "rawlen",
                                      "rawset", "select",       "tonumber",     "tostring", "type",
                                      "xpcall", "setmetatable", "getmetatable", "string",   "table",
                                      "math",   "utf8",         "coroutine",    "ctx",      "self"};
    return set;
}

// The level of a long bracket starting at `i` ("[[" = 0, "[==[" = 2), or -1.
int longBracketLevel(const QString &text, int i)
{
    if (i >= text.size() || text[i] != QLatin1Char('[')) return -1;
    int j = i + 1, level = 0;
    while (j < text.size() && text[j] == QLatin1Char('=')) {
        ++level;
        ++j;
    }
    return j < text.size() && text[j] == QLatin1Char('[') ? level : -1;
}

// Where the long bracket of `level` closes at or after `from`: the index after it, or -1.
int longBracketEnd(const QString &text, int from, int level)
{
    const QString close = QLatin1Char(']') + QString(level, QLatin1Char('=')) + QLatin1Char(']');
    const int at = text.indexOf(close, from);
    return at < 0 ? -1 : at + int(close.size());
}

} // namespace

LuaHighlighter::LuaHighlighter(QTextDocument *document) : QSyntaxHighlighter(document)
{
    m_formats[int(Class::Keyword)].setForeground(QColor(0x7b, 0x30, 0xa8));
    m_formats[int(Class::Keyword)].setFontWeight(QFont::Bold);
    m_formats[int(Class::Builtin)].setForeground(QColor(0x1f, 0x5f, 0xbf));
    m_formats[int(Class::Number)].setForeground(QColor(0x0b, 0x7a, 0x75));
    m_formats[int(Class::String)].setForeground(QColor(0xa3, 0x4a, 0x00));
    m_formats[int(Class::Comment)].setForeground(QColor(0x6a, 0x73, 0x7d));
    m_formats[int(Class::Comment)].setFontItalic(true);
}

QTextCharFormat LuaHighlighter::format(Class c) const
{
    return m_formats[int(c)];
}

void LuaHighlighter::highlightBlock(const QString &text)
{
    int i = 0;
    const int n = int(text.size());
    int state = previousBlockState() < 0 ? Plain : previousBlockState();
    // A long comment or string that began on an earlier line.
    if ((state & 3) != Plain) {
        const int level = state >> 2;
        const Class c = (state & 3) == LongComment ? Class::Comment : Class::String;
        const int end = longBracketEnd(text, 0, level);
        if (end < 0) {
            setFormat(0, n, m_formats[int(c)]);
            setCurrentBlockState(state);
            return;
        }
        setFormat(0, end, m_formats[int(c)]);
        i = end;
    }
    setCurrentBlockState(Plain);
    static const QRegularExpression number(QStringLiteral(
        "\\G(0[xX][0-9a-fA-F]+(\\.[0-9a-fA-F]*)?([pP][+-]?\\d+)?|(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)"));
    while (i < n) {
        const QChar ch = text[i];
        if (ch == QLatin1Char('-') && i + 1 < n && text[i + 1] == QLatin1Char('-')) {
            const int level = longBracketLevel(text, i + 2);
            if (level >= 0) {
                const int end = longBracketEnd(text, i + 4 + level, level);
                if (end < 0) {
                    setFormat(i, n - i, m_formats[int(Class::Comment)]);
                    setCurrentBlockState(LongComment | (level << 2));
                    return;
                }
                setFormat(i, end - i, m_formats[int(Class::Comment)]);
                i = end;
                continue;
            }
            setFormat(i, n - i, m_formats[int(Class::Comment)]);
            return;
        }
        if (ch == QLatin1Char('[')) {
            const int level = longBracketLevel(text, i);
            if (level >= 0) {
                const int end = longBracketEnd(text, i + 2 + level, level);
                if (end < 0) {
                    setFormat(i, n - i, m_formats[int(Class::String)]);
                    setCurrentBlockState(LongString | (level << 2));
                    return;
                }
                setFormat(i, end - i, m_formats[int(Class::String)]);
                i = end;
                continue;
            }
        }
        if (ch == QLatin1Char('"') || ch == QLatin1Char('\'')) {
            int j = i + 1;
            while (j < n && text[j] != ch)
                j += text[j] == QLatin1Char('\\') ? 2 : 1;
            j = std::min(j + 1, n);
            setFormat(i, j - i, m_formats[int(Class::String)]);
            i = j;
            continue;
        }
        if (ch.isDigit() || (ch == QLatin1Char('.') && i + 1 < n && text[i + 1].isDigit())) {
            const bool partOfName =
                i > 0 && (text[i - 1].isLetterOrNumber() || text[i - 1] == QLatin1Char('_'));
            const auto m = number.match(text, i);
            if (!partOfName && m.hasMatch() && m.capturedLength() > 0) {
                setFormat(i, int(m.capturedLength()), m_formats[int(Class::Number)]);
                i += int(m.capturedLength());
                continue;
            }
        }
        if (ch.isLetter() || ch == QLatin1Char('_')) {
            int j = i + 1;
            while (j < n && (text[j].isLetterOrNumber() || text[j] == QLatin1Char('_')))
                ++j;
            const QString word = text.mid(i, j - i);
            const bool field = i > 0 && (text[i - 1] == QLatin1Char('.') || text[i - 1] == QLatin1Char(':'));
            if (keywords().contains(word))
                setFormat(i, j - i, m_formats[int(Class::Keyword)]);
            else if (!field && builtins().contains(word))
                setFormat(i, j - i, m_formats[int(Class::Builtin)]);
            i = j;
            continue;
        }
        ++i;
    }
}

CodeEditor::CodeEditor(QWidget *parent) : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("codeEditor"));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    setFont(mono);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * 4);
    m_highlighter = new LuaHighlighter(document());
    m_gutter = new CodeEditorGutter(this);
    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(gutterWidth(), 0, 0, 0); });
    connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateGutter);
    setViewportMargins(gutterWidth(), 0, 0, 0);
}

int CodeEditor::gutterWidth() const
{
    int digits = 2;
    for (int max = std::max(1, blockCount()); max >= 100; max /= 10)
        ++digits;
    return 10 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits;
}

void CodeEditor::setErrorLine(int line, const QString &message)
{
    m_errorLine = line > 0 && line <= blockCount() ? line : 0;
    m_errorMessage = m_errorLine ? message : QString();
    updateSelections();
    m_gutter->update();
}

void CodeEditor::updateSelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    if (m_errorLine > 0) {
        QTextEdit::ExtraSelection s;
        s.format.setBackground(QColor(0xfd, 0xe2, 0xdf));
        s.format.setProperty(QTextFormat::FullWidthSelection, true);
        s.format.setToolTip(m_errorMessage);
        s.cursor = QTextCursor(document()->findBlockByNumber(m_errorLine - 1));
        selections << s;
    }
    setExtraSelections(selections);
}

void CodeEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect r = contentsRect();
    m_gutter->setGeometry(QRect(r.left(), r.top(), gutterWidth(), r.height()));
}

void CodeEditor::keyPressEvent(QKeyEvent *event)
{
    // Tab inserts spaces up to the next multiple of four (Lua style guides indent with spaces).
    if (event->key() == Qt::Key_Tab && event->modifiers() == Qt::NoModifier && !textCursor().hasSelection()) {
        const int column = textCursor().positionInBlock();
        insertPlainText(QString(4 - column % 4, QLatin1Char(' ')));
        return;
    }
    // Enter keeps the line's indentation.
    if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) &&
        event->modifiers() == Qt::NoModifier) {
        const QString line = textCursor().block().text();
        int indent = 0;
        while (indent < line.size() && line[indent] == QLatin1Char(' '))
            ++indent;
        QPlainTextEdit::keyPressEvent(event);
        if (indent > 0) insertPlainText(QString(indent, QLatin1Char(' ')));
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

void CodeEditor::updateGutter(const QRect &rect, int dy)
{
    if (dy)
        m_gutter->scroll(0, dy);
    else
        m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
}

void CodeEditor::paintGutter(QPaintEvent *event)
{
    QPainter painter(m_gutter);
    painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            const int line = block.blockNumber() + 1;
            const bool error = line == m_errorLine;
            painter.setPen(error ? QColor(0xc6, 0x3b, 0x2f) : palette().color(QPalette::PlaceholderText));
            QFont f = font();
            f.setBold(error);
            painter.setFont(f);
            painter.drawText(0, top, m_gutter->width() - 5, fontMetrics().height(), Qt::AlignRight,
                             QString::number(line));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
    }
}

} // namespace sb
