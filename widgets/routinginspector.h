#pragma once
// The Routing dock: a person types a routing key / topic / subject with headers, fields and a
// key, or picks a message on the sequence diagram, and sees where it would go from a node
// (core/routeinspector.h): a tree of the nodes reached with, under each, the paths taken and the
// paths not taken with the reason. The window draws the same on the canvas (routeChanged).
#include "messagecatalog.h"
#include "routeinspector.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QStandardItemModel;
class QTreeView;

namespace sb {

class TopologyDocument;

class RoutingInspector : public QWidget {
    Q_OBJECT

public:
    explicit RoutingInspector(TopologyDocument *document, QWidget *parent = nullptr);

    QComboBox *fromBox() const { return m_from; }
    QLineEdit *routingKeyEdit() const { return m_routingKey; }
    QLineEdit *keyEdit() const { return m_key; }
    QLineEdit *headersEdit() const { return m_headers; }
    QLineEdit *fieldsEdit() const { return m_fields; }
    QStandardItemModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    QLabel *problemLabel() const { return m_problem; }

    const RouteReport &report() const { return m_report; }
    // The links on the route: taken (true) or considered and not taken (false), with the reason.
    struct LinkMark {
        bool taken = false;
        QString why;
    };
    QHash<QString, LinkMark> linkMarks() const;
    // What the route says of each node reached (its hop's note).
    QHash<QString, QString> nodeNotes() const;

    // Starts from `node` (a node id of the document).
    void setFrom(const QString &node);
    // Fills the form from a message of a run (picked on the sequence diagram), starting from
    // `producer` when it is a node of the document.
    void setMessage(const MessageInfo &m, const QString &producer);

    // "a=1, b=two" -> pairs; the reason it cannot be read (naming the column), or empty.
    static QString parsePairs(const QString &text, std::vector<std::pair<std::string, std::string>> &out);

public slots:
    // Follows the message again (after an edit of the form or of the topology).
    void inspect();

signals:
    void routeChanged();

private:
    void refillNodes();
    void fillModel();

    TopologyDocument *m_document;
    QComboBox *m_from;
    QLineEdit *m_routingKey;
    QLineEdit *m_key;
    QLineEdit *m_headers;
    QLineEdit *m_fields;
    QLabel *m_problem;
    QLabel *m_summary;
    QTreeView *m_view;
    QStandardItemModel *m_model;
    RouteReport m_report;
};

} // namespace sb
