#pragma once
// The Faults dock: the fault plan's timeline with its "Add fault" menu and the action that records
// a run's live faults into the plan; and the form that edits one fault in the Properties dock
// (its start, duration, repetition, target and the kind's parameters, through PropertyEditor).
// Every change is a TopologyDocument edit: one undo step, refused with the validation message.
#include "summary.h"

#include <QWidget>

class QAction;
class QToolButton;

namespace sb {

class FaultTimeline;
class TopologyDocument;

class FaultsPanel : public QWidget {
    Q_OBJECT

public:
    explicit FaultsPanel(TopologyDocument *document, QWidget *parent = nullptr);

    FaultTimeline *timeline() const { return m_timeline; }
    QAction *recordAction() const { return m_recordAction; }
    QToolButton *addButton() const { return m_addButton; }

    // Remembers the faults a person applied during the run (RunSummary::faults not planned), for
    // the record action; EngineHost::finished.
    void setRunSummary(const RunSummary &summary);
    // Adds the remembered live faults to the plan as one undo step; says why not through
    // editRefused. Returns whether it added them.
    bool recordLiveFaults();

    // The plan entries that a run's live fault spans stand for: kind, target, start, and the
    // span's length as the duration (none when the fault was still on at the end).
    static std::vector<FaultDef> liveFaultsAsPlan(const std::vector<FaultActivation> &faults);

signals:
    void editRefused(const QString &reason);

private:
    TopologyDocument *m_document;
    FaultTimeline *m_timeline;
    QToolButton *m_addButton;
    QAction *m_recordAction;
    std::vector<FaultActivation> m_liveFaults;
};

// The Properties dock's form for fault `f`: "start", "duration", "every", the target ("target"
// or "nodes") and the kind's parameters as "params.<key>".
std::vector<PropertySpec> faultFormSpecs(const TopologyDocument &document, const FaultDef &f);
Json faultFormValues(const FaultDef &f);
// Applies a form edit (`value`; none: the reset button) to fault `id` as one undo step. Edits
// of the same field merge, like other property edits.
bool editFault(TopologyDocument &document, const QString &id, const QString &key,
               const std::optional<Json> &value, QString *error);

} // namespace sb
