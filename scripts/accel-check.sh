#!/bin/sh
# ACCEL=y: can QEMU run cvisor under KVM on this machine? Prints why not (every reason that
# applies) and exits 1, or exits 0 when KVM can be used.
#   accel-check.sh TARGET_ARCH QEMU_COMMAND...
# cvisor is a hypervisor: it must start at the CPU's hypervisor level (EL2 on Arm), so KVM has to
# run a guest that is itself a hypervisor (nested virtualization), for the guest's architecture.
set -u
target=$1
shift
host=$(uname -m)
reasons=""
add() { reasons="$reasons
  - $*"; }

if [ "$host" != "$target" ]; then
    add "this machine is $host and cvisor is built for $target: KVM only runs guests of the host's" \
        "own architecture (QEMU emulates $target with TCG instead)"
fi
if [ ! -e /dev/kvm ]; then
    add "/dev/kvm does not exist: the kernel has no KVM, or the CPU's virtualization extensions are" \
        "off or not given to this machine"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    add "/dev/kvm exists but you cannot open it ($(ls -l /dev/kvm | cut -d' ' -f1,3,4)); being in its" \
        "group would be needed"
fi
case $host in
x86_64 | i?86)
    if ! grep -qE '^flags.*\b(vmx|svm)\b' /proc/cpuinfo 2>/dev/null; then
        add "the CPU shows no vmx/svm flag: this machine is itself a virtual machine without nested" \
            "virtualization, so its KVM (if any) cannot run another hypervisor"
    fi
    ;;
aarch64)
    if [ -z "$reasons" ]; then
        # The last word: ask this QEMU for the machine cvisor needs (EL2) under KVM.
        err=$(timeout 10 "$@" -accel kvm -S -display none -serial none -monitor none 2>&1 </dev/null | head -3)
        case $err in
        *[Vv]irtuali[sz]ation* | *error* | *failed*)
            add "QEMU refuses a KVM guest with EL2 (nested virtualization): $err" ;;
        esac
    fi
    ;;
esac

if [ -n "$reasons" ]; then
    echo "ACCEL=y: KVM cannot run cvisor on this machine:$reasons" >&2
    echo "Use ACCEL=n (the default): QEMU emulates the CPU (TCG), EL2 included." >&2
    exit 1
fi
exit 0
