#include "propertyeditor.h"

#include "canvasitems.h"
#include "canvasscene.h"
#include "mainwindow.h"
#include "topologydocument.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QUndoStack>
#include <QWheelEvent>

using namespace sb;

namespace {

// The schema of a node kind, or of links for "link".
const std::vector<PropertySpec> &specsOf(const QString &kind)
{
    const auto &registry = KindRegistry::builtin();
    if (kind == QLatin1String("link")) return registry.linkProperties();
    const NodeKindSpec *spec = registry.find(kind.toStdString());
    Q_ASSERT(spec);
    return spec->properties;
}

Json jsonOf(const QVariant &v)
{
    return v.value<Json>();
}

// Json has no QTest::toString; compare its text.
QString dumped(const Json &j)
{
    return QString::fromStdString(j.dump());
}

// Types `text` into the field as a user would: replace the contents, then Enter.
void typeInto(QWidget *editor, const QString &text)
{
    editor->setFocus();
    if (auto *edit = qobject_cast<QLineEdit *>(editor)) {
        edit->selectAll();
        QTest::keyClicks(edit, text);
        QTest::keyClick(edit, Qt::Key_Return);
    } else if (auto *spin = qobject_cast<QDoubleSpinBox *>(editor)) {
        spin->selectAll();
        QTest::keyClicks(spin, text);
        QTest::keyClick(spin, Qt::Key_Return);
    } else if (auto *combo = qobject_cast<QComboBox *>(editor)) {
        // A closed combo box selects the item whose text starts with what is typed.
        QTest::keyClicks(combo, text);
    } else {
        QFAIL("no text input for this editor");
    }
}

} // namespace

class TestPropertyEditor : public QObject {
    Q_OBJECT

private slots:
    void buildsEveryKind_data();
    void buildsEveryKind();
    void typedEditors();
    void tooltipsAndPlaceholders();
    void edit_data();
    void edit();
    void noEmitWhileTyping();
    void invalidThenValidClearsTheError();
    void checkboxEmitsOnToggle();
    void setValuesShowsWithoutEmitting();
    void loadedInvalidValueIsShown();
    void resetEmitsPropertyReset();
    void emptiedFieldResets();
    void scriptDialogValidates();
    void rebuildFromASignalIsSafe();
    void wheelScrollsUnlessFocused_data();
    void wheelScrollsUnlessFocused();
    void identityFieldsCheckTheId();
    void renameInThePanel();
    void runInfoIsReadOnlyAndOutlivesTheForm();
};

void TestPropertyEditor::buildsEveryKind_data()
{
    QTest::addColumn<QString>("kind");
    for (const auto &k : KindRegistry::builtin().kinds())
        QTest::newRow(k.kind.c_str()) << QString::fromStdString(k.kind);
    QTest::newRow("link") << QStringLiteral("link");
}

void TestPropertyEditor::buildsEveryKind()
{
    QFETCH(QString, kind);
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));

    PropertyEditor editor;
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    QSignalSpy reset(&editor, &PropertyEditor::propertyReset);
    const auto &specs = specsOf(kind);
    editor.setSchema(kind, specs, Json::object());
    QCOMPARE(editor.title(), kind);
    QCOMPARE(editor.specs().size(), specs.size());

    QSet<QWidget *> seen;
    for (const auto &spec : specs) {
        const QString key = QString::fromStdString(spec.key);
        QWidget *w = editor.editor(key);
        QVERIFY2(w, qPrintable(key));
        QVERIFY2(!seen.contains(w), qPrintable(key + " shares an editor"));
        seen.insert(w);
        QVERIFY(editor.errorLabel(key));
        QVERIFY(editor.errorLabel(key)->isHidden());
        QVERIFY(editor.resetButton(key));
        QVERIFY(editor.resetButton(key)->isHidden()); // nothing is set
        QVERIFY(editor.errorText(key).isEmpty());
    }
    QVERIFY(!editor.editor(QStringLiteral("noSuchKey")));
    // Building and rebuilding emit nothing.
    editor.setSchema(kind, specs, Json::object());
    QCOMPARE(edited.count(), 0);
    QCOMPARE(reset.count(), 0);
}

