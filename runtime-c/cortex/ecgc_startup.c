/*
 * Start-up for ecgc's Cortex-M images: the vector table, .data copy and .bss zeroing, the
 * FPU enable on FPU cores, stack painting (for the measured peak), a fault handler that
 * reports through semihosting, and the exit status of main(). The symbols come from the
 * linker script ecgc generates (runtime-c/cortex/link.ld.hbs).
 */
#include "ecgc_device.h"

/* Linker script symbols: arrays, so their addresses are compared as such. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _sstack[], _estack[];
int main(void);

#define STACK_PAINT 0x57ACC0DEu
/* Stack the fault report needs; ecgc_fault uses the same number. */
#define STACK_RESERVE 256u
#define REG(address) (*(volatile uint32_t *)(address))
#define SCB_CPACR 0xE000ED88u
#define SCB_CFSR 0xE000ED28u
#define SCB_HFSR 0xE000ED2Cu
#define SCB_BFAR 0xE000ED38u

/*
 * Without the attribute GCC turns these loops into memcpy / memset calls at -O2: they would
 * run before .data exists. Nothing here may touch the FPU before CPACR enables it.
 */
__attribute__((optimize("no-tree-loop-distribute-patterns"), noreturn)) void ecgc_reset(void) {
  uint32_t *source = _sidata, *target = _sdata, *sp;
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  REG(SCB_CPACR) |= 0xFu << 20; /* CP10 and CP11: full access */
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  while (target < _edata) *target++ = *source++;
  for (target = _sbss; target < _ebss; target++) *target = 0;
  /* Paint the free stack below this frame, leaving a margin for the frame itself. */
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (target = _sstack; target < sp - 16; target++) *target = STACK_PAINT;
  ecgc_exit(main());
}

uint32_t ecgc_stack_size(void) {
  return (uint32_t)((uintptr_t)_estack - (uintptr_t)_sstack);
}

uint32_t ecgc_stack_peak(void) {
  const uint32_t *word = _sstack;
  while (word < _estack && *word == STACK_PAINT) word++;
  return (uint32_t)((uintptr_t)_estack - (uintptr_t)word);
}

/* `frame`: the exception frame the core stacked: r0-r3, r12, lr, pc, xPSR. */
void ecgc_fault_report(const uint32_t *frame) {
  uint32_t exception;
  __asm__ volatile("mrs %0, ipsr" : "=r"(exception));
  if ((uintptr_t)frame < (uintptr_t)_sstack + STACK_RESERVE) {
    /* The stack sits at the bottom of RAM: overflowing it faults below the RAM origin. */
    ecgc_print("ecgc-device: stack overflow: the stack pointer reached ");
    ecgc_print_hex((uint32_t)(uintptr_t)frame);
    ecgc_print(", within 256 bytes of the bottom of the ");
    ecgc_print_uint(ecgc_stack_size());
    ecgc_print("-byte stack reserved at ");
    ecgc_print_hex((uint32_t)(uintptr_t)_sstack);
    ecgc_print("\n");
    ecgc_exit(ECGC_EXIT_STACK);
  }
  ecgc_print("ecgc-device: fault: exception ");
  ecgc_print_uint(exception & 0x1FFu);
  ecgc_print(exception == 3u ? " (HardFault)" : "");
  ecgc_print(" at pc ");
  ecgc_print_hex(frame[6]);
  ecgc_print(", lr ");
  ecgc_print_hex(frame[5]);
#if !defined(__ARM_ARCH_6M__)
  ecgc_print(", CFSR ");
  ecgc_print_hex(REG(SCB_CFSR));
  ecgc_print(", HFSR ");
  ecgc_print_hex(REG(SCB_HFSR));
  ecgc_print(", BFAR ");
  ecgc_print_hex(REG(SCB_BFAR));
#endif
  ecgc_print("\n");
  ecgc_exit(ECGC_EXIT_FAULT);
}

/*
 * Every exception but reset: images use no interrupts, so any of them is a fault. With less
 * than STACK_RESERVE (256) bytes of stack left the report could not run: it moves to the top of the
 * stack (the frame is lost; the fault is reported as a stack overflow).
 */
__attribute__((naked)) void ecgc_fault(void) {
  __asm__ volatile(
      "mrs r0, msp\n\t"
      "ldr r1, =_sstack + 256\n\t"
      "cmp r0, r1\n\t"
      "bhs 1f\n\t"
      "ldr r1, =_estack\n\t"
      "mov sp, r1\n"
      "1:\n\t"
      "ldr r1, =ecgc_fault_report\n\t"
      "bx r1\n\t"
      ".ltorg");
}

typedef union {
  void (*handler)(void);
  uint32_t *stack;
} ecgc_vector_t;

/* Initial stack pointer, reset, then the 14 system exceptions and 16 interrupts. */
__attribute__((section(".vectors"), used)) const ecgc_vector_t ecgc_vectors[32] = {
  { .stack = _estack }, { ecgc_reset },
  { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault },
  { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault },
  { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault },
  { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault }, { ecgc_fault },
};
