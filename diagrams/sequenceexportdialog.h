#pragma once
// What to export of the sequence diagram: the file and its format (SVG, PNG, PDF pictures or
// Mermaid, PlantUML, ShiViz text), the time range (the window shown, the whole kept history, or
// a range typed in), whether only the selected message's journey goes in, and for text the cap
// on arrows. The diagram's filter applies as it is; the dialog says which.
#include "simtime.h"

#include <QDialog>

#include <cstddef>
#include <cstdint>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace sb {

struct SequenceExportRequest {
    enum class Range { Visible, Whole, Custom };
    QString path;
    Range range = Range::Visible;
    SimTime from = 0, to = kNever; // the range chosen, whatever its kind
    std::uint64_t messageId = 0;   // non-zero: only this message's journey
    std::size_t maxArrows = 500;   // text formats: arrows kept before the truncation note
};

class SequenceExportDialog : public QDialog {
    Q_OBJECT

public:
    struct Context {
        SimTime visibleFrom = 0, visibleTo = 0; // the window shown
        SimTime firstTime = 0, lastTime = 0;    // the kept history
        std::uint64_t selectedMessage = 0;      // the message selected in the diagram, or 0
        QString filterText;                     // the diagram's filter, as typed ("" when none)
    };
    explicit SequenceExportDialog(const Context &context, QWidget *parent = nullptr);

    // Formats in the order of the combo box: "svg", "png", "pdf", "mmd", "puml", "shiviz".
    static QStringList formats();
    static bool isTextFormat(const QString &format);

    QString format() const;
    void setFormat(const QString &format);
    QString path() const;
    void setPath(const QString &path);
    void setRange(SequenceExportRequest::Range range);
    // The custom range's fields, as typed (e.g. "1.5s", "250ms").
    void setCustomRange(const QString &from, const QString &to);

    // Whether the choices make an export; otherwise problem() says what is wrong.
    bool isValid() const;
    QString problem() const { return m_problem; }
    SequenceExportRequest request() const;

    QLineEdit *pathEdit() const { return m_path; }
    QLineEdit *fromEdit() const { return m_from; }
    QLineEdit *toEdit() const { return m_to; }
    QSpinBox *maxArrowsBox() const { return m_maxArrows; }
    QCheckBox *journeyBox() const { return m_journey; }
    QPushButton *exportButton() const;

    void accept() override;

private:
    void browse();
    void onFormatChanged();
    void onPathEdited();
    void validate();

    Context m_context;
    QComboBox *m_format;
    QLineEdit *m_path;
    QButtonGroup *m_ranges;
    QRadioButton *m_visible, *m_whole, *m_custom;
    QLineEdit *m_from, *m_to;
    QCheckBox *m_journey;
    QSpinBox *m_maxArrows;
    QLabel *m_filterNote;
    QLabel *m_problemLabel;
    QDialogButtonBox *m_buttons;
    QString m_problem;
    SimTime m_fromTime = 0, m_toTime = 0;
    bool m_syncing = false;
};

} // namespace sb
