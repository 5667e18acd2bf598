# shellcheck shell=bash
# Shared setup for scripts/run and scripts/test. Source it; do not execute it.
#
#   sb_setup                               install missing Debian 12 build dependencies
#   sb_setup_fuzz                          install what the fuzz stage needs (clang, for libFuzzer);
#                                          fails, saying why, when it cannot
#   sb_configure_build DIR [CMAKE_ARG...] [-- TARGET...]
#                                          configure DIR with Ninja and build it (all targets
#                                          unless some are given after --) with nproc jobs.
#                                          Returns 2 if configuring failed, 1 if building failed.
#
# Environment: SIGNALBOX_JOBS overrides the number of build jobs (default: nproc).

SIGNALBOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

SIGNALBOX_PACKAGES=(
  build-essential
  cmake
  ninja-build
  qt6-base-dev
  qt6-base-dev-tools
  qt6-charts-dev
  qt6-svg-dev
  libqt6sql6-sqlite
  nlohmann-json3-dev
  libmuparserx-dev
  liblua5.4-dev
  libgl-dev
  pkg-config
  lld
)

# scripts/test's ASan+UBSan stage builds with these (with the fuzz target); without them it uses
# GCC and the fuzz stage is skipped, never the build.
SIGNALBOX_FUZZ_PACKAGES=(
  clang
)

sb_log() { printf '==> %s\n' "$*"; }
sb_err() { printf 'error: %s\n' "$*" >&2; }

# Prints the packages (default: SIGNALBOX_PACKAGES) that are not installed, one a line.
sb_missing_packages() {
  local pkg status
  local -a pkgs=("$@")
  ((${#pkgs[@]})) || pkgs=("${SIGNALBOX_PACKAGES[@]}")
  for pkg in "${pkgs[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    # "install ok installed" (or "hold ok installed"); multi-arch packages may print it twice.
    [[ "$status" == *"ok installed"* ]] || printf '%s\n' "$pkg"
  done
}

# Installs whatever is missing with apt-get; does nothing (and touches no network) otherwise.
sb_setup() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    sb_log "dpkg-query not found (not Debian?): not checking packages; install the equivalents of: ${SIGNALBOX_PACKAGES[*]}"
    return 0
  fi
  sb_install_missing "Build dependencies" "${SIGNALBOX_PACKAGES[@]}"
}

# The fuzz stage's packages; without dpkg it only checks that clang++ is there.
sb_setup_fuzz() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    command -v clang++ >/dev/null 2>&1 && return 0
    sb_err "clang++ not found and dpkg-query not available to install it"
    return 1
  fi
  sb_install_missing "Fuzz stage dependencies" "${SIGNALBOX_FUZZ_PACKAGES[@]}" || return 1
  command -v clang++ >/dev/null 2>&1 || {
    sb_err "clang is installed but clang++ is not on PATH"
    return 1
  }
}

# sb_install_missing LABEL PACKAGE...: apt-get installs those not installed.
sb_install_missing() {
  local label="$1"
  shift
  local -a wanted=("$@") missing=() sudo=()
  mapfile -t missing < <(sb_missing_packages "${wanted[@]}")
  if ((${#missing[@]} == 0)); then
    sb_log "$label: all ${#wanted[@]} packages present"
    return 0
  fi
  sb_log "Installing missing packages: ${missing[*]}"
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      sb_err "not root and sudo is not available; install as root: apt-get install ${missing[*]}"
      return 1
    fi
    sudo=(sudo)
  fi
  # env(1) rather than an exported variable, because sudo drops the environment.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" || return 1
  mapfile -t missing < <(sb_missing_packages "${wanted[@]}")
  if ((${#missing[@]} != 0)); then
    sb_err "still missing after apt-get install: ${missing[*]}"
    return 1
  fi
}

sb_jobs() {
  if [[ -n "${SIGNALBOX_JOBS:-}" ]]; then
    printf '%s\n' "$SIGNALBOX_JOBS"
  else
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
  fi
}

# sb_configure_build DIR [CMAKE_ARG...] [-- TARGET...]
# DIR is relative to the repository root (or absolute).
sb_configure_build() {
  local dir="$1" label="$1"
  shift
  local -a cmake_args=() targets=()
  while (($#)); do
    if [[ "$1" == "--" ]]; then
      shift
      targets=("$@")
      break
    fi
    cmake_args+=("$1")
    shift
  done
  [[ "$dir" == /* ]] || dir="$SIGNALBOX_ROOT/$dir"

  # A build dir configured earlier with another generator cannot be reconfigured with Ninja:
  # drop its cache (build outputs are regenerated anyway).
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    sb_log "$label was configured with another generator: removing its CMake cache"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi

  sb_log "Configuring $label${cmake_args[*]:+ (${cmake_args[*]})}"
  cmake -S "$SIGNALBOX_ROOT" -B "$dir" -G Ninja "${cmake_args[@]}" || return 2

  local -a build_args=(--build "$dir" --parallel "$(sb_jobs)")
  ((${#targets[@]} == 0)) || build_args+=(--target "${targets[@]}")
  sb_log "Building $label${targets[*]:+ (targets: ${targets[*]})} with $(sb_jobs) jobs"
  cmake "${build_args[@]}" || return 1
}
