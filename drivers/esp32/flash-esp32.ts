/**
 * flashEsp32: the whole job, from an open port to a verified, restarted board, in named steps:
 *
 *   validate → connect (reset + SYNC) → detect the chip → speed up (baud, stub) → attach the
 *   flash → plan the write → erase (if asked) → write and verify → restart,
 *
 * through the stages validating → connecting → syncing → detecting → uploading-stub → erasing →
 * writing → verifying → resetting → done, or a FlashdeckError naming the stage it failed in.
 *
 * The ROM loader path (1 KiB blocks) always works on its own; the stub (16 KiB blocks, erases
 * while receiving) is an optimisation with a fallback to the ROM when it does not say OHAI.
 * Every write is verified with SPI_FLASH_MD5; a mismatch rewrites once, then fails.
 */
import { createHash } from 'node:crypto';
import { deflate } from 'node:zlib';
import type { ByteLink } from '../common/byte-link';
import { FlashdeckError, cancelledError } from '../common/errors';
import { type FlashOutcome, type FlashProgress, throttleProgress } from '../common/flash-job';
import { type ChipFacts, type EspChipSpec, type FlashId, detectChip, readChipFacts, readFlashId, CHIP_DETECT_MAGIC_REG } from './chips';
import { type DriverClock, wallClock } from '../common/clock';
import { type EspImageSummary, inspectEspImage, planImageWrite, refuseUnwritable } from './esp-image';
import {
  type EspLoader,
  EspRomLoader,
  type EspTimeouts,
  type FramedCommand,
  LoaderChannel,
  type LoaderOptions,
  endsTheJob,
  frameDataBlock,
  loaderOn,
  timeoutPerMb,
} from './loader';
import { FLASH_SECTOR, Op, hex } from './protocol';
import { NoControlLinesError, type ResetStrategy, connectStrategies, runResetSequence } from './reset';
import { type StubImage, runStub, stubFor } from './stub-loader';

export interface FlashEsp32Options {
  /** Flash address; default from the image kind (TinyGo app: bootloader offset; merged: 0). */
  offset?: number;
  /** Baud for the transfer (default 921600); falls back to 115200 if the switch fails. */
  baud?: number;
  /** Baud the ROM listens at after reset (default 115200). */
  romBaud?: number;
  /** Erase the whole chip first instead of only the sectors written. */
  eraseAll?: boolean;
  /** Write an image built for another chip anyway. */
  allowChipMismatch?: boolean;
  /** Board uses the USB-Serial-JTAG peripheral (VID 303a PID 1001): use its reset sequence. */
  usbJtag?: boolean;
  /** 'auto' resets with DTR/RTS (manual fallback if the port cannot); 'none' only syncs. */
  reset?: 'auto' | 'none';
  /** After a verified write: 'hard-reset' starts the new firmware (default), 'no-reset' stays in the loader. */
  after?: 'hard-reset' | 'no-reset';
  /** Upload the RAM stub for faster writes (default true). false = ROM loader only. */
  useStub?: boolean;
  /** Override the stub binary (tests). */
  stub?: StubImage;
  /** Deflate the image (default true). */
  compress?: boolean;
  /** Connect attempts, each with the next reset strategy (default 7). */
  connectAttempts?: number;
  /** Shown in messages about the image. */
  fileName?: string;
  /** The image's inspection, when the caller already made it (inspectEspImage): it is not repeated. */
  summary?: EspImageSummary;
  signal?: AbortSignal;
  onProgress?: (p: FlashProgress) => void;
  /** The chip the loader reported, as soon as it is known (before anything is written): `chip` is its name ("ESP32"), `description` adds the revision. */
  onChipDetected?: (detected: { chip: string; description: string }) => void;
  /** The verified board is about to restart into its new firmware: what the link receives from now on is its boot. */
  onRestarting?: () => void;
  clock?: DriverClock;
  timeouts?: Partial<EspTimeouts>;
  /** Hex dump of all traffic. */
  trace?: (direction: 'out' | 'in', bytes: Uint8Array) => void;
  /**
   * The port went away during a reset (boards with native USB re-enumerate when the chip resets):
   * close it, wait for the board to come back on the same path or USB identity, and return a link
   * to it. Tried up to REOPEN_ATTEMPTS times per reset; without it a lost port ends the job.
   */
  reopen?: () => Promise<ByteLink>;
}

