#include "sequenceexportdialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace sb {

namespace {

const char *const kDirKey = "sequenceExport/directory";
const char *const kFormatKey = "sequenceExport/format";

QString timeText(SimTime t)
{
    return QString::fromStdString(formatDuration(t));
}

// Another extension of the same format ("mermaid" for "mmd"), so a typed name is not rewritten.
QString canonicalFormat(const QString &suffix)
{
    const QString s = suffix.toLower();
    if (s == QLatin1String("mermaid")) return QStringLiteral("mmd");
    if (s == QLatin1String("plantuml")) return QStringLiteral("puml");
    if (s == QLatin1String("log")) return QStringLiteral("shiviz");
    return s;
}

} // namespace

QStringList SequenceExportDialog::formats()
{
    return {QStringLiteral("svg"), QStringLiteral("png"),  QStringLiteral("pdf"),
            QStringLiteral("mmd"), QStringLiteral("puml"), QStringLiteral("shiviz")};
}

bool SequenceExportDialog::isTextFormat(const QString &format)
{
    return format == QLatin1String("mmd") || format == QLatin1String("puml") ||
           format == QLatin1String("shiviz");
}

SequenceExportDialog::SequenceExportDialog(const Context &context, QWidget *parent)
    : QDialog(parent), m_context(context)
{
    setObjectName(QStringLiteral("sequenceExportDialog"));
    setWindowTitle(tr("Export Sequence Diagram"));

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("sequenceExportFormat"));
    m_format->addItem(tr("SVG picture"), QStringLiteral("svg"));
    m_format->addItem(tr("PNG image"), QStringLiteral("png"));
    m_format->addItem(tr("PDF document"), QStringLiteral("pdf"));
    m_format->addItem(tr("Mermaid sequenceDiagram"), QStringLiteral("mmd"));
    m_format->addItem(tr("PlantUML"), QStringLiteral("puml"));
    m_format->addItem(tr("ShiViz log (vector clocks)"), QStringLiteral("shiviz"));

    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("sequenceExportPath"));
    m_path->setMinimumWidth(360);
    auto *browse = new QToolButton(this);
    browse->setText(tr("Browse…"));
    connect(browse, &QToolButton::clicked, this, &SequenceExportDialog::browse);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_path, 1);
    fileRow->addWidget(browse);

    // The range.
    auto *rangeBox = new QGroupBox(tr("Time range"), this);
    m_visible = new QRadioButton(
        tr("The window shown: %1 to %2").arg(timeText(context.visibleFrom), timeText(context.visibleTo)),
        rangeBox);
    m_whole = new QRadioButton(
        tr("All the kept history: %1 to %2").arg(timeText(context.firstTime), timeText(context.lastTime)),
        rangeBox);
    m_custom = new QRadioButton(tr("From"), rangeBox);
    m_visible->setObjectName(QStringLiteral("sequenceExportVisible"));
    m_whole->setObjectName(QStringLiteral("sequenceExportWhole"));
    m_custom->setObjectName(QStringLiteral("sequenceExportCustom"));
    m_ranges = new QButtonGroup(this);
    m_ranges->addButton(m_visible, int(SequenceExportRequest::Range::Visible));
    m_ranges->addButton(m_whole, int(SequenceExportRequest::Range::Whole));
    m_ranges->addButton(m_custom, int(SequenceExportRequest::Range::Custom));
    m_visible->setChecked(true);
    m_from = new QLineEdit(timeText(context.visibleFrom), rangeBox);
    m_to = new QLineEdit(timeText(context.visibleTo), rangeBox);
    m_from->setObjectName(QStringLiteral("sequenceExportFrom"));
    m_to->setObjectName(QStringLiteral("sequenceExportTo"));
    for (QLineEdit *e : {m_from, m_to}) {
        e->setToolTip(tr("A virtual time: 2s, 1.5s, 250ms, 40us; a bare number is in seconds"));
        e->setMaximumWidth(120);
    }
    auto *customRow = new QHBoxLayout;
    customRow->addWidget(m_custom);
    customRow->addWidget(m_from);
    customRow->addWidget(new QLabel(tr("to"), rangeBox));
    customRow->addWidget(m_to);
    customRow->addStretch(1);
    auto *rangeLayout = new QVBoxLayout(rangeBox);
    rangeLayout->addWidget(m_visible);
    rangeLayout->addWidget(m_whole);
    rangeLayout->addLayout(customRow);

    // What goes in.
    m_journey = new QCheckBox(rangeBox);
    m_journey->setObjectName(QStringLiteral("sequenceExportJourney"));
    if (context.selectedMessage)
        m_journey->setText(tr("Only the journey of message %1 (and the messages correlated with it)")
                               .arg(context.selectedMessage));
    else
        m_journey->setText(tr("Only the selected message's journey (click an arrow to select one)"));
    m_journey->setEnabled(context.selectedMessage != 0);
    m_maxArrows = new QSpinBox(this);
    m_maxArrows->setObjectName(QStringLiteral("sequenceExportMaxArrows"));
    m_maxArrows->setRange(1, 1000000);
    m_maxArrows->setValue(500);
    m_maxArrows->setSuffix(tr(" arrows"));
    m_maxArrows->setToolTip(tr("Text diagrams keep this many arrows, then say how many more were left out"));
    m_filterNote = new QLabel(this);
    m_filterNote->setObjectName(QStringLiteral("sequenceExportFilterNote"));
    m_filterNote->setWordWrap(true);
    m_filterNote->setText(context.filterText.trimmed().isEmpty()
                              ? tr("No filter is set: every event of the range goes in.")
                              : tr("The diagram's filter applies: %1").arg(context.filterText.trimmed()));

    m_problemLabel = new QLabel(this);
    m_problemLabel->setObjectName(QStringLiteral("sequenceExportProblem"));
    m_problemLabel->setStyleSheet(QStringLiteral("QLabel { color: #c0392b; }"));
    m_problemLabel->setWordWrap(true);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SequenceExportDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SequenceExportDialog::reject);

    auto *form = new QFormLayout;
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("File:"), fileRow);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(rangeBox);
    auto *contents = new QFormLayout;
    contents->addRow(m_journey);
    contents->addRow(tr("Text diagrams keep at most:"), m_maxArrows);
    layout->addLayout(contents);
    layout->addWidget(m_filterNote);
    layout->addWidget(m_problemLabel);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    // The last directory and format, as a user expects from a save dialog.
    const QSettings settings;
    const QString format = settings.value(QLatin1String(kFormatKey), QStringLiteral("svg")).toString();
    const QString dir = settings.value(QLatin1String(kDirKey), QDir::homePath()).toString();
    m_format->setCurrentIndex(std::max(0, int(formats().indexOf(format))));
    m_path->setText(QDir(dir).filePath(QStringLiteral("sequence.") + this->format()));

    connect(m_format, &QComboBox::currentIndexChanged, this, &SequenceExportDialog::onFormatChanged);
    connect(m_path, &QLineEdit::textChanged, this, &SequenceExportDialog::onPathEdited);
    connect(m_ranges, &QButtonGroup::idToggled, this, [this] { validate(); });
    for (QLineEdit *e : {m_from, m_to})
        connect(e, &QLineEdit::textEdited, this, [this] {
            m_custom->setChecked(true);
            validate();
        });
    onFormatChanged();
}