void TestPropertyEditor::typedEditors()
{
    PropertyEditor editor;
    for (const auto &k : KindRegistry::builtin().kinds()) {
        editor.setSchema(QString::fromStdString(k.label), k.properties, Json::object());
        for (const auto &spec : k.properties) {
            QWidget *w = editor.editor(QString::fromStdString(spec.key));
            const char *what = spec.key.c_str();
            if (!spec.code.empty()) {
                // Source code (a script's Lua): a button that opens the code editor.
                QVERIFY2(qobject_cast<QPushButton *>(w), what);
                QCOMPARE(qobject_cast<QPushButton *>(w)->text(), QStringLiteral("Edit code…"));
                continue;
            }
            switch (spec.type) {
            case PropertyType::Bool:
                QVERIFY2(qobject_cast<QCheckBox *>(w), what);
                break;
            case PropertyType::Enum: {
                auto *combo = qobject_cast<QComboBox *>(w);
                QVERIFY2(combo, what);
                QCOMPARE(combo->count(), static_cast<int>(spec.choices.size()));
                QCOMPARE(combo->currentText(), QString::fromStdString(spec.defaultValue.get<std::string>()));
                break;
            }
            case PropertyType::Probability: {
                auto *spin = qobject_cast<QDoubleSpinBox *>(w);
                QVERIFY2(spin, what);
                QCOMPARE(spin->minimum(), 0.0);
                QCOMPARE(spin->maximum(), 1.0);
                QCOMPARE(spin->singleStep(), 0.01);
                break;
            }
            case PropertyType::Script:
                QVERIFY2(qobject_cast<QPushButton *>(w), what);
                break;
            default:
                QVERIFY2(qobject_cast<QLineEdit *>(w), what);
                QVERIFY(qobject_cast<QLineEdit *>(w)->text().isEmpty());
                break;
            }
        }
    }
}

void TestPropertyEditor::tooltipsAndPlaceholders()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Producer"), specsOf(QStringLiteral("producer")), Json::object());
    auto *timeout = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("confirmTimeout")));
    QVERIFY(timeout);
    QCOMPARE(timeout->placeholderText(), QStringLiteral("1000 (default)"));
    QVERIFY(timeout->toolTip().contains(QStringLiteral("How long to wait for a confirm")));
    QVERIFY(timeout->toolTip().contains(QStringLiteral("Default: 1000 ms")));
    QVERIFY(timeout->toolTip().contains(QStringLiteral("At least 0.001 ms")));

    auto *size = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("size")));
    QVERIFY(size->toolTip().contains(QStringLiteral("Range: 0 to 268435456 bytes")));
    QCOMPARE(size->placeholderText(), QStringLiteral("256 (default)"));

    auto *keyList = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("keyList")));
    QCOMPARE(keyList->placeholderText(), QStringLiteral("none (default)"));

    // A 0 that means no limit says so (issue 9: "Stop after: 0 (default)").
    auto *count = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("count")));
    QCOMPARE(count->placeholderText(), QStringLiteral("no limit (default)"));
    QVERIFY(count->toolTip().contains(QStringLiteral("Default: no limit")));
    QVERIFY(!count->toolTip().contains(QStringLiteral("Default: 0")));
    editor.setSchema(QStringLiteral("Queue"), specsOf(QStringLiteral("queue")), Json::object());
    auto *ttl = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("messageTtl")));
    QCOMPARE(ttl->placeholderText(), QStringLiteral("never (default)"));
    editor.setSchema(QStringLiteral("Producer"), specsOf(QStringLiteral("producer")), Json::object());
    timeout = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("confirmTimeout")));

    // The row's label carries the same explanation.
    bool labelled = false;
    for (QLabel *l : editor.findChildren<QLabel *>())
        labelled = labelled || (l->buddy() == timeout && l->text() == QStringLiteral("Confirm timeout") &&
                                l->toolTip() == timeout->toolTip());
    QVERIFY(labelled);
}

