# x86_64 part of the test guests' build (guests/guests.mk): 64-bit code entered as a multiboot
# kernel in flat 32-bit protected mode (start.S switches to long mode), loaded at 2 MiB (the
# configs load them there, as NimbOS is). The generic guests that need what this first step of the
# hypervisor lacks (smp: INIT/SIPI through a virtual local APIC) or that are Arm-specific (the
# hostile probes) are not built here; the benchmark has its own x86 code (guests/bench/main-x86_64.c).
# x86-only: triple (triple-faults on purpose), mmioprobe (the MMIO instruction decoder end to end),
# tickerloop (the ticker without an end, beside Linux), strio (string port I/O, INS/OUTS),
# faultstack (triple's variant: an exception pushed on a page where the VM has no memory).
GUEST_BASE := 0x200000
GUEST_ARCH_CFLAGS := -mgeneral-regs-only -mno-red-zone -fno-pie
GUEST_ARCH_RT := guests/rt/x86_64/start.S guests/rt/x86_64/rt_arch.c lib/src/multiboot.c
GUESTS_ARCH := triple mmioprobe apictimer x86hostile fpusecret smpx echoirq tickerloop strio faultstack
GUESTS_NOT_PORTED := smp hostile vhostile
