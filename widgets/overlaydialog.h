#pragma once
// Edit › Generate Peer-to-Peer Overlay: N peers connected as a ring, a grid, a random regular
// graph, Erdős–Rényi, Watts–Strogatz or Barabási–Albert (core/nodes/p2p/overlay.h), laid out
// circular or force-directed, with the peers' dissemination settings. The dialog only gathers the
// parameters (checked by the core as the CLI's are) and shows what they give (peers, links, mean
// degree, components); the window adds the overlay to the document as one undo step.
#include <QByteArray>
#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QDialogButtonBox;

namespace sb {

class OverlayDialog : public QDialog {
    Q_OBJECT

public:
    explicit OverlayDialog(QWidget *parent = nullptr);

    // The parameters as overlayParamsFromJson reads them.
    QByteArray parametersJson() const;
    // The generated overlay as topology JSON (nodes of kind peer, links), ready for
    // TopologyDocument::paste; empty with `error` set when the parameters do not make one.
    QByteArray topologyJson(QString *error = nullptr) const;

    QComboBox *shapeBox() const { return m_shape; }
    QSpinBox *peersBox() const { return m_peers; }
    QLabel *previewLabel() const { return m_preview; }

private:
    void updateFields();
    void updatePreview();

    QComboBox *m_shape, *m_layout, *m_dissemination;
    QSpinBox *m_peers, *m_k, *m_columns, *m_degree, *m_m, *m_seed, *m_fanout, *m_ttl;
    QDoubleSpinBox *m_p, *m_beta;
    QLabel *m_preview;
    QDialogButtonBox *m_buttons;
};

} // namespace sb