export const DEFAULT_FLASH_BAUD = 921600;
export const ROM_BAUD = 115200;
const BLOCK_ATTEMPTS = 3;
const WRITE_ATTEMPTS = 2;
const SYNC_TRIES_PER_ATTEMPT = 5;
const MANUAL_SYNC_TRIES_PER_ATTEMPT = 20;
/** Reopens of a port lost in the middle of one reset sequence (esptool retries a reset that loses the port three times). */
export const REOPEN_ATTEMPTS = 3;

type Stage = 'validating' | 'connecting' | 'syncing' | 'detecting' | 'uploading-stub' | 'erasing' | 'writing' | 'verifying' | 'resetting' | 'done';

/** Bytes/s over a sliding window of about a second. */
class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(private readonly now: () => number) {}
  add(totalBytes: number): number {
    const t = this.now();
    this.samples.push({ t, bytes: totalBytes });
    while (this.samples.length > 2 && t - this.samples[1].t > 1000) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    return dt > 0 ? (totalBytes - first.bytes) / dt : 0;
  }
}

/** One flash job: its options, stage, log, and the port and loader it talks through (both change when the board re-enumerates or the stub takes over). */
class Job {
  stage: Stage = 'validating';
  readonly clock: DriverClock;
  readonly report: (p: FlashProgress) => void;
  readonly messages: string[] = [];
  readonly romBaud: number;
  readonly wantBaud: number;
  readonly usbJtag: boolean;
  link: ByteLink;
  loader: EspLoader;
  private readonly channelOptions: LoaderOptions;

  constructor(
    link: ByteLink,
    readonly image: Uint8Array,
    readonly options: FlashEsp32Options,
  ) {
    this.clock = options.clock ?? wallClock;
    const listener = options.onProgress ?? (() => {});
    this.report = throttleProgress(listener, 10, () => this.clock.now());
    this.romBaud = options.romBaud ?? ROM_BAUD;
    this.wantBaud = options.baud ?? DEFAULT_FLASH_BAUD;
    this.usbJtag = options.usbJtag ?? false;
    this.channelOptions = { clock: this.clock, signal: options.signal, timeouts: options.timeouts, trace: options.trace, stage: () => this.stage };
    this.link = link;
    this.loader = loaderOn(new LoaderChannel(link, this.channelOptions), false);
  }
  enter(stage: Stage, message?: string): void {
    this.stage = stage;
    this.report({ stage, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message });
  }
  say(message: string): void {
    this.messages.push(message);
    this.report({ stage: this.stage, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message });
  }
  checkCancelled(): void {
    if (this.options.signal?.aborted) throw cancelledError(this.stage);
  }
  /** The board re-enumerated: a new port, a new channel on it, the ROM loader until SYNC says otherwise. */
  async reopen(reopen: () => Promise<ByteLink>): Promise<void> {
    this.loader.dispose();
    this.link = await reopen();
    this.loader = loaderOn(new LoaderChannel(this.link, this.channelOptions), false);
    if (this.link.baudRate !== this.romBaud) await this.loader.setHostBaud(this.romBaud);
  }
}

function isDisconnected(error: unknown): boolean {
  return error instanceof FlashdeckError && error.code === 'ESP_DISCONNECTED';
}

/** Step: refuse a broken file before touching the board (chip questions wait for detection). */
function validate(job: Job): EspImageSummary {
  job.enter('validating');
  const summary = job.options.summary ?? inspectEspImage(job.image, job.options.fileName);
  refuseUnwritable(summary, { offset: job.options.offset, allowChipMismatch: job.options.allowChipMismatch }, 'validating');
  return summary;
}

