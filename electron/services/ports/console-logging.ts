/**
 * A console's log to file: which folder, the writer, and what happens when the folder stops taking
 * writes (logging ends, the console goes on and says why).
 */
import { FlashdeckError } from '../../../drivers/common/errors';
import { ConsoleLogWriter, fileStemForBoard } from '../console/console-log-writer';

export class ConsoleLogging {
  private writer: ConsoleLogWriter | null = null;
  private folder: string | null = null;

  /** `stopped` is told the sentence to show when the folder refuses the log. */
  constructor(private readonly stopped: (detail: string) => void) {}

  get directory(): string | null {
    return this.folder;
  }

  get file(): string | null {
    return this.writer?.file ?? null;
  }

  /** Starts logging `boardId` to `directory` (null stops it); throws LOG_DIRECTORY_UNWRITABLE for a folder it cannot write. */
  start(directory: string | null, boardId: string, firstNote: string): void {
    this.close();
    this.folder = directory;
    if (!directory) return;
    try {
      this.writer = new ConsoleLogWriter({ directory, stem: fileStemForBoard(boardId), onFailure: (error) => this.failed(directory, error) });
    } catch (error) {
      this.folder = null;
      throw new FlashdeckError(
        {
          code: 'LOG_DIRECTORY_UNWRITABLE',
          stage: 'logging',
          message: `Cannot write console logs to ${directory}: ${error instanceof Error ? error.message : String(error)}`,
          hint: 'Pick a folder you can write to.',
        },
        { cause: error },
      );
    }
    this.writer.note(Date.now(), firstNote);
  }

  note(text: string): void {
    this.writer?.note(Date.now(), text);
  }

  write(t: number, bytes: Uint8Array): void {
    this.writer?.write(t, bytes);
  }

  close(): void {
    this.writer?.close();
    this.writer = null;
  }

  private failed(directory: string, error: Error): void {
    this.writer = null;
    this.folder = null;
    this.stopped(`Log to file stopped: ${directory} refused the log (${error.message}). Choose another folder to keep logging.`);
  }
}
