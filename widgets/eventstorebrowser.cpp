#include "eventstorebrowser.h"

#include "eventstorelog.h"
#include "eventstoremodels.h"
#include "tableviews.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace sb {

EventStoreBrowser::EventStoreBrowser(EventStoreLog *log, QWidget *parent)
    : QWidget(parent), m_log(log), m_streams(new EventStreamsModel(log, this)),
      m_filterProxy(new QSortFilterProxyModel(this)), m_events(new StreamEventsModel(log, this))
{
    m_filterProxy->setSourceModel(m_streams);
    m_filterProxy->setFilterKeyColumn(EventStreamsModel::StreamColumn);
    m_filterProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_storeBox = new QComboBox(this);
    m_storeBox->setObjectName(QStringLiteral("eventStoreBox"));
    m_storeBox->setToolTip(tr("The event store whose streams are shown"));
    m_storeBox->setVisible(false);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("eventStreamFilter"));
    m_filter->setPlaceholderText(tr("Filter streams"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_filterProxy, &QSortFilterProxyModel::setFilterFixedString);

    m_streamsView = makeTableView(m_filterProxy, QStringLiteral("eventStreamsView"), this);
    m_streamsView->setSelectionMode(QAbstractItemView::SingleSelection);
    // The name takes what the figures leave; the figures are short.
    m_streamsView->horizontalHeader()->setStretchLastSection(false);
    m_streamsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_streamsView->horizontalHeader()->setSectionResizeMode(EventStreamsModel::StreamColumn,
                                                            QHeaderView::Stretch);
    m_streamsView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_eventsView = makeTableView(m_events, QStringLiteral("streamEventsView"), this);
    m_eventsView->horizontalHeader()->setStretchLastSection(true);
    // Widths set once: measuring thousands of rows at each batch would stall the window.
    const QFontMetrics fm(font());
    m_eventsView->setColumnWidth(StreamEventsModel::PositionColumn,
                                 fm.horizontalAdvance(QStringLiteral("Position00")));
    m_eventsView->setColumnWidth(StreamEventsModel::StreamColumn,
                                 fm.horizontalAdvance(QStringLiteral("account-0000000")));
    m_eventsView->setColumnWidth(StreamEventsModel::RevisionColumn,
                                 fm.horizontalAdvance(QStringLiteral("Revision00")));
    m_eventsView->setColumnWidth(
        StreamEventsModel::TypeColumn,
        fm.horizontalAdvance(QStringLiteral("conflict: expected revision 00, stream at 00")));
    m_eventsView->setColumnWidth(StreamEventsModel::SchemaColumn,
                                 fm.horizontalAdvance(QStringLiteral("Schema00")));
    m_eventsView->setColumnWidth(StreamEventsModel::RecordedColumn,
                                 fm.horizontalAdvance(QStringLiteral("Recorded0000")));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("eventStoreStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_storeBox);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_streamsView, 1);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_eventsView, 1);
    rightLayout->addWidget(m_status);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({340, 700});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(m_log, &EventStoreLog::storeAdded, this, &EventStoreBrowser::onStoreAdded);
    connect(m_log, &EventStoreLog::changed, this, &EventStoreBrowser::onLogChanged);
    connect(m_storeBox, &QComboBox::currentIndexChanged, this, &EventStoreBrowser::onStoreChosen);
    connect(m_streamsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &EventStoreBrowser::onStreamSelected);
    for (int i = 0; i < m_log->storeCount(); ++i)
        onStoreAdded(i);
    updateStatus();
}

void EventStoreBrowser::onStoreAdded(int index)
{
    m_storeBox->addItem(m_log->store(index).label, index);
    m_storeBox->setVisible(m_storeBox->count() > 1);
    if (m_storeBox->count() == 1) onStoreChosen(0);
}

void EventStoreBrowser::onStoreChosen(int boxIndex)
{
    const int store = boxIndex < 0 ? -1 : m_storeBox->itemData(boxIndex).toInt();
    if (store != m_streams->storeIndex()) m_streams->setStore(store);
    selectStream(QLatin1String(EventStreamsModel::kAllStreams));
}

void EventStoreBrowser::selectStream(const QString &name)
{
    for (int row = 0; row < m_filterProxy->rowCount(); ++row) {
        const QModelIndex i = m_filterProxy->index(row, 0);
        if (m_streams->streamAt(m_filterProxy->mapToSource(i).row()) == name) {
            m_streamsView->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect |
                                                                    QItemSelectionModel::Rows);
            return;
        }
    }
    m_events->setStream(m_streams->storeIndex(), name);
    updateStatus();
}

void EventStoreBrowser::onStreamSelected()
{
    const QModelIndexList rows = m_streamsView->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    const QString name = m_streams->streamAt(m_filterProxy->mapToSource(rows.first()).row());
    m_events->setStream(m_streams->storeIndex(), name);
    m_eventsView->scrollToBottom();
    updateStatus();
}

void EventStoreBrowser::onLogChanged()
{
    if (m_log->storeCount() == 0) {
        m_storeBox->clear();
        m_storeBox->setVisible(false);
    }
    // Follow the newest events only while the reader is at the bottom (the models insert them).
    QScrollBar *bar = m_eventsView->verticalScrollBar();
    if (bar->value() == bar->maximum()) m_eventsView->scrollToBottom();
    if (m_streamsView->selectionModel()->selectedRows().isEmpty() && m_filterProxy->rowCount() > 0 &&
        m_filter->text().isEmpty())
        selectStream(QLatin1String(EventStreamsModel::kAllStreams));
    updateStatus();
}

void EventStoreBrowser::updateStatus()
{
    const int storeIndex = m_streams->storeIndex();
    if (storeIndex < 0 || storeIndex >= m_log->storeCount()) {
        m_status->setText(tr("No event store has written yet."));
        return;
    }
    const EventStoreLog::Store &store = m_log->store(storeIndex);
    const QString name = m_events->stream();
    QStringList parts;
    if (name == QLatin1String(EventStreamsModel::kAllStreams) || name.isEmpty()) {
        parts << tr("%1: %2 in %3")
                     .arg(store.label, countText(store.events, tr("event"), tr("events")),
                          countText(store.streams.size() + store.unlistedStreams, tr("stream"),
                                    tr("streams")));
        if (store.lastPosition >= 0) parts << tr("last position %1").arg(store.lastPosition);
        if (store.conflicts) parts << countText(store.conflicts, tr("conflict"), tr("conflicts"));
        if (store.removed)
            parts << tr("%1 removed by retention").arg(QLocale().toString(qulonglong(store.removed)));
    } else if (auto it = store.streamIndex.constFind(name); it != store.streamIndex.constEnd()) {
        const EventStoreLog::Stream &s = store.streams[std::size_t(*it)];
        parts << tr("%1: %2").arg(s.name, countText(s.events, tr("event"), tr("events")));
        if (s.lastRevision >= 0) parts << tr("last revision %1").arg(s.lastRevision);
        if (s.conflicts) parts << countText(s.conflicts, tr("conflict"), tr("conflicts"));
        if (s.firstRevision > 0) parts << tr("revisions before %1 removed by retention").arg(s.firstRevision);
    }
    if (store.droppedRows)
        parts << tr("the newest %1 rows kept").arg(QLocale().toString(EventStoreLog::kMaxEvents));
    if (store.unlistedStreams)
        parts << tr("%1 streams listed, %2 more not")
                     .arg(EventStoreLog::kMaxStreams)
                     .arg(store.unlistedStreams);
    m_status->setText(parts.join(QStringLiteral(" · ")));
}

} // namespace sb
