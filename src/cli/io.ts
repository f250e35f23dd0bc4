/** Where the commands write: stdout for results, stderr for progress and errors. */
export interface Io {
  /** One line on stdout. */
  out(line: string): void;
  /** One line on stderr. */
  err(line: string): void;
  /** Raw bytes on stdout. */
  write(bytes: Uint8Array | string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (bytes) => process.stdout.write(bytes),
};

/** An error as one line: `CODE: message`, never a stack. */
export function oneLine(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // OpenSSL's text carries an error stack and a source path; its reason is the useful part.
    const message = /SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message.split('\n')[0] ?? '';
    return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}