/** The ROM's last banner line in download mode: the strapping pins are read, GPIO0 may go. */
const DOWNLOAD_WAIT = /waiting for download/;
/** The boot mode the ROM reports, and whether it then waits for download. */
const BANNER = new RegExp(`boot:(0x[0-9a-fA-F]+)(?:[^]*?(${DOWNLOAD_WAIT.source}))?`);

/** Plays one reset sequence; a port lost in the middle is reopened and the sequence played again. */
async function resetWithReopen(job: Job, strategy: ResetStrategy): Promise<void> {
  for (let reopened = 0; ; reopened++) {
    try {
      return await runResetSequence(job.link, strategy, job.clock, job.options.signal, () => job.loader.channel.watchText(DOWNLOAD_WAIT));
    } catch (error) {
      const reopen = job.options.reopen;
      if (!reopen || reopened >= REOPEN_ATTEMPTS || !isDisconnected(error)) throw error;
      job.say(`${job.link.path} went away during the reset (boards with native USB re-enumerate when they reset); reopening it (${reopened + 1} of ${REOPEN_ATTEMPTS}).`);
      await job.reopen(reopen);
    }
  }
}

/** Reset into the ROM loader and SYNC, cycling reset strategies (esptool's connect loop). */
async function connect(job: Job): Promise<{ stubRunning: boolean }> {
  const { clock } = job;
  const strategies: ResetStrategy[] = connectStrategies(job.usbJtag);
  let manual = (job.options.reset ?? 'auto') === 'none';
  const attempts = job.options.connectAttempts ?? 7;
  let wrongBootMode: string | null = null;
  let downloadSeen = false;
  let lastError: unknown = null;
  const noteBanner = () => {
    const m = BANNER.exec(job.loader.noiseText);
    if (!m) return;
    if (m[2]) downloadSeen = true;
    else wrongBootMode = m[1];
  };
  for (let attempt = 0; attempt < attempts; attempt++) {
    job.checkCancelled();
    job.enter('connecting');
    await job.loader.flushInput();
    if (!manual) {
      const strategy = strategies[attempt % strategies.length];
      try {
        await resetWithReopen(job, strategy);
      } catch (error) {
        if (!(error instanceof NoControlLinesError)) throw error;
        manual = true;
        job.say(`${error.message} ${error.hint}`);
      }
    }
    job.enter('syncing');
    const tries = manual ? MANUAL_SYNC_TRIES_PER_ATTEMPT : SYNC_TRIES_PER_ATTEMPT;
    for (let i = 0; i < tries; i++) {
      noteBanner();
      try {
        return await job.loader.sync();
      } catch (error) {
        if (endsTheJob(error)) throw error;
        lastError = error;
      }
      noteBanner();
      await clock.sleep(50, job.options.signal, 'syncing');
    }
  }
  const manualHint = manual ? ' This port cannot reset the board: hold BOOT, tap EN (RESET), release BOOT, then retry.' : '';
  if (downloadSeen) {
    throw new FlashdeckError({
      code: 'ESP_NO_SYNC',
      stage: 'syncing',
      message: 'Download mode detected, but the board does not answer SYNC: the serial TX path (computer → board) seems to be down.',
      hint: 'Check the TX wire / USB-serial adapter (swapped TX and RX on a breadboard?), try another cable or a lower baud rate.',
    });
  }
  if (wrongBootMode) {
    throw new FlashdeckError({
      code: 'ESP_WRONG_BOOT_MODE',
      stage: 'syncing',
      message: `Wrong boot mode detected (${wrongBootMode}): the board started its firmware instead of the download mode.`,
      hint: "Hold BOOT, tap EN (RESET), release BOOT, then retry. If this happens every time, the board's auto-reset circuit is missing or too slow (a 1-10 µF capacitor from EN to GND helps).",
    });
  }
  if (lastError instanceof FlashdeckError) {
    throw new FlashdeckError({ ...lastError.toInfo(), stage: 'syncing', hint: (lastError.hint ?? '') + manualHint }, { cause: lastError });
  }
  throw lastError ?? new Error('connect failed');
}

