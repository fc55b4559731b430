#!/usr/bin/env bash
# Installs the Debian 12 packages that txc's build and tests need, only the
# ones that are missing, so it is cheap to run again. Pass --with-torch to also
# install PyTorch and onnx for Debian's /usr/bin/python3 (only needed to
# re-export the bundled test models, not to build or test).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git
  clang-19 lld-19 liblld-19-dev llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libonnx-dev libprotobuf-dev protobuf-compiler
  libopenblas-dev googletest libgtest-dev
  python3
)
if [[ "${1:-}" == "--with-torch" ]]; then
  packages+=(python3-torch python3-onnx python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