QString SequenceExportDialog::format() const
{
    return m_format->currentData().toString();
}

void SequenceExportDialog::setFormat(const QString &format)
{
    const auto i = formats().indexOf(canonicalFormat(format));
    if (i >= 0) m_format->setCurrentIndex(int(i));
}

QString SequenceExportDialog::path() const
{
    return m_path->text().trimmed();
}

void SequenceExportDialog::setPath(const QString &path)
{
    m_path->setText(path);
}

void SequenceExportDialog::setRange(SequenceExportRequest::Range range)
{
    m_ranges->button(int(range))->setChecked(true);
}

void SequenceExportDialog::setCustomRange(const QString &from, const QString &to)
{
    m_from->setText(from);
    m_to->setText(to);
    m_custom->setChecked(true);
    validate();
}

QPushButton *SequenceExportDialog::exportButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

void SequenceExportDialog::onFormatChanged()
{
    m_maxArrows->setEnabled(isTextFormat(format()));
    if (!m_syncing) {
        // The file name follows the format.
        const QString p = path();
        if (!p.isEmpty() && canonicalFormat(QFileInfo(p).suffix()) != format()) {
            const QFileInfo info(p);
            const QString base = info.suffix().isEmpty() ? p : p.left(p.size() - info.suffix().size() - 1);
            m_syncing = true;
            m_path->setText(base + QLatin1Char('.') + format());
            m_syncing = false;
        }
    }
    validate();
}

