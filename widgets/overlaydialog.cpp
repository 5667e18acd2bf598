#include "overlaydialog.h"

#include "nodes/p2p/overlay.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sb {

namespace {

QSpinBox *spin(QWidget *parent, int min, int max, int value, const char *name)
{
    auto *s = new QSpinBox(parent);
    s->setRange(min, max);
    s->setValue(value);
    s->setObjectName(QLatin1String(name));
    return s;
}

} // namespace

OverlayDialog::OverlayDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Generate Peer-to-Peer Overlay"));
    setObjectName(QStringLiteral("overlayDialog"));
    m_shape = new QComboBox(this);
    m_shape->setObjectName(QStringLiteral("overlayShape"));
    const struct {
        const char *id;
        QString label;
    } shapes[] = {{"ring", tr("Ring (k neighbours each side)")},
                  {"grid", tr("Grid (2-D lattice)")},
                  {"random-regular", tr("Random regular (every peer the same degree)")},
                  {"erdos-renyi", tr("Erdős–Rényi G(n, p)")},
                  {"watts-strogatz", tr("Watts–Strogatz small world")},
                  {"barabasi-albert", tr("Barabási–Albert scale-free")}};
    for (const auto &s : shapes)
        m_shape->addItem(s.label, QString::fromLatin1(s.id));
    m_shape->setCurrentIndex(m_shape->findData(QStringLiteral("watts-strogatz")));
    m_peers = spin(this, 1, kMaxOverlayPeers, 100, "overlayPeers");
    m_k = spin(this, 1, 1000, 2, "overlayK");
    m_columns = spin(this, 0, kMaxOverlayPeers, 0, "overlayColumns");
    m_columns->setSpecialValueText(tr("square"));
    m_degree = spin(this, 1, 1000, 4, "overlayDegree");
    m_m = spin(this, 1, 1000, 2, "overlayM");
    m_seed = spin(this, 0, 2147483647, 1, "overlaySeed");
    m_p = new QDoubleSpinBox(this);
    m_p->setObjectName(QStringLiteral("overlayP"));
    m_p->setDecimals(4);
    m_p->setRange(0, 1);
    m_p->setSingleStep(0.01);
    m_p->setValue(0.05);
    m_beta = new QDoubleSpinBox(this);
    m_beta->setObjectName(QStringLiteral("overlayBeta"));
    m_beta->setDecimals(3);
    m_beta->setRange(0, 1);
    m_beta->setSingleStep(0.05);
    m_beta->setValue(0.1);
    m_layout = new QComboBox(this);
    m_layout->setObjectName(QStringLiteral("overlayLayout"));
    m_layout->addItem(tr("Natural (lattice, circle or force-directed)"), QStringLiteral("natural"));
    m_layout->addItem(tr("Circular"), QStringLiteral("circular"));
    m_layout->addItem(tr("Force-directed"), QStringLiteral("force-directed"));
    m_dissemination = new QComboBox(this);
    m_dissemination->setObjectName(QStringLiteral("overlayDissemination"));
    m_dissemination->addItem(tr("Gossip"), QStringLiteral("gossip"));
    m_dissemination->addItem(tr("Flooding"), QStringLiteral("flooding"));
    m_dissemination->addItem(tr("Anti-entropy"), QStringLiteral("anti-entropy"));
    m_fanout = spin(this, 1, 1000, 1, "overlayFanout");
    m_ttl = spin(this, 1, 1000, 7, "overlayTtl");
    m_preview = new QLabel(this);
    m_preview->setObjectName(QStringLiteral("overlayPreview"));
    m_preview->setWordWrap(true);

    auto *form = new QFormLayout;
    form->addRow(tr("Shape:"), m_shape);
    form->addRow(tr("Peers:"), m_peers);
    form->addRow(tr("Neighbours each side (k):"), m_k);
    form->addRow(tr("Columns:"), m_columns);
    form->addRow(tr("Degree:"), m_degree);
    form->addRow(tr("Link probability (p):"), m_p);
    form->addRow(tr("Rewiring probability (β):"), m_beta);
    form->addRow(tr("Links per new peer (m):"), m_m);
    form->addRow(tr("Seed:"), m_seed);
    form->addRow(tr("Layout:"), m_layout);
    form->addRow(tr("Dissemination:"), m_dissemination);
    form->addRow(tr("Fanout:"), m_fanout);
    form->addRow(tr("TTL (flooding):"), m_ttl);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Add to Canvas"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_preview);
    layout->addWidget(m_buttons);

    for (QSpinBox *s : {m_peers, m_k, m_columns, m_degree, m_m, m_seed, m_fanout, m_ttl})
        connect(s, &QSpinBox::valueChanged, this, &OverlayDialog::updatePreview);
    for (QDoubleSpinBox *s : {m_p, m_beta})
        connect(s, &QDoubleSpinBox::valueChanged, this, &OverlayDialog::updatePreview);
    for (QComboBox *c : {m_shape, m_layout, m_dissemination})
        connect(c, &QComboBox::currentIndexChanged, this, [this] {
            updateFields();
            updatePreview();
        });
    updateFields();
    updatePreview();
}

