#include "faultsdock.h"

#include "faults/faultvalidation.h"
#include "faulttimeline.h"
#include "topologydocument.h"

#include <QAction>
#include <QHBoxLayout>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>

namespace sb {

namespace {

constexpr char kParamsPrefix[] = "params.";

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

PropertySpec timeSpec(const char *key, const char *label, const char *help, std::string zeroMeans = {})
{
    PropertySpec p;
    p.key = key;
    p.label = label;
    p.type = PropertyType::Duration;
    p.unit = "ms";
    p.defaultValue = 0;
    p.min = 0.0;
    p.max = 9.0e12;
    p.help = help;
    p.zeroMeans = std::move(zeroMeans);
    return p;
}

} // namespace

FaultsPanel::FaultsPanel(TopologyDocument *document, QWidget *parent)
    : QWidget(parent), m_document(document), m_timeline(new FaultTimeline(document, this)),
      m_addButton(new QToolButton(this)),
      m_recordAction(new QAction(tr("Record live faults into the plan"), this))
{
    setObjectName(QStringLiteral("faultsPanel"));
    m_addButton->setObjectName(QStringLiteral("addFaultButton"));
    m_addButton->setText(tr("Add fault"));
    m_addButton->setMenu(m_timeline->addFaultMenu());
    m_addButton->setPopupMode(QToolButton::InstantPopup);
    m_addButton->setToolTip(tr("Adds a fault to the plan: on the canvas selection, or on a target chosen in "
                               "the menu. Dragging on a row of the timeline adds one there."));
    m_recordAction->setObjectName(QStringLiteral("recordLiveFaultsAction"));
    m_recordAction->setStatusTip(tr("Adds the faults applied by hand during the last run to the fault plan, "
                                    "at the times they happened"));
    m_recordAction->setEnabled(false);
    connect(m_recordAction, &QAction::triggered, this, &FaultsPanel::recordLiveFaults);
    auto *record = new QToolButton(this);
    record->setObjectName(QStringLiteral("recordLiveFaultsButton"));
    record->setDefaultAction(m_recordAction);
    auto *fit = new QToolButton(this);
    fit->setObjectName(QStringLiteral("fitFaultsButton"));
    fit->setText(tr("Fit"));
    fit->setToolTip(tr("Shows the whole run: from 0 to its stop time or the plan's last fault. The wheel "
                       "zooms, Shift+wheel scrolls along the time axis."));
    connect(fit, &QToolButton::clicked, m_timeline, &FaultTimeline::fitToPlan);
    auto *remove = new QToolButton(this);
    remove->setObjectName(QStringLiteral("removeFaultButton"));
    remove->setText(tr("Delete"));
    remove->setToolTip(tr("Removes the selected fault from the plan (Delete)"));
    remove->setEnabled(false);
    connect(remove, &QToolButton::clicked, m_timeline, &FaultTimeline::removeSelected);
    connect(m_timeline, &FaultTimeline::faultSelected, remove,
            [remove](const QString &id) { remove->setEnabled(!id.isEmpty()); });
    connect(m_timeline, &FaultTimeline::editRefused, this, &FaultsPanel::editRefused);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(m_addButton);
    bar->addWidget(remove);
    bar->addWidget(record);
    bar->addStretch();
    bar->addWidget(fit);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_timeline, 1);
}

void FaultsPanel::setRunSummary(const RunSummary &summary)
{
    m_liveFaults.clear();
    for (const FaultActivation &a : summary.faults)
        if (!a.planned) m_liveFaults.push_back(a);
    m_recordAction->setEnabled(!m_liveFaults.empty());
}

std::vector<FaultDef> FaultsPanel::liveFaultsAsPlan(const std::vector<FaultActivation> &faults)
{
    std::vector<FaultDef> plan;
    const KindRegistry &registry = KindRegistry::builtin();
    for (const FaultActivation &a : faults) {
        if (a.planned) continue;
        FaultDef f;
        f.kind = a.kind;
        f.start = a.start;
        if (a.end != kNever && a.end > a.start) f.duration = a.end - a.start;
        if (a.params.is_object()) f.params = a.params; // as applied, not the kind's defaults
        const FaultKindSpec *spec = registry.findFault(a.kind);
        // A group is written "a,b,c" (empty: every node); one node or link is its id.
        const bool group =
            (spec && spec->target == FaultTarget::Group) || (a.target.find(',') != std::string::npos);
        if (group) {
            std::size_t from = 0;
            while (from < a.target.size()) {
                const std::size_t comma = std::min(a.target.find(',', from), a.target.size());
                if (comma > from) f.nodes.push_back(a.target.substr(from, comma - from));
                from = comma + 1;
            }
        } else {
            f.target = a.target;
        }
        plan.push_back(std::move(f));
    }
    return plan;
}

