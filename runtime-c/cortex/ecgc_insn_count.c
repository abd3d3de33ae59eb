/*
 * A QEMU TCG plugin (host C, built by ecgc with gcc -O2 -fPIC -shared) that counts executed
 * guest instructions exactly and reports the running count each time the guest enters a
 * marker function: `-plugin libecgc_insn_count.so,mark=0x<address> -d plugin -D <log>` writes
 * one line "mark <count>" per call, then "total <count>" at exit. Differences between
 * consecutive marks are the instructions executed between the calls (plus the constant
 * cost of a call, which the caller measures with two back-to-back marks and subtracts).
 *
 * No QEMU headers package exists: the few plugin API declarations (API version 1, as in
 * QEMU 7.2's qemu-plugin.h) are written out here.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb, enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One vCPU (Cortex-M boards have one): a plain counter is exact. */
static uint64_t executed;
static uint64_t mark_address = UINT64_MAX;

static void report(const char *what) {
  char line[64];
  snprintf(line, sizeof line, "%s %" PRIu64 "\n", what, executed);
  qemu_plugin_outs(line);
}

static void on_mark(unsigned int vcpu, void *userdata) {
  (void)vcpu;
  (void)userdata;
  report("mark");
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  size_t i, n = qemu_plugin_tb_n_insns(tb);
  (void)id;
  for (i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    /* The callback runs before this instruction's own increment: a mark counts what came before. */
    if (qemu_plugin_insn_vaddr(insn) == mark_address) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
  }
}

static void on_exit(qemu_plugin_id_t id, void *userdata) {
  (void)id;
  (void)userdata;
  report("total");
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  int i;
  (void)info;
  for (i = 0; i < argc; i++) {
    if (strncmp(argv[i], "mark=", 5) == 0) {
      /* Thumb symbols carry bit 0; instruction addresses do not. */
      mark_address = strtoull(argv[i] + 5, NULL, 0) & ~(uint64_t)1;
    } else {
      fprintf(stderr, "ecgc_insn_count: unknown argument '%s' (expected mark=<address>)\n", argv[i]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_exit, NULL);
  return 0;
}
