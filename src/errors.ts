/**
 * Errors a user can cause carry an exit code and a one-line message; the CLI prints the
 * message without a stack trace. Anything else reaching the CLI is a bug in ecgc.
 */
export const EXIT_USAGE = 1;
export const EXIT_MISMATCH = 2;
export const EXIT_BUDGET = 3;

export class EcgcError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'EcgcError';
  }
}

export function fail(message: string): never {
  throw new EcgcError(message);
}

/** Runs `fn`; a user error that does not name `file` yet gets it in front, so one line says file, node and problem. */
export function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EcgcError && !e.message.startsWith(`${file}:`)) throw new EcgcError(`${file}: ${e.message}`, e.exitCode);
    throw e;
  }
}
