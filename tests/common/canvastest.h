#pragma once
// Helpers for tests that drive the canvas: a node's position in the document, and synthetic mouse
// presses, moves and drags on a view's viewport.
#include "topologydocument.h"

#include <QApplication>
#include <QMouseEvent>
#include <QWidget>
#include <QtNumeric>

namespace sbtest {

inline QPointF docPos(const sb::TopologyDocument &doc, const QString &id)
{
    const sb::NodeDef *n = doc.node(id);
    return n ? QPointF(n->position.x, n->position.y) : QPointF(qQNaN(), qQNaN());
}

inline void sendMouse(QWidget *w, QEvent::Type type, QPoint pos, Qt::MouseButton button,
                      Qt::MouseButtons buttons)
{
    QMouseEvent e(type, QPointF(pos), w->mapToGlobal(QPointF(pos)), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

// Press at `from`, move in steps to `to`, release there: a left-button drag on the viewport.
inline void drag(QWidget *viewport, QPoint from, QPoint to)
{
    sendMouse(viewport, QEvent::MouseButtonPress, from, Qt::LeftButton, Qt::LeftButton);
    for (int i = 1; i <= 5; ++i)
        sendMouse(viewport, QEvent::MouseMove, from + (to - from) * i / 5, Qt::NoButton, Qt::LeftButton);
    sendMouse(viewport, QEvent::MouseButtonRelease, to, Qt::LeftButton, Qt::NoButton);
}

} // namespace sbtest