void TestPropertyEditor::edit_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("emitted");
    QTest::addColumn<QString>("expected"); // the emitted value as JSON, or a part of the reason

    // Integer
    QTest::newRow("integer") << "producer"
                             << "burstSize"
                             << "25" << true << "25";
    QTest::newRow("integer beyond int") << "producer"
                                        << "count"
                                        << "5000000000" << true << "5000000000";
    QTest::newRow("integer in exponent form") << "producer"
                                              << "burstSize"
                                              << "1e3" << true << "1000";
    QTest::newRow("integer with spaces") << "producer"
                                         << "burstSize"
                                         << "  42 " << true << "42";
    QTest::newRow("integer, fraction") << "producer"
                                       << "burstSize"
                                       << "2.5" << false << "expected a whole number";
    QTest::newRow("integer, word") << "producer"
                                   << "burstSize"
                                   << "abc" << false << "expected a whole number";
    QTest::newRow("integer below min") << "producer"
                                       << "burstSize"
                                       << "0" << false << "0 is below the minimum 1 msg";
    QTest::newRow("integer above max") << "queue"
                                       << "maxLength"
                                       << "2000000000" << false << "above the maximum 1000000000 msg";
    QTest::newRow("integer equal to default") << "producer"
                                              << "burstSize"
                                              << "10" << false << "";
    // Number
    QTest::newRow("number") << "producer"
                            << "rate"
                            << "250.5" << true << "250.5";
    QTest::newRow("number, negative") << "producer"
                                      << "rate"
                                      << "-1" << false << "below the minimum 0 msg/s";
    QTest::newRow("number above max") << "producer"
                                      << "rate"
                                      << "2e7" << false << "above the maximum";
    QTest::newRow("number, word") << "producer"
                                  << "rate"
                                  << "fast" << false << "expected a number";
    // Duration
    QTest::newRow("duration with unit") << "queue"
                                        << "messageTtl"
                                        << "250ms" << true << "\"250ms\"";
    QTest::newRow("duration in seconds") << "queue"
                                         << "ackTimeout"
                                         << "1.5s" << true << "\"1.5s\"";
    QTest::newRow("duration, bare ms") << "queue"
                                       << "messageTtl"
                                       << "1500" << true << "1500";
    QTest::newRow("duration, word") << "queue"
                                    << "messageTtl"
                                    << "abc" << false << "'abc' is not a duration";
    QTest::newRow("duration, negative") << "queue"
                                        << "messageTtl"
                                        << "-5ms" << false << "is not a duration";
    QTest::newRow("duration below min") << "producer"
                                        << "confirmTimeout"
                                        << "0" << false << "below the minimum 0.001 ms";
    // Distribution
    QTest::newRow("distribution exp") << "consumer"
                                      << "processing"
                                      << "exp(5ms)" << true << "\"exp(5ms)\"";
    QTest::newRow("distribution uniform") << "consumer"
                                          << "processing"
                                          << "uniform(1ms,5ms)" << true << "\"uniform(1ms,5ms)\"";
    QTest::newRow("distribution, bare ms") << "link"
                                           << "latency"
                                           << "7" << true << "7";
    QTest::newRow("distribution, low > high") << "consumer"
                                              << "processing"
                                              << "uniform(5ms,1ms)" << false << "uniform needs low <= high";
    QTest::newRow("distribution, unknown") << "consumer"
                                           << "processing"
                                           << "poisson(1ms)" << false << "unknown distribution 'poisson'";
    QTest::newRow("distribution, arguments") << "consumer"
                                             << "processing"
                                             << "normal(10ms)" << false << "normal takes 2 arguments, got 1";
    // Enum
    QTest::newRow("enum") << "queue"
                          << "overflow"
                          << "reject-publish" << true << "\"reject-publish\"";
    QTest::newRow("enum, other kind") << "exchange"
                                      << "type"
                                      << "topic" << true << "\"topic\"";
    QTest::newRow("enum, last choice") << "consumer"
                                       << "ackMode"
                                       << "idempotent" << true << "\"idempotent\"";
    QTest::newRow("enum, already chosen") << "queue"
                                          << "dispatch"
                                          << "fair" << false << "";
    // Probability
    QTest::newRow("probability") << "consumer"
                                 << "failureProbability"
                                 << "0.25" << true << "0.25";
    QTest::newRow("probability, small") << "link"
                                        << "loss"
                                        << "0.001" << true << "0.001";
    QTest::newRow("probability, one") << "link"
                                      << "duplicate"
                                      << "1" << true << "1.0";
    // The spin box refuses a "5" after "1.", so 1.5 cannot be entered: it stops at 1.
    QTest::newRow("probability above one") << "link"
                                           << "loss"
                                           << "1.5" << true << "1.0";
    // String
    QTest::newRow("string") << "queue"
                            << "deadLetterRoutingKey"
                            << "dead.orders" << true << "\"dead.orders\"";
    QTest::newRow("string template") << "producer"
                                     << "routingKey"
                                     << "orders.{key}" << true << "\"orders.{key}\"";
    // String list
    QTest::newRow("string list") << "producer"
                                 << "keyList"
                                 << "a, b ,c" << true << R"(["a","b","c"])";
    QTest::newRow("string list, one") << "producer"
                                      << "keyList"
                                      << "solo" << true << R"(["solo"])";
    QTest::newRow("string list, empty entries") << "producer"
                                                << "keyList"
                                                << "a,,b," << true << R"(["a","b"])";
    // String map
    QTest::newRow("string map") << "producer"
                                << "headers"
                                << "tenant=acme, region=eu" << true << R"({"tenant":"acme","region":"eu"})";
    QTest::newRow("string map, value with =") << "producer"
                                              << "headers"
                                              << "q=a=b" << true << R"({"q":"a=b"})";
    QTest::newRow("string map, no =") << "producer"
                                      << "headers"
                                      << "tenant" << false << "'tenant' is not name=value";
    QTest::newRow("string map, no name") << "producer"
                                         << "headers"
                                         << "=x" << false << "is not name=value";
    QTest::newRow("string map, twice") << "producer"
                                       << "headers"
                                       << "a=1, a=2" << false << "'a' appears twice";
}

