#!/usr/bin/env bash
# Installs every Debian 12 package MedRelay needs to build, run and test.
# Idempotent: apt-get skips what is already installed. Needs root (or sudo).
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-format
  libclang-rt-14-dev
  # media plane and pipelines
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice
  gstreamer1.0-x
  gstreamer1.0-rtsp libgstrtspserver-1.0-dev
  libnice-dev libsrtp2-dev libssl-dev
  # signaling, access, tools
  libboost1.81-dev libboost-url1.81-dev libsqlite3-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  # DICOM (Tesseract: finds burned-in patient text in rendered frames; English data for the
  # tests' OCR check, from Debian, nothing downloaded)
  libdcmtk-dev dcmtk libtesseract-dev tesseract-ocr-eng
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev chromium chromium-driver
  curl openssl iproute2 procps
  # TURN relay for the firewall tests (started by the tests themselves, on loopback); nftables
  # for the firewall of the viewer's network namespace in the network tests
  coturn nftables
)

# Node.js drives the browser tests (playwright-core against Debian's chromium). Some machines
# ship their own Node, which conflicts with Debian's npm package: install Debian's only if absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi
