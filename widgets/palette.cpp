#include "palette.h"

#include "palettemodel.h"

#include <QCoreApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace sb {

Palette::Palette(QWidget *parent)
    : QWidget(parent), m_model(new PaletteModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_search(new QLineEdit(this)), m_view(new QTreeView(this)), m_help(new QLabel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterRole(PaletteModel::SearchTextRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setRecursiveFilteringEnabled(true);

    m_search->setPlaceholderText(tr("Search kinds and templates"));
    m_search->setClearButtonEnabled(true);
    m_search->setToolTip(tr("Filter by name or description; Enter adds the first match"));
    m_search->installEventFilter(this);

    m_view->setModel(m_proxy);
    m_view->setHeaderHidden(true);
    m_view->setRootIsDecorated(false);
    m_view->setItemsExpandable(false);
    m_view->setIconSize(QSize(24, 24));
    m_view->setDragEnabled(true);
    m_view->setDragDropMode(QAbstractItemView::DragOnly);
    m_view->setDefaultDropAction(Qt::CopyAction);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->installEventFilter(this);
    m_view->expandAll();

    m_help->setWordWrap(true);
    m_help->setTextFormat(Qt::PlainText);
    m_help->setForegroundRole(QPalette::PlaceholderText);
    m_help->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    // Room for three lines, so that moving between kinds does not make the list jump.
    m_help->setMinimumHeight(3 * m_help->fontMetrics().lineSpacing());
    m_help->setText(tr("Drag a kind or a template onto the canvas, or press Enter to add it."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_search);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_help);

    connect(m_search, &QLineEdit::textChanged, this, &Palette::onFilterTextChanged);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &Palette::onCurrentChanged);
    connect(m_view, &QTreeView::doubleClicked, this, &Palette::activate);
}

void Palette::setFilterText(const QString &text)
{
    m_search->setText(text);
}

QString Palette::filterText() const
{
    return m_search->text();
}

QString Palette::currentKind() const
{
    return m_view->currentIndex().data(PaletteModel::KindRole).toString();
}

QString Palette::currentTemplate() const
{
    return m_view->currentIndex().data(PaletteModel::TemplateRole).toString();
}

void Palette::onFilterTextChanged(const QString &text)
{
    m_proxy->setFilterFixedString(text.trimmed());
    // Rows the filter brings back come in collapsed.
    m_view->expandAll();
    if (!currentKind().isEmpty()) return;
    // Keep a current kind so that Enter in the search field has something to add.
    for (int c = 0; c < m_proxy->rowCount(); ++c) {
        const QModelIndex category = m_proxy->index(c, 0);
        if (m_proxy->rowCount(category) > 0) {
            m_view->setCurrentIndex(m_proxy->index(0, 0, category));
            break;
        }
    }
}

void Palette::onCurrentChanged()
{
    const QModelIndex current = m_view->currentIndex();
    // The one-line help (a template's settings stay in its tooltip): the list must not jump.
    const QString help = current.data(Qt::StatusTipRole).toString();
    m_help->setText(
        help.isEmpty() ? tr("Drag a kind or a template onto the canvas, or press Enter to add it.") : help);
}

void Palette::activate(const QModelIndex &proxyIndex)
{
    const QString id = proxyIndex.data(PaletteModel::TemplateRole).toString();
    if (!id.isEmpty()) {
        Q_EMIT templateActivated(id);
        return;
    }
    const QString kind = proxyIndex.data(PaletteModel::KindRole).toString();
    if (!kind.isEmpty()) Q_EMIT kindActivated(kind);
}

bool Palette::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::KeyPress) return QWidget::eventFilter(watched, event);
    const auto *key = static_cast<QKeyEvent *>(event);
    const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
    if (watched == m_view && enter) {
        activate(m_view->currentIndex());
        return true;
    }
    if (watched == m_search && enter) {
        activate(m_view->currentIndex());
        return true;
    }
    if (watched == m_search && (key->key() == Qt::Key_Down || key->key() == Qt::Key_Up)) {
        // Arrow keys walk the kinds without leaving the search field, stepping over categories.
        const QModelIndex start = m_view->currentIndex();
        QModelIndex before = start;
        do {
            before = m_view->currentIndex();
            QKeyEvent step(QEvent::KeyPress, key->key(), key->modifiers());
            QCoreApplication::sendEvent(m_view, &step);
        } while (currentKind().isEmpty() && m_view->currentIndex() != before);
        if (currentKind().isEmpty() && start.isValid()) m_view->setCurrentIndex(start);
        return true;
    }
    if (watched == m_search && key->key() == Qt::Key_Escape && !m_search->text().isEmpty()) {
        m_search->clear();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace sb
