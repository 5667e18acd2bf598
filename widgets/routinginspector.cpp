#include "routinginspector.h"

#include "topologydocument.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QStandardItemModel>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace sb {

namespace {

const QColor kTaken(0x2e, 0x7d, 0x32);
const QColor kNotTaken(0xc6, 0x28, 0x28);

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

RoutingInspector::RoutingInspector(TopologyDocument *document, QWidget *parent)
    : QWidget(parent), m_document(document), m_from(new QComboBox(this)), m_routingKey(new QLineEdit(this)),
      m_key(new QLineEdit(this)), m_headers(new QLineEdit(this)), m_fields(new QLineEdit(this)),
      m_problem(new QLabel(this)), m_summary(new QLabel(this)), m_view(new QTreeView(this)),
      m_model(new QStandardItemModel(this))
{
    m_from->setObjectName(QStringLiteral("routeFrom"));
    m_routingKey->setObjectName(QStringLiteral("routeRoutingKey"));
    m_key->setObjectName(QStringLiteral("routeKey"));
    m_headers->setObjectName(QStringLiteral("routeHeaders"));
    m_fields->setObjectName(QStringLiteral("routeFields"));
    m_view->setObjectName(QStringLiteral("routeTree"));
    m_from->setToolTip(tr("The node the message starts from: a producer, publisher or client."));
    m_routingKey->setPlaceholderText(tr("the node's own (routing key, topic, subject or channel)"));
    m_routingKey->setToolTip(tr("AMQP routing key, MQTT topic, NATS subject or Redis channel. Empty: what "
                                "the start node would send first."));
    m_key->setPlaceholderText(tr("the node's own"));
    m_key->setToolTip(
        tr("Kafka record key (it picks the partition), Pub/Sub ordering key, SQS message group."));
    m_headers->setPlaceholderText(tr("name=value, name=value"));
    m_headers->setToolTip(tr("Headers (AMQP) or message attributes (SNS, Google Cloud Pub/Sub), added to the "
                             "start node's own."));
    m_fields->setPlaceholderText(tr("total=1500, country=DE"));
    m_fields->setToolTip(tr("Payload fields, for content filters and SNS MessageBody filter policies."));
    m_problem->setObjectName(QStringLiteral("routeProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #c62828"));
    m_problem->setWordWrap(true);
    m_problem->hide();
    m_summary->setObjectName(QStringLiteral("routeSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("From"), m_from);
    form->addRow(tr("Routing key"), m_routingKey);
    form->addRow(tr("Key"), m_key);
    form->addRow(tr("Headers"), m_headers);
    form->addRow(tr("Fields"), m_fields);
    auto *left = new QVBoxLayout;
    left->addLayout(form);
    left->addWidget(m_problem);
    left->addWidget(m_summary);
    left->addStretch(1);
    auto *leftWidget = new QWidget(this);
    leftWidget->setLayout(left);
    leftWidget->setMaximumWidth(420);

    m_model->setHorizontalHeaderLabels({tr("Node / path"), tr("Why")});
    m_view->setModel(m_model);
    m_view->setUniformRowHeights(true);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->header()->setStretchLastSection(true);
    m_view->setAlternatingRowColors(true);

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(leftWidget);
    layout->addWidget(m_view, 1);

    // Typing re-inspects once the person pauses; the answer costs microseconds, the redraw more.
    auto *again = new QTimer(this);
    again->setSingleShot(true);
    again->setInterval(150);
    connect(again, &QTimer::timeout, this, &RoutingInspector::inspect);
    for (QLineEdit *e : {m_routingKey, m_key, m_headers, m_fields})
        connect(e, &QLineEdit::textChanged, again, qOverload<>(&QTimer::start));
    connect(m_from, &QComboBox::currentIndexChanged, this, &RoutingInspector::inspect);

    // The topology changed: the answer may have too.
    const auto changed = [this, again] { again->start(); };
    connect(document, &TopologyDocument::nodePropertyChanged, this, changed);
    connect(document, &TopologyDocument::linkAdded, this, changed);
    connect(document, &TopologyDocument::linkRemoved, this, changed);
    connect(document, &TopologyDocument::bindingsChanged, this, changed);
    const auto nodesChanged = [this, again] {
        refillNodes();
        again->start();
    };
    connect(document, &TopologyDocument::nodeAdded, this, nodesChanged);
    connect(document, &TopologyDocument::nodeRemoved, this, nodesChanged);
    connect(document, &TopologyDocument::nodeIdChanged, this, nodesChanged);
    connect(document, &TopologyDocument::documentReset, this, nodesChanged);
    refillNodes();
    inspect();
}

void RoutingInspector::refillNodes()
{
    const QString current = m_from->currentData().toString();
    const QSignalBlocker block(m_from);
    m_from->clear();
    const KindRegistry &registry = KindRegistry::builtin();
    int producing = -1;
    for (const auto &n : m_document->topology().nodes) {
        const NodeKindSpec *spec = registry.find(n.kind);
        const QString id = qs(n.id);
        m_from->addItem(QStringLiteral("%1 (%2)").arg(id, qs(n.kind)), id);
        // The first node that starts messages (an output port and no input) is the default.
        if (producing < 0 && spec && spec->explainRoute) {
            bool in = false, out = false;
            for (const auto &p : spec->ports)
                (p.direction == PortDirection::In ? in : out) = true;
            if (out && !in) producing = m_from->count() - 1;
        }
    }
    const int keep = m_from->findData(current);
    m_from->setCurrentIndex(keep >= 0 ? keep : std::max(producing, m_from->count() ? 0 : -1));
}

void RoutingInspector::setFrom(const QString &node)
{
    const int i = m_from->findData(node);
    if (i >= 0) m_from->setCurrentIndex(i);
}

void RoutingInspector::setMessage(const MessageInfo &m, const QString &producer)
{
    QStringList headers, fields;
    for (const auto &h : m.headers)
        headers << qs(h.name) + QLatin1Char('=') + qs(h.value);
    for (const auto &f : m.fields)
        fields << qs(f.name) + QLatin1Char('=') + qs(f.text);
    const QSignalBlocker b1(m_routingKey), b2(m_key), b3(m_headers), b4(m_fields);
    m_routingKey->setText(qs(m.routingKey));
    m_key->setText(qs(m.key));
    m_headers->setText(headers.join(QStringLiteral(", ")));
    m_fields->setText(fields.join(QStringLiteral(", ")));
    const int i = m_from->findData(producer);
    if (i >= 0 && i != m_from->currentIndex()) {
        m_from->setCurrentIndex(i); // inspects
        return;
    }
    inspect();
}

QString RoutingInspector::parsePairs(const QString &text,
                                     std::vector<std::pair<std::string, std::string>> &out)
{
    out.clear();
    int column = 0;
    for (const QString &part : text.split(QLatin1Char(','))) {
        const QString trimmed = part.trimmed();
        const int lead = int(part.indexOf(trimmed.isEmpty() ? QString() : trimmed.left(1)));
        if (!trimmed.isEmpty()) {
            const int eq = int(trimmed.indexOf(QLatin1Char('=')));
            if (eq <= 0)
                return tr("column %1: '%2' is not name=value")
                    .arg(column + std::max(lead, 0) + 1)
                    .arg(trimmed);
            out.emplace_back(trimmed.left(eq).trimmed().toStdString(),
                             trimmed.mid(eq + 1).trimmed().toStdString());
        }
        column += int(part.size()) + 1;
    }
    return {};
}

void RoutingInspector::inspect()
{
    RouteMessage m;
    QStringList problems;
    if (QString why = parsePairs(m_headers->text(), m.headers); !why.isEmpty())
        problems << tr("Headers: %1").arg(why);
    if (QString why = parsePairs(m_fields->text(), m.fields); !why.isEmpty())
        problems << tr("Fields: %1").arg(why);
    m.routingKey = m_routingKey->text().toStdString();
    m.routingKeyGiven = !m_routingKey->text().isEmpty();
    m.key = m_key->text().toStdString();
    m.keyGiven = !m_key->text().isEmpty();
    m_problem->setText(problems.join(QLatin1Char('\n')));
    m_problem->setVisible(!problems.isEmpty());
    const QString from = m_from->currentData().toString();
    if (from.isEmpty())
        m_report = RouteReport{"no node to start from", {}};
    else
        m_report = inspectRoute(m_document->topology(), from.toStdString(), m);
    fillModel();
    Q_EMIT routeChanged();
}

void RoutingInspector::fillModel()
{
    m_model->removeRows(0, m_model->rowCount());
    if (!m_report.error.empty()) {
        m_summary->setText(qs(m_report.error));
        return;
    }
    std::vector<QStandardItem *> hopItems(m_report.hops.size(), nullptr);
    for (std::size_t i = 0; i < m_report.hops.size(); ++i) {
        const RouteHop &h = m_report.hops[i];
        auto *node = new QStandardItem(QStringLiteral("%1 (%2)").arg(qs(h.node), qs(h.kind)));
        auto *note = new QStandardItem(qs(h.note));
        QFont bold = node->font();
        bold.setBold(true);
        node->setFont(bold);
        node->setData(qs(h.node), Qt::UserRole);
        hopItems[i] = node;
        QStandardItem *parent = m_model->invisibleRootItem();
        if (h.parent >= 0) {
            // Under the branch that leads here.
            QStandardItem *p = hopItems[std::size_t(h.parent)];
            for (int r = 0; r < p->rowCount(); ++r)
                if (p->child(r)->data(Qt::UserRole + 1).toString() == qs(h.via)) {
                    parent = p->child(r);
                    break;
                }
            if (parent == m_model->invisibleRootItem()) parent = p;
        }
        parent->appendRow({node, note});
        for (const RouteBranch &b : h.branches) {
            QString text = (b.taken ? QStringLiteral("\u2192 ") : QStringLiteral("\u2717 ")) + qs(b.peer);
            // A long binding (an SNS subscription's attributes) is cut short here; the tooltip
            // has it whole.
            QString binding = qs(b.bindingKey);
            if (binding.size() > 40) binding = binding.left(38) + QStringLiteral("\u2026");
            if (b.hasBinding) text += tr(" (binding \"%1\")").arg(binding);
            if (b.partition >= 0) text += tr(" partition %1").arg(b.partition);
            auto *branch = new QStandardItem(text);
            branch->setData(qs(b.link), Qt::UserRole + 1);
            branch->setForeground(b.taken ? kTaken : kNotTaken);
            branch->setToolTip(b.hasBinding ? tr("link %1, binding %2").arg(qs(b.link), qs(b.bindingKey))
                                            : tr("link %1").arg(qs(b.link)));
            auto *why = new QStandardItem(qs(b.why));
            why->setToolTip(qs(b.why));
            node->appendRow({branch, why});
        }
    }
    m_view->expandAll();
    // The path column as wide as it needs, up to 420 pixels: the reasons are the point.
    m_view->resizeColumnToContents(0);
    m_view->setColumnWidth(0, std::min(m_view->columnWidth(0), 420));
    const auto dest = m_report.destinations();
    QStringList names;
    for (const auto &d : dest)
        names << qs(d);
    m_summary->setText(dest.empty() ? tr("No path delivers this message.")
                                    : tr("Ends at %1.").arg(names.join(QStringLiteral(", "))));
}

QHash<QString, RoutingInspector::LinkMark> RoutingInspector::linkMarks() const
{
    QHash<QString, LinkMark> marks;
    for (const auto &h : m_report.hops)
        for (const auto &b : h.branches) {
            LinkMark &m = marks[qs(b.link)];
            // A link some binding takes is taken, whatever its other bindings say.
            if (b.taken && !m.taken) {
                m.taken = true;
                m.why = qs(b.why);
            } else if (m.why.isEmpty() || (!b.taken && !m.taken)) {
                m.why = m.why.isEmpty() ? qs(b.why) : m.why + QLatin1Char('\n') + qs(b.why);
            }
        }
    return marks;
}

QHash<QString, QString> RoutingInspector::nodeNotes() const
{
    QHash<QString, QString> notes;
    for (const auto &h : m_report.hops)
        if (!notes.contains(qs(h.node))) notes.insert(qs(h.node), qs(h.note));
    return notes;
}

} // namespace sb
