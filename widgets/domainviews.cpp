#include "domainviews.h"

#include "enginehost.h"
#include "eventstorebrowser.h"
#include "eventstorelog.h"
#include "nodelabels.h"
#include "readmodellog.h"
#include "readmodelview.h"
#include "sagalog.h"
#include "sagaview.h"
#include "topology.h"

namespace sb {

DomainViews::DomainViews(EngineHost *engine, SequencePanel *sequence, QWidget *widgetParent, QObject *parent)
    : QObject(parent), m_engine(engine), m_storeLog(new EventStoreLog(this)),
      m_readModelLog(new ReadModelLog(this)), m_sagaLog(new SagaLog(this))
{
    const auto lookup = [engine](std::uint64_t id) { return engine->message(id); };
    m_storeLog->setMessageLookup(lookup);
    m_readModelLog->setMessageLookup(lookup);
    m_sagaLog->setMessageLookup(lookup);
    m_browser = new EventStoreBrowser(m_storeLog, widgetParent);
    m_browser->setObjectName(QStringLiteral("eventStoreBrowser"));
    m_readModels = new ReadModelView(m_readModelLog, widgetParent);
    m_readModels->setObjectName(QStringLiteral("readModelView"));
    m_sagas = new SagaView(m_sagaLog, widgetParent);
    m_sagas->setObjectName(QStringLiteral("sagaPanel"));
    m_sagas->setSequencePanel(sequence);

    connect(m_engine, &EngineHost::runStarted, this, &DomainViews::onRunStarted);
    connect(m_engine, &EngineHost::eventsArrived, this, [this](const std::vector<TraceEvent> &events) {
        m_storeLog->addEvents(events);
        m_readModelLog->addEvents(events);
        m_sagaLog->addEvents(events);
        if (!m_sagaShown && !m_sagaLog->sagas().empty()) {
            m_sagaShown = true;
            Q_EMIT wanted(View::Sagas, true);
        }
    });
    connect(m_storeLog, &EventStoreLog::storeAdded, this, [this] { Q_EMIT wanted(View::EventStore, true); });
    connect(m_readModelLog, &ReadModelLog::projectionAdded, this,
            [this] { Q_EMIT wanted(View::ReadModels, true); });
}

QWidget *DomainViews::widget(View view) const
{
    switch (view) {
    case View::EventStore:
        return m_browser;
    case View::ReadModels:
        return m_readModels;
    case View::Sagas:
        return m_sagas;
    }
    return nullptr;
}

bool DomainViews::topologyWants(const Topology &topology, View view)
{
    for (const NodeDef &n : topology.nodes) {
        const std::string &k = n.kind;
        switch (view) {
        case View::EventStore:
            if (k == "event-store") return true;
            break;
        case View::ReadModels:
            if (k.find("projection") != std::string::npos || k.find("read-model") != std::string::npos)
                return true;
            break;
        case View::Sagas:
            if (k.starts_with("saga-")) return true;
            break;
        }
    }
    return false;
}

void DomainViews::onRunStarted()
{
    const Topology &topology = m_engine->topology();
    QStringList ids, labels;
    for (const QString &id : m_engine->nodeIds())
        ids << id;
    for (const std::string &label : nodeLabels(topology))
        labels << QString::fromStdString(label);
    m_storeLog->begin(ids, labels);
    m_readModelLog->begin(ids, labels);
    m_sagaLog->begin(ids, labels);
    m_sagaShown = false;
    for (View v : {View::EventStore, View::ReadModels, View::Sagas})
        Q_EMIT wanted(v, topologyWants(topology, v));
}

} // namespace sb
