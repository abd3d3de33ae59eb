/*
 * ecgc device support for Cortex-M images run under qemu-system-arm (ecgc verify, ecgc bench,
 * examples/ecg-patch): ARM semihosting I/O on host files, the exit status, and the measured
 * stack peak. Not part of a generated model: firmware keeps its own startup and I/O.
 *
 * Semihosting (Thumb `bkpt 0xAB`, r0 = operation, r1 = argument block) reaches the host only
 * under a debugger or QEMU with -semihosting-config enable=on; on a bare device it halts.
 */
#ifndef ECGC_DEVICE_H
#define ECGC_DEVICE_H

#include <stddef.h>
#include <stdint.h>

/* SYS_OPEN modes (ISO C fopen modes, in the semihosting numbering). */
enum { ECGC_OPEN_READ_BINARY = 1, ECGC_OPEN_WRITE_BINARY = 5 };

/* Exit statuses the host side turns into messages; each is preceded by an "ecgc-device:" line. */
enum { ECGC_EXIT_OK = 0, ECGC_EXIT_IO = 3, ECGC_EXIT_MODEL = 4, ECGC_EXIT_STACK = 5, ECGC_EXIT_FAULT = 70 };

/* A handle, or -1. `path` is relative to QEMU's working directory. */
int32_t ecgc_open(const char *path, int32_t mode);
/* Bytes transferred (the semihosting calls return bytes NOT transferred; these invert it). */
int32_t ecgc_read(int32_t handle, void *buffer, uint32_t bytes);
int32_t ecgc_write(int32_t handle, const void *buffer, uint32_t bytes);
/* The run's arguments (QEMU: -semihosting-config ...,arg=<program>,arg=<first>...), space
   separated, NUL-terminated in `buffer`; returns their length, or -1. */
int32_t ecgc_command_line(char *buffer, uint32_t size);
/* Length of the open file in bytes, or -1. */
int32_t ecgc_file_length(int32_t handle);
int32_t ecgc_close(int32_t handle);
/* Text to QEMU's semihosting console (SYS_WRITE0). */
void ecgc_print(const char *text);
/* Decimal and hexadecimal numbers without printf. */
void ecgc_print_uint(uint32_t value);
void ecgc_print_hex(uint32_t value);
/* Ends the run: QEMU exits with `status` (SYS_EXIT_EXTENDED). */
void ecgc_exit(int32_t status) __attribute__((noreturn));
/* Prints "ecgc-device: <message>" and exits with `status`. */
void ecgc_fail(const char *message, int32_t status) __attribute__((noreturn));

/* The stack reserved by the linker script, and the most of it used so far (painted at reset). */
uint32_t ecgc_stack_size(void);
uint32_t ecgc_stack_peak(void);

#endif
