#include "propertyeditor.h"

#include "codeeditor.h"

#include <optional>

#include <QAbstractScrollArea>
#include <QAbstractSlider>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace sb {

namespace {

constexpr char kInvalidProperty[] = "invalid";
const QColor kErrorColor(0xc6, 0x28, 0x28);

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

QString numberQText(double v)
{
    return QString::fromStdString(sb::numberText(v));
}

bool showsUnit(const PropertySpec &spec)
{
    return !spec.unit.empty() &&
           (spec.type == PropertyType::Integer || spec.type == PropertyType::Number ||
            spec.type == PropertyType::Duration || spec.type == PropertyType::Distribution);
}

bool isLineEditType(PropertyType t)
{
    switch (t) {
    case PropertyType::Integer:
    case PropertyType::Number:
    case PropertyType::String:
    case PropertyType::Duration:
    case PropertyType::Distribution:
    case PropertyType::StringList:
    case PropertyType::StringMap:
        return true;
    default:
        return false;
    }
}

// Numbers for ranges and defaults read better with their unit: "0 to 1000000 msg".
QString withUnit(const QString &text, const PropertySpec &spec)
{
    return spec.unit.empty() ? text : text + ' ' + qs(spec.unit);
}

// A default of 0 that switches a limit off reads as what it means: "no limit", not "0".
bool defaultMeansNone(const PropertySpec &spec)
{
    return !spec.zeroMeans.empty() && spec.defaultValue.is_number() && spec.defaultValue.get<double>() == 0;
}

QString toolTipFor(const PropertySpec &spec)
{
    QStringList lines;
    lines << qs(spec.help);
    if (defaultMeansNone(spec)) {
        lines << QObject::tr("Default: %1").arg(qs(spec.zeroMeans));
        if (spec.max) lines << QObject::tr("At most %1").arg(withUnit(numberQText(*spec.max), spec));
        return lines.join('\n');
    }
    QString shownDefault = propertyValueText(spec.type, spec.defaultValue);
    if (shownDefault.isEmpty()) shownDefault = QObject::tr("empty");
    if (spec.type == PropertyType::Script && spec.defaultValue.empty()) shownDefault = QObject::tr("none");
    const bool numeric = spec.type == PropertyType::Integer || spec.type == PropertyType::Number ||
                         spec.type == PropertyType::Duration;
    lines << QObject::tr("Default: %1")
                 .arg(numeric && spec.defaultValue.is_number() ? withUnit(shownDefault, spec) : shownDefault);
    if (spec.type == PropertyType::Probability) {
        lines << QObject::tr("Range: 0 to 1");
    } else if (numeric && spec.min && spec.max) {
        lines << QObject::tr("Range: %1 to %2")
                     .arg(numberQText(*spec.min), withUnit(numberQText(*spec.max), spec));
    } else if (numeric && spec.min) {
        lines << QObject::tr("At least %1").arg(withUnit(numberQText(*spec.min), spec));
    } else if (numeric && spec.max) {
        lines << QObject::tr("At most %1").arg(withUnit(numberQText(*spec.max), spec));
    }
    if (spec.type == PropertyType::Enum) {
        QStringList choices;
        for (const auto &c : spec.choices)
            choices << qs(c);
        lines << QObject::tr("One of: %1").arg(choices.join(QLatin1String(", ")));
    }
    return lines.join('\n');
}

QString placeholderFor(const PropertySpec &spec)
{
    if (defaultMeansNone(spec)) return QObject::tr("%1 (default)").arg(qs(spec.zeroMeans));
    const QString shown = propertyValueText(spec.type, spec.defaultValue);
    if (!shown.isEmpty()) return QObject::tr("%1 (default)").arg(shown);
    if (spec.type == PropertyType::StringList || spec.type == PropertyType::StringMap)
        return QObject::tr("none (default)");
    return QObject::tr("empty (default)");
}

QString scriptSummary(const Json &value, bool set)
{
    if (!set) return QObject::tr("No messages (default)");
    if (!value.is_array() || value.empty()) return QObject::tr("No messages");
    return QObject::tr("%n message(s)", nullptr, static_cast<int>(value.size()));
}

QString codeSummary(const Json &value, bool set)
{
    const QString text = value.is_string() ? qs(value.get<std::string>()) : QString();
    if (text.trimmed().isEmpty()) return set ? QObject::tr("Empty") : QObject::tr("Empty (default)");
    const int lines = int(text.count(QLatin1Char('\n'))) + (text.endsWith(QLatin1Char('\n')) ? 0 : 1);
    return QObject::tr("%n line(s)%1", nullptr, lines).arg(set ? QString() : QObject::tr(" (default)"));
}

// The line a message about source code names ("line 3: ...", "[string]:3:"), or 0.
int lineIn(const QString &message)
{
    static const QRegularExpression pattern(QStringLiteral("(?:line |\\]:)(\\d+)"));
    const auto m = pattern.match(message);
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

// Shows probabilities as short as they are ("0.25", not "0.2500").
class ProbabilitySpinBox : public QDoubleSpinBox {
public:
    using QDoubleSpinBox::QDoubleSpinBox;

protected:
    QString textFromValue(double value) const override { return locale().toString(value, 'g', decimals()); }
};

// Keeps the mouse wheel for scrolling the form: an editor that changes its value on the wheel
// (combo boxes, spin boxes, sliders) does so only once it has the keyboard focus; otherwise the
// wheel event is ignored and travels on to the scroll area, which scrolls.
class WheelGuard : public QObject {
public:
    using QObject::QObject;

    static bool guards(const QWidget *w)
    {
        return qobject_cast<const QComboBox *>(w) || qobject_cast<const QAbstractSpinBox *>(w) ||
               qobject_cast<const QAbstractSlider *>(w);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Wheel) {
            auto *w = qobject_cast<QWidget *>(watched);
            if (w && !w->hasFocus()) {
                // The editor never sees it; the scroll area around it does, handed over directly
                // so that it scrolls however the event arrived (from the window system or sent).
                event->ignore();
                for (QWidget *p = w->parentWidget(); p; p = p->parentWidget())
                    if (auto *area = qobject_cast<QAbstractScrollArea *>(p)) {
                        QCoreApplication::sendEvent(area->viewport(), event);
                        break;
                    }
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

QString propertyValueText(PropertyType type, const Json &value)
{
    if (value.is_string()) return qs(value.get<std::string>());
    if (value.is_number_integer()) return QString::number(value.get<std::int64_t>());
    if (value.is_number_float()) return QString::number(value.get<double>(), 'g', 15); // exact, for editing
    if (value.is_boolean()) return value.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.is_null()) return {};
    if (type == PropertyType::StringList && value.is_array()) {
        QStringList parts;
        for (const auto &v : value)
            parts << (v.is_string() ? qs(v.get<std::string>()) : qs(v.dump()));
        return parts.join(QLatin1String(", "));
    }
    if (type == PropertyType::StringMap && value.is_object()) {
        QStringList parts;
        for (auto it = value.begin(); it != value.end(); ++it)
            parts << qs(it.key()) + '=' +
                         (it.value().is_string() ? qs(it.value().get<std::string>()) : qs(it.value().dump()));
        return parts.join(QLatin1String(", "));
    }
    return qs(value.dump());
}

Json parsePropertyText(PropertyType type, const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    switch (type) {
    case PropertyType::Integer: {
        bool ok = false;
        const qlonglong i = trimmed.toLongLong(&ok);
        if (ok) return Json(static_cast<std::int64_t>(i));
        const double d = trimmed.toDouble(&ok);
        // "1e6" is a whole number too; "2.5" stays a double for the checker to refuse.
        if (ok && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18)
            return Json(static_cast<std::int64_t>(d));
        if (ok && std::isfinite(d)) return Json(d);
        return Json(trimmed.toStdString());
    }
    case PropertyType::Number:
    case PropertyType::Duration:
    case PropertyType::Distribution: {
        // Bare numbers are numbers (milliseconds for durations); anything else goes as written.
        bool ok = false;
        const qlonglong i = trimmed.toLongLong(&ok);
        if (ok) return Json(static_cast<std::int64_t>(i));
        const double d = trimmed.toDouble(&ok);
        if (ok && std::isfinite(d)) return Json(d);
        return Json(trimmed.toStdString());
    }
    case PropertyType::StringList: {
        Json list = Json::array();
        for (const QString &part : trimmed.split(',', Qt::SkipEmptyParts)) {
            const QString entry = part.trimmed();
            if (!entry.isEmpty()) list.push_back(entry.toStdString());
        }
        return list;
    }
    case PropertyType::StringMap: {
        Json map = Json::object();
        for (const QString &part : trimmed.split(',', Qt::SkipEmptyParts)) {
            const QString entry = part.trimmed();
            if (entry.isEmpty()) continue;
            const qsizetype eq = entry.indexOf('=');
            const QString name = eq < 0 ? QString() : entry.left(eq).trimmed();
            if (eq < 0 || name.isEmpty()) {
                if (error) *error = QObject::tr("'%1' is not name=value").arg(entry);
                return {};
            }
            if (map.contains(name.toStdString())) {
                if (error) *error = QObject::tr("'%1' appears twice").arg(name);
                return {};
            }
            map[name.toStdString()] = entry.mid(eq + 1).trimmed().toStdString();
        }
        return map;
    }
    case PropertyType::Bool:
        if (trimmed == QLatin1String("true")) return true;
        if (trimmed == QLatin1String("false")) return false;
        return Json(trimmed.toStdString());
    case PropertyType::Probability: {
        bool ok = false;
        const double d = trimmed.toDouble(&ok);
        if (ok && std::isfinite(d)) return Json(d);
        return Json(trimmed.toStdString());
    }
    case PropertyType::Script: {
        JsonError jsonError; // parseJson: no throw on 1e400, no stack overflow on deep nesting
        auto parsed = parseJson(trimmed.toStdString(), jsonError);
        if (!parsed) {
            if (error) *error = QObject::tr("not valid JSON");
            return {};
        }
        return *parsed;
    }
    case PropertyType::String:
    case PropertyType::Enum:
        break;
    }
    return Json(text.toStdString());
}

PropertyEditor::PropertyEditor(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(this)), m_identity(new QWidget(this)),
      m_nameField(new QLineEdit(m_identity)), m_idField(new QLineEdit(m_identity)),
      m_idError(new QLabel(m_identity)), m_scroll(new QScrollArea(this)), m_runInfo(new QWidget(this)),
      m_runTitle(new QLabel(m_runInfo)), m_runText(new QLabel(m_runInfo)), m_wheelGuard(new WheelGuard(this))
{
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setWordWrap(true);

    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // The title lines up with the form's labels, which sit inside the form's own margins.
    const int margin = style()->pixelMetric(QStyle::PM_LayoutLeftMargin);
    m_title->setContentsMargins(margin, margin, margin, 0);
    layout->addWidget(m_title);

    // A node's name and id, edited like its properties and checked as they are typed.
    m_nameField->setObjectName(QStringLiteral("name"));
    m_nameField->setToolTip(tr("The name shown on the canvas and in the views (empty: the id)"));
    m_idField->setObjectName(QStringLiteral("id"));
    m_idField->setToolTip(tr("The id that links, bindings and files use; changing it updates them"));
    m_idError->setObjectName(QStringLiteral("error:id"));
    m_idError->setWordWrap(true);
    m_idError->setTextFormat(Qt::PlainText);
    QPalette errorPalette = m_idError->palette();
    errorPalette.setColor(QPalette::WindowText, kErrorColor);
    m_idError->setPalette(errorPalette);
    m_idError->hide();
    auto *identity = new QFormLayout(m_identity);
    identity->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *nameLabel = new QLabel(tr("&Name"), m_identity);
    nameLabel->setBuddy(m_nameField);
    auto *idLabel = new QLabel(tr("&Id"), m_identity);
    idLabel->setBuddy(m_idField);
    identity->addRow(nameLabel, m_nameField);
    identity->addRow(idLabel, m_idField);
    identity->addRow(QString(), m_idError);
    connect(m_nameField, &QLineEdit::editingFinished, this, [this] { onIdentityEdited(m_nameField); });
    connect(m_idField, &QLineEdit::editingFinished, this, [this] { onIdentityEdited(m_idField); });
    connect(m_idField, &QLineEdit::textEdited, this, [this](const QString &text) {
        showIdError(m_checkId && text != m_id ? m_checkId(text) : QString());
    });
    m_identity->hide();
    layout->addWidget(m_identity);
    layout->addWidget(m_scroll, 1);

    // What the run showed of the node, below the form: read, never edited.
    m_runInfo->setObjectName(QStringLiteral("runInfo"));
    auto *runLayout = new QVBoxLayout(m_runInfo);
    runLayout->setContentsMargins(margin, 0, margin, margin);
    m_runTitle->setObjectName(QStringLiteral("runInfoTitle"));
    m_runTitle->setFont(titleFont);
    m_runTitle->setTextFormat(Qt::PlainText);
    m_runText->setObjectName(QStringLiteral("runInfoText"));
    m_runText->setTextFormat(Qt::PlainText);
    m_runText->setWordWrap(true);
    m_runText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    runLayout->addWidget(m_runTitle);
    runLayout->addWidget(m_runText);
    m_runInfo->hide();
    layout->addWidget(m_runInfo);

    // Invalid input gets a red frame; the dynamic property lets a theme restyle it.
    setStyleSheet(QStringLiteral("QLineEdit[invalid=\"true\"] { border: 1px solid %1; border-radius: 2px; "
                                 "padding: 1px 2px; }")
                      .arg(kErrorColor.name()));
    clear();
}

PropertyEditor::~PropertyEditor()
{
    // Closing the window moves focus out of a field, whose editingFinished must not reach a
    // half-destroyed editor.
    disconnectRows();
}

void PropertyEditor::disconnectRows()
{
    for (Row &row : m_rows) {
        row.editor->disconnect(this);
        row.reset->disconnect(this);
    }
}

QString PropertyEditor::title() const
{
    return m_title->text();
}

void PropertyEditor::setRunInfo(const QString &title, const QStringList &lines)
{
    if (title == m_runTitle->text() && lines == m_runLines && m_runInfo->isHidden() == lines.isEmpty())
        return;
    m_runLines = lines;
    m_runTitle->setText(title);
    m_runText->setText(lines.join(QLatin1Char('\n')));
    m_runInfo->setVisible(!lines.isEmpty());
}

QString PropertyEditor::runInfoTitle() const
{
    return m_runInfo->isHidden() && m_runLines.isEmpty() ? QString() : m_runTitle->text();
}

void PropertyEditor::clear()
{
    clearIdentity();
    setRunInfo({}, {});
    setSchema(QString(), {}, Json::object());
}

void PropertyEditor::setIdentity(const QString &id, const QString &name,
                                 std::function<QString(const QString &)> check)
{
    const bool same = id == m_id && !m_identity->isHidden();
    m_id = id;
    m_name = name;
    m_checkId = std::move(check);
    // Another change of the same node leaves what is being typed alone.
    if (!same || !m_nameField->hasFocus()) m_nameField->setText(name);
    m_nameField->setPlaceholderText(id);
    if (!same || !m_idField->hasFocus()) {
        m_idField->setText(id);
        showIdError({});
    }
    m_identity->show();
}

void PropertyEditor::clearIdentity()
{
    m_id.clear();
    m_name.clear();
    m_checkId = nullptr;
    m_identity->hide();
}

QString PropertyEditor::idError() const
{
    return m_idError->isHidden() ? QString() : m_idError->text();
}

void PropertyEditor::showIdError(const QString &reason)
{
    m_idError->setText(reason);
    m_idError->setVisible(!reason.isEmpty());
    m_idField->setProperty(kInvalidProperty, !reason.isEmpty());
    m_idField->style()->unpolish(m_idField);
    m_idField->style()->polish(m_idField);
}

void PropertyEditor::onIdentityEdited(QLineEdit *field)
{
    if (m_identity->isHidden()) return;
    if (field == m_nameField) {
        const QString name = m_nameField->text().simplified();
        if (name == m_name) return;
        m_name = name;
        Q_EMIT nameEdited(name);
        return;
    }
    const QString id = m_idField->text().trimmed();
    if (id == m_id) {
        showIdError({});
        return;
    }
    const QString why = m_checkId ? m_checkId(id) : QString();
    showIdError(why);
    if (!why.isEmpty()) return; // the reason stays beside the field; the id stays as it was
    m_id = id;
    Q_EMIT idEdited(id);
}

Json PropertySection::prefixed(const Json &object) const
{
    Json out = Json::object();
    if (!object.is_object()) return out;
    for (auto it = object.begin(); it != object.end(); ++it)
        out[prefix.toStdString() + "." + it.key()] = it.value();
    return out;
}

void PropertyEditor::setSchema(const QString &title, const std::vector<PropertySpec> &specs,
                               const Json &values)
{
    setSchema(title, specs, values, {});
}

void PropertyEditor::setSchema(const QString &title, const std::vector<PropertySpec> &mainSpecs,
                               const Json &values, const std::vector<PropertySection> &sections)
{
    // Sections' rows are rows like the others, keyed "prefix.key"; a heading goes before each.
    std::vector<PropertySpec> specs = mainSpecs;
    std::vector<std::pair<std::size_t, const PropertySection *>> headings;
    for (const PropertySection &section : sections) {
        headings.emplace_back(specs.size(), &section);
        for (PropertySpec spec : section.specs) {
            spec.key = section.prefix.toStdString() + "." + spec.key;
            specs.push_back(std::move(spec));
        }
    }
    // The old form may be the sender of the signal that led here (an edit that made the owner
    // rebuild), so it is disconnected now and deleted later.
    disconnectRows();
    if (QWidget *old = m_scroll->takeWidget()) {
        old->hide();
        old->deleteLater();
    }

    m_title->setText(title);
    m_title->setVisible(!title.isEmpty());
    m_specs = specs;
    m_values = values.is_object() ? values : Json::object();
    m_rows.clear();
    m_rows.resize(m_specs.size());

    m_unitWidth = 0;
    for (const auto &spec : m_specs)
        if (showsUnit(spec))
            m_unitWidth = std::max(m_unitWidth, fontMetrics().horizontalAdvance(qs(spec.unit)));

    auto *form = new QWidget;
    auto *layout = new QFormLayout(form);
    layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->setRowWrapPolicy(QFormLayout::DontWrapRows);
    layout->setLabelAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->setFormAlignment(Qt::AlignLeft | Qt::AlignTop);
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        for (const auto &[at, section] : headings) {
            if (at != i) continue;
            auto *heading = new QLabel(section->title, form);
            heading->setObjectName(QStringLiteral("section_") + section->prefix);
            QFont bold = heading->font();
            bold.setBold(true);
            heading->setFont(bold);
            heading->setContentsMargins(0, 8, 0, 0);
            layout->addRow(heading);
        }
        Row &row = m_rows[i];
        row.spec = m_specs[i];
        row.key = qs(row.spec.key);
        QWidget *field = buildRow(row, form);
        layout->addRow(row.label, field);
    }
    // Every value-on-wheel editor the form holds, whatever row built it: a wheel over the form
    // scrolls it, and only a focused editor takes the wheel (the focus comes from a click or Tab,
    // never from the wheel itself).
    for (QWidget *w : form->findChildren<QWidget *>())
        if (WheelGuard::guards(w)) {
            w->setFocusPolicy(Qt::StrongFocus);
            w->installEventFilter(m_wheelGuard);
        }
    m_scroll->setWidget(form);
    for (Row &row : m_rows)
        showValue(row);
}

QWidget *PropertyEditor::buildRow(Row &row, QWidget *parent)
{
    const PropertySpec &spec = row.spec;
    const QString tip = toolTipFor(spec);

    row.label = new QLabel(qs(spec.label), parent);
    row.label->setToolTip(tip);

    auto *field = new QWidget(parent);
    auto *column = new QVBoxLayout(field);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(2);
    auto *line = new QHBoxLayout;
    line->setContentsMargins(0, 0, 0, 0);
    column->addLayout(line);

    switch (spec.code.empty() ? spec.type : PropertyType::Script) {
    case PropertyType::Bool: {
        auto *box = new QCheckBox(field);
        connect(box, &QCheckBox::toggled, this, [this, box](bool on) { onToggled(box, on); });
        row.editor = box;
        break;
    }
    case PropertyType::Enum: {
        auto *combo = new QComboBox(field);
        for (const auto &c : spec.choices)
            combo->addItem(qs(c));
        combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        connect(combo, &QComboBox::currentIndexChanged, this,
                [this, combo](int i) { onChoiceChanged(combo, i); });
        row.editor = combo;
        break;
    }
    case PropertyType::Probability: {
        auto *spin = new ProbabilitySpinBox(field);
        spin->setRange(0.0, 1.0);
        spin->setSingleStep(0.01);
        spin->setDecimals(4);
        // valueChanged then fires on Enter, focus loss and the arrows, not on each keystroke.
        spin->setKeyboardTracking(false);
        connect(spin, &QDoubleSpinBox::valueChanged, this,
                [this, spin](double v) { onProbabilityChanged(spin, v); });
        row.editor = spin;
        break;
    }
    case PropertyType::Script: {
        // A script's entries as JSON, or a code property's source (Lua) in a code editor.
        auto *button = new QPushButton(spec.code.empty() ? tr("Edit script…") : tr("Edit code…"), field);
        connect(button, &QPushButton::clicked, this, [this, button] {
            if (Row *r = rowForEditor(button); r && !r->spec.code.empty())
                onEditCode(button);
            else
                onEditScript(button);
        });
        row.editor = button;
        row.summary = new QLabel(field);
        break;
    }
    default: {
        Q_ASSERT(isLineEditType(spec.type));
        auto *edit = new QLineEdit(field);
        edit->setPlaceholderText(placeholderFor(spec));
        edit->setClearButtonEnabled(false);
        connect(edit, &QLineEdit::editingFinished, this, [this, edit] { onTextEdited(edit); });
        connect(edit, &QLineEdit::textEdited, this, [this, edit] { onTextTyped(edit); });
        row.editor = edit;
        break;
    }
    }
    row.editor->setObjectName(row.key);
    row.editor->setToolTip(tip);
    row.label->setBuddy(row.editor);

    const bool stretches =
        spec.code.empty() && (isLineEditType(spec.type) || spec.type == PropertyType::Enum ||
                              spec.type == PropertyType::Probability);
    line->addWidget(row.editor, stretches ? 1 : 0);
    if (row.summary) line->addWidget(row.summary, 1);
    if (stretches && m_unitWidth > 0) {
        // Every stretching field gets a unit column of the same width, so that fields line up.
        auto *unit = new QLabel(showsUnit(spec) ? qs(spec.unit) : QString(), field);
        unit->setForegroundRole(QPalette::PlaceholderText);
        unit->setFixedWidth(m_unitWidth);
        line->addWidget(unit);
    }
    if (!stretches && !row.summary) line->addStretch(1);

    row.reset = new QToolButton(field);
    row.reset->setObjectName(QStringLiteral("reset:") + row.key);
    row.reset->setAutoRaise(true);
    row.reset->setIcon(QIcon(QStringLiteral(":/icons/reset.svg")));
    row.reset->setIconSize(QSize(14, 14));
    row.reset->setToolTip(tr("Reset %1 to its default").arg(qs(spec.label)));
    row.reset->setAccessibleName(tr("Reset %1").arg(qs(spec.label)));
    row.reset->setFocusPolicy(Qt::TabFocus);
    // The button keeps its place when hidden so that fields do not change width.
    QSizePolicy keep = row.reset->sizePolicy();
    keep.setRetainSizeWhenHidden(true);
    row.reset->setSizePolicy(keep);
    connect(row.reset, &QToolButton::clicked, this, [this, button = row.reset] { onReset(button); });
    line->addWidget(row.reset);

    row.error = new QLabel(field);
    row.error->setObjectName(QStringLiteral("error:") + row.key);
    row.error->setWordWrap(true);
    row.error->setTextFormat(Qt::PlainText);
    QPalette errorPalette = row.error->palette();
    errorPalette.setColor(QPalette::WindowText, kErrorColor);
    row.error->setPalette(errorPalette);
    QFont small = row.error->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    row.error->setFont(small);
    row.error->hide();
    column->addWidget(row.error);
    return field;
}

PropertyEditor::Row *PropertyEditor::rowForKey(const QString &key)
{
    for (Row &row : m_rows)
        if (row.key == key) return &row;
    return nullptr;
}

const PropertyEditor::Row *PropertyEditor::rowForKey(const QString &key) const
{
    for (const Row &row : m_rows)
        if (row.key == key) return &row;
    return nullptr;
}

PropertyEditor::Row *PropertyEditor::rowForEditor(const QObject *editor)
{
    for (Row &row : m_rows)
        if (row.editor == editor || row.reset == editor) return &row;
    return nullptr;
}

QWidget *PropertyEditor::editor(const QString &key) const
{
    const Row *row = rowForKey(key);
    return row ? row->editor : nullptr;
}

QLabel *PropertyEditor::errorLabel(const QString &key) const
{
    const Row *row = rowForKey(key);
    return row ? row->error : nullptr;
}

QAbstractButton *PropertyEditor::resetButton(const QString &key) const
{
    const Row *row = rowForKey(key);
    return row ? row->reset : nullptr;
}

QString PropertyEditor::errorText(const QString &key) const
{
    const Row *row = rowForKey(key);
    return row && !row->error->isHidden() ? row->error->text() : QString();
}

bool PropertyEditor::isSet(const Row &row) const
{
    return m_values.contains(row.spec.key);
}

const Json &PropertyEditor::currentValue(const Row &row) const
{
    auto it = m_values.find(row.spec.key);
    return it != m_values.end() ? *it : row.spec.defaultValue;
}

void PropertyEditor::setValues(const Json &values)
{
    m_values = values.is_object() ? values : Json::object();
    for (Row &row : m_rows)
        showValue(row);
}

void PropertyEditor::showValue(Row &row)
{
    const bool set = isSet(row);
    const Json &value = currentValue(row);
    const QSignalBlocker blocker(row.editor);

    switch (row.spec.code.empty() ? row.spec.type : PropertyType::Script) {
    case PropertyType::Bool:
        static_cast<QCheckBox *>(row.editor)->setChecked(value.is_boolean() && value.get<bool>());
        break;
    case PropertyType::Enum: {
        auto *combo = static_cast<QComboBox *>(row.editor);
        combo->setCurrentIndex(value.is_string() ? combo->findText(qs(value.get<std::string>())) : -1);
        break;
    }
    case PropertyType::Probability:
        static_cast<QDoubleSpinBox *>(row.editor)->setValue(value.is_number() ? value.get<double>() : 0.0);
        break;
    case PropertyType::Script:
        row.summary->setText(row.spec.code.empty() ? scriptSummary(value, set) : codeSummary(value, set));
        break;
    default:
        static_cast<QLineEdit *>(row.editor)
            ->setText(set ? propertyValueText(row.spec.type, value) : QString());
        break;
    }

    const bool differs = set && value != row.spec.defaultValue;
    QFont labelFont = row.label->font();
    labelFont.setBold(differs);
    row.label->setFont(labelFont);
    if (row.spec.type != PropertyType::Bool && row.spec.type != PropertyType::Script &&
        row.spec.code.empty()) {
        QFont editorFont = row.editor->font();
        editorFont.setBold(differs);
        row.editor->setFont(editorFont);
    }
    if (row.summary) {
        QFont summaryFont = row.summary->font();
        summaryFont.setBold(differs);
        row.summary->setFont(summaryFont);
    }
    row.reset->setVisible(set);

    // A value loaded from a file can be invalid too; say so rather than hide it.
    setError(row, set ? qs(checkPropertyValue(row.spec, value)) : QString());
}

void PropertyEditor::setError(Row &row, const QString &reason)
{
    const bool invalid = !reason.isEmpty();
    row.error->setText(reason);
    row.error->setVisible(invalid);
    if (row.editor->property(kInvalidProperty).toBool() != invalid) {
        row.editor->setProperty(kInvalidProperty, invalid);
        // Dynamic properties do not restyle by themselves.
        row.editor->style()->unpolish(row.editor);
        row.editor->style()->polish(row.editor);
        row.editor->update();
    }
}

void PropertyEditor::commit(Row &row, const Json &value)
{
    const QString reason = qs(checkPropertyValue(row.spec, value));
    if (!reason.isEmpty()) {
        setError(row, reason);
        return;
    }
    if (value == currentValue(row)) {
        showValue(row); // tidies the text ("a,b" -> "a, b") and clears an earlier error
        return;
    }
    m_values[row.spec.key] = value;
    showValue(row);
    // Last: a receiver may rebuild the form, which invalidates `row`.
    Q_EMIT propertyEdited(row.key, value);
}

void PropertyEditor::onTextEdited(QObject *editor)
{
    Row *row = rowForEditor(editor);
    if (!row) return;
    const QString text = static_cast<QLineEdit *>(row->editor)->text();
    if (text.trimmed().isEmpty() && row->spec.type != PropertyType::String) {
        // An emptied field means "back to the default" (for strings, empty is a value of its own).
        if (!isSet(*row)) {
            setError(*row, QString());
            return;
        }
        const QString key = row->key;
        m_values.erase(row->spec.key);
        showValue(*row);
        Q_EMIT propertyReset(key);
        return;
    }
    QString parseError;
    const Json value = parsePropertyText(row->spec.type, text, &parseError);
    if (!parseError.isEmpty()) {
        setError(*row, parseError);
        return;
    }
    commit(*row, value);
}

void PropertyEditor::onTextTyped(QObject *editor)
{
    // As you type: say what is wrong with the text so far (the rule that fails), commit nothing.
    Row *row = rowForEditor(editor);
    if (!row) return;
    const QString text = static_cast<QLineEdit *>(row->editor)->text();
    if (text.trimmed().isEmpty() && row->spec.type != PropertyType::String) {
        setError(*row, QString());
        return;
    }
    QString parseError;
    const Json value = parsePropertyText(row->spec.type, text, &parseError);
    setError(*row, parseError.isEmpty() ? qs(checkPropertyValue(row->spec, value)) : parseError);
}

void PropertyEditor::onToggled(QObject *editor, bool checked)
{
    if (Row *row = rowForEditor(editor)) commit(*row, Json(checked));
}

void PropertyEditor::onChoiceChanged(QObject *editor, int index)
{
    Row *row = rowForEditor(editor);
    if (!row || index < 0) return;
    commit(*row, Json(static_cast<QComboBox *>(row->editor)->itemText(index).toStdString()));
}

void PropertyEditor::onProbabilityChanged(QObject *editor, double value)
{
    if (Row *row = rowForEditor(editor)) commit(*row, Json(value));
}

namespace {

// The frame of a dialog that edits one property's value in a larger editor: the property's help
// above, the editor (added by the caller), a red message under it (hidden until a value is
// refused) and OK/Cancel. `accept` turns the editor's text into a value, or says why not.
class ValueDialog {
public:
    ValueDialog(QWidget *parent, const QString &name, const QString &title, const QString &help)
        : m_dialog(parent), m_layout(new QVBoxLayout(&m_dialog)), m_error(new QLabel(&m_dialog))
    {
        m_dialog.setObjectName(name + QStringLiteral("Dialog"));
        m_dialog.setWindowTitle(title);
        auto *helpLabel = new QLabel(help, &m_dialog);
        helpLabel->setWordWrap(true);
        helpLabel->setTextFormat(Qt::PlainText);
        m_layout->addWidget(helpLabel);
        m_error->setObjectName(name + QStringLiteral("Error"));
        m_error->setWordWrap(true);
        m_error->setTextFormat(Qt::PlainText);
        QPalette errorPalette = m_error->palette();
        errorPalette.setColor(QPalette::WindowText, kErrorColor);
        m_error->setPalette(errorPalette);
        m_error->hide();
    }
    QDialog *dialog() { return &m_dialog; }
    // Shows `reason` under the editor (empty hides it).
    void showError(const QString &reason)
    {
        m_error->setText(reason);
        m_error->setVisible(!reason.isEmpty());
    }
    // Runs the dialog around `editor`; the accepted value, or nothing when cancelled.
    std::optional<Json> exec(QWidget *editor, const std::function<QString(Json &value)> &accept)
    {
        m_layout->addWidget(editor, 1);
        m_layout->addWidget(m_error);
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &m_dialog);
        m_layout->addWidget(buttons);
        std::optional<Json> accepted;
        QObject::connect(buttons, &QDialogButtonBox::rejected, &m_dialog, &QDialog::reject);
        QObject::connect(buttons, &QDialogButtonBox::accepted, &m_dialog, [&] {
            Json value;
            if (const QString reason = accept(value); !reason.isEmpty()) {
                showError(reason);
                return;
            }
            accepted = std::move(value);
            m_dialog.accept();
        });
        if (m_dialog.exec() != QDialog::Accepted) return std::nullopt;
        return accepted;
    }

private:
    QDialog m_dialog;
    QVBoxLayout *m_layout;
    QLabel *m_error;
};

} // namespace

void PropertyEditor::onEditScript(QObject *editor)
{
    Row *row = rowForEditor(editor);
    if (!row) return;
    const QString key = row->key;
    const PropertySpec spec = row->spec;
    ValueDialog frame(this, QStringLiteral("script"), tr("%1 — %2").arg(qs(spec.label), m_title->text()),
                      qs(spec.help));
    auto *text = new QPlainTextEdit(frame.dialog());
    text->setObjectName(QStringLiteral("scriptText"));
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text->setPlainText(qs(currentValue(*row).dump(2)));
    text->setMinimumSize(480, 280);
    const auto accepted = frame.exec(text, [&](Json &value) {
        JsonError jsonError; // parseJson: no throw on 1e400, no stack overflow on deep nesting
        auto parsed = parseJson(text->toPlainText().toStdString(), jsonError);
        if (!parsed)
            return tr("Not valid JSON: parse error at line %1, column %2: %3")
                .arg(jsonError.line)
                .arg(jsonError.column)
                .arg(qs(jsonError.reason));
        value = std::move(*parsed);
        return qs(checkPropertyValue(spec, value));
    });
    // The form may have been rebuilt while the dialog was open.
    if (Row *current = rowForKey(key); accepted && current && current->editor == editor)
        commit(*current, *accepted);
}

void PropertyEditor::onEditCode(QObject *editor)
{
    Row *row = rowForEditor(editor);
    if (!row) return;
    const QString key = row->key;
    const PropertySpec spec = row->spec;
    ValueDialog frame(this, QStringLiteral("code"), tr("%1 — %2").arg(qs(spec.label), m_title->text()),
                      qs(spec.help));
    auto *code = new CodeEditor(frame.dialog());
    const Json current = currentValue(*row);
    code->setPlainText(current.is_string() ? qs(current.get<std::string>()) : QString());
    code->setMinimumSize(640, 420);
    // What is wrong with it now (a syntax error, or the error a run stopped it with) shows at once.
    const QString now = row->error && !row->error->text().isEmpty() ? row->error->text() : m_nodeProblem;
    frame.showError(now);
    code->setErrorLine(lineIn(now), now);
    const auto accepted = frame.exec(code, [&](Json &value) {
        value = code->toPlainText().toStdString();
        const QString reason = qs(checkPropertyValue(spec, value));
        code->setErrorLine(lineIn(reason), reason);
        return reason;
    });
    if (Row *after = rowForKey(key); accepted && after && after->editor == editor) commit(*after, *accepted);
}

void PropertyEditor::onReset(QObject *button)
{
    Row *row = rowForEditor(button);
    if (!row) return;
    const QString key = row->key;
    m_values.erase(row->spec.key);
    showValue(*row);
    Q_EMIT propertyReset(key);
}

} // namespace sb
