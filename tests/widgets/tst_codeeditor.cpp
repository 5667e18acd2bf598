// The code editor for scripted nodes (codeeditor.h): Lua syntax classes by position, long
// brackets across lines, the gutter, the error line, and what Tab and Enter insert.
#include "codeeditor.h"

#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>

using namespace sb;

namespace {

// The syntax class the highlighter gave the character at `column` of line `line` (0-based), or
// -1 for plain text.
int classAt(const CodeEditor &editor, int line, int column)
{
    const QTextBlock block = editor.document()->findBlockByNumber(line);
    for (const QTextLayout::FormatRange &r : block.layout()->formats()) {
        if (column < r.start || column >= r.start + r.length) continue;
        for (int c = 0; c < 5; ++c)
            if (r.format == editor.highlighter()->format(LuaHighlighter::Class(c))) return c;
    }
    return -1;
}

} // namespace

class TestCodeEditor : public QObject {
    Q_OBJECT

private slots:
    void highlighting_data();
    void highlighting();
    void longBracketsSpanLines();
    void errorLineIsMarked();
    void gutterGrowsWithTheLines();
    void tabAndEnterIndent();
};

void TestCodeEditor::highlighting_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("expected"); // LuaHighlighter::Class, -1 plain
    const int keyword = int(LuaHighlighter::Class::Keyword), builtin = int(LuaHighlighter::Class::Builtin),
              number = int(LuaHighlighter::Class::Number), string = int(LuaHighlighter::Class::String),
              comment = int(LuaHighlighter::Class::Comment);
    QTest::newRow("keyword") << "local x = 1" << 0 << keyword;
    QTest::newRow("name") << "local x = 1" << 6 << -1;
    QTest::newRow("number") << "local x = 12.5e3" << 11 << number;
    QTest::newRow("hex number") << "x = 0xFF" << 5 << number;
    QTest::newRow("digits in a name") << "x2 = 1" << 1 << -1;
    QTest::newRow("double-quoted") << R"(s = "a \" -- b")" << 9 << string;
    QTest::newRow("single-quoted") << "s = 'it'" << 5 << string;
    QTest::newRow("comment") << "x = 1 -- note" << 9 << comment;
    QTest::newRow("not a comment in a string") << R"(s = "--")" << 5 << string;
    QTest::newRow("builtin") << "print(x)" << 0 << builtin;
    QTest::newRow("ctx") << "ctx:send('out', m)" << 0 << builtin;
    QTest::newRow("a field named like a builtin") << "m.table = 1" << 2 << -1;
    QTest::newRow("one-line long string") << "s = [==[ a ]] b ]==] x" << 12 << string;
    QTest::newRow("after a long string") << "s = [[ a ]] and x" << 12 << keyword;
    QTest::newRow("one-line long comment") << "--[[ c ]] local" << 10 << keyword;
}

void TestCodeEditor::highlighting()
{
    QFETCH(QString, source);
    QFETCH(int, column);
    QFETCH(int, expected);
    CodeEditor editor;
    editor.setPlainText(source);
    QCOMPARE(classAt(editor, 0, column), expected);
}

void TestCodeEditor::longBracketsSpanLines()
{
    CodeEditor editor;
    editor.setPlainText(
        QStringLiteral("--[==[ start\nlocal inside\n]] still ]==] local after\ns = [[\nx\n]] y"));
    const int comment = int(LuaHighlighter::Class::Comment), keyword = int(LuaHighlighter::Class::Keyword),
              string = int(LuaHighlighter::Class::String);
    QCOMPARE(classAt(editor, 1, 0), comment);  // "local" inside the comment
    QCOMPARE(classAt(editor, 2, 3), comment);  // "]]" does not close a level-2 bracket
    QCOMPARE(classAt(editor, 2, 14), keyword); // after "]==]"
    QCOMPARE(classAt(editor, 4, 0), string);
    QCOMPARE(classAt(editor, 5, 3), -1);
    // Editing the opening line re-highlights what follows.
    QTextCursor c(editor.document()->findBlockByNumber(0));
    c.movePosition(QTextCursor::EndOfBlock);
    c.insertText(QStringLiteral(" ]==]"));
    QCOMPARE(classAt(editor, 1, 0), keyword);
}

void TestCodeEditor::errorLineIsMarked()
{
    CodeEditor editor;
    editor.setPlainText(QStringLiteral("a\nb\nc"));
    editor.setErrorLine(2, QStringLiteral("attempt to call a nil value"));
    QCOMPARE(editor.errorLine(), 2);
    QCOMPARE(editor.extraSelections().size(), 1);
    QCOMPARE(editor.extraSelections().first().cursor.blockNumber(), 1);
    QCOMPARE(editor.extraSelections().first().format.toolTip(),
             QStringLiteral("attempt to call a nil value"));
    // A line the text does not have is not marked; 0 clears.
    editor.setErrorLine(9, QStringLiteral("x"));
    QCOMPARE(editor.errorLine(), 0);
    QVERIFY(editor.extraSelections().isEmpty());
    editor.setErrorLine(3, QStringLiteral("y"));
    editor.setErrorLine(0);
    QVERIFY(editor.extraSelections().isEmpty());
    QVERIFY(editor.errorMessage().isEmpty());
}

void TestCodeEditor::gutterGrowsWithTheLines()
{
    CodeEditor editor;
    editor.setPlainText(QStringLiteral("x"));
    const int narrow = editor.gutterWidth();
    QString many;
    for (int i = 0; i < 1200; ++i)
        many += QStringLiteral("x\n");
    editor.setPlainText(many);
    QVERIFY(editor.gutterWidth() > narrow);
}

void TestCodeEditor::tabAndEnterIndent()
{
    CodeEditor editor;
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy changed(&editor, &QPlainTextEdit::textChanged);
    QTest::keyClicks(&editor, QStringLiteral("if x then"));
    QTest::keyClick(&editor, Qt::Key_Return);
    QTest::keyClick(&editor, Qt::Key_Tab);
    QTest::keyClicks(&editor, QStringLiteral("y()"));
    QTest::keyClick(&editor, Qt::Key_Return);
    QTest::keyClicks(&editor, QStringLiteral("z()"));
    QCOMPARE(editor.toPlainText(), QStringLiteral("if x then\n    y()\n    z()"));
    QVERIFY(changed.count() > 0);
}

QTEST_MAIN(TestCodeEditor)
#include "tst_codeeditor.moc"