void OverlayDialog::updateFields()
{
    const QString shape = m_shape->currentData().toString();
    auto *form = static_cast<QFormLayout *>(static_cast<QVBoxLayout *>(layout())->itemAt(0)->layout());
    form->setRowVisible(m_k, shape == QLatin1String("ring") || shape == QLatin1String("watts-strogatz"));
    form->setRowVisible(m_columns, shape == QLatin1String("grid"));
    form->setRowVisible(m_degree, shape == QLatin1String("random-regular"));
    form->setRowVisible(m_p, shape == QLatin1String("erdos-renyi"));
    form->setRowVisible(m_beta, shape == QLatin1String("watts-strogatz"));
    form->setRowVisible(m_m, shape == QLatin1String("barabasi-albert"));
    form->setRowVisible(m_ttl, m_dissemination->currentData().toString() == QLatin1String("flooding"));
}

QByteArray OverlayDialog::parametersJson() const
{
    Json j = {{"shape", m_shape->currentData().toString().toStdString()},
              {"n", m_peers->value()},
              {"k", m_k->value()},
              {"columns", m_columns->value()},
              {"degree", m_degree->value()},
              {"p", m_p->value()},
              {"beta", m_beta->value()},
              {"m", m_m->value()},
              {"seed", m_seed->value()},
              {"layout", m_layout->currentData().toString().toStdString()},
              // Room for a node's box between neighbours (a peer is some 130 units wide).
              {"spacing", 180}};
    return QByteArray::fromStdString(j.dump());
}

QByteArray OverlayDialog::topologyJson(QString *error) const
{
    std::string problem;
    OverlayParams p;
    const Json params = Json::parse(parametersJson().toStdString());
    std::optional<Overlay> o;
    if (overlayParamsFromJson(params, p, problem)) o = generateOverlay(p, problem);
    if (!o) {
        if (error) *error = QString::fromStdString(problem);
        return {};
    }
    Json peer = {{"dissemination", m_dissemination->currentData().toString().toStdString()},
                 {"fanout", m_fanout->value()}};
    if (m_dissemination->currentData().toString() == QLatin1String("flooding")) peer["ttl"] = m_ttl->value();
    Json file = overlayTopologyJson(*o, peer);
    Json topology = {{"format", "signalbox-topology"}, {"version", 1}};
    topology["nodes"] = std::move(file["nodes"]);
    topology["links"] = std::move(file["links"]);
    return QByteArray::fromStdString(topology.dump());
}

void OverlayDialog::updatePreview()
{
    std::string problem;
    OverlayParams p;
    std::optional<Overlay> o;
    if (overlayParamsFromJson(Json::parse(parametersJson().toStdString()), p, problem)) {
        // The preview generates small overlays as they are typed; a large one is only checked
        // when added (its layout takes a moment).
        if (p.n <= 2000) {
            p.layout = OverlayLayout::Circular;
            o = generateOverlay(p, problem);
        } else {
            problem.clear();
        }
    }
    QPushButton *ok = m_buttons->button(QDialogButtonBox::Ok);
    if (!problem.empty()) {
        m_preview->setText(tr("Cannot generate: %1").arg(QString::fromStdString(problem)));
        ok->setEnabled(false);
        return;
    }
    ok->setEnabled(true);
    if (!o) {
        m_preview->setText(tr("%n peer(s); generated when added.", nullptr, p.n));
        return;
    }
    const auto degrees = overlayDegrees(*o);
    int minDegree = degrees.empty() ? 0 : degrees.front(), maxDegree = minDegree;
    for (int d : degrees) {
        minDegree = std::min(minDegree, d);
        maxDegree = std::max(maxDegree, d);
    }
    const int components = overlayComponents(*o);
    m_preview->setText(tr("%1 peers, %2 links; degree %3 to %4 (mean %5); %6")
                           .arg(o->n)
                           .arg(o->edges.size())
                           .arg(minDegree)
                           .arg(maxDegree)
                           .arg(o->n ? 2.0 * double(o->edges.size()) / o->n : 0.0, 0, 'f', 2)
                           .arg(components == 1
                                    ? tr("connected")
                                    : tr("%1 components: not every peer can be reached").arg(components)));
}

} // namespace sb
