// signalbox: the desktop workbench. All logic lives in the libraries; this only starts it.
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    // Set before anything reads QSettings or QStandardPaths, which are keyed by these names.
    QApplication::setOrganizationName(QStringLiteral("Signalbox"));
    QApplication::setApplicationName(QStringLiteral("Signalbox"));
    QApplication::setApplicationVersion(sb::MainWindow::version());
    sb::MainWindow::applySavedTheme(); // Fusion, with the light, dark or system palette

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "A workbench for messaging topologies."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QApplication::translate("main", "A topology file to open."),
                                 QStringLiteral("[file]"));
    parser.process(app);

    sb::MainWindow window;
    window.show();
    if (const QStringList files = parser.positionalArguments(); !files.isEmpty())
        window.openFile(files.first());
    else
        window.showWelcome();
    // Work a crashed session left unsaved is offered back once the window is up.
    window.offerRecovery();
    return app.exec();
}