void TestPropertyEditor::edit()
{
    QFETCH(QString, kind);
    QFETCH(QString, key);
    QFETCH(QString, text);
    QFETCH(bool, emitted);
    QFETCH(QString, expected);

    PropertyEditor editor;
    editor.setSchema(kind, specsOf(kind), Json::object());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    QSignalSpy reset(&editor, &PropertyEditor::propertyReset);

    QWidget *field = editor.editor(key);
    QVERIFY(field);
    typeInto(field, text);

    QCOMPARE(reset.count(), 0);
    QLabel *error = editor.errorLabel(key);
    if (emitted) {
        QCOMPARE(edited.count(), 1);
        QCOMPARE(edited.at(0).at(0).toString(), key);
        const Json value = jsonOf(edited.at(0).at(1));
        QCOMPARE(dumped(value), dumped(Json::parse(expected.toStdString())));
        QVERIFY(!error->isVisible());
        QVERIFY(!field->property("invalid").toBool());
        QCOMPARE(dumped(editor.values()[key.toStdString()]), dumped(value));
        // A set value can be reset, and shows in bold when it is not the default.
        QVERIFY(editor.resetButton(key)->isVisible());
        const PropertySpec *spec = nullptr;
        for (const auto &p : specsOf(kind))
            if (p.key == key.toStdString()) spec = &p;
        QCOMPARE(field->font().bold(), value != spec->defaultValue);
    } else {
        QCOMPARE(edited.count(), 0);
        QVERIFY(!editor.values().contains(key.toStdString()));
        if (expected.isEmpty()) {
            QVERIFY(!error->isVisible());
        } else {
            QVERIFY(error->isVisible());
            QVERIFY2(error->text().contains(expected), qPrintable(error->text()));
            QCOMPARE(editor.errorText(key), error->text());
            QVERIFY(field->property("invalid").toBool());
        }
    }
}

void TestPropertyEditor::noEmitWhileTyping()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Queue"), specsOf(QStringLiteral("queue")), Json::object());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    auto *edit = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("maxLength")));
    edit->setFocus();
    QTest::keyClicks(edit, QStringLiteral("500"));
    QCOMPARE(edited.count(), 0);
    // Leaving the field finishes the edit too.
    editor.editor(QStringLiteral("messageTtl"))->setFocus();
    QTRY_COMPARE(edited.count(), 1);
    QCOMPARE(dumped(jsonOf(edited.at(0).at(1))), dumped(Json(500)));
}

void TestPropertyEditor::invalidThenValidClearsTheError()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Consumer"), specsOf(QStringLiteral("consumer")), Json::object());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    QWidget *field = editor.editor(QStringLiteral("prefetch"));

    typeInto(field, QStringLiteral("70000"));
    QCOMPARE(edited.count(), 0);
    QVERIFY(editor.errorLabel(QStringLiteral("prefetch"))->isVisible());
    QVERIFY(editor.errorText(QStringLiteral("prefetch")).contains(QStringLiteral("above the maximum 65535")));
    // The invalid text stays for the user to fix.
    QCOMPARE(qobject_cast<QLineEdit *>(field)->text(), QStringLiteral("70000"));

    typeInto(field, QStringLiteral("50"));
    QCOMPARE(edited.count(), 1);
    QCOMPARE(dumped(jsonOf(edited.at(0).at(1))), dumped(Json(50)));
    QVERIFY(!editor.errorLabel(QStringLiteral("prefetch"))->isVisible());
    QVERIFY(!field->property("invalid").toBool());
    QVERIFY(field->font().bold());

    // The same value again is not a change.
    typeInto(field, QStringLiteral("50"));
    QCOMPARE(edited.count(), 1);
}

