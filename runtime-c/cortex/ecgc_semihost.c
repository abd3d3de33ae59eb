/* ARM semihosting: the operations ecgc's device images use (see ecgc_device.h). */
#include "ecgc_device.h"

enum {
  SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05, SYS_READ = 0x06,
  SYS_FLEN = 0x0C, SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20
};
/* ADP_Stopped_ApplicationExit: with SYS_EXIT_EXTENDED, QEMU exits with the given status. */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t semihost(int32_t operation, const void *argument) {
  register int32_t r0 __asm__("r0") = operation;
  register const void *r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* The attribute keeps GCC from calling strlen for this loop: 220 bytes of libc for a firmware. */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static uint32_t length(const char *text) {
  uint32_t n = 0;
  while (text[n] != '\0') n++;
  return n;
}

int32_t ecgc_open(const char *path, int32_t mode) {
  const uint32_t block[3] = { (uint32_t)(uintptr_t)path, (uint32_t)mode, length(path) };
  return semihost(SYS_OPEN, block);
}

int32_t ecgc_read(int32_t handle, void *buffer, uint32_t bytes) {
  const uint32_t block[3] = { (uint32_t)handle, (uint32_t)(uintptr_t)buffer, bytes };
  const int32_t left = semihost(SYS_READ, block);
  return left < 0 ? -1 : (int32_t)bytes - left;
}

int32_t ecgc_write(int32_t handle, const void *buffer, uint32_t bytes) {
  const uint32_t block[3] = { (uint32_t)handle, (uint32_t)(uintptr_t)buffer, bytes };
  const int32_t left = semihost(SYS_WRITE, block);
  return left < 0 ? -1 : (int32_t)bytes - left;
}

int32_t ecgc_command_line(char *buffer, uint32_t size) {
  uint32_t block[2];
  block[0] = (uint32_t)(uintptr_t)buffer;
  block[1] = size;
  return semihost(SYS_GET_CMDLINE, block) == 0 ? (int32_t)block[1] : -1;
}

int32_t ecgc_file_length(int32_t handle) {
  const uint32_t block[1] = { (uint32_t)handle };
  return semihost(SYS_FLEN, block);
}

int32_t ecgc_close(int32_t handle) {
  const uint32_t block[1] = { (uint32_t)handle };
  return semihost(SYS_CLOSE, block);
}

void ecgc_print(const char *text) {
  semihost(SYS_WRITE0, text);
}

void ecgc_print_uint(uint32_t value) {
  char digits[11];
  int i = 10;
  digits[i] = '\0';
  do {
    digits[--i] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  ecgc_print(&digits[i]);
}

void ecgc_print_hex(uint32_t value) {
  char digits[11];
  int i;
  digits[0] = '0';
  digits[1] = 'x';
  for (i = 0; i < 8; i++) digits[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xFu];
  digits[10] = '\0';
  ecgc_print(digits);
}

void ecgc_exit(int32_t status) {
  const uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status };
  for (;;) semihost(SYS_EXIT_EXTENDED, block);
}

void ecgc_fail(const char *message, int32_t status) {
  ecgc_print("ecgc-device: ");
  ecgc_print(message);
  ecgc_print("\n");
  ecgc_exit(status);
}