/** Step: reset into the loader and SYNC; the job's loader is then the ROM's, or a stub still running. */
async function connectLoader(job: Job): Promise<void> {
  const { stubRunning } = await connect(job);
  job.loader = loaderOn(job.loader.channel, stubRunning);
}

/**
 * How long each READ_REG that confirms a new baud waits. The loader changes rate once its reply
 * has left, so the first one goes at once (as Espressif's esp-serial-flasher does; esptool sleeps
 * 50 ms first); one sent too early is garbled and dropped, and the next, after flushing what the
 * change left on the line, allows a slow loader or USB adapter. 530 ms in all, esptool's 50 + 500.
 */
const BAUD_CONFIRM_TIMEOUTS_MS = [30, 100, 400];

async function confirmBaud(job: Job): Promise<void> {
  let lastError: unknown = null;
  for (const timeoutMs of BAUD_CONFIRM_TIMEOUTS_MS) {
    await job.loader.flushInput();
    try {
      await job.loader.readReg(CHIP_DETECT_MAGIC_REG, timeoutMs);
      return;
    } catch (error) {
      if (endsTheJob(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/** CHANGE_BAUDRATE, switch the host, confirm with a READ_REG. Returns the baud in use. */
async function switchBaud(job: Job, chip: EspChipSpec, target: number): Promise<number> {
  const { loader } = job;
  const current = job.link.baudRate;
  if (target === current) return current;
  let commanded = false;
  try {
    await loader.changeBaud(chip, target, current);
    commanded = true;
    await loader.setHostBaud(target);
    await confirmBaud(job);
    return target;
  } catch (error) {
    if (endsTheJob(error)) throw error;
    job.say(`Could not switch to ${target} baud (${(error as Error).message}); continuing at ${current} baud.`);
    await loader.setHostBaud(current);
    await loader.flushInput();
    if (!commanded) return current;
    // The board may have switched while we did not hear it: check at the old rate, else reconnect.
    try {
      await loader.sync();
      return current;
    } catch (syncError) {
      if (endsTheJob(syncError)) throw syncError;
      await loader.setHostBaud(job.romBaud);
      await connectLoader(job);
      return job.romBaud;
    }
  }
}

/** Step: the transfer rate first (so the stub itself travels fast), then the stub. Returns the baud in use. */
async function speedUp(job: Job, chip: EspChipSpec): Promise<number> {
  let baud = await switchBaud(job, chip, job.wantBaud);
  const rom = job.loader;
  if (job.options.useStub === false || !(rom instanceof EspRomLoader)) return baud;
  job.enter('uploading-stub', 'Loading the flasher stub…');
  const stub = await runStub(rom, job.options.stub ?? stubFor(chip.name), (done, total) =>
    job.report({ stage: 'uploading-stub', bytesDone: done, bytesTotal: total, bytesPerSecond: 0, etaSeconds: null }),
  );
  if (stub) {
    job.loader = stub;
    job.say('Stub running.');
    // The ROM could not change rate (ESP32 ROMs can be off by the RC clock calibration):
    // the stub's CHANGE_BAUDRATE is exact, try once more.
    if (baud !== job.wantBaud) baud = await switchBaud(job, chip, job.wantBaud);
    return baud;
  }
  job.say('The flasher stub did not start (no OHAI); continuing with the slower ROM loader.');
  try {
    await job.loader.flushInput();
    await job.loader.sync();
    return baud;
  } catch (error) {
    if (endsTheJob(error)) throw error;
  }
  // The ROM jumped into the stub and is gone: reset and start over without it.
  await job.loader.setHostBaud(job.romBaud);
  try {
    await connectLoader(job);
  } catch (reconnectError) {
    if (endsTheJob(reconnectError)) throw reconnectError;
    throw new FlashdeckError(
      {
        code: 'ESP_STUB_FAILED',
        stage: 'uploading-stub',
        message: 'The flasher stub did not start and the board did not come back to the ROM loader.',
        hint: 'Hold BOOT, tap EN (RESET), release BOOT, then retry.',
      },
      { cause: reconnectError },
    );
  }
  return switchBaud(job, chip, job.wantBaud);
}

/** Step: attach the SPI flash, read its id and size, and tell the loader the size. Returns the size in bytes. */
async function attachFlash(job: Job, chip: EspChipSpec): Promise<{ flashId: FlashId; flashSize: number }> {
  job.enter('detecting');
  await job.loader.spiAttach();
  const flashId = await readFlashId(job.loader, chip);
  if (flashId.raw === 0xffffff || flashId.raw === 0) {
    throw new FlashdeckError({
      code: 'ESP_FLASH_ID',
      stage: 'detecting',
      message: `The flash chip does not answer (flash id ${hex(flashId.raw, 6)}).`,
      hint: 'Failed to communicate with the flash chip: check the board power supply (try a powered hub), and that GPIO 6-11 are not wired to anything.',
    });
  }
  if (flashId.sizeBytes === null) job.say(`Unknown flash size code in flash id ${hex(flashId.raw, 6)}; assuming 4 MiB.`);
  const flashSize = flashId.sizeBytes ?? 4 * 1024 * 1024;
  await job.loader.spiSetParams(flashSize);
  return { flashId, flashSize };
}

/** Step: erase the whole chip (only when asked). */
async function eraseAll(job: Job, chip: EspChipSpec, flashSize: number): Promise<void> {
  job.enter('erasing', `Erasing the whole ${flashSize / 1048576} MiB flash (this takes a while)…`);
  await job.loader.eraseFlash(chip, flashSize);
}

/** One *_DATA block, tried up to BLOCK_ATTEMPTS times. */
async function writeBlock(job: Job, block: FramedCommand, seq: number, blocks: number, offset: number, timeoutMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await job.loader.sendDataBlock(block, timeoutMs);
    } catch (error) {
      if (endsTheJob(error)) throw error;
      if (attempt >= BLOCK_ATTEMPTS) {
        throw new FlashdeckError(
          {
            code: 'ESP_WRITE_FAILED',
            stage: 'writing',
            message: `Writing block ${seq + 1} of ${blocks} at ${hex(offset)} failed ${BLOCK_ATTEMPTS} times: ${(error as Error).message}`,
            hint: 'The connection is unreliable. Try a lower baud rate, another (shorter) cable, or a powered USB hub.',
          },
          { cause: error },
        );
      }
      job.say(`Block ${seq + 1}/${blocks} failed (${(error as Error).message}); retrying.`);
      await job.loader.flushInput();
    }
  }
}

/** Deflate + FLASH_DEFL_* (or plain FLASH_*), block by block. Returns the bytes it put on the wire. */
async function writeImage(job: Job, chip: EspChipSpec, offset: number, deflated: Promise<Uint8Array> | null): Promise<number> {
  const { image } = job;
  const { loader } = job;
  const t = loader.timeouts;
  const blockSize = loader.flashBlockSize;
  const compressed = deflated !== null;
  const payload = deflated ? await deflated : image;
  const blocks = Math.ceil(payload.length / blockSize);
  if (loader.kind === 'rom') job.enter('erasing', `Erasing ${Math.ceil(loader.flashEraseSize(image.length, compressed) / FLASH_SECTOR)} sectors at ${hex(offset)}…`);
  await loader.flashBegin(chip, { offset, size: image.length, blocks, compressed });

  job.enter('writing', compressed ? `Compressed ${image.length} bytes to ${payload.length} (${Math.round((100 * payload.length) / image.length)}%).` : undefined);
  const meter = new RateMeter(() => job.clock.now());
  const dataOp = compressed ? Op.FLASH_DEFL_DATA : Op.FLASH_DATA;
  const sentBefore = loader.bytesSent;
  const chunkAt = (seq: number): Uint8Array => {
    const chunk = payload.subarray(seq * blockSize, (seq + 1) * blockSize);
    if (compressed || chunk.length === blockSize) return chunk;
    const padded = new Uint8Array(blockSize).fill(0xff);
    padded.set(chunk);
    return padded;
  };
  let next = frameDataBlock(dataOp, 0, chunkAt(0));
  for (let seq = 0; seq < blocks; seq++) {
    const block = next;
    const chunkBytes = Math.min(blockSize, payload.length - seq * blockSize);
    const uncompressedEstimate = compressed ? Math.ceil((chunkBytes * image.length) / payload.length) : blockSize;
    const sent = writeBlock(job, block, seq, blocks, offset, timeoutPerMb(t, t.eraseWritePerMbMs, uncompressedEstimate));
    // While this block is on the wire, frame the next one: the chip's ack finds it ready.
    try {
      if (seq + 1 < blocks) next = frameDataBlock(dataOp, seq + 1, chunkAt(seq + 1));
    } catch (error) {
      await sent.catch(() => {}); // never leave a send running unwatched
      throw error;
    }
    await sent;
    const done = Math.min(image.length, Math.round(((seq + 1) * image.length) / blocks));
    const rate = meter.add(done);
    job.report({ stage: 'writing', bytesDone: done, bytesTotal: image.length, bytesPerSecond: rate, etaSeconds: rate > 0 ? (image.length - done) / rate : null });
  }
  await loader.flashFinish(compressed);
  return loader.bytesSent - sentBefore;
}

/** Step: write, check the MD5 the loader computes over the flash, rewrite once on a mismatch. */
async function writeAndVerify(job: Job, chip: EspChipSpec, offset: number, deflated: Promise<Uint8Array> | null): Promise<{ md5: string; wireBytes: number }> {
  const expected = md5(job.image);
  let wireBytes = 0;
  for (let attempt = 1; ; attempt++) {
    wireBytes += await writeImage(job, chip, offset, deflated);
    job.enter('verifying', 'Verifying (MD5)…');
    const actual = await job.loader.flashMd5(offset, job.image.length);
    if (actual.every((b, i) => b === expected[i])) break;
    if (attempt >= WRITE_ATTEMPTS) {
      throw new FlashdeckError({
        code: 'ESP_MD5_MISMATCH',
        stage: 'verifying',
        message: `MD5 of file does not match data in flash: flash ${toHex(actual)}, file ${toHex(expected)}.`,
        hint: 'The data got corrupted on the way or the flash is failing. Use a powered USB hub, another cable, or a lower baud rate, then retry.',
      });
    }
    job.say(`MD5 of flash (${toHex(actual)}) does not match the file (${toHex(expected)}); writing again.`);
  }
  job.say(`MD5 verified: ${toHex(expected)}.`);
  return { md5: toHex(expected), wireBytes };
}

/** Step: start the new firmware. Returns what happened, for the outcome. */
async function restart(job: Job, chip: EspChipSpec): Promise<string> {
  if ((job.options.after ?? 'hard-reset') !== 'hard-reset') return 'stayed in loader';
  job.enter('resetting');
  const loaderBaud = job.link.baudRate;
  try {
    // The restarted chip talks at the ROM's rate; a port that cannot go back only garbles the banner: the write is verified.
    if (job.link.baudRate !== job.romBaud) await job.loader.setHostBaud(job.romBaud).catch(() => {});
    job.options.onRestarting?.();
    await runResetSequence(job.link, job.usbJtag ? 'hard-usb' : 'hard', job.clock, job.options.signal);
    return 'hard reset';
  } catch (error) {
    // A board with native USB re-enumerates as it restarts: the written image is verified, the reset happened.
    if (isDisconnected(error)) return 'hard reset (the board re-enumerated)';
    if (!(error instanceof NoControlLinesError)) throw error;
  }
  // No reset line: ask the loader (at its own rate) to jump to the new firmware instead (esptool's soft reset).
  try {
    if (job.link.baudRate !== loaderBaud) await job.loader.setHostBaud(loaderBaud);
    await job.loader.runUserCode(chip); // answered before the jump
    job.options.onRestarting?.();
    await job.loader.setHostBaud(job.romBaud).catch(() => {});
    job.say('This port cannot reset the board; the loader started the new firmware instead. Press EN (RESET) if it does not run.');
    return 'soft reset (run user code)';
  } catch {
    job.say('This port cannot reset the board: press EN (RESET) to start the new firmware.');
    return 'manual reset needed';
  }
}

function md5(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('md5').update(bytes).digest());
}

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** zlib level 9 on the libuv thread pool, so it overlaps with connecting. */
function deflateInBackground(image: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => deflate(image, { level: 9 }, (err, out) => (err ? reject(err) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)))));
}

