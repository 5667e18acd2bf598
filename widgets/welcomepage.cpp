#include "welcomepage.h"

#include "examplesmodel.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace sb {

namespace {

constexpr int kCardWidth = ExamplesModel::kThumbnailWidth + 16;
constexpr int kCardHeight = ExamplesModel::kThumbnailHeight + 96;

// An example as a card: its canvas picture, its name in bold and the start of its description.
class ExampleCardDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &, const QModelIndex &) const override
    {
        return {kCardWidth, kCardHeight};
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const QRectF card = QRectF(option.rect).adjusted(4, 4, -4, -4);
        const QPalette &pal = option.palette;
        const bool selected = option.state & QStyle::State_Selected;
        const bool hovered = option.state & QStyle::State_MouseOver;
        painter->setPen(QPen(selected ? pal.color(QPalette::Highlight)
                                      : pal.color(hovered ? QPalette::Mid : QPalette::Midlight),
                             selected ? 2.0 : 1.0));
        painter->setBrush(pal.color(QPalette::Base));
        painter->drawRoundedRect(card, 6, 6);

        const QPixmap picture = index.data(Qt::DecorationRole).value<QPixmap>();
        const QRectF pictureRect(card.left() + 4, card.top() + 4, ExamplesModel::kThumbnailWidth,
                                 ExamplesModel::kThumbnailHeight);
        painter->drawPixmap(pictureRect.toRect(), picture);

        QRectF text(card.left() + 8, pictureRect.bottom() + 6, card.width() - 16, 0);
        text.setBottom(card.bottom() - 6);
        QFont bold = option.font;
        bold.setBold(true);
        painter->setFont(bold);
        painter->setPen(pal.color(QPalette::Text));
        const QFontMetrics boldMetrics(bold);
        painter->drawText(text, Qt::AlignLeft | Qt::AlignTop,
                          boldMetrics.elidedText(index.data().toString(), Qt::ElideRight, int(text.width())));
        text.setTop(text.top() + boldMetrics.height() + 2);
        painter->setFont(option.font);
        painter->setPen(pal.color(QPalette::PlaceholderText));
        // As many whole lines of the description as fit, the last one elided.
        const QFontMetrics metrics(option.font);
        const QString description = index.data(ExamplesModel::DescriptionRole).toString();
        const int lines = std::max(1, int(text.height()) / metrics.lineSpacing());
        QStringList out;
        QString rest = description;
        while (!rest.isEmpty() && out.size() < lines) {
            int fit = rest.size();
            while (fit > 0 && metrics.horizontalAdvance(rest.left(fit)) > text.width()) {
                const int space = rest.lastIndexOf(QLatin1Char(' '), fit - 1);
                fit = space > 0 ? space : fit - 1;
            }
            if (fit <= 0) break;
            if (out.size() + 1 == lines && fit < rest.size())
                out << metrics.elidedText(rest, Qt::ElideRight, int(text.width()));
            else
                out << rest.left(fit);
            rest = rest.mid(fit).trimmed();
        }
        painter->drawText(text, Qt::AlignLeft | Qt::AlignTop, out.join(QLatin1Char('\n')));
        painter->restore();
    }
};

} // namespace

WelcomePage::WelcomePage(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    auto *title = new QLabel(tr("<h1>Signalbox</h1>"), this);
    auto *subtitle = new QLabel(
        tr("Design a messaging topology, run it on a deterministic engine and see what happened to "
           "every message."),
        this);
    subtitle->setWordWrap(true);

    m_newButton = new QPushButton(tr("New topology"), this);
    m_newButton->setObjectName(QStringLiteral("welcomeNewButton"));
    m_openButton = new QPushButton(tr("Open…"), this);
    m_openButton->setObjectName(QStringLiteral("welcomeOpenButton"));
    connect(m_newButton, &QPushButton::clicked, this, &WelcomePage::newRequested);
    connect(m_openButton, &QPushButton::clicked, this, &WelcomePage::openRequested);

    m_recent = new QListWidget(this);
    m_recent->setObjectName(QStringLiteral("welcomeRecentList"));
    m_recent->setFrameShape(QFrame::NoFrame);
    connect(m_recent, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { Q_EMIT recentActivated(item->data(Qt::UserRole).toString()); });

    auto *side = new QVBoxLayout;
    side->addWidget(title);
    side->addWidget(subtitle);
    side->addSpacing(12);
    side->addWidget(m_newButton);
    side->addWidget(m_openButton);
    side->addSpacing(16);
    side->addWidget(new QLabel(tr("<b>Recent</b>"), this));
    side->addWidget(m_recent, 1);

    m_examples = new ExamplesModel(this);
    m_examplesView = new QListView(this);
    m_examplesView->setObjectName(QStringLiteral("welcomeExamplesView"));
    m_examplesView->setModel(m_examples);
    m_examplesView->setViewMode(QListView::IconMode);
    m_examplesView->setResizeMode(QListView::Adjust);
    m_examplesView->setMovement(QListView::Static);
    m_examplesView->setUniformItemSizes(true);
    m_examplesView->setSpacing(6);
    m_examplesView->setMouseTracking(true);
    m_examplesView->setFrameShape(QFrame::NoFrame);
    m_examplesView->setItemDelegate(new ExampleCardDelegate(m_examplesView));
    // A card opens on a single click, like a link; Enter opens the current one. A double click
    // (habit from file lists) opens it once, not twice.
    connect(m_examplesView, &QListView::clicked, this, &WelcomePage::openExample);
    connect(m_examplesView, &QListView::activated, this, [this](const QModelIndex &index) {
        if (QGuiApplication::mouseButtons() == Qt::NoButton &&
            !style()->styleHint(QStyle::SH_ItemView_ActivateItemOnSingleClick, nullptr, m_examplesView))
            openExample(index);
    });

    auto *gallery = new QVBoxLayout;
    gallery->addWidget(new QLabel(tr("<h2>Examples</h2>"), this));
    gallery->addWidget(
        new QLabel(tr("Each opens as a new, untitled topology: the bundled copy is never changed."), this));
    gallery->addWidget(m_examplesView, 1);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(32, 24, 24, 24);
    layout->setSpacing(32);
    auto *sideWidget = new QWidget(this);
    sideWidget->setLayout(side);
    sideWidget->setFixedWidth(280);
    layout->addWidget(sideWidget);
    layout->addLayout(gallery, 1);
    setRecentFiles({});
}

void WelcomePage::openExample(const QModelIndex &index)
{
    const QString path = index.data(ExamplesModel::PathRole).toString();
    if (path.isEmpty()) return;
    if (path == m_lastOpened && m_sinceOpened.isValid() &&
        m_sinceOpened.elapsed() < QApplication::doubleClickInterval())
        return; // the second click of a double click
    m_lastOpened = path;
    m_sinceOpened.start();
    Q_EMIT exampleActivated(path);
}

void WelcomePage::setRecentFiles(const QStringList &files)
{
    m_recent->clear();
    for (const QString &file : files) {
        auto *item = new QListWidgetItem(QFileInfo(file).fileName(), m_recent);
        item->setData(Qt::UserRole, file);
        item->setToolTip(QDir::toNativeSeparators(file));
    }
    if (files.isEmpty()) {
        auto *item = new QListWidgetItem(tr("No recent files"), m_recent);
        item->setFlags(Qt::NoItemFlags);
    }
}

} // namespace sb
