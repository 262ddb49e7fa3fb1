/**
 * Nordic Secure DFU client for the open DFU bootloader over USB CDC or UART (nrf52-flashing.md 8):
 * PING, PRN off, MTU, the init packet as a command object, then the image as 4 KiB data objects,
 * each checked by CRC-32 and re-sent on a mismatch; a partly transferred image is resumed where the
 * bootloader's SELECT reports matching progress. Success = the final EXECUTE passed, the bootloader
 * left, and (with a PortWatch) the application's USB identity appeared.
 */
import { STAGES, type Stage } from '../../electron/contract-values';
import type { ByteLink } from '../common/byte-link';
import { crc32 } from '../common/crc';
import { FlashdeckError } from '../common/errors';
import type { FlashOutcome, ProgressListener } from '../common/flash-job';
import type { PortWatch } from '../common/port-watch';
import { describeAppIdentity, portsBefore, waitForReturn, type AppIdentity, type BoardPort } from './app-identity';
import { wallClock, type DriverClock } from '../common/clock';
import { encodeEndTerminated } from './end-terminated-slip';
import { flattenImage } from './firmware-image';
import { FrameReader, LinkClosedError } from './frame-reader';
import { loadNrfImage } from './inspect-image';
import { APP_START_FOR_SOFTDEVICE, PCA10059_APP_END, SOFTDEVICE_LABEL, hex32, softDeviceForAppStart } from './nrf52-layout';
import { buildSecurePackage, securePackageFromZip, type SecureDfuPackage, type SecurePackageOptions } from './secure-package';
import { EXT_ERROR_TEXT, ObjectType, readU32, RESULT_TEXT, SecureOp, SecureResult, u32le } from './secure-dfu-protocol';

export interface SecureDfuTiming {
  /** Per request (CREATE of a data object includes a page erase). */
  responseTimeoutMs: number;
  /** PING tries before deciding no Secure DFU bootloader is listening. */
  pingAttempts: number;
  pingTimeoutMs: number;
  /** Tries per object (CRC mismatch, lost response) before giving up. */
  objectAttempts: number;
  /** The final EXECUTE checks the hash and activates: allow longer. */
  finalExecuteTimeoutMs: number;
  /** After the final EXECUTE: how long the port may take to vanish. */
  disconnectTimeoutMs: number;
  reenumerateTimeoutMs: number;
}

export const DEFAULT_SECURE_TIMING: SecureDfuTiming = {
  responseTimeoutMs: 2000,
  pingAttempts: 5,
  pingTimeoutMs: 500,
  objectAttempts: 5,
  finalExecuteTimeoutMs: 5000,
  disconnectTimeoutMs: 3000,
  reenumerateTimeoutMs: 15000,
};

export interface SecureDfuOptions {
  /** The dropped file: secure or legacy .zip (converted), .hex, .bin, .elf or .uf2. */
  image: Uint8Array;
  fileName: string;
  portWatch?: PortWatch;
  /** PCA10059 TinyGo apps enumerate as 1915:CAFE. */
  appIdentity?: AppIdentity;
  /** The bootloader's port as listed (its serial number is preferred in the port that comes back). */
  boardPort?: BoardPort;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  timing?: Partial<SecureDfuTiming>;
  clock?: DriverClock;
  /** Init packet fields when Flashdeck builds the package (hw_version 52, sd_req [0x00], fw_version 1). */
  packageOptions?: SecurePackageOptions;
  /** Where the board runs applications (PCA10059 open bootloader, no SoftDevice: 0x1000). */
  boardAppStart?: number;
  binBase?: number;
}

export function securePackageForFile(
  bytes: Uint8Array,
  fileName: string,
  options: { packageOptions?: SecurePackageOptions; boardAppStart?: number; binBase?: number } = {},
): { pkg: SecureDfuPackage; note?: string } {
  const loaded = loadNrfImage(bytes, fileName, { binBase: options.binBase });
  const boardStart = options.boardAppStart ?? APP_START_FOR_SOFTDEVICE.none;
  if (!loaded.zip) {
    const flat = flattenImage(loaded.image);
    if (flat.start !== boardStart) {
      const sd = softDeviceForAppStart(flat.start);
      throw new FlashdeckError({
        code: 'NRF_SOFTDEVICE_MISMATCH',
        stage: 'preparing',
        message: `This image is linked for ${sd ? SOFTDEVICE_LABEL[sd] : 'another layout'} (${hex32(flat.start)}), but this bootloader runs applications at ${hex32(boardStart)}.`,
        hint: boardStart === 0x1000 ? 'Rebuild with -target=pca10059 (no SoftDevice) for the nRF52840 Dongle.' : 'Rebuild for the SoftDevice the board carries.',
      });
    }
    return { pkg: buildSecurePackage(flat.data, options.packageOptions) };
  }
  const { pkg, converted } = securePackageFromZip(loaded.zip, options.packageOptions);
  return {
    pkg,
    note: converted ? 'This is a legacy (Adafruit-style) DFU package, as TinyGo writes for pca10059 (tinygo issue #4089); converted it to a Secure DFU package.' : undefined,
  };
}

