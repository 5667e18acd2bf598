#pragma once
// The node palette: a search field over the registry's kinds grouped by category and its system
// templates grouped by system. Kinds and templates are dragged onto the canvas (see PaletteModel's
// MIME data), or activated from the keyboard or with a double-click, which emits kindActivated()
// or templateActivated() so that the window can add the node itself.
#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace sb {

class PaletteModel;

class Palette : public QWidget {
    Q_OBJECT

public:
    explicit Palette(QWidget *parent = nullptr);

    // Shows only kinds and templates whose label, kind name, help (or a template's id and system)
    // contains `text` (case-insensitive).
    void setFilterText(const QString &text);
    QString filterText() const;

    // The kind of the current row, or an empty string when the current row is not a kind.
    QString currentKind() const;
    // The template of the current row, or an empty string when it is not a template.
    QString currentTemplate() const;

    PaletteModel *model() const { return m_model; }
    QSortFilterProxyModel *proxyModel() const { return m_proxy; }
    QTreeView *view() const { return m_view; }
    QLineEdit *searchField() const { return m_search; }
    QLabel *helpLabel() const { return m_help; }

signals:
    void kindActivated(const QString &kind);
    void templateActivated(const QString &templateId);

private:
    void onFilterTextChanged(const QString &text);
    void onCurrentChanged();
    void activate(const QModelIndex &proxyIndex);
    bool eventFilter(QObject *watched, QEvent *event) override;

    PaletteModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_search;
    QTreeView *m_view;
    QLabel *m_help;
};

} // namespace sb
