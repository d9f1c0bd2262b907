/* The vendor part this build runs on: AMD SVM (the seam for Intel VMX, <arch/x86_vendor.h>). A
 * file of its own so that the modules which reach the control block through it stay below
 * vcpu_x86.c. */
#include <arch/x86_vendor.h>

const struct x86_vendor *x86_vendor = &svm_vendor;
