// Compiled only to host the core tests' precompiled header (tests/CMakeLists.txt).
