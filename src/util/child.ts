/**
 * Every child process ecgc starts (gcc, QEMU, the torch trainer) goes through `runChild`, so
 * that an interrupt can end them before ecgc exits: each child leads a process group of its
 * own (gcc's collect2 and ld are in it), gets a private TMPDIR, and on Ctrl-C or SIGTERM the
 * whole group is sent SIGINT (which gcc and collect2 answer by deleting their temporaries)
 * and waited for; only then is the private TMPDIR removed and ecgc exits. Without this, a
 * collect2 orphaned by its killed driver could leave `ccXXXX.cdtor.c` in the user's TMPDIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Options, type ResultPromise, execa } from 'execa';
import { onInterrupt } from './interrupt.js';

/** Process group ids of the children still running. */
const running = new Set<number>();
let childTemporaries: string | undefined;
let unregister: (() => void) | undefined;

/** execa(file, args, options), as a child the interrupt handler ends first. */
export function runChild<O extends Options = {}>(file: string, args: readonly string[], options?: O): ResultPromise<O> {
  childTemporaries ??= mkdtempSync(join(tmpdir(), 'ecgc-children-'));
  // Registered again at each start, so it is the latest cleanup: cleanups run latest first,
  // and the children must be gone before the directories they write into are removed.
  unregister?.();
  unregister = onInterrupt(stopChildren);
  const child = execa(file, args, { ...options, detached: true, env: { ...options?.env, TMPDIR: childTemporaries } } as unknown as O) as unknown as ResultPromise<O>;
  const group = child.pid;
  if (group !== undefined) {
    running.add(group);
    const ended = () => running.delete(group);
    child.then(ended, ended);
  }
  return child;
}

process.once('exit', removeChildTemporaries);

async function stopChildren(): Promise<void> {
  const groups = [...running];
  for (const group of groups) signalGroup(group, 'SIGINT');
  const deadline = Date.now() + 3000;
  while (groups.some(groupAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const group of groups) signalGroup(group, 'SIGKILL');
  removeChildTemporaries();
}

function removeChildTemporaries(): void {
  if (childTemporaries) rmSync(childTemporaries, { recursive: true, force: true, maxRetries: 3 });
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group has ended
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}
