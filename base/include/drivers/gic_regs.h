/* Arm GIC register map (GICv2: IHI 0048B; GICv3: IHI 0069): offsets within each frame and the
 * bits cvisor uses. The one copy for the host GIC drivers (base/drivers/gicv*.c), the in-tree
 * test guests (guests/) and the host tests; self-contained (no includes, plain integer
 * constants) so that freestanding guests and host builds can include it alike. Frame base
 * addresses belong to the board (the DTB), never to this file. */
#ifndef DRIVERS_GIC_REGS_H
#define DRIVERS_GIC_REGS_H

/* ---- distributor (GICD), both versions unless marked ---- */
#define GICD_SIZE_V2 0x1000u
#define GICD_SIZE_V3 0x10000u
#define GICD_CTLR 0x0000u
#define GICD_TYPER 0x0004u
#define GICD_IIDR 0x0008u
#define GICD_IGROUPR 0x0080u    /* one bit per INTID */
#define GICD_ISENABLER 0x0100u  /* one bit per INTID */
#define GICD_ICENABLER 0x0180u
#define GICD_ISPENDR 0x0200u
#define GICD_ICPENDR 0x0280u
#define GICD_ISACTIVER 0x0300u
#define GICD_ICACTIVER 0x0380u
#define GICD_IPRIORITYR 0x0400u /* one byte per INTID */
#define GICD_ITARGETSR 0x0800u  /* GICv2: one byte (CPU interface mask) per INTID */
#define GICD_ICFGR 0x0c00u      /* two bits per INTID */
#define GICD_IGRPMODR 0x0d00u   /* GICv3 */
#define GICD_SGIR 0x0f00u       /* GICv2 */
#define GICD_CPENDSGIR 0x0f10u  /* GICv2 */
#define GICD_SPENDSGIR 0x0f20u  /* GICv2 */
#define GICD_ID_REGS_V2 0x0fd0u /* GICv2: PIDR4..CIDR3 */
#define GICD_PIDR2_V2 0x0fe8u
#define GICD_IROUTER 0x6000u    /* GICv3: 8 bytes per SPI INTID */
#define GICD_PIDR2 0xffe8u      /* GICv3 */

#define GICD_CTLR_ENABLE_V2 (1u << 0) /* GICv2 without security extensions: forward interrupts */
#define GICD_CTLR_GRP1 (1u << 1)      /* GICv3: EnableGrp1 (Non-secure) */
#define GICD_CTLR_ARE (1u << 4)       /* GICv3: affinity routing */
#define GICD_CTLR_RWP (1u << 31)      /* GICv3: register write pending */
#define GICD_TYPER_LINES(typer) ((((typer)&0x1fu) + 1) * 32) /* INTIDs the distributor implements */
#define GICD_SGIR_TARGETS_SHIFT 16

/* ---- redistributors (GICR), GICv3: one RD frame and one SGI frame per CPU ---- */
#define GICR_STRIDE 0x20000u
#define GICR_SGI 0x10000u /* the SGI/PPI frame: the GICD_* offsets above for INTIDs 0-31 */
#define GICR_CTLR 0x0000u
#define GICR_IIDR 0x0004u
#define GICR_TYPER 0x0008u /* 64 bits: affinity in [63:32] */
#define GICR_WAKER 0x0014u
#define GICR_PIDR2 0xffe8u
#define GICR_IGROUPR0 (GICR_SGI + GICD_IGROUPR)
#define GICR_ISENABLER0 (GICR_SGI + GICD_ISENABLER)
#define GICR_ICENABLER0 (GICR_SGI + GICD_ICENABLER)
#define GICR_IPRIORITYR (GICR_SGI + GICD_IPRIORITYR)

#define GICR_CTLR_RWP (1u << 3)
#define GICR_TYPER_LAST (1u << 4)
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)

/* ---- CPU interface (GICC), GICv2 ---- */
#define GICC_SIZE 0x2000u
#define GICC_CTLR 0x0000u
#define GICC_PMR 0x0004u
#define GICC_BPR 0x0008u
#define GICC_IAR 0x000cu
#define GICC_EOIR 0x0010u
#define GICC_RPR 0x0014u
#define GICC_HPPIR 0x0018u
#define GICC_ABPR 0x001cu
#define GICC_AIAR 0x0020u
#define GICC_AEOIR 0x0024u
#define GICC_AHPPIR 0x0028u
#define GICC_APR0 0x00d0u
#define GICC_IIDR 0x00fcu
#define GICC_DIR 0x1000u

#define GICC_CTLR_ENABLE (1u << 0)   /* EnableGrp0 */
#define GICC_CTLR_EOIMODE (1u << 9)  /* EOIR drops priority only; GICC_DIR deactivates */

/* ---- CPU interface, GICv3 system registers, by encoding (every assembler accepts these) ---- */
#define ICC_PMR_EL1 "S3_0_C4_C6_0"
#define ICC_IAR1_EL1 "S3_0_C12_C12_0"
#define ICC_EOIR1_EL1 "S3_0_C12_C12_1"
#define ICC_BPR1_EL1 "S3_0_C12_C12_3"
#define ICC_CTLR_EL1 "S3_0_C12_C12_4"
#define ICC_SRE_EL1 "S3_0_C12_C12_5"
#define ICC_IGRPEN1_EL1 "S3_0_C12_C12_7"
#define ICC_SGI1R_EL1 "S3_0_C12_C11_5"
#define ICC_SRE_EL2 "S3_4_C12_C9_5"

/* ---- INTIDs ---- */
#define GIC_INTID_SPURIOUS 1023u
#define GIC_INTID_MASK 0x3ffu

#endif
