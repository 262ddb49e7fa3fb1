/** ESP32-family boards: our ROM-protocol driver (drivers/esp32) over the board's serial port. */
import type { ImageSummary } from '../../contract';
import type { ByteLink } from '../../../drivers/common/byte-link';
import { OFFSET_HINT, chipMismatchMessage, defaultOffset, flashEsp32, inspectEspImage, isChipProblem, isUsbJtag, type EspImageSummary } from '../../../drivers/esp32';
import { openPortForFlashing } from './open-port';
import { openReturningBoard } from './reopen-port';
import type { FamilyFlasher, FlashInput, FlashRun } from './family-flasher';

/**
 * One inspection per file: the flash service inspects the file it was given before the job and
 * hands the same bytes to flash(), which passes the result on to the driver.
 */
const inspections = new WeakMap<Uint8Array, EspImageSummary>();
function inspectOnce(bytes: Uint8Array, fileName: string): EspImageSummary {
  let summary = inspections.get(bytes);
  if (!summary || summary.fileName !== fileName) {
    summary = inspectEspImage(bytes, fileName);
    inspections.set(bytes, summary);
  }
  return summary;
}

export const espFlasher: FamilyFlasher = {
  recognises(bytes) {
    return bytes[0] === 0xe9 || (bytes.length > 0x1000 && bytes[0x1000] === 0xe9);
  },

  inspect({ board, model, fileName, bytes, offset }: FlashInput): ImageSummary {
    const summary = inspectOnce(bytes, fileName);
    const problems = summary.problems.map(({ code, severity, message }) => ({ code, severity, message }));
    const boardChip = model?.chip ?? board.guess.chip ?? null;
    let overridable = summary.problems.every((p) => p.severity !== 'error' || isChipProblem(p));
    if (boardChip && summary.chipDisplayName && boardChip !== summary.chipDisplayName) {
      problems.push({ code: 'CHIP_MISMATCH', severity: 'error', message: chipMismatchMessage(summary.chipDisplayName, model ? `${boardChip} (${model.target})` : boardChip) });
    }
    const chosenOffset = offset ?? defaultOffset(summary, model?.flashOffset);
    if (chosenOffset === null) {
      problems.push({ code: 'OFFSET_REQUIRED', severity: 'error', message: `This is not an ESP app image: ${OFFSET_HINT[0].toLowerCase()}${OFFSET_HINT.slice(1)}` });
      overridable = false;
    }
    return {
      fileName,
      size: bytes.length,
      family: 'esp32',
      kind: summary.kind,
      chip: summary.chipDisplayName,
      method: 'esp-serial',
      offset: chosenOffset,
      problems,
      overridable,
      ...(summary.image
        ? { espImage: { entry: summary.image.entry, segments: summary.image.segments.length, checksumOk: summary.image.checksumOk, sha256Ok: summary.image.sha256Ok } }
        : {}),
    };
  },

  async flash(run: FlashRun) {
    const summary = inspectOnce(run.bytes, run.fileName);
    const offset = run.offset ?? defaultOffset(summary, run.model?.flashOffset);
    const open = (path: string) => openPortForFlashing(path, run.board, 115200, run.binding);
    let port = await open(run.path);
    // The board re-enumerated during a reset: let go of the old port and find it again.
    const reopen = async () => {
      const lastPath = port.link.path;
      await port.close();
      port = await openReturningBoard({ board: run.board, lastPath, portWatch: run.portWatch, open, signal: run.signal });
      return port.link;
    };
    const boot = new BootCapture();
    const usbJtag = isUsbJtag(run.board.vendorId, run.board.productId);
    let handedOver = false;
    try {
      const outcome = await flashEsp32(port.link, run.bytes, {
        offset: offset ?? undefined,
        summary,
        baud: run.espFlashBaud,
        usbJtag,
        allowChipMismatch: run.force,
        eraseAll: run.eraseAll,
        fileName: run.fileName,
        signal: run.signal,
        onProgress: run.onProgress,
        onChipDetected: run.onChipDetected,
        onRestarting: () => boot.start(port.link),
        reopen,
      });
      // A chip on its own USB re-enumerates as it restarts: that port is dying, and the console finds the new one.
      if (!usbJtag && boot.portOpen && run.handOver) handedOver = run.handOver(port, boot.received());
      return outcome;
    } finally {
      boot.stop();
      if (!handedOver) await port.close();
    }
  },

  returnIdentities({ board }) {
    return board.vendorId && board.productId ? [`${board.vendorId}:${board.productId}`] : [];
  },
};

/**
 * What the board sends from its restart until the job ends (its ROM banner, the program's first
 * lines), and whether the port is still open then: the console continues from these bytes.
 */
class BootCapture {
  private chunks: Uint8Array[] = [];
  private listening: (() => void)[] = [];
  private open = false;

  /** From now on (again, if called twice: a second restart starts a new boot). */
  start(link: ByteLink): void {
    this.stop();
    this.chunks = [];
    this.open = true;
    this.listening = [link.onData((bytes) => this.chunks.push(bytes.slice())), link.onClose(() => (this.open = false))];
  }

  get portOpen(): boolean {
    return this.open;
  }

  received(): Uint8Array {
    return Buffer.concat(this.chunks);
  }

  stop(): void {
    for (const off of this.listening.splice(0)) off();
  }
}