class SecureDfuResultError extends Error {
  constructor(
    readonly op: number,
    readonly result: number,
    readonly ext?: number,
  ) {
    super(`request 0x${op.toString(16)} failed with result 0x${result.toString(16)}${ext !== undefined ? ` / extended error 0x${ext.toString(16)}` : ''}`);
  }
}

class NoResponse extends Error {
  constructor(readonly op: number) {
    super(`no response to request 0x${op.toString(16)}`);
  }
}

/** A reply whose result or extended code does not exist: a corrupted frame (responses carry no checksum). */
class GarbledResponse extends NoResponse {}

/** Retry bookkeeping: a rejection counts as real once the device repeats it. */
function sameRejection(a: unknown, b: unknown): boolean {
  return a instanceof SecureDfuResultError && b instanceof SecureDfuResultError && a.op === b.op && a.result === b.result && a.ext === b.ext;
}

const OP_NAMES: Record<number, string> = {
  [SecureOp.OBJECT_CREATE]: 'CREATE',
  [SecureOp.RECEIPT_NOTIF_SET]: 'SET_PRN',
  [SecureOp.CRC_GET]: 'CRC_GET',
  [SecureOp.OBJECT_EXECUTE]: 'EXECUTE',
  [SecureOp.OBJECT_SELECT]: 'SELECT',
  [SecureOp.MTU_GET]: 'MTU_GET',
  [SecureOp.PING]: 'PING',
};