void TestPropertyEditor::checkboxEmitsOnToggle()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Link"), specsOf(QStringLiteral("link")), Json::object());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    auto *ordered = qobject_cast<QCheckBox *>(editor.editor(QStringLiteral("ordered")));
    QVERIFY(ordered);
    QVERIFY(ordered->isChecked()); // the default
    QTest::mouseClick(ordered, Qt::LeftButton);
    QCOMPARE(edited.count(), 1);
    QCOMPARE(edited.at(0).at(0).toString(), QStringLiteral("ordered"));
    QCOMPARE(dumped(jsonOf(edited.at(0).at(1))), dumped(Json(false)));
    ordered->setFocus();
    QTest::keyClick(ordered, Qt::Key_Space);
    QCOMPARE(edited.count(), 2);
    QCOMPARE(dumped(jsonOf(edited.at(1).at(1))), dumped(Json(true)));
}

void TestPropertyEditor::setValuesShowsWithoutEmitting()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Queue"), specsOf(QStringLiteral("queue")), Json::object());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QWidget *before = editor.editor(QStringLiteral("maxLength"));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    QSignalSpy reset(&editor, &PropertyEditor::propertyReset);

    editor.setValues(
        Json{{"maxLength", 50}, {"overflow", "reject-publish"}, {"messageTtl", "30s"}, {"dispatch", "fair"}});
    QCOMPARE(edited.count(), 0);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(editor.editor(QStringLiteral("maxLength")), before); // not rebuilt
    QCOMPARE(qobject_cast<QLineEdit *>(before)->text(), QStringLiteral("50"));
    QCOMPARE(qobject_cast<QComboBox *>(editor.editor(QStringLiteral("overflow")))->currentText(),
             QStringLiteral("reject-publish"));
    QCOMPARE(qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("messageTtl")))->text(),
             QStringLiteral("30s"));
    // Bold marks values that differ from the default; "fair" is the default.
    QVERIFY(before->font().bold());
    QVERIFY(editor.editor(QStringLiteral("overflow"))->font().bold());
    QVERIFY(!editor.editor(QStringLiteral("dispatch"))->font().bold());
    QVERIFY(!editor.editor(QStringLiteral("ackTimeout"))->font().bold());
    QVERIFY(editor.resetButton(QStringLiteral("maxLength"))->isVisible());
    QVERIFY(editor.resetButton(QStringLiteral("dispatch"))->isVisible());
    QVERIFY(!editor.resetButton(QStringLiteral("ackTimeout"))->isVisible());

    // And back: unset keys show the default as a placeholder.
    editor.setValues(Json::object());
    QCOMPARE(edited.count(), 0);
    QCOMPARE(qobject_cast<QLineEdit *>(before)->text(), QString());
    QCOMPARE(qobject_cast<QComboBox *>(editor.editor(QStringLiteral("overflow")))->currentText(),
             QStringLiteral("drop-head"));
    QVERIFY(!before->font().bold());
    QVERIFY(!editor.resetButton(QStringLiteral("maxLength"))->isVisible());
}

void TestPropertyEditor::loadedInvalidValueIsShown()
{
    PropertyEditor editor;
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    editor.setSchema(QStringLiteral("Queue"), specsOf(QStringLiteral("queue")),
                     Json{{"maxLength", -3}, {"overflow", "drop-heap"}});
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QCOMPARE(edited.count(), 0);
    QVERIFY(editor.errorText(QStringLiteral("maxLength")).contains(QStringLiteral("below the minimum 0")));
    QVERIFY(
        editor.errorText(QStringLiteral("overflow")).contains(QStringLiteral("did you mean 'drop-head'")));
    QVERIFY(editor.errorLabel(QStringLiteral("overflow"))->isVisible());
}

void TestPropertyEditor::resetEmitsPropertyReset()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Consumer"), specsOf(QStringLiteral("consumer")),
                     Json{{"prefetch", 1}, {"ackMode", "auto"}});
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    QSignalSpy reset(&editor, &PropertyEditor::propertyReset);

    QAbstractButton *button = editor.resetButton(QStringLiteral("prefetch"));
    QVERIFY(button->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(reset.at(0).at(0).toString(), QStringLiteral("prefetch"));
    QCOMPARE(edited.count(), 0);
    QVERIFY(!editor.values().contains("prefetch"));
    QCOMPARE(qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("prefetch")))->text(), QString());
    QVERIFY(!button->isVisible());

    QTest::mouseClick(editor.resetButton(QStringLiteral("ackMode")), Qt::LeftButton);
    QCOMPARE(reset.count(), 2);
    QCOMPARE(reset.at(1).at(0).toString(), QStringLiteral("ackMode"));
    QCOMPARE(qobject_cast<QComboBox *>(editor.editor(QStringLiteral("ackMode")))->currentText(),
             QStringLiteral("manual"));
    QCOMPARE(edited.count(), 0);
}

