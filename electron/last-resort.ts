/**
 * The process outlives anything a board, a cable or a browser does. Every stream, socket, child
 * and request handles its own errors where they arise; this is the net under them for the entry
 * points (Electron's main, serve mode, the command line): an error that still escapes is logged
 * with its context and the process carries on, so running flashes and builds finish and are
 * recorded. Tests never install it: there an escaped error fails the run, as it should.
 */
export const ESCAPED_ERROR_MARK = 'Flashdeck caught an error that escaped its handler';

export function keepProcessAlive(log: (line: string) => void): void {
  const report = (origin: string) => (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    try {
      log(`${ESCAPED_ERROR_MARK} (${origin}); Flashdeck keeps running. Please report this: ${text}`);
    } catch {
      // the log itself failed: nothing more to do without risking the process
    }
  };
  process.on('uncaughtException', report('uncaught exception'));
  process.on('unhandledRejection', report('unhandled rejection'));
}
