#!/bin/sh
# Installs the Debian 12 packages cvisor needs to build, run and test, once.
# When everything is already installed it only checks (dpkg-query) and needs no network.
set -eu

PACKAGES="clang lld llvm make qemu-system-arm qemu-system-misc qemu-system-x86 seabios device-tree-compiler libcmocka-dev libclang-rt-14-dev
python3 python3-pytest python3-pytest-timeout python3-pexpect mtools dosfstools cpio u-boot-qemu e2fsprogs"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "bootstrap: installing:$missing"
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