void TestPropertyEditor::emptiedFieldResets()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Producer"), specsOf(QStringLiteral("producer")), Json{{"rate", 99}});
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    QSignalSpy reset(&editor, &PropertyEditor::propertyReset);

    auto *rate = qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("rate")));
    rate->setFocus();
    rate->selectAll();
    QTest::keyClick(rate, Qt::Key_Delete);
    QTest::keyClick(rate, Qt::Key_Return);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(reset.at(0).at(0).toString(), QStringLiteral("rate"));
    QCOMPARE(edited.count(), 0);
    QCOMPARE(rate->placeholderText(), QStringLiteral("10 (default)"));

    // Emptying a field that holds no value is nothing.
    QTest::keyClick(rate, Qt::Key_Return);
    QCOMPARE(reset.count(), 1);
}

void TestPropertyEditor::scriptDialogValidates()
{
    PropertyEditor editor;
    editor.setSchema(QStringLiteral("Producer"), specsOf(QStringLiteral("producer")), Json::object());
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    auto *button = qobject_cast<QPushButton *>(editor.editor(QStringLiteral("script")));
    QVERIFY(button);
    QCOMPARE(button->text(), QStringLiteral("Edit script…"));

    QStringList reasons;
    bool dialogSeen = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog) return;
        dialogSeen = true;
        auto *text = dialog->findChild<QPlainTextEdit *>(QStringLiteral("scriptText"));
        auto *error = dialog->findChild<QLabel *>(QStringLiteral("scriptError"));
        QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        if (text->toPlainText() != QStringLiteral("[]")) reasons << QStringLiteral("unexpected start");
        // Not JSON: the dialog stays open and says where.
        text->setPlainText(QStringLiteral("[{\"at\": 10ms}]"));
        ok->click();
        reasons << (error->isVisible() ? error->text() : QString());
        // JSON, but not a valid script.
        text->setPlainText(QStringLiteral("[{\"at\": \"10ms\", \"colour\": \"red\"}]"));
        ok->click();
        reasons << (error->isVisible() ? error->text() : QString());
        text->setPlainText(QStringLiteral("[{\"at\": \"10ms\", \"routingKey\": \"a.b\"}, {\"at\": 20}]"));
        ok->click();
        if (dialog->isVisible()) dialog->reject();
    });
    button->click();

    QVERIFY(dialogSeen);
    QCOMPARE(reasons.size(), 2);
    QVERIFY2(reasons.at(0).startsWith(QStringLiteral("Not valid JSON: parse error at line 1")),
             qPrintable(reasons.at(0)));
    QVERIFY2(reasons.at(1).contains(QStringLiteral("unknown field 'colour'")), qPrintable(reasons.at(1)));
    QCOMPARE(edited.count(), 1);
    QCOMPARE(edited.at(0).at(0).toString(), QStringLiteral("script"));
    QCOMPARE(dumped(jsonOf(edited.at(0).at(1))),
             dumped(Json::parse(R"([{"at": "10ms", "routingKey": "a.b"}, {"at": 20}])")));

    // Cancel changes nothing.
    QTimer::singleShot(0, this, [] {
        if (auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget())) dialog->reject();
    });
    button->click();
    QCOMPARE(edited.count(), 1);
}

void TestPropertyEditor::rebuildFromASignalIsSafe()
{
    // An owner that applies an edit and rebuilds the form from inside the signal.
    PropertyEditor editor;
    Json values = Json::object();
    const auto &specs = specsOf(QStringLiteral("queue"));
    connect(&editor, &PropertyEditor::propertyEdited, &editor, [&](const QString &key, const Json &value) {
        values[key.toStdString()] = value;
        editor.setSchema(QStringLiteral("Queue"), specs, values);
    });
    editor.setSchema(QStringLiteral("Queue"), specs, values);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    typeInto(editor.editor(QStringLiteral("maxLength")), QStringLiteral("7"));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCOMPARE(dumped(values), dumped(Json({{"maxLength", 7}})));
    QCOMPARE(qobject_cast<QLineEdit *>(editor.editor(QStringLiteral("maxLength")))->text(),
             QStringLiteral("7"));
    typeInto(editor.editor(QStringLiteral("dispatch")), QStringLiteral("r"));
    QCOMPARE(dumped(values["dispatch"]), dumped(Json("round-robin")));
    QCOMPARE(qobject_cast<QComboBox *>(editor.editor(QStringLiteral("dispatch")))->currentText(),
             QStringLiteral("round-robin"));
}

