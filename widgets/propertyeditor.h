#pragma once
// A form for one node's (or link's) properties, built from the registry's property schema. Each
// edit is parsed and checked with checkPropertyValue(): a valid change emits propertyEdited(), an
// invalid one is shown next to the field in words and emits nothing. The editor never changes a
// topology itself; the owner applies the signals and pushes the result back with setValues().
#include "schema.h"

#include <QMetaType>
#include <QWidget>

#include <functional>
#include <vector>

class QAbstractButton;
class QLineEdit;
class QLabel;
class QScrollArea;
class QToolButton;

Q_DECLARE_METATYPE(sb::Json)

namespace sb {

// A titled group of rows below a form's own (a node's "Clock"). Its rows are keyed `prefix.key`
// in the values shown and in the signals, so the owner can tell them from the main rows.
struct PropertySection {
    QString title;
    QString prefix;
    std::vector<PropertySpec> specs;
    // `object`'s members as the section's rows read them: {"offset": 5} -> {"clock.offset": 5}.
    Json prefixed(const Json &object) const;
};

class PropertyEditor : public QWidget {
    Q_OBJECT

public:
    explicit PropertyEditor(QWidget *parent = nullptr);
    ~PropertyEditor() override;

    // Rebuilds the form: one row per spec, showing `values` (an object; keys it lacks show their
    // default as a placeholder). Emits nothing.
    void setSchema(const QString &title, const std::vector<PropertySpec> &specs, const Json &values);
    // The same with sections after the main rows, each under its title (`values` holds their
    // rows' values by prefixed key, see PropertySection::prefixed).
    void setSchema(const QString &title, const std::vector<PropertySpec> &specs, const Json &values,
                   const std::vector<PropertySection> &sections);
    // Shows new values in the existing form without rebuilding it. Emits nothing.
    void setValues(const Json &values);
    // Removes every row and the identity fields.
    void clear();

    // Name and id fields above the rows, for a node: `check` says why a typed id cannot be used
    // (shown under the field as it is typed), or returns an empty string. setSchema() leaves
    // them as they are; clearIdentity() hides them.
    void setIdentity(const QString &id, const QString &name, std::function<QString(const QString &)> check);
    void clearIdentity();
    QLineEdit *nameField() const { return m_nameField; }
    QLineEdit *idField() const { return m_idField; }
    // Why the typed id is refused, or an empty string.
    QString idError() const;

    QString title() const;
    const Json &values() const { return m_values; }

    // A read-only section under the form: what a run showed of the node (a consumer group's
    // members and their partitions), one line each. setSchema() leaves it as it is; empty
    // `lines` hide it.
    void setRunInfo(const QString &title, const QStringList &lines);
    // What took the node out of the last run ("Line 12: ..."): a code property's editor marks the
    // line it names.
    void setNodeProblem(const QString &text) { m_nodeProblem = text; }
    QString runInfoTitle() const;
    QStringList runInfoLines() const { return m_runLines; }
    const std::vector<PropertySpec> &specs() const { return m_specs; }

    // The widgets of a row, or nullptr when there is no property `key`: the typed editor (a
    // QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit or, for scripts, a QPushButton), the label
    // under it that explains an invalid value, and the row's reset button.
    QWidget *editor(const QString &key) const;
    QLabel *errorLabel(const QString &key) const;
    QAbstractButton *resetButton(const QString &key) const;
    // Why the row's current input is invalid, or an empty string.
    QString errorText(const QString &key) const;

signals:
    // A valid value that differs from the current one was entered for `key`.
    void propertyEdited(const QString &key, const sb::Json &value);
    // The user asked for `key` to go back to its default (the reset button, or an emptied field).
    void propertyReset(const QString &key);
    // A different name, or a different id that `check` accepted, was entered.
    void nameEdited(const QString &name);
    void idEdited(const QString &id);

private:
    struct Row {
        PropertySpec spec;
        QString key;
        QLabel *label = nullptr;
        QWidget *editor = nullptr;
        QLabel *summary = nullptr; // scripts: "3 messages"
        QLabel *error = nullptr;
        QToolButton *reset = nullptr;
    };

    QWidget *buildRow(Row &row, QWidget *parent);
    void disconnectRows();
    Row *rowForKey(const QString &key);
    const Row *rowForKey(const QString &key) const;
    Row *rowForEditor(const QObject *editor);
    bool isSet(const Row &row) const;
    const Json &currentValue(const Row &row) const;
    void showValue(Row &row);
    void setError(Row &row, const QString &reason);

    void onTextEdited(QObject *editor);
    void onTextTyped(QObject *editor);
    void onToggled(QObject *editor, bool checked);
    void onChoiceChanged(QObject *editor, int index);
    void onProbabilityChanged(QObject *editor, double value);
    void onEditScript(QObject *editor);
    // A code property (PropertySpec::code): its source in a code editor, its error line marked.
    void onEditCode(QObject *editor);
    void onReset(QObject *button);
    // Checks `value`; when valid and different from the current value, records and emits it.
    void commit(Row &row, const Json &value);

    void onIdentityEdited(QLineEdit *field);
    void showIdError(const QString &reason);

    QLabel *m_title;
    QString m_nodeProblem;
    QWidget *m_identity;
    QLineEdit *m_nameField;
    QLineEdit *m_idField;
    QLabel *m_idError;
    QString m_id, m_name;
    std::function<QString(const QString &)> m_checkId;
    QScrollArea *m_scroll;
    QWidget *m_runInfo;
    QLabel *m_runTitle;
    QLabel *m_runText;
    QStringList m_runLines;
    QObject *m_wheelGuard; // filters wheel events of unfocused editors
    std::vector<PropertySpec> m_specs;
    std::vector<Row> m_rows;
    int m_unitWidth = 0; // of the widest unit, for the unit column
    Json m_values = Json::object();
};

// How a property value reads in a one-line field: "250ms", "a, b", "x=1, y=2".
QString propertyValueText(PropertyType type, const Json &value);

// Parses what a user typed into a one-line field for a property of `type`. An empty or
// unparsable number stays a string, so that checkPropertyValue() can say what is wrong with it.
// Fills `error` only when the text has no JSON form at all (a string map entry without '=').
Json parsePropertyText(PropertyType type, const QString &text, QString *error);

} // namespace sb