void SequenceExportDialog::onPathEdited()
{
    if (!m_syncing) {
        // A typed extension picks the format.
        const auto i = formats().indexOf(canonicalFormat(QFileInfo(path()).suffix()));
        if (i >= 0 && i != m_format->currentIndex()) {
            m_syncing = true;
            m_format->setCurrentIndex(int(i));
            m_syncing = false;
        }
    }
    validate();
}

void SequenceExportDialog::browse()
{
    const QString filters = m_format->currentText() + QStringLiteral(" (*.") + format() + QLatin1Char(')');
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Export sequence diagram"), path(), filters);
    if (!chosen.isEmpty()) m_path->setText(chosen);
}

void SequenceExportDialog::validate()
{
    m_problem.clear();
    const auto parse = [](const QLineEdit *e) {
        return parseDuration(e->text().trimmed().toStdString(), "s");
    };
    switch (SequenceExportRequest::Range(m_ranges->checkedId())) {
    case SequenceExportRequest::Range::Visible:
        m_fromTime = m_context.visibleFrom;
        m_toTime = m_context.visibleTo;
        break;
    case SequenceExportRequest::Range::Whole:
        m_fromTime = m_context.firstTime;
        m_toTime = std::max(m_context.lastTime, m_context.firstTime) + 1;
        break;
    case SequenceExportRequest::Range::Custom: {
        const auto from = parse(m_from), to = parse(m_to);
        if (!from)
            m_problem = tr("From: \u201c%1\u201d is not a time (examples: 1.5s, 250ms)").arg(m_from->text());
        else if (!to)
            m_problem = tr("To: \u201c%1\u201d is not a time (examples: 2s, 900ms)").arg(m_to->text());
        else if (*to <= *from)
            m_problem = tr("The range is empty: %1 is not after %2").arg(timeText(*to), timeText(*from));
        else {
            m_fromTime = *from;
            m_toTime = *to;
        }
        break;
    }
    }
    for (QLineEdit *e : {m_from, m_to})
        e->setEnabled(m_custom->isChecked());
    if (m_problem.isEmpty()) {
        const QString p = path();
        const QFileInfo info(p);
        if (p.isEmpty() || info.fileName().isEmpty())
            m_problem = tr("File: choose a file name");
        else if (canonicalFormat(info.suffix()) != format())
            m_problem = tr("File: the name must end in .%1 for %2").arg(format(), m_format->currentText());
        else if (!info.absoluteDir().exists())
            m_problem =
                tr("File: the folder %1 does not exist").arg(QDir::toNativeSeparators(info.absolutePath()));
    }
    m_problemLabel->setText(m_problem);
    m_problemLabel->setVisible(!m_problem.isEmpty());
    exportButton()->setEnabled(m_problem.isEmpty());
}

bool SequenceExportDialog::isValid() const
{
    return m_problem.isEmpty();
}

SequenceExportRequest SequenceExportDialog::request() const
{
    SequenceExportRequest r;
    r.path = path();
    r.range = SequenceExportRequest::Range(m_ranges->checkedId());
    r.from = m_fromTime;
    r.to = m_toTime;
    r.messageId = m_journey->isEnabled() && m_journey->isChecked() ? m_context.selectedMessage : 0;
    r.maxArrows = std::size_t(m_maxArrows->value());
    return r;
}

void SequenceExportDialog::accept()
{
    if (!isValid()) return;
    QSettings settings;
    settings.setValue(QLatin1String(kFormatKey), format());
    settings.setValue(QLatin1String(kDirKey), QFileInfo(path()).absolutePath());
    QDialog::accept();
}

} // namespace sb
