# Shared set-up for drover's scripts (sourced): packages, MPI environment, builds.
# Every function is idempotent: a second run finds everything in place and only rebuilds what changed.

DROVER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DROVER_PACKAGES=(cmake g++ make openmpi-bin libopenmpi-dev libboost-mpi-dev
  libboost-program-options-dev libboost-dev nlohmann-json3-dev libgtest-dev
  libbenchmark-dev python3)

# Installs missing Debian packages as root; as anyone else, prints the command and fails.
drover_ensure_packages() {
  local missing=() p
  for p in "${DROVER_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "drover needs these Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Open MPI refuses root without these; set them only when we are root.
drover_mpi_env() {
  if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  # More ranks than cores on a laptop: let them in, and let idle ranks yield.
  export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
  # Without a fast interconnect, Open MPI's default PML probes the OFI/PSM
  # libraries at every start: 0.29 s for MPI_Init here against 0.08 s with ob1
  # (shared memory and TCP). A value already set wins.
  export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
}

# drover_build DIR [cmake -D options...]: configure once, then build incrementally.
drover_build() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  cmake -S "$DROVER_ROOT" -B "$dir" "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log"
    return 1
  }
  # DROVER_BUILD_TARGETS: only these targets (a sanitizer stage builds what it runs).
  local targets=()
  [ -n "${DROVER_BUILD_TARGETS:-}" ] && read -r -a targets <<<"--target $DROVER_BUILD_TARGETS"
  cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
}

# The build the benchmark harness and the scaling scripts share (build-bench):
# one definition, so neither rebuilds the other's tree with other options.
# Its log goes to $1/build.log; on failure the log's tail is shown.
drover_build_bench() {
  local log_dir="$1"
  mkdir -p "$log_dir"
  drover_build build-bench -DCMAKE_BUILD_TYPE=Release -DDROVER_BUILD_TESTS=OFF \
    -DDROVER_BUILD_EXAMPLES=OFF -DDROVER_BUILD_BENCH=ON >"$log_dir/build.log" 2>&1 || {
    tail -40 "$log_dir/build.log"
    return 1
  }
}
