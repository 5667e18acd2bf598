#pragma once
// Tables of the workbench that show rows of data (nodes, run summary, event log), made alike.
class QAbstractItemModel;
class QString;
class QTableView;
class QWidget;

namespace sb {

// A table that shows rows of data, not a spreadsheet: whole-row selection, no grid, compact rows.
QTableView *makeTableView(QAbstractItemModel *model, const QString &objectName, QWidget *parent);

} // namespace sb
