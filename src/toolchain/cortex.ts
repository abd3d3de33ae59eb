/**
 * arm-none-eabi-gcc: compiles C for a Cortex-M target with the bit-exactness flags and links
 * an image with ecgc's own start-up code and a linker script whose MEMORY is the device's (or
 * the budget's) flash and RAM. Objects are cached by content (source, the headers it
 * includes, flags and compiler version), so the runtime is compiled once per target and level.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../util/child.js';
import Handlebars from 'handlebars';
import { EcgcError, fail } from '../errors.js';
import { C_FLAGS, requireTool } from './host.js';
import type { Board, CortexTarget } from './targets.js';

export const CROSS_GCC = 'arm-none-eabi-gcc';
export const CROSS_GCC_PACKAGE = 'gcc-arm-none-eabi';
export const NEWLIB_PACKAGE = 'libnewlib-arm-none-eabi';
/** runtime-c/cortex: start-up, semihosting, the linker script template, the QEMU plugin. */
export const DEVICE_DIR = fileURLToPath(new URL('../../runtime-c/cortex/', import.meta.url));
export const DEVICE_SOURCES = ['ecgc_startup.c', 'ecgc_semihost.c'].map((file) => join(DEVICE_DIR, file));

/** Where ecgc keeps compiled objects and the QEMU plugin: $ECGC_CACHE_DIR, else the XDG cache. */
export function cacheDir(): string {
  return process.env.ECGC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ecgc');
}

let compilerVersion: Promise<string> | undefined;

/** The cross compiler and newlib (nano.specs, libm), or one line naming the Debian package. */
export async function requireCrossCompiler(): Promise<string> {
  await requireTool(CROSS_GCC, CROSS_GCC_PACKAGE);
  compilerVersion ??= (async () => {
    const specs = await runChild(CROSS_GCC, ['-print-file-name=nano.specs'], { reject: false });
    if (specs.exitCode !== 0 || !isAbsolute(specs.stdout.trim())) fail(`newlib for ${CROSS_GCC} (nano.specs) is not installed: apt-get install ${NEWLIB_PACKAGE}`);
    return (await runChild(CROSS_GCC, ['--version'])).stdout.split('\n')[0];
  })();
  try {
    return await compilerVersion;
  } catch (e) {
    compilerVersion = undefined;
    throw e;
  }
}

export interface ImageRequest {
  /** Build directory: relative sources, include directories and outputs are resolved in it. */
  dir: string;
  target: CortexTarget;
  board: Board;
  optimization: string;
  sources: string[];
  includeDirs: string[];
  flashBytes: number;
  ramBytes: number;
  stackBytes: number;
  /** Base name of image.elf, image.map and image.ld. */
  output: string;
  extraFlags?: string[];
}

export interface Image {
  elf: string;
  map: string;
  compileSeconds: number;
}

export interface Overflow {
  region: 'FLASH' | 'RAM';
  bytes: number;
}

function compileFlags(target: CortexTarget, optimization: string, extraFlags: string[] = []): string[] {
  return [...C_FLAGS, ...target.flags, optimization, '-ffunction-sections', '-fdata-sections', ...extraFlags];
}