export async function flashSecureDfu(link: ByteLink, options: SecureDfuOptions): Promise<FlashOutcome> {
  const timing = { ...DEFAULT_SECURE_TIMING, ...options.timing };
  const clock = options.clock ?? wallClock;
  const { signal } = options;
  const emit = options.onProgress ?? (() => {});
  const { pkg, note } = securePackageForFile(options.image, options.fileName, options);
  const image = pkg.application;
  const total = image.length;
  const appEnd = PCA10059_APP_END;
  const boardStart = options.boardAppStart ?? 0x1000;
  if (total > appEnd - boardStart) {
    throw new FlashdeckError({
      code: 'NRF_IMAGE_TOO_LARGE',
      stage: 'preparing',
      message: `The image is ${total} bytes; the dongle's application area holds ${appEnd - boardStart} bytes.`,
      hint: 'Reduce the program size.',
    });
  }
  const progress = (stage: Stage, bytesDone: number, message?: string, rate = 0) =>
    emit({ stage, bytesDone, bytesTotal: total, bytesPerSecond: rate, etaSeconds: rate > 0 ? (total - bytesDone) / rate : null, message });
  if (note) progress('preparing', 0, note);

  // Every port there now besides this board's: one still there after the reset is another board, not ours coming back.
  const before = options.portWatch && options.appIdentity ? await portsBefore(options.portWatch, options.boardPort) : undefined;
  const reader = new FrameReader(link, { endTerminated: true });
  let currentStep: Stage = 'connecting';
  let finalExecuteSent = false;

  const request = async (op: number, params: number[] | Uint8Array, timeoutMs = timing.responseTimeoutMs): Promise<Uint8Array> => {
    await reader.write(encodeEndTerminated(Uint8Array.from([op, ...params])));
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const left = deadline - clock.now();
      if (left <= 0) throw new NoResponse(op);
      const frame = await reader.next(left, signal, currentStep);
      if (!frame) throw new NoResponse(op);
      if (frame.length < 3 || frame[0] !== SecureOp.RESPONSE || frame[1] !== op) continue; // stale or garbled
      const result = frame[2];
      if (result === SecureResult.SUCCESS) return frame.subarray(3);
      if (result === SecureResult.EXT_ERROR) {
        if (frame.length < 4 || !(frame[3] in EXT_ERROR_TEXT)) throw new GarbledResponse(op);
        throw new SecureDfuResultError(op, result, frame[3]);
      }
      if (result === SecureResult.INVALID || !(result in RESULT_TEXT)) throw new GarbledResponse(op);
      throw new SecureDfuResultError(op, result);
    }
  };
  /** Requests with no side effect worth guarding: retried on silence or a garbled reply. */
  const requestRetrying = async (op: number, params: number[] | Uint8Array, minLength = 0): Promise<Uint8Array> => {
    let previous: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await request(op, params);
        if (reply.length < minLength) throw new GarbledResponse(op);
        return reply;
      } catch (error) {
        // Idempotent requests: retry silence, garbled replies and a rejection the device does not repeat.
        const retry = error instanceof NoResponse || (error instanceof SecureDfuResultError && !sameRejection(error, previous));
        if (!retry || attempt >= timing.objectAttempts) throw error;
        previous = error;
        reader.discard();
      }
    }
  };
  const write = async (data: Uint8Array) => {
    await reader.write(encodeEndTerminated(Uint8Array.from([SecureOp.OBJECT_WRITE, ...data])));
  };
  const select = async (type: number) => {
    const r = await requestRetrying(SecureOp.OBJECT_SELECT, [type], 12);
    return { maxSize: readU32(r, 0), offset: readU32(r, 4), crc: readU32(r, 8) };
  };
  const crcGet = async () => {
    const r = await requestRetrying(SecureOp.CRC_GET, [], 8);
    return { offset: readU32(r, 0), crc: readU32(r, 4) };
  };

  let chunkSize = 64;
  /** Writes `data` in MTU-sized requests. */
  const writeAll = async (data: Uint8Array, onChunk?: (n: number) => void) => {
    for (let at = 0; at < data.length; at += chunkSize) {
      const piece = data.subarray(at, Math.min(data.length, at + chunkSize));
      await write(piece);
      onChunk?.(piece.length);
    }
  };

  const translate = (error: unknown): never => {
    reader.dispose();
    if (error instanceof FlashdeckError) throw error;
    if (error instanceof LinkClosedError) {
      throw new FlashdeckError(
        {
          code: 'NRF_SDFU_DISCONNECTED',
          stage: currentStep,
          message: `The dongle disconnected while ${STAGES[currentStep]}.`,
          hint: "The board is not bricked: press the dongle's side RESET button (the red LED pulses) to re-enter the bootloader, then retry; Flashdeck resumes where it stopped.",
        },
        { cause: error },
      );
    }
    if (error instanceof SecureDfuResultError) {
      const ext = error.ext !== undefined ? EXT_ERROR_TEXT[error.ext] : undefined;
      const what = OP_NAMES[error.op] ?? `request 0x${error.op.toString(16)}`;
      throw new FlashdeckError(
        {
          code: ext ? `NRF_SDFU_EXT_0x${error.ext!.toString(16).padStart(2, '0').toUpperCase()}` : 'NRF_SDFU_REJECTED',
          stage: currentStep,
          message: ext
            ? `The bootloader rejected the update: ${ext.message}.`
            : `The bootloader answered ${what} with "${RESULT_TEXT[error.result] ?? `result 0x${error.result.toString(16)}`}" while ${STAGES[currentStep]}.`,
          hint: ext?.hint ?? 'Reset the dongle (side button) and retry; if it persists the package does not suit this bootloader.',
        },
        { cause: error },
      );
    }
    if (error instanceof NoResponse) {
      throw new FlashdeckError(
        {
          code: 'NRF_SDFU_NO_RESPONSE',
          stage: currentStep,
          message: `The bootloader stopped answering (${OP_NAMES[error.op] ?? 'request'}) while ${STAGES[currentStep]}.`,
          hint: "Check the cable, press the dongle's side RESET button to re-enter the bootloader and retry; the transfer resumes.",
        },
        { cause: error },
      );
    }
    throw error;
  };

  try {
    await link.flushInput().catch(() => {});
    progress('connecting', 0, `Secure DFU: ${total} bytes to ${link.path}`);
    let pinged = false;
    for (let attempt = 1; attempt <= timing.pingAttempts && !pinged; attempt++) {
      try {
        const r = await request(SecureOp.PING, [attempt & 0xff], timing.pingTimeoutMs);
        pinged = r[0] === (attempt & 0xff);
      } catch (error) {
        if (!(error instanceof NoResponse)) throw error;
      }
    }
    if (!pinged) {
      throw new FlashdeckError({
        code: 'NRF_SDFU_NO_BOOTLOADER',
        stage: 'connecting',
        message: `No Secure DFU bootloader answered on ${link.path}.`,
        hint: "Press the dongle's side RESET button (the red LED pulses) so it enters the Open DFU Bootloader (USB 1915:521F), then retry.",
      });
    }
    await requestRetrying(SecureOp.RECEIPT_NOTIF_SET, [0, 0]);
    const mtuReply = await requestRetrying(SecureOp.MTU_GET, [], 2);
    const mtu = Math.min(2051, Math.max(23, mtuReply[0] | (mtuReply[1] << 8)));
    // Worst case every byte is escaped; one byte for the opcode and one for END (pc-nrfutil's rule).
    chunkSize = Math.max(4, Math.floor((mtu - 1) / 2) - 1);

    // Init packet (command object), unless the bootloader already holds exactly this one.
    currentStep = 'sending-init-packet';
    const initCrc = crc32(pkg.initPacket);
    const command = await select(ObjectType.COMMAND);
    if (pkg.initPacket.length > command.maxSize) {
      throw new FlashdeckError({
        code: 'NRF_SDFU_INIT_TOO_LARGE',
        stage: currentStep,
        message: `The init packet is ${pkg.initPacket.length} bytes; the bootloader takes at most ${command.maxSize}.`,
        hint: 'Rebuild the package without extra fields.',
      });
    }

    let lastRejection: unknown;
    /** A rejection is believed once the device repeats it; silence and garbled replies are retried. */
    const isTransient = (error: unknown): boolean => {
      if (error instanceof NoResponse) return true;
      if (error instanceof SecureDfuResultError && !sameRejection(error, lastRejection)) {
        lastRejection = error;
        return true;
      }
      return false;
    };

    const sendInit = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await request(SecureOp.OBJECT_CREATE, [ObjectType.COMMAND, ...u32le([pkg.initPacket.length])]);
          await writeAll(pkg.initPacket);
          const check = await crcGet();
          if (check.offset !== pkg.initPacket.length || check.crc !== initCrc) {
            if (attempt >= timing.objectAttempts) throw new NoResponse(SecureOp.CRC_GET);
            progress('writing', 0, `Init packet CRC mismatch; re-sending (attempt ${attempt + 1}).`);
            continue;
          }
          await request(SecureOp.OBJECT_EXECUTE, []);
          return;
        } catch (error) {
          if (!isTransient(error) || attempt >= timing.objectAttempts) throw error;
          reader.discard();
        }
      }
    };

    /**
     * Where to continue: the bootloader's data progress if it holds our init packet and a prefix of
     * our image (resume), else a fresh init packet (which resets its data progress) and byte 0.
     */
    const syncPosition = async (): Promise<number> => {
      const cmd = await select(ObjectType.COMMAND);
      if (cmd.offset === pkg.initPacket.length && cmd.crc === initCrc) {
        const data = await select(ObjectType.DATA);
        // Data progress proves the init packet was executed.
        if (data.offset > 0 && data.offset <= total && data.crc === crc32(image.subarray(0, data.offset))) return data.offset;
      }
      currentStep = 'sending-init-packet';
      await sendInit();
      return 0;
    };

    let position = await syncPosition();
    if (position > 0) progress('writing', position, `Resuming at byte ${position} of ${total}.`);
    currentStep = 'writing';
    const objectSize = (await select(ObjectType.DATA)).maxSize || 4096;
    const startedAt = clock.now();
    const startPosition = position;

    /** One data object: CREATE (erases its page), WRITEs, CRC check (re-sent on mismatch), EXECUTE. */
    const sendObject = async (objectStart: number, continueFrom: number): Promise<void> => {
      const objectEnd = Math.min(total, objectStart + objectSize);
      const expectedCrc = crc32(image.subarray(0, objectEnd));
      for (let attempt = 1; ; attempt++) {
        let from = objectStart;
        if (attempt === 1 && continueFrom > objectStart && continueFrom < objectEnd) from = continueFrom;
        else await request(SecureOp.OBJECT_CREATE, [ObjectType.DATA, ...u32le([objectEnd - objectStart])]);
        let sentSoFar = from;
        await writeAll(image.subarray(from, objectEnd), (n) => {
          sentSoFar += n;
          const elapsed = (clock.now() - startedAt) / 1000;
          progress('writing', sentSoFar, undefined, elapsed > 0 ? (sentSoFar - startPosition) / elapsed : 0);
        });
        let check = await crcGet();
        // Replies carry no checksum: ask once more before paying for a re-send.
        if (check.offset !== objectEnd || check.crc !== expectedCrc) check = await crcGet();
        if (check.offset === objectEnd && check.crc === expectedCrc) break;
        if (attempt >= timing.objectAttempts) {
          throw new FlashdeckError({
            code: 'NRF_SDFU_CRC_MISMATCH',
            stage: 'writing',
            message: `The data at byte ${objectStart} arrived corrupted ${timing.objectAttempts} times in a row (CRC-32 mismatch).`,
            hint: 'Use another USB cable or port, then retry; the transfer resumes where it stopped.',
          });
        }
        progress(
          'writing',
          objectStart,
          `CRC mismatch in the object at byte ${objectStart} (bootloader has offset ${check.offset}); re-sending it (attempt ${attempt + 1} of ${timing.objectAttempts}).`,
        );
      }
      if (objectEnd === total) {
        currentStep = 'activating';
        finalExecuteSent = true;
        await request(SecureOp.OBJECT_EXECUTE, [], timing.finalExecuteTimeoutMs);
      } else {
        await request(SecureOp.OBJECT_EXECUTE, []);
      }
    };

    let recoveries = 0;
    for (;;) {
      try {
        if (position >= total) position = total - (total % objectSize || objectSize); // re-send the last object so the final EXECUTE happens
        for (let objectStart = position - (position % objectSize); objectStart < total; objectStart += objectSize) {
          await sendObject(objectStart, position);
          position = Math.min(total, objectStart + objectSize);
        }
        break;
      } catch (error) {
        if (finalExecuteSent && error instanceof LinkClosedError) break; // "disconnect without response" (8.5 step 4)
        if (!isTransient(error) || ++recoveries > timing.objectAttempts * 2) throw error;
        progress(
          'writing',
          position,
          `${error instanceof SecureDfuResultError ? 'Unexpected answer' : 'No usable response'} from the bootloader; re-synchronising (${recoveries}).`,
        );
        currentStep = 'writing';
        reader.discard();
        try {
          // Undo anything a corrupted request may have changed (PRN), then ask the bootloader where it is.
          await requestRetrying(SecureOp.RECEIPT_NOTIF_SET, [0, 0]);
          position = await syncPosition();
        } catch (recoveryError) {
          // The final EXECUTE went out and the bootloader left: it activated (confirmed below by re-enumeration).
          if (finalExecuteSent && recoveryError instanceof LinkClosedError) break;
          throw recoveryError;
        }
        finalExecuteSent = false;
        currentStep = 'writing';
      }
    }
  } catch (error) {
    translate(error);
  }

  // The bootloader checks the hash, activates and resets: the port vanishes.
  progress('resetting', total, 'Image verified by the bootloader; waiting for it to start the application.');
  const abort = new AbortController();
  const left = await Promise.race([
    reader.whenClosed().then(() => true),
    clock.sleep(timing.disconnectTimeoutMs, abort.signal).then(
      () => false,
      () => false,
    ),
  ]);
  abort.abort();
  reader.dispose();
  if (!left) {
    throw new FlashdeckError({
      code: 'NRF_SDFU_NOT_ACTIVATED',
      stage: 'resetting',
      message: 'The bootloader accepted the image but did not restart into it.',
      hint: 'Unplug and replug the dongle; if it comes back in the bootloader, retry the upload.',
    });
  }
  const details: Record<string, string> = { protocol: 'Nordic Secure DFU', imageBytes: String(total), crc32: `0x${crc32(image).toString(16).padStart(8, '0')}` };
  if (note) details.note = note;
  if (options.portWatch && options.appIdentity && before) {
    const identity = options.appIdentity;
    progress('waiting-for-board', total, `Waiting for ${describeAppIdentity(identity)} to appear.`);
    try {
      const port = await waitForReturn(options.portWatch, before, identity, timing.reenumerateTimeoutMs, signal);
      details.appPort = port.path;
    } catch (error) {
      if (error instanceof FlashdeckError && error.code === 'CANCELLED') throw error;
      throw new FlashdeckError(
        {
          code: 'BOARD_DID_NOT_RETURN',
          stage: 'waiting-for-board',
          message: `The image was written and verified, but ${describeAppIdentity(identity)} did not appear within ${Math.round(timing.reenumerateTimeoutMs / 1000)} s.`,
          hint: 'If the program does not use USB serial this is expected; otherwise it may crash at start-up (was it built with -target=pca10059?).',
        },
        { cause: error },
      );
    }
  }
  return { bytesWritten: total, verifiedBy: 'crc32', details };
}
