// The headers nearly every test of the window includes, precompiled once per test folder (see
// tests/CMakeLists.txt, SIGNALBOX_TEST_PCH): the core tests' set and the Qt Widgets classes.
#include "coretest_pch.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QPushButton>
#include <QTemporaryDir>
#include <QWidget>