/** Links an image, or says which region overflowed by how much (the linker's own check). */
export async function buildImage(request: ImageRequest): Promise<{ image: Image } | { overflow: Overflow[]; compileSeconds: number }> {
  const version = await requireCrossCompiler();
  const start = performance.now();
  const objects = await compileAll(request, version);
  const compileSeconds = (performance.now() - start) / 1000;
  const script = join(request.dir, `${request.output}.ld`);
  writeFileSync(script, linkerScript(request));
  const elf = join(request.dir, `${request.output}.elf`);
  const map = join(request.dir, `${request.output}.map`);
  const result = await runChild(
    CROSS_GCC,
    [...request.target.flags, '-nostartfiles', '--specs=nano.specs', '-Wl,--gc-sections', `-Wl,-Map=${map}`, '-T', script, '-o', elf, ...objects.values(), '-lm'],
    { cwd: request.dir, reject: false },
  );
  if (result.exitCode !== 0) {
    const overflow = [...result.stderr.matchAll(/region [`']?(FLASH|RAM)'? overflowed by (\d+) bytes/g)].map((m) => ({ region: m[1] as Overflow['region'], bytes: Number(m[2]) }));
    if (overflow.length > 0) return { overflow, compileSeconds };
    throw new EcgcError(`${CROSS_GCC} failed to link the image for ${request.target.name}: ${firstError(result.stderr)}`);
  }
  return { image: { elf, map, compileSeconds } };
}

export function linkerScript(request: Pick<ImageRequest, 'target' | 'board' | 'flashBytes' | 'ramBytes' | 'stackBytes'>): string {
  const template = Handlebars.compile(readFileSync(join(DEVICE_DIR, 'link.ld.hbs'), 'utf8'), { noEscape: true, strict: true });
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  return template({
    target: request.target.name,
    board: request.board.machine,
    flashOrigin: hex(request.board.flash.origin),
    flashBytes: request.flashBytes,
    ramOrigin: hex(request.board.ram.origin),
    ramBytes: request.ramBytes,
    stackBytes: Math.ceil(request.stackBytes / 8) * 8,
  });
}

function firstError(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  return (lines.find((line) => /error/i.test(line)) ?? lines[0] ?? '(no output)').trim();
}

/** Compiles every source (two at a time), taking objects from the cache where it can. */
async function compileAll(request: ImageRequest, version: string): Promise<Map<string, string>> {
  const flags = compileFlags(request.target, request.optimization, request.extraFlags);
  const includes = request.includeDirs.map((d) => (isAbsolute(d) ? d : join(request.dir, d)));
  const objectDir = join(request.dir, `${request.output}-obj`);
  mkdirSync(objectDir, { recursive: true });
  const cache = join(cacheDir(), 'objects');
  mkdirSync(cache, { recursive: true });
  const objects = new Map<string, string>();
  const jobs = request.sources.map((source) => async () => {
    const path = isAbsolute(source) ? source : join(request.dir, source);
    const object = join(objectDir, basename(source).replace(/\.c$/, '.o'));
    objects.set(source, object);
    const hash = createHash('sha256').update(version).update('\0').update(flags.join(' ')).update('\0');
    for (const file of [path, ...includedHeaders(path, includes)]) hash.update(file === path ? '' : basename(file)).update('\0').update(readFileSync(file)).update('\0');
    const cached = join(cache, `${hash.digest('hex')}.o`);
    if (existsSync(cached)) {
      copyFileSync(cached, object);
      return;
    }
    const result = await runChild(CROSS_GCC, [...flags, ...includes.map((d) => `-I${d}`), '-c', path, '-o', object], { cwd: request.dir, reject: false });
    if (result.exitCode !== 0) {
      throw new EcgcError(`${CROSS_GCC} failed to compile ${basename(source)} for ${request.target.name} (${request.optimization}): ${firstError(result.stderr)}`);
    }
    const temporary = `${cached}.${process.pid}.tmp`;
    copyFileSync(object, temporary);
    renameSync(temporary, cached);
  });
  const queue = [...jobs];
  await Promise.all([0, 1].map(async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  }));
  return new Map(request.sources.map((source) => [source, objects.get(source)!]));
}

/** The quoted #include files a source reads, recursively, found beside it or in `includes`. */
function includedHeaders(path: string, includes: string[], seen = new Set<string>()): string[] {
  for (const match of readFileSync(path, 'utf8').matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) {
    const found = [dirname(path), ...includes].map((d) => join(d, match[1])).find((candidate) => existsSync(candidate));
    if (found && !seen.has(found)) {
      seen.add(found);
      includedHeaders(found, includes, seen);
    }
  }
  return [...seen].sort();
}
