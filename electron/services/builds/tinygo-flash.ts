/**
 * `tinygo flash` for boards Flashdeck cannot flash with its own drivers (a debug probe, nrfjprog,
 * bossac): runs it with an argument array, streams every line to the build log, turns its progress
 * and facts into flash progress, and reports failure as failure with the tool's own words.
 */
import type { Stage } from '../../contract-values';
import { FlashdeckError, cancelledError } from '../../../drivers/common/errors';
import type { FlashOutcome, ProgressListener } from '../../../drivers/common/flash-job';
import { killProcessTree, spawnProcessTree } from '../toolchain/process-tree';
import { parseTinygoFlashLine, splitFlashOutput } from '../toolchain/flash-output';
import { parseDiagnostics, primaryDiagnostic } from '../toolchain/diagnostics';
import type { BuildLogLine } from '../toolchain/build-runner';

export interface TinygoFlashRequest {
  tinygoPath: string;
  /** From tinygoFlashArgs: ['flash', '-target=…', '-port=…', …flags, package]. */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onLine: (line: BuildLogLine) => void;
  onProgress: ProgressListener;
  timeoutMs?: number;
}

export function runTinygoFlash(request: TinygoFlashRequest): Promise<FlashOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawnProcessTree(request.tinygoPath, request.args, { cwd: request.cwd, env: request.env });
    const details: Record<string, string> = {};
    const errors: { message: string; hint?: string }[] = [];
    let stage: Stage = 'building';
    let stderr = '';
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString();
      if (stream === 'stderr') stderr += text;
      for (const line of splitFlashOutput(text)) {
        request.onLine({ stream, text: line, atMs: Date.now() - started });
        const event = parseTinygoFlashLine(line, stage);
        if (!event) continue;
        if (event.kind === 'stage') {
          stage = event.stage;
          request.onProgress({ stage, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message: event.message });
        } else if (event.kind === 'progress') {
          request.onProgress({
            stage: event.stage,
            bytesDone: event.bytesDone ?? 0,
            bytesTotal: event.bytesTotal ?? 0,
            bytesPerSecond: 0,
            etaSeconds: null,
            percent: event.percent,
          });
        } else if (event.kind === 'fact') {
          details[event.key] = event.value;
          request.onProgress({ stage, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message: event.message });
        } else if (event.kind === 'error') {
          errors.push({ message: event.message, hint: event.hint });
        }
      }
    };
    child.stdout!.on('data', take('stdout'));
    child.stderr!.on('data', take('stderr'));
    const stop = () => void killProcessTree(child);
    request.signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(stop, request.timeoutMs ?? 10 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new FlashdeckError({
          code: 'TINYGO_NOT_RUNNABLE',
          stage: 'flashing',
          message: `Could not run ${request.tinygoPath}: ${error.message}`,
          hint: 'Check the TinyGo executable in Settings.',
        }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', stop);
      if (request.signal.aborted) return reject(cancelledError('flashing'));
      if (code === 0) return resolve({ bytesWritten: 0, verifiedBy: details.md5 ? 'md5 (tinygo flash)' : 'tinygo flash', details: { ...details, tool: 'tinygo flash' } });
      const compileError = primaryDiagnostic(parseDiagnostics(stderr));
      const toolError = errors.at(-1);
      reject(
        new FlashdeckError({
          code: compileError && !toolError ? 'BUILD_COMPILE_ERROR' : 'TINYGO_FLASH_FAILED',
          stage: 'flashing',
          message: toolError?.message ?? compileError?.message ?? `tinygo flash exited with status ${code}.`,
          hint: toolError?.hint ?? compileError?.hint ?? "The raw log has the flash tool's own output.",
        }),
      );
    });
  });
}
