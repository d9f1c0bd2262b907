/* smp's aarch64 part: PSCI is all it checks, in main.c. */
void smp_arch_primary(void);
void smp_arch_secondary(void);

void smp_arch_primary(void) {}
void smp_arch_secondary(void) {}
