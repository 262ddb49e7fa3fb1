/**
 * Adafruit nRF52 bootloader, legacy (SDK 11) serial DFU client (nrf52-flashing.md 7).
 *
 * Differences from adafruit-nrfutil that the device rules make safe (7.9): every ACK number is
 * checked, a frame without ACK is re-sent with the same sequence number (the device re-ACKs
 * duplicates), and success is never assumed: STOP_DATA's result is confirmed by the bootloader
 * leaving (the port vanishes) and, with a PortWatch, by the application's USB identity appearing.
 */
import type { Stage, VerificationMethod } from '../../electron/contract-values';
import type { ByteLink } from '../common/byte-link';
import { FlashdeckError, cancelledError, type ErrorCode } from '../common/errors';
import type { FlashOutcome, ProgressListener } from '../common/flash-job';
import type { PortWatch } from '../common/port-watch';
import { describeAppIdentity, portsBefore, waitForReturn, type AppIdentity, type BoardPort } from './app-identity';
import { wallClock, type DriverClock } from '../common/clock';
import { FrameReader, LinkClosedError } from './frame-reader';
import { flattenImage } from './firmware-image';
import { loadNrfImage } from './inspect-image';
import { dataPayload, encodeHciFrame, initPayload, LEGACY_DATA_CHUNK, parseHciAck, startPayload, stopDataPayload } from './legacy-hci';
import { HciSender } from './hci-sender';
import { assertLegacyPackage, buildLegacyPackage, decodeLegacyInitPacket, type LegacyDfuPackage } from './legacy-package';
import { ADAFRUIT_APP_END_NRF52840, APP_START_FOR_SOFTDEVICE, FLASH_PAGE_SIZE, SOFTDEVICE_LABEL, hex32, softDeviceForAppStart } from './nrf52-layout';

export interface LegacyDfuTiming {
  /** How long to wait for each ACK (adafruit-nrfutil uses 1 s, too short for some boards; 7.9 suggests ≥ 2 s). */
  ackTimeoutMs: number;
  /** Sends per frame before giving up (the first send plus retransmissions). */
  attempts: number;
  /** Erase time budgeted per 4 KiB page after START (adafruit-nrfutil: 89.7 ms). */
  erasePageMs: number;
  /** Floor for the post-START erase wait. */
  minEraseWaitMs: number;
  /** After STOP_DATA: how long the bootloader may take to check the image and reset. */
  activationTimeoutMs: number;
  /** How long the application may take to appear on USB after the bootloader left. */
  reenumerateTimeoutMs: number;
  /** DATA frames in flight before waiting for an ACK (the device has 16 receive buffers; 1 = stop-and-wait). */
  window: number;
}

export const DEFAULT_LEGACY_TIMING: LegacyDfuTiming = {
  ackTimeoutMs: 2000,
  attempts: 5,
  erasePageMs: 89.7,
  minEraseWaitMs: 0,
  activationTimeoutMs: 3000,
  reenumerateTimeoutMs: 15000,
  window: 3,
};

export interface LegacyDfuOptions {
  /** The dropped file: legacy or secure .zip, .hex, .bin, .elf or .uf2. */
  image: Uint8Array;
  fileName: string;
  portWatch?: PortWatch;
  appIdentity?: AppIdentity;
  /** The bootloader's port as listed (its serial number is preferred in the port that comes back). */
  boardPort?: BoardPort;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  timing?: Partial<LegacyDfuTiming>;
  clock?: DriverClock;
  /** Largest application the board takes (default: 0x26000 … 0xEA000, nRF52840 with S140 v6). */
  maxAppSize?: number;
  /** Load address of a raw .bin (only used for size checks). */
  binBase?: number;
  /**
   * Where this board runs applications (0x26000 with S140 v6, 0x27000 with v7), when known: an image
   * linked elsewhere is refused, since the bootloader writes it at its own app start regardless.
   */
  boardAppStart?: number;
}

/** The legacy package to send for a dropped file: a legacy zip as is, anything else rebuilt from its image. */
export function legacyPackageForFile(bytes: Uint8Array, fileName: string, binBase?: number): { pkg: LegacyDfuPackage; start?: number; note?: string } {
  const loaded = loadNrfImage(bytes, fileName, { binBase });
  if (loaded.zip?.flavour === 'legacy') {
    const init = decodeLegacyInitPacket(loaded.zip.dat);
    if (!init) {
      throw new FlashdeckError({
        code: 'NRF_BAD_ZIP',
        stage: 'reading-image',
        message: "The package's init packet (.dat) is too short to be a legacy init packet.",
        hint: 'Rebuild the package.',
      });
    }
    return { pkg: { application: loaded.zip.bin, initPacket: loaded.zip.dat, init } };
  }
  const flat = flattenImage(loaded.image);
  const note = loaded.zip?.flavour === 'secure' ? 'Converted the Secure DFU package to a legacy package for the Adafruit bootloader.' : undefined;
  return { pkg: buildLegacyPackage(flat.data), start: loaded.zip ? undefined : flat.start, note };
}

