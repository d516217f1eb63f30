#!/usr/bin/env bash
# Installs what is missing, builds, and runs the relay on the embedded default:
# SQLite/data in ./medrelay-data, a self-signed certificate, the demo camera, https://127.0.0.1:8443/
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDRELAY_TESTS=OFF -DMEDRELAY_BENCH=OFF
exec ./build/app/medrelay serve "$@"
