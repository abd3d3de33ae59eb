/**
 * The Cortex-M targets: arm-none-eabi-gcc flags and the qemu-system-arm board that runs each
 * (../shared/TOOLCHAIN.md, measured). Flash and RAM default to the board's memories; a
 * --flash / --ram budget replaces them, so the link itself refuses an image that does not fit.
 */

export interface Memory {
  origin: number;
  bytes: number;
}

export interface Board {
  /** qemu-system-arm -M */
  machine: string;
  description: string;
  flash: Memory;
  ram: Memory;
}

export interface CortexTarget {
  name: string;
  /** arm-none-eabi-gcc code generation flags. */
  flags: string[];
  /** No FPU: float arithmetic and sqrtf are library calls (libgcc, newlib's libm). */
  softFloat: boolean;
  board: Board;
  /**
   * A larger board whose core executes this target's instruction set unchanged, for images that
   * do not fit `board` when no budget was given (ARMv6-M code on the Cortex-M3 board: the only
   * Cortex-M0 board in QEMU has 16 KB of RAM).
   */
  largeBoard?: Board;
}

const KB = 1024;
const MB = 1024 * KB;

const MPS2 = (machine: string, description: string): Board => ({ machine, description, flash: { origin: 0x0000_0000, bytes: 4 * MB }, ram: { origin: 0x2000_0000, bytes: 4 * MB } });
const AN385 = MPS2('mps2-an385', 'MPS2 AN385, Cortex-M3');

export const CORTEX_TARGETS: readonly CortexTarget[] = [
  {
    name: 'cortex-m0',
    flags: ['-mcpu=cortex-m0', '-mthumb', '-mfloat-abi=soft'],
    softFloat: true,
    board: { machine: 'microbit', description: 'BBC micro:bit, nRF51 Cortex-M0', flash: { origin: 0x0000_0000, bytes: 256 * KB }, ram: { origin: 0x2000_0000, bytes: 16 * KB } },
    largeBoard: AN385,
  },
  { name: 'cortex-m3', flags: ['-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=soft'], softFloat: true, board: AN385 },
  { name: 'cortex-m4f', flags: ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'], softFloat: false, board: MPS2('mps2-an386', 'MPS2 AN386, Cortex-M4F') },
  { name: 'cortex-m7', flags: ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv5-d16'], softFloat: false, board: MPS2('mps2-an500', 'MPS2 AN500, Cortex-M7') },
  {
    name: 'cortex-m33',
    flags: ['-mcpu=cortex-m33', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv5-sp-d16'],
    softFloat: false,
    // Secure aliases of SSRAM1 (code, 4 MB) and SSRAM2 (2 MB); mps2-an521's M33 has no FPU in QEMU.
    board: { machine: 'mps2-an505', description: 'MPS2 AN505, Cortex-M33 with FPU', flash: { origin: 0x1000_0000, bytes: 4 * MB }, ram: { origin: 0x3800_0000, bytes: 2 * MB } },
  },
  {
    name: 'cortex-m55',
    flags: ['-mcpu=cortex-m55', '-mthumb', '-mfloat-abi=hard'],
    softFloat: false,
    // ITCM (512 KB) for the code, the 2 MB SRAM for data.
    board: { machine: 'mps3-an547', description: 'MPS3 AN547, Cortex-M55', flash: { origin: 0x0000_0000, bytes: 512 * KB }, ram: { origin: 0x0100_0000, bytes: 2 * MB } },
  },
];

export const CORTEX_TARGET_NAMES = CORTEX_TARGETS.map((t) => t.name);

export function cortexTarget(name: string): CortexTarget | undefined {
  return CORTEX_TARGETS.find((t) => t.name === name);
}

/** Stack reserved in RAM when --stack is not given; the measured peak is reported beside it. */
export const DEFAULT_STACK_BYTES = 2 * KB;
