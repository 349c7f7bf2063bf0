#!/usr/bin/env bash
# drover as a package, the two ways a C++ project takes it:
#   install  `cmake --install <build> --prefix <tmp>`, then tests/package (find_package(drover))
#            configured with CMAKE_PREFIX_PATH=<tmp>, built and run under mpirun -np 2;
#   subdir   tests/package/subdir (add_subdirectory on drover's source tree) configured with
#            GTest, benchmark and Python disabled, built (drover's libraries from source) and run.
# Usage: check.sh [options] [install|subdir|all]   (default all)
#   --build-dir=DIR   the drover build tree to install (install mode; required there)
#   --cmake=PATH      cmake (default: cmake on PATH)
#   --mpiexec=PATH    mpirun (default: mpirun on PATH)
#   --generator=G  --cxx=PATH  --build-type=T  --jobs=N (default 2)
# Everything goes into a fresh temporary directory that is removed on exit, so the script is
# idempotent; DROVER_PACKAGE_KEEP=1 keeps it (and prints where) for debugging.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir="" cmake=cmake mpiexec=mpirun generator="" cxx="" build_type=Release jobs=2
modes=()
for arg in "$@"; do
  case $arg in
    --build-dir=*) build_dir=${arg#*=} ;;
    --cmake=*) cmake=${arg#*=} ;;
    --mpiexec=*) mpiexec=${arg#*=} ;;
    --generator=*) generator=${arg#*=} ;;
    --cxx=*) cxx=${arg#*=} ;;
    --build-type=*) build_type=${arg#*=} ;;
    --jobs=*) jobs=${arg#*=} ;;
    install|subdir) modes+=("$arg") ;;
    all) modes+=(install subdir) ;;
    *) echo "check.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[ ${#modes[@]} -gt 0 ] || modes=(install subdir)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-package.XXXXXX")
cleanup() {
  if [ "${DROVER_PACKAGE_KEEP:-0}" = 1 ]; then echo "check.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# mpirun: more ranks than cores is fine; as root Open MPI wants to be told.
export OMPI_MCA_rmaps_base_oversubscribe=1
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

configure_args=(-DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
[ -n "$generator" ] && configure_args+=(-G "$generator")
[ -n "$cxx" ] && configure_args+=(-DCMAKE_CXX_COMPILER="$cxx")

step() { echo "== check.sh: $*"; }

# Build and run the consumer in $1 and check what it prints.
build_and_run() {
  local bin=$1 start=$SECONDS
  "$cmake" --build "$bin" --target drover_package_app --parallel "$jobs" \
    ${build_type:+--config "$build_type"}
  step "built in $((SECONDS - start)) s; running under $mpiexec -np 2"
  local app=$bin/drover_package_app out
  [ -x "$app" ] || app=$bin/$build_type/drover_package_app  # multi-config generators
  out=$(cd "$bin" && timeout -k 10 120 "$mpiexec" -np 2 "$app")
  printf '%s\n' "$out"
  if ! grep -qx 'cubes: 1 8 27 64 125' <<<"$out"; then
    echo "check.sh: expected the line 'cubes: 1 8 27 64 125'" >&2
    return 1
  fi
}

check_install() {
  [ -n "$build_dir" ] || { echo "check.sh: install needs --build-dir" >&2; return 2; }
  local prefix=$tmp/prefix bin=$tmp/install-consumer
  step "installing $build_dir into $prefix"
  "$cmake" --install "$build_dir" --prefix "$prefix" ${build_type:+--config "$build_type"}
  # The package is self-contained: public headers only, no paths into the trees.
  local f
  for f in include/drover/drover.hpp bin/drover lib/cmake/drover/drover-config.cmake \
           lib/cmake/drover/drover-config-version.cmake lib/cmake/drover/drover-targets.cmake; do
    [ -e "$prefix/$f" ] || { echo "check.sh: $prefix/$f was not installed" >&2; return 1; }
  done
  if [ -n "$(ls -A "$prefix/include" | grep -vx drover)" ]; then
    echo "check.sh: $prefix/include holds more than drover/:" >&2; ls -A "$prefix/include" >&2; return 1
  fi
  if grep -rlF -e "$source_dir" -e "$(cd "$build_dir" && pwd)" "$prefix/lib/cmake"; then
    echo "check.sh: the installed package names the source or build tree" >&2; return 1
  fi
  step "configuring $here against $prefix"
  "$cmake" -S "$here" -B "$bin" "${configure_args[@]}" -DCMAKE_PREFIX_PATH="$prefix"
  if ! grep -qx "drover_DIR:PATH=$prefix/lib/cmake/drover" "$bin/CMakeCache.txt"; then
    echo "check.sh: find_package(drover) did not take the package in $prefix:" >&2
    grep '^drover_DIR' "$bin/CMakeCache.txt" >&2 || true
    return 1
  fi
  build_and_run "$bin"
}

check_subdir() {
  local bin=$tmp/subdir-consumer
  step "configuring $here/subdir (add_subdirectory of $source_dir)"
  # Built without optimisation (build type None: no -O, no -g): this checks that drover
  # builds and runs as a subproject, not its speed, and -O0 halves the compile (89 s -> ~45 s).
  "$cmake" -S "$here/subdir" -B "$bin" "${configure_args[@]}" -DCMAKE_BUILD_TYPE=None \
    -DDROVER_SOURCE_DIR="$source_dir" --no-warn-unused-cli \
    -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON \
    -DCMAKE_DISABLE_FIND_PACKAGE_Python3=ON
  build_and_run "$bin"
}

for mode in "${modes[@]}"; do
  start=$SECONDS
  "check_$mode"
  step "$mode: passed in $((SECONDS - start)) s"
done