export async function flashLegacyDfu(link: ByteLink, options: LegacyDfuOptions): Promise<FlashOutcome> {
  const timing = { ...DEFAULT_LEGACY_TIMING, ...options.timing };
  const clock = options.clock ?? wallClock;
  const { signal } = options;
  const emit = options.onProgress ?? (() => {});
  const { pkg, start, note } = legacyPackageForFile(options.image, options.fileName, options.binBase);
  if (options.boardAppStart !== undefined && start !== undefined && start !== options.boardAppStart) {
    const linked = softDeviceForAppStart(start);
    const board = softDeviceForAppStart(options.boardAppStart);
    throw new FlashdeckError({
      code: 'NRF_SOFTDEVICE_MISMATCH',
      stage: 'preparing',
      message: `This image is linked for ${linked ? SOFTDEVICE_LABEL[linked] : 'another layout'} (${hex32(start)}) but the board has ${board ? SOFTDEVICE_LABEL[board] : 'another layout'} (applications at ${hex32(options.boardAppStart)}).`,
      hint: "Rebuild for the TinyGo target matching the board's SoftDevice (…-s140v6-… or …-s140v7-…).",
    });
  }
  const maxAppSize = options.maxAppSize ?? ADAFRUIT_APP_END_NRF52840 - (start ?? APP_START_FOR_SOFTDEVICE.s140v6);
  assertLegacyPackage(pkg, maxAppSize);
  const total = pkg.application.length;
  if (note) emit({ stage: 'preparing', bytesDone: 0, bytesTotal: total, bytesPerSecond: 0, etaSeconds: null, message: note });

  // Every port there now besides this board's: one still there after the reset is another board, not ours coming back.
  const before = options.portWatch && options.appIdentity ? await portsBefore(options.portWatch, options.boardPort) : undefined;
  const reader = new FrameReader(link, { endTerminated: false });
  const sender = new HciSender(reader, clock, {
    ackTimeoutMs: timing.ackTimeoutMs,
    attempts: timing.attempts,
    signal,
    onRetransmit: (label, attempt, reason) =>
      emit({
        stage: 'writing',
        bytesDone: 0,
        bytesTotal: total,
        bytesPerSecond: 0,
        etaSeconds: null,
        message: `${reason === 'lost' ? 'Lost' : 'No acknowledgement for'} ${label}; re-sending (attempt ${attempt} of ${timing.attempts}).`,
      }),
  });

  const fail = (code: ErrorCode, stage: Stage, message: string, hint: string, cause?: unknown): never => {
    throw new FlashdeckError({ code, stage, message, hint }, { cause });
  };

  let stopSent = false;
  try {
    await link.flushInput().catch(() => {});
    emit({ stage: 'erasing', bytesDone: 0, bytesTotal: total, bytesPerSecond: 0, etaSeconds: null, message: `Legacy DFU: ${total} bytes to ${link.path}` });
    await sender.send(startPayload(total), 'START', 'erasing', 1);
    await sender.flush('erasing');
    // The bootloader erases the application area synchronously after ACKing START and hears nothing meanwhile.
    const pages = Math.ceil(total / FLASH_PAGE_SIZE);
    await clock.sleep(Math.max(timing.minEraseWaitMs, pages * timing.erasePageMs), signal, 'erasing');
    if (reader.isClosed) throw new LinkClosedError();
    await sender.send(initPayload(pkg.initPacket), 'INIT', 'writing', 1);
    await sender.flush('writing');

    const startedAt = clock.now();
    let done = 0;
    const chunks = Math.ceil(total / LEGACY_DATA_CHUNK);
    for (let index = 0; index < chunks; index++) {
      const chunk = pkg.application.subarray(index * LEGACY_DATA_CHUNK, Math.min(total, (index + 1) * LEGACY_DATA_CHUNK));
      await sender.send(dataPayload(chunk), `DATA packet ${index + 1} of ${chunks}`, 'writing', timing.window);
      done += chunk.length;
      const elapsed = (clock.now() - startedAt) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      emit({ stage: 'writing', bytesDone: done, bytesTotal: total, bytesPerSecond: rate, etaSeconds: rate > 0 ? (total - done) / rate : null });
    }
    await sender.flush('writing');
    await sender.send(stopDataPayload(), 'STOP_DATA', 'verifying', 1);
    stopSent = true; // written: from here a vanishing port may be the bootloader starting the app
    await sender.flush('verifying');
  } catch (error) {
    // STOP_DATA reached the device but its ACK did not reach us before it reset into the app: verified below.
    const activatedEarly = stopSent && error instanceof LinkClosedError;
    if (!activatedEarly) reader.dispose();
    if (error instanceof LinkClosedError && !activatedEarly) {
      const hint = 'The board is not bricked: it stays in the bootloader. Reconnect it (double-tap RESET if it runs the old app) and retry.';
      const label = sender.currentLabel;
      if (label === 'INIT') {
        fail(
          'NRF_DFU_REJECTED',
          'writing',
          `The bootloader reset after the init packet: it rejected the package (device type must be 0x0052 and the SoftDevice requirement must match).`,
          hint,
          error,
        );
      }
      if (label === 'START') {
        fail('NRF_DFU_REJECTED', 'erasing', `The bootloader reset after START: it rejected the image size (${total} bytes).`, hint, error);
      }
      fail('NRF_DFU_DISCONNECTED', 'writing', `The board disconnected during ${label || 'the transfer'}.`, hint, error);
    }
    if (!activatedEarly) throw error;
  }

  // STOP_DATA's result is never reported: the bootloader either resets into the app or stays silent in DFU mode.
  emit({ stage: 'verifying', bytesDone: total, bytesTotal: total, bytesPerSecond: 0, etaSeconds: null, message: 'Waiting for the bootloader to check the image and start it.' });
  const stopWaiting = new AbortController();
  const left = await Promise.race([
    reader.whenClosed().then(() => true),
    clock.sleep(timing.activationTimeoutMs, stopWaiting.signal, 'verifying').then(
      () => false,
      () => false,
    ),
  ]);
  stopWaiting.abort();
  if (signal?.aborted) {
    reader.dispose();
    throw cancelledError('verifying');
  }
  let verifiedBy: VerificationMethod = 'bootloader-left';
  if (!left) {
    // Still open: USB boards would have vanished. Probe with a duplicate STOP_DATA (seq - 1): a bootloader
    // still in DFU mode re-ACKs it without acting; a running application does not speak HCI.
    const previous = sender.lastAcceptedSeq;
    reader.discard();
    await reader.write(encodeHciFrame(previous, stopDataPayload())).catch(() => {});
    const reply = await reader.next(timing.ackTimeoutMs, signal, 'verifying').catch(() => undefined);
    reader.dispose();
    if (signal?.aborted) throw cancelledError('verifying');
    if (reply && parseHciAck(reply) !== undefined) {
      fail(
        'NRF_DFU_NOT_ACCEPTED',
        'verifying',
        'The bootloader received the whole image but did not start it: its size or CRC check failed (a transfer error), so the board is still in DFU mode.',
        'Retry the upload; the board is not bricked. If it keeps failing, use a shorter USB cable or another port.',
      );
    }
    verifiedBy = 'bootloader-silent';
  }
  reader.dispose();

  const details: Record<string, string> = {
    protocol: 'legacy serial DFU (Adafruit bootloader)',
    imageBytes: String(total),
    crc16: `0x${(pkg.init.firmwareCrc16 ?? 0).toString(16).padStart(4, '0')}`,
  };
  // A port that never went away (a USB-UART bridge such as the Feather nRF52832's CP2104) proves nothing by
  // being listed: the bootloader's own evidence above (it left, or it no longer answers HCI) is the verdict.
  if (left && options.portWatch && options.appIdentity && before) {
    emit({
      stage: 'waiting-for-board',
      bytesDone: total,
      bytesTotal: total,
      bytesPerSecond: 0,
      etaSeconds: null,
      message: `Waiting for ${describeAppIdentity(options.appIdentity)} to appear.`,
    });
    const identity = options.appIdentity;
    try {
      const port = await waitForReturn(options.portWatch, before, identity, timing.reenumerateTimeoutMs, signal);
      details.appPort = port.path;
      verifiedBy = 're-enumerated';
    } catch (error) {
      if (error instanceof FlashdeckError && error.code === 'CANCELLED') throw error;
      fail(
        'BOARD_DID_NOT_RETURN',
        'waiting-for-board',
        `The bootloader accepted the image and left, but ${describeAppIdentity(identity)} did not appear within ${Math.round(timing.reenumerateTimeoutMs / 1000)} s.`,
        'If the program does not use USB serial this is expected; otherwise it may crash at start-up (check that it was built for this board and SoftDevice).',
        error,
      );
    }
  }
  if (!left && options.boardPort) details.appPort = options.boardPort.path;
  return { bytesWritten: total, verifiedBy, details };
}