/**
 * Flash `image` to the ESP board on `link`. Resolves when the written bytes are verified by MD5
 * (and the board restarted, unless `after: 'no-reset'`); rejects with a FlashdeckError.
 */
export async function flashEsp32(link: ByteLink, image: Uint8Array, options: FlashEsp32Options = {}): Promise<FlashOutcome> {
  const job = new Job(link, image, options);
  try {
    const summary = validate(job);
    const deflated = (options.compress ?? true) ? deflateInBackground(image) : null;
    deflated?.catch(() => {}); // awaited (and reported) when writing starts

    job.enter('connecting', `Connecting to ${link.path}…`);
    if (link.baudRate !== job.romBaud) await job.loader.setHostBaud(job.romBaud);
    await connectLoader(job);

    job.enter('detecting');
    const chip = await detectChip(job.loader);
    const facts: ChipFacts = await readChipFacts(job.loader, chip, job.link.baudRate);
    const description = `${chip.displayName} (revision v${facts.revision.major}.${facts.revision.minor})`;
    job.say(`Chip is ${description}, crystal ${facts.crystalMhz} MHz, MAC ${facts.mac}.`);
    options.onChipDetected?.({ chip: chip.displayName, description });

    const baud = await speedUp(job, chip);
    const { flashId, flashSize } = await attachFlash(job, chip);
    const { offset, warnings } = planImageWrite(
      summary,
      { chip, revision: facts.revision, flashSizeBytes: flashSize },
      { offset: options.offset, allowChipMismatch: options.allowChipMismatch },
    );
    for (const warning of warnings) job.say(warning);
    if (options.eraseAll) await eraseAll(job, chip, flashSize);
    const { md5: digest, wireBytes } = await writeAndVerify(job, chip, offset, deflated);
    const reset = await restart(job, chip);

    job.report({ stage: 'done', bytesDone: image.length, bytesTotal: image.length, bytesPerSecond: 0, etaSeconds: 0 });
    return {
      bytesWritten: image.length,
      verifiedBy: 'md5',
      details: {
        chip: chip.displayName,
        revision: `v${facts.revision.major}.${facts.revision.minor}`,
        mac: facts.mac,
        crystal: `${facts.crystalMhz} MHz`,
        flashId: hex(flashId.raw, 6),
        flashSize: `${flashSize / 1048576} MiB`,
        address: hex(offset),
        md5: digest,
        baud: String(baud),
        loader: job.loader.kind,
        imageKind: summary.kind,
        wireBytes: String(wireBytes),
        reset,
        ...(job.messages.length ? { log: job.messages.join('\n') } : {}),
      },
    };
  } catch (error) {
    if (error instanceof FlashdeckError) throw error;
    throw new FlashdeckError(
      { code: 'ESP_INTERNAL', stage: job.stage, message: (error as Error)?.message ?? String(error), hint: 'This is a Flashdeck bug; the log has details.' },
      { cause: error },
    );
  } finally {
    job.loader.dispose();
  }
}