// Issue 9, defect 2: scrolling the panel over a combo box changed the producer's send mode. The
// wheel over an unfocused editor scrolls the form; a focused editor takes the wheel.
void TestPropertyEditor::wheelScrollsUnlessFocused_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("key");
    QTest::newRow("combo box") << QStringLiteral("producer") << QStringLiteral("sendMode");
    QTest::newRow("spin box") << QStringLiteral("link") << QStringLiteral("loss");
}

void TestPropertyEditor::wheelScrollsUnlessFocused()
{
    QFETCH(QString, kind);
    QFETCH(QString, key);
    PropertyEditor editor;
    editor.setSchema(kind, specsOf(kind), Json::object());
    editor.resize(320, 120); // far shorter than the form: the panel scrolls
    editor.show();
    QVERIFY(QTest::qWaitForWindowActive(&editor));
    QWidget *field = editor.editor(key);
    QVERIFY(field);
    QCOMPARE(field->focusPolicy(), Qt::StrongFocus);
    QScrollBar *bar = editor.findChild<QScrollArea *>()->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);

    auto valueOf = [field]() -> QVariant {
        if (auto *combo = qobject_cast<QComboBox *>(field)) return combo->currentIndex();
        return qobject_cast<QDoubleSpinBox *>(field)->value();
    };
    auto wheel = [field](int deltaY) {
        const QPointF at(field->width() / 2.0, field->height() / 2.0);
        QWheelEvent event(at, field->mapToGlobal(at), QPoint(), QPoint(0, deltaY), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(field, &event);
    };

    // Unfocused: the value stays, nothing is emitted (so nothing reaches the undo stack), and
    // the panel scrolls down instead.
    editor.setFocus();
    QVERIFY(!field->hasFocus());
    const QVariant before = valueOf();
    wheel(-120);
    QCOMPARE(valueOf(), before);
    QCOMPARE(edited.count(), 0);
    QVERIFY(bar->value() > 0);
    QVERIFY(!field->hasFocus()); // the wheel does not give it the focus either

    // Focused: the wheel changes the value, as a user who clicked into it expects.
    field->setFocus();
    QVERIFY(field->hasFocus());
    const int scrolled = bar->value();
    wheel(qobject_cast<QComboBox *>(field) ? -120 : 120);
    QVERIFY(valueOf() != before);
    QCOMPARE(bar->value(), scrolled);
    QCOMPARE(edited.count(), 1);
    QCOMPARE(edited.at(0).at(0).toString(), key);
}

// Issue 9, usability 2: the panel's name and id fields. A typed id is checked as it is typed, its
// reason shown under the field; only an accepted id is emitted.
void TestPropertyEditor::identityFieldsCheckTheId()
{
    PropertyEditor editor;
    editor.show();
    QVERIFY(QTest::qWaitForWindowActive(&editor));
    editor.setSchema(QStringLiteral("Queue"), specsOf(QStringLiteral("queue")), Json::object());
    editor.setIdentity(QStringLiteral("jobs"), QStringLiteral("Jobs"), [](const QString &id) {
        return id == QLatin1String("taken") ? QStringLiteral("another node already has the id \"taken\"")
               : id.contains(' ')           ? QStringLiteral("not a valid id")
                                            : QString();
    });
    QVERIFY(editor.idField()->isVisible());
    QCOMPARE(editor.idField()->text(), QString("jobs"));
    QCOMPARE(editor.nameField()->text(), QString("Jobs"));
    QSignalSpy idEdited(&editor, &PropertyEditor::idEdited);
    QSignalSpy nameEdited(&editor, &PropertyEditor::nameEdited);

    typeInto(editor.idField(), QStringLiteral("taken"));
    QCOMPARE(idEdited.count(), 0);
    QVERIFY(editor.idError().contains("already has the id"));
    typeInto(editor.idField(), QStringLiteral("my jobs"));
    QCOMPARE(idEdited.count(), 0);
    QCOMPARE(editor.idError(), QString("not a valid id"));
    typeInto(editor.idField(), QStringLiteral("orders"));
    QCOMPARE(idEdited.count(), 1);
    QCOMPARE(idEdited.at(0).at(0).toString(), QString("orders"));
    QVERIFY(editor.idError().isEmpty());

    typeInto(editor.nameField(), QStringLiteral("Orders"));
    QCOMPARE(nameEdited.count(), 1);
    QCOMPARE(nameEdited.at(0).at(0).toString(), QString("Orders"));

    editor.clearIdentity();
    QVERIFY(!editor.idField()->isVisible());
}

