#pragma once
// Tables of the workbench that show rows of data (nodes, run summary, event log), made alike.
#include <cstdint>

class QAbstractItemModel;
class QString;
class QTableView;
class QWidget;

namespace sb {

// A table that shows rows of data, not a spreadsheet: whole-row selection, no grid, compact rows.
QTableView *makeTableView(QAbstractItemModel *model, const QString &objectName, QWidget *parent);
// "1 event", "2,010 events": a count as the tables' status lines say it, in the locale's digits.
QString countText(std::uint64_t n, const QString &one, const QString &many);

} // namespace sb
