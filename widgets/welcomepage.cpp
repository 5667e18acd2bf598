#include "welcomepage.h"

#include "examplesmodel.h"
#include "galleryfilter.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace sb {

namespace {

constexpr int kCardWidth = ExamplesModel::kThumbnailWidth + 16;
constexpr int kCardHeight = ExamplesModel::kThumbnailHeight + 112;

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
        // Paradigm and systems in small type; a pitfall's half as a coloured tag at the right.
        QFont small = option.font;
        small.setPointSizeF(option.font.pointSizeF() * 0.85);
        const QFontMetrics smallMetrics(small);
        painter->setFont(small);
        const QString variant = index.data(ExamplesModel::VariantRole).toString();
        qreal tagWidth = 0;
        if (!variant.isEmpty()) {
            const QString tag =
                variant == QLatin1String("broken") ? tr("pitfall: broken") : tr("pitfall: fixed");
            tagWidth = smallMetrics.horizontalAdvance(tag) + 10;
            const QRectF tagRect(text.right() - tagWidth, text.top(), tagWidth, smallMetrics.height() + 2);
            const QColor tint =
                variant == QLatin1String("broken") ? QColor(0xc6, 0x3b, 0x2f) : QColor(0x1e, 0x8a, 0x4c);
            painter->setPen(Qt::NoPen);
            painter->setBrush(tint);
            painter->drawRoundedRect(tagRect, 3, 3);
            painter->setPen(Qt::white);
            painter->drawText(tagRect, Qt::AlignCenter, tag);
        }
        QStringList about{index.data(ExamplesModel::GroupRole).toString()};
        about << index.data(ExamplesModel::SystemsRole).toStringList();
        painter->setPen(pal.color(QPalette::Link));
        painter->drawText(
            QRectF(text.left(), text.top(), text.width() - tagWidth - 4, smallMetrics.height() + 2),
            Qt::AlignLeft | Qt::AlignVCenter,
            smallMetrics.elidedText(about.join(QStringLiteral(" · ")), Qt::ElideRight,
                                    int(text.width() - tagWidth - 4)));
        text.setTop(text.top() + smallMetrics.height() + 4);
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
    m_filter = new GalleryFilterModel(m_examples, this);
    m_examplesView = new QListView(this);
    m_examplesView->setObjectName(QStringLiteral("welcomeExamplesView"));
    m_examplesView->setModel(m_filter);
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

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("welcomeSearchField"));
    m_search->setPlaceholderText(
        tr("Search examples: a system, a pitfall, a word (Kafka, duplicates, retry)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(360);
    connect(m_search, &QLineEdit::textChanged, m_filter, &GalleryFilterModel::setSearchText);

    m_paradigms = new QListWidget(this);
    m_paradigms->setObjectName(QStringLiteral("welcomeParadigmList"));
    m_paradigms->setFrameShape(QFrame::NoFrame);
    m_paradigms->setFixedWidth(210);
    m_paradigms->setSpacing(2);
    // A sidebar on the page's own background, not a white box.
    m_paradigms->viewport()->setAutoFillBackground(false);
    m_paradigms->setAutoFillBackground(false);
    connect(m_paradigms, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (item) m_filter->setParadigm(item->data(Qt::UserRole).toString());
    });
    m_matches = new QLabel(this);
    m_matches->setObjectName(QStringLiteral("welcomeMatchesLabel"));
    m_matches->setTextFormat(Qt::PlainText);
    connect(m_filter, &GalleryFilterModel::filterChanged, this, &WelcomePage::updateCounts);
    fillParadigms();

    auto *header = new QHBoxLayout;
    header->addWidget(new QLabel(tr("<h2>Examples</h2>"), this));
    header->addSpacing(16);
    header->addWidget(m_matches, 1);
    header->addWidget(m_search);
    auto *cards = new QHBoxLayout;
    cards->setSpacing(12);
    auto *groups = new QVBoxLayout;
    groups->addWidget(m_paradigms, 1);
    auto *note =
        new QLabel(tr("Each opens as a new, untitled topology: the bundled copy is never changed."), this);
    note->setWordWrap(true);
    note->setFixedWidth(210);
    note->setForegroundRole(QPalette::PlaceholderText);
    groups->addWidget(note);
    cards->addLayout(groups);
    cards->addWidget(m_examplesView, 1);
    auto *gallery = new QVBoxLayout;
    gallery->setSpacing(8);
    gallery->addLayout(header);
    gallery->addLayout(cards, 1);

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

void WelcomePage::fillParadigms()
{
    auto add = [this](const QString &id, const QString &label, const QString &help) {
        auto *item = new QListWidgetItem(label, m_paradigms);
        item->setData(Qt::UserRole, id);
        item->setData(Qt::UserRole + 1, label);
        item->setToolTip(help);
    };
    add(QString(), tr("All examples"), tr("Every bundled example, grouped by paradigm."));
    for (const Paradigm &p : paradigms())
        add(QString::fromStdString(p.id), QString::fromStdString(p.label), QString::fromStdString(p.help));
    if (m_filter->countFor(QStringLiteral("other")) > 0)
        add(QStringLiteral("other"), tr("Other"), tr("Examples that name no paradigm."));
    m_paradigms->setCurrentRow(0);
    updateCounts();
}

void WelcomePage::updateCounts()
{
    for (int row = 0; row < m_paradigms->count(); ++row) {
        QListWidgetItem *item = m_paradigms->item(row);
        const int n = m_filter->countFor(item->data(Qt::UserRole).toString());
        item->setText(QStringLiteral("%1  (%2)").arg(item->data(Qt::UserRole + 1).toString()).arg(n));
        // A paradigm without a matching example stays listed (the gallery's shape stays put) but
        // greyed out.
        item->setForeground(n > 0 ? palette().color(QPalette::Text)
                                  : palette().color(QPalette::PlaceholderText));
    }
    const int shown = m_filter->rowCount();
    if (m_filter->searchText().trimmed().isEmpty())
        m_matches->setText(tr("%n example(s), grouped by paradigm", nullptr, shown));
    else if (shown == 0)
        m_matches->setText(tr("No example matches \"%1\"%2.")
                               .arg(m_filter->searchText().trimmed(),
                                    m_filter->paradigm().isEmpty() ? QString() : tr(" in this group")));
    else
        m_matches->setText(
            tr("%n example(s) match \"%1\"", nullptr, shown).arg(m_filter->searchText().trimmed()));
}

QModelIndex WelcomePage::exampleIndex(const QString &fileName) const
{
    const int row = m_examples->rowOf(fileName);
    return row < 0 ? QModelIndex() : m_filter->mapFromSource(m_examples->index(row, 0));
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
