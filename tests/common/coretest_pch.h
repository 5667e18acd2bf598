// The headers nearly every core test includes, precompiled once per test folder (see
// tests/CMakeLists.txt, SIGNALBOX_TEST_PCH). Only stable, widely used headers belong here: a change
// to one rebuilds every core test.
#include <QObject>
#include <QSignalSpy>
#include <QString>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "schema.h"
#include "simulation.h"
#include "topology.h"
#include "trace.h"