// The panel's fields in the window: a new name and a new id are one undo step each, the id's
// links follow, and the node stays selected under its new id.
void TestPropertyEditor::renameInThePanel()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    window.canvasScene()->selectNode(QStringLiteral("tasks"));
    PropertyEditor *panel = window.propertyEditor();
    QVERIFY(panel->idField()->isVisible());
    QCOMPARE(panel->idField()->text(), QString("tasks"));
    QUndoStack *undo = window.document()->undoStack();

    typeInto(panel->nameField(), QStringLiteral("Orders"));
    QCOMPARE(QString::fromStdString(window.document()->node("tasks")->name), QString("Orders"));
    QCOMPARE(undo->count(), 1);

    typeInto(panel->idField(), QStringLiteral("worker-1"));
    QVERIFY(panel->idError().contains("already has the id"));
    QVERIFY(window.document()->node("tasks"));
    QCOMPARE(undo->count(), 1);

    typeInto(panel->idField(), QStringLiteral("orders"));
    QVERIFY(!window.document()->node("tasks"));
    QVERIFY(window.document()->node("orders"));
    QCOMPARE(QString::fromStdString(window.document()->link("publish")->to), QString("orders"));
    QCOMPARE(undo->count(), 2);
    QCOMPARE(window.selectedNode(), QString("orders"));
    QCOMPARE(window.propertyEditor()->idField()->text(), QString("orders"));
    QVERIFY(window.canvasScene()->nodeItem("orders"));
    undo->undo();
    QVERIFY(window.document()->node("tasks"));
    undo->setClean();
}

void TestPropertyEditor::runInfoIsReadOnlyAndOutlivesTheForm()
{
    PropertyEditor editor;
    editor.show();
    const KindRegistry &r = KindRegistry::builtin();
    editor.setSchema(QStringLiteral("Kafka consumer"), r.find("kafka-consumer")->properties, Json::object());
    auto *section = editor.findChild<QWidget *>(QStringLiteral("runInfo"));
    auto *title = editor.findChild<QLabel *>(QStringLiteral("runInfoTitle"));
    auto *text = editor.findChild<QLabel *>(QStringLiteral("runInfoText"));
    QVERIFY(section && title && text);
    QVERIFY(!section->isVisible());
    QVERIFY(editor.runInfoTitle().isEmpty());

    QSignalSpy edited(&editor, &PropertyEditor::propertyEdited);
    const QStringList lines{QStringLiteral("group billing, generation 3: billing-1 [P0 P1], billing-3 [P2]"),
                            QStringLiteral("its partitions P0 P1, lag 4")};
    editor.setRunInfo(QStringLiteral("Consumer group in the run"), lines);
    QVERIFY(section->isVisible());
    QCOMPARE(title->text(), QStringLiteral("Consumer group in the run"));
    QCOMPARE(text->text(), lines.join(QLatin1Char('\n')));
    QCOMPARE(editor.runInfoLines(), lines);
    // Read, never edited: selectable text, no field.
    QVERIFY(!(text->textInteractionFlags() & Qt::TextEditable));
    QVERIFY(section->findChildren<QLineEdit *>().isEmpty());
    QCOMPARE(edited.count(), 0);

    // A new form (the same node's properties rebuilt) keeps it; the owner says when it goes.
    editor.setSchema(QStringLiteral("Kafka consumer"), r.find("kafka-consumer")->properties, Json::object());
    QVERIFY(section->isVisible());
    editor.setRunInfo(QStringLiteral("Consumer group in the run"), {});
    QVERIFY(!section->isVisible());
    editor.setRunInfo(QStringLiteral("Consumer group in the run"), lines);
    editor.clear();
    QVERIFY(!section->isVisible());
    QVERIFY(editor.runInfoLines().isEmpty());
}

QTEST_MAIN(TestPropertyEditor)
#include "tst_propertyeditor.moc"