bool FaultsPanel::recordLiveFaults()
{
    std::vector<FaultDef> plan = liveFaultsAsPlan(m_liveFaults);
    if (plan.empty()) {
        Q_EMIT editRefused(tr("The last run has no live faults to record."));
        return false;
    }
    QString error;
    // The History names the step; the app ships no translations, so no "%n" plural forms.
    const QString text =
        plan.size() == 1 ? tr("Record 1 live fault") : tr("Record %1 live faults").arg(plan.size());
    const QStringList ids = m_document->addFaults(std::move(plan), text, &error);
    if (ids.isEmpty()) {
        Q_EMIT editRefused(tr("Cannot record the live faults: %1").arg(error));
        return false;
    }
    m_timeline->selectFault(ids.last());
    return true;
}

std::vector<PropertySpec> faultFormSpecs(const TopologyDocument &document, const FaultDef &f)
{
    std::vector<PropertySpec> specs;
    specs.push_back(timeSpec("start", "Start", "When the fault begins, in virtual time."));
    specs.push_back(timeSpec("duration", "Duration",
                             "How long it lasts (each repetition); reset: to the end of the run.",
                             "to the end of the run"));
    specs.push_back(timeSpec(
        "every", "Every", "Starts again with this period (longer than the duration); reset: once.", "once"));
    const FaultKindSpec *kind = KindRegistry::builtin().findFault(f.kind);
    const FaultTarget target = kind ? kind->target : FaultTarget::Link;
    if (target == FaultTarget::Link || (target == FaultTarget::Node && !f.target.empty())) {
        PropertySpec p;
        p.key = "target";
        p.label = target == FaultTarget::Link ? "Link" : "Node";
        p.type = PropertyType::Enum;
        p.defaultValue = f.target;
        const QStringList ids = target == FaultTarget::Link ? document.linkIds() : document.nodeIds();
        for (const QString &id : ids)
            p.choices.push_back(id.toStdString());
        p.help = target == FaultTarget::Link ? "The link the fault acts on." : "The node the fault acts on.";
        specs.push_back(std::move(p));
    } else {
        PropertySpec p;
        p.key = "nodes";
        p.label = "Nodes";
        p.type = PropertyType::StringList;
        p.defaultValue = Json::array();
        p.help = target == FaultTarget::Group ? "The group of nodes the nemesis acts on; none: every node."
                                              : "The nodes the fault acts on.";
        specs.push_back(std::move(p));
    }
    if (kind)
        for (PropertySpec p : kind->params) {
            p.key = kParamsPrefix + p.key;
            specs.push_back(std::move(p));
        }
    return specs;
}

Json faultFormValues(const FaultDef &f)
{
    Json v = Json::object();
    v["start"] = formatDurationExact(f.start);
    if (f.duration) v["duration"] = formatDurationExact(*f.duration);
    if (f.every) v["every"] = formatDurationExact(*f.every);
    if (!f.target.empty()) v["target"] = f.target;
    if (!f.nodes.empty()) v["nodes"] = f.nodes;
    for (auto it = f.params.begin(); it != f.params.end(); ++it)
        v[kParamsPrefix + it.key()] = it.value();
    return v;
}

bool editFault(TopologyDocument &document, const QString &id, const QString &key,
               const std::optional<Json> &value, QString *error)
{
    const FaultDef *current = document.fault(id);
    if (!current) {
        if (error) *error = TopologyDocument::tr("no fault with id \"%1\"").arg(id);
        return false;
    }
    FaultDef f = *current;
    const std::string k = key.toStdString();
    auto time = [&](std::optional<SimTime> &into) {
        if (!value) {
            into.reset();
            return true;
        }
        into = durationFromJson(*value);
        if (!into && error)
            *error = TopologyDocument::tr("fault \"%1\": %2 must be a duration such as \"2s\", got %3")
                         .arg(id, key, q(value->dump()));
        return into.has_value();
    };
    if (k == "start") {
        std::optional<SimTime> start;
        if (value && !time(start)) return false;
        f.start = start.value_or(0);
    } else if (k == "duration") {
        if (!time(f.duration)) return false;
    } else if (k == "every") {
        if (!time(f.every)) return false;
    } else if (k == "target") {
        f.target = value && value->is_string() ? value->get<std::string>() : std::string();
    } else if (k == "nodes") {
        f.nodes.clear();
        if (value && value->is_array())
            for (const Json &n : *value)
                if (n.is_string()) f.nodes.push_back(n.get<std::string>());
    } else if (k.rfind(kParamsPrefix, 0) == 0) {
        const std::string param = k.substr(sizeof kParamsPrefix - 1);
        if (value)
            f.params[param] = *value;
        else
            f.params.erase(param);
    } else {
        if (error) *error = TopologyDocument::tr("fault \"%1\" has no field \"%2\"").arg(id, key);
        return false;
    }
    return document.changeFault(id, f, error, key);
}

} // namespace sb
