#include "nodecolors.h"

#include <array>

namespace sb {

namespace {

// Paul Tol's qualitative schemes (bright, then muted, then the light set's darker members),
// ordered so that neighbours in the node order differ most in hue.
constexpr std::array<QRgb, 16> kPalette = {
    0x4477AA, // blue
    0xEE6677, // red
    0x228833, // green
    0xCCBB44, // yellow
    0x66CCEE, // cyan
    0xAA3377, // purple
    0xEE8866, // orange
    0x332288, // indigo
    0x44AA99, // teal
    0x882255, // wine
    0x999933, // olive
    0xCC6677, // rose
    0x117733, // dark green
    0x88CCEE, // light blue
    0xDDCC77, // sand
    0xBBBBBB, // grey
};

} // namespace

int nodeColorCount()
{
    return int(kPalette.size());
}

QColor nodeColor(int index)
{
    if (index < 0) return QColor(0x99, 0x99, 0x99);
    return QColor::fromRgb(kPalette[std::size_t(index) % kPalette.size()]);
}

void NodeColors::setNodes(const QStringList &nodeIdsInOrder)
{
    m_index.clear();
    for (int i = 0; i < nodeIdsInOrder.size(); ++i)
        m_index.insert(nodeIdsInOrder[i], i);
}

QColor NodeColors::colorOf(const QString &nodeId) const
{
    return nodeColor(m_index.value(nodeId, -1));
}

} // namespace sb
