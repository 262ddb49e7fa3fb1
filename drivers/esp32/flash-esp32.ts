/**
 * flashEsp32: the whole job, from an open port to a verified, restarted board.
 *
 *   connecting → syncing → detecting → uploading-stub → erasing → writing → verifying →
 *   resetting → done, or a FlashdeckError naming the stage it failed in.
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
import { type EspImageSummary, inspectEspImage, planImageWrite } from './esp-image';
import { EspLoader, type EspTimeouts, type LoaderOptions, timeoutPerMb } from './loader';
import { FLASH_SECTOR, Op, ROM_FLASH_BLOCK, STUB_FLASH_BLOCK, hex, words } from './protocol';
import { NoControlLinesError, type ResetStrategy, connectStrategies, runResetSequence } from './reset';
import { type StubImage, stubFor, uploadStub } from './stub-loader';

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
  signal?: AbortSignal;
  onProgress?: (p: FlashProgress) => void;
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
/** Reopens of a port lost in the middle of one reset sequence (esptool retries a reset that loses the port three times). */
export const REOPEN_ATTEMPTS = 3;
const MANUAL_SYNC_TRIES_PER_ATTEMPT = 20;

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

class Job {
  stage: Stage = 'validating';
  readonly clock: DriverClock;
  readonly report: (p: FlashProgress) => void;
  readonly messages: string[] = [];
  constructor(readonly options: FlashEsp32Options) {
    this.clock = options.clock ?? wallClock;
    const listener = options.onProgress ?? (() => {});
    this.report = throttleProgress(listener, 10, () => this.clock.now());
  }
  enter(stage: Stage, loader?: EspLoader, message?: string): void {
    this.stage = stage;
    if (loader) loader.stage = stage;
    this.report({ stage, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message });
  }
  say(message: string): void {
    this.messages.push(message);
    this.report({ stage: this.stage, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, message });
  }
  checkCancelled(): void {
    if (this.options.signal?.aborted) throw cancelledError(this.stage);
  }
}

/** The port, and the loader talking over it: both are new after the board re-enumerated. */
class Session {
  loader: EspLoader;
  constructor(
    public link: ByteLink,
    private readonly loaderOptions: LoaderOptions,
  ) {
    this.loader = new EspLoader(link, loaderOptions);
  }
  async reopen(reopen: () => Promise<ByteLink>): Promise<void> {
    const stage = this.loader.stage;
    this.loader.dispose();
    this.link = await reopen();
    this.loader = new EspLoader(this.link, this.loaderOptions);
    this.loader.stage = stage;
  }
}

function isDisconnected(error: unknown): boolean {
  return error instanceof FlashdeckError && error.code === 'ESP_DISCONNECTED';
}

/** Plays one reset sequence; a port lost in the middle is reopened and the sequence played again. */
async function resetWithReopen(job: Job, session: Session, strategy: ResetStrategy, romBaud: number): Promise<void> {
  for (let reopened = 0; ; reopened++) {
    try {
      return await runResetSequence(session.link, strategy, job.clock, job.options.signal);
    } catch (error) {
      const reopen = job.options.reopen;
      if (!reopen || reopened >= REOPEN_ATTEMPTS || !isDisconnected(error)) throw error;
      job.say(`${session.link.path} went away during the reset (boards with native USB re-enumerate when they reset); reopening it (${reopened + 1} of ${REOPEN_ATTEMPTS}).`);
      await session.reopen(reopen);
      if (session.link.baudRate !== romBaud) await session.loader.setHostBaud(romBaud);
    }
  }
}

function isFatal(error: unknown): boolean {
  return error instanceof FlashdeckError && (error.code === 'CANCELLED' || error.code === 'ESP_DISCONNECTED');
}

const BANNER = /boot:(0x[0-9a-fA-F]+)(?:[^]*?(waiting for download))?/;

/** Reset into the ROM loader and SYNC, cycling reset strategies (esptool's connect loop). */
async function connect(job: Job, session: Session, options: { usbJtag: boolean; attempts: number; reset: 'auto' | 'none'; romBaud: number }): Promise<{ stubRunning: boolean }> {
  const { clock } = job;
  const strategies: ResetStrategy[] = connectStrategies(options.usbJtag);
  let manual = options.reset === 'none';
  let wrongBootMode: string | null = null;
  let downloadSeen = false;
  let lastError: unknown = null;
  const noteBanner = () => {
    const m = BANNER.exec(session.loader.noiseText);
    if (!m) return;
    if (m[2]) downloadSeen = true;
    else wrongBootMode = m[1];
  };
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    job.checkCancelled();
    job.enter('connecting', session.loader);
    await session.loader.flushInput();
    if (!manual) {
      const strategy = strategies[attempt % strategies.length];
      try {
        await resetWithReopen(job, session, strategy, options.romBaud);
      } catch (error) {
        if (!(error instanceof NoControlLinesError)) throw error;
        manual = true;
        job.say(`${error.message} ${error.hint}`);
      }
    }
    job.enter('syncing', session.loader);
    const tries = manual ? MANUAL_SYNC_TRIES_PER_ATTEMPT : SYNC_TRIES_PER_ATTEMPT;
    for (let i = 0; i < tries; i++) {
      noteBanner();
      try {
        return await session.loader.sync();
      } catch (error) {
        if (isFatal(error)) throw error;
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

/** CHANGE_BAUDRATE, switch the host, confirm with a READ_REG. Returns the baud in use. */
async function switchBaud(job: Job, loader: EspLoader, target: number, romBaud: number, reconnect: () => Promise<void>): Promise<number> {
  const { link } = loader;
  const current = link.baudRate;
  if (target === current) return current;
  let commanded = false;
  try {
    await loader.changeBaud(target, current);
    commanded = true;
    await loader.setHostBaud(target);
    await loader.clock.sleep(50, job.options.signal, job.stage);
    await loader.flushInput();
    await loader.readReg(CHIP_DETECT_MAGIC_REG, 500);
    return target;
  } catch (error) {
    if (isFatal(error)) throw error;
    job.say(`Could not switch to ${target} baud (${(error as Error).message}); continuing at ${current} baud.`);
    await loader.setHostBaud(current);
    await loader.flushInput();
    if (!commanded) return current;
    // The board may have switched while we did not hear it: check at the old rate, else reconnect.
    try {
      await loader.sync();
      return current;
    } catch (syncError) {
      if (isFatal(syncError)) throw syncError;
      await loader.setHostBaud(romBaud);
      await reconnect();
      return romBaud;
    }
  }
}

interface Plan {
  offset: number;
  image: Uint8Array;
}

/** Deflate + FLASH_DEFL_* (or plain FLASH_*), with per-block retries. */
async function writeImage(job: Job, loader: EspLoader, chip: EspChipSpec, plan: Plan, deflated: Promise<Uint8Array> | null): Promise<{ wireBytes: number }> {
  const { image, offset } = plan;
  const t = loader.timeouts;
  const blockSize = loader.isStub ? STUB_FLASH_BLOCK : ROM_FLASH_BLOCK;
  const compress = deflated !== null;
  const payload = deflated ? await deflated : image;
  const blocks = Math.ceil(payload.length / blockSize);
  const withEncryptedWord = loader.isStub || chip.romFlashBeginHasEncryptedWord;
  // ROM erases [offset, offset+size) during BEGIN; stub erases as data arrives.
  const size = compress && !loader.isStub ? Math.ceil(image.length / blockSize) * blockSize : image.length;
  const beginWords = [compress ? size : image.length, blocks, blockSize, offset];
  if (withEncryptedWord) beginWords.push(0);
  const beginTimeout = loader.isStub ? t.defaultMs : timeoutPerMb(t, t.eraseRegionPerMbMs, size);
  if (!loader.isStub) job.enter('erasing', loader, `Erasing ${Math.ceil(size / FLASH_SECTOR)} sectors at ${hex(offset)}…`);
  await loader.command(compress ? Op.FLASH_DEFL_BEGIN : Op.FLASH_BEGIN, words(...beginWords), { timeoutMs: beginTimeout });

  job.enter('writing', loader, compress ? `Compressed ${image.length} bytes to ${payload.length} (${Math.round((100 * payload.length) / image.length)}%).` : undefined);
  const meter = new RateMeter(() => job.clock.now());
  const dataOp = compress ? Op.FLASH_DEFL_DATA : Op.FLASH_DATA;
  const sentBefore = loader.bytesSent;
  for (let seq = 0; seq < blocks; seq++) {
    let chunk = payload.subarray(seq * blockSize, (seq + 1) * blockSize);
    if (!compress && chunk.length < blockSize) {
      const padded = new Uint8Array(blockSize).fill(0xff);
      padded.set(chunk);
      chunk = padded;
    }
    const uncompressedEstimate = compress ? Math.ceil((chunk.length * image.length) / payload.length) : chunk.length;
    const blockTimeout = timeoutPerMb(t, t.eraseWritePerMbMs, uncompressedEstimate);
    for (let attempt = 1; ; attempt++) {
      try {
        await loader.dataBlock(dataOp, seq, chunk, blockTimeout);
        break;
      } catch (error) {
        if (isFatal(error)) throw error;
        if (attempt >= BLOCK_ATTEMPTS) {
          const cause = error as FlashdeckError;
          throw new FlashdeckError(
            {
              code: 'ESP_WRITE_FAILED',
              stage: 'writing',
              message: `Writing block ${seq + 1} of ${blocks} at ${hex(offset)} failed ${BLOCK_ATTEMPTS} times: ${cause.message}`,
              hint: 'The connection is unreliable. Try a lower baud rate, another (shorter) cable, or a powered USB hub.',
            },
            { cause: error },
          );
        }
        job.say(`Block ${seq + 1}/${blocks} failed (${(error as Error).message}); retrying.`);
        await loader.flushInput();
      }
    }
    const done = Math.min(image.length, Math.round(((seq + 1) * image.length) / blocks));
    const rate = meter.add(done);
    job.report({
      stage: 'writing',
      bytesDone: done,
      bytesTotal: image.length,
      bytesPerSecond: rate,
      etaSeconds: rate > 0 ? (image.length - done) / rate : null,
    });
  }
  // The stub acknowledges data before writing it: END collects the status of the last block.
  if (loader.isStub) {
    await loader.command(compress ? Op.FLASH_DEFL_END : Op.FLASH_END, words(1), { timeoutMs: timeoutPerMb(t, t.eraseWritePerMbMs, blockSize * 4) });
  }
  return { wireBytes: loader.bytesSent - sentBefore };
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
  const job = new Job(options);
  const romBaud = options.romBaud ?? ROM_BAUD;
  const wantBaud = options.baud ?? DEFAULT_FLASH_BAUD;
  const compress = options.compress ?? true;
  const usbJtag = options.usbJtag ?? false;
  const summary: EspImageSummary = inspectEspImage(image, options.fileName);

  // Refuse a broken file before touching the board (chip questions wait for detection).
  job.enter('validating');
  const fileErrors = summary.problems.filter(
    (p) => p.severity === 'error' && !(options.allowChipMismatch && ['IMAGE_UNSUPPORTED_CHIP', 'IMAGE_UNKNOWN_CHIP', 'IMAGE_BOOTLOADER_OFFSET'].includes(p.code)),
  );
  if (fileErrors.length) {
    throw new FlashdeckError({
      code: 'ESP_IMAGE_INVALID',
      stage: 'validating',
      message: `${options.fileName ? `'${options.fileName}'` : 'The image'} cannot be flashed: ${fileErrors.map((p) => p.message).join(' ')}`,
      hint: 'Rebuild the firmware (tinygo build -o app.bin -target=…) and select the new file.',
    });
  }

  if (options.offset === undefined && summary.kind === 'raw' && summary.suggestedOffset === null) {
    throw new FlashdeckError({
      code: 'ESP_OFFSET_REQUIRED',
      stage: 'validating',
      message: `${options.fileName ? `'${options.fileName}'` : 'The file'} is not an ESP app image, so Flashdeck cannot tell where it belongs.`,
      hint: 'Enter the flash address to write it to (for example 0x10000).',
    });
  }

  const deflated = compress ? deflateInBackground(image) : null;
  deflated?.catch(() => {}); // awaited (and reported) when writing starts
  const session = new Session(link, { clock: job.clock, signal: options.signal, timeouts: options.timeouts, trace: options.trace });
  const attempts = options.connectAttempts ?? 7;
  const connectOptions = { usbJtag, attempts, reset: options.reset ?? 'auto', romBaud } as const;
  try {
    job.enter('connecting', session.loader, `Connecting to ${session.link.path}…`);
    if (session.link.baudRate !== romBaud) await session.loader.setHostBaud(romBaud);
    let { stubRunning } = await connect(job, session, connectOptions);
    session.loader.isStub = stubRunning;

    job.enter('detecting', session.loader);
    const chip = await detectChip(session.loader);
    const facts: ChipFacts = await readChipFacts(session.loader, chip, session.link.baudRate);
    job.say(`Chip is ${chip.displayName} (revision v${facts.revision.major}.${facts.revision.minor}), crystal ${facts.crystalMhz} MHz, MAC ${facts.mac}.`);

    // Transfer rate first, so the stub itself travels fast.
    const reconnect = async () => {
      session.loader.isStub = false;
      ({ stubRunning } = await connect(job, session, connectOptions));
      session.loader.isStub = stubRunning;
    };
    let baud = await switchBaud(job, session.loader, wantBaud, romBaud, reconnect);

    if (options.useStub !== false && !session.loader.isStub) {
      job.enter('uploading-stub', session.loader, 'Uploading the flasher stub…');
      const ok = await uploadStub(session.loader, options.stub ?? stubFor(chip.name), (done, total) =>
        job.report({ stage: 'uploading-stub', bytesDone: done, bytesTotal: total, bytesPerSecond: 0, etaSeconds: null }),
      );
      if (ok) {
        session.loader.isStub = true;
        job.say('Stub running.');
        // The ROM could not change rate (ESP32 ROMs can be off by the RC clock calibration):
        // the stub's CHANGE_BAUDRATE is exact, try once more.
        if (baud !== wantBaud) baud = await switchBaud(job, session.loader, wantBaud, romBaud, reconnect);
      } else {
        job.say('The flasher stub did not start (no OHAI); continuing with the slower ROM loader.');
        try {
          await session.loader.flushInput();
          await session.loader.sync();
        } catch (error) {
          if (isFatal(error)) throw error;
          // The ROM jumped into the stub and is gone: reset and start over without it.
          await session.loader.setHostBaud(romBaud);
          try {
            await reconnect();
          } catch (reconnectError) {
            if (isFatal(reconnectError)) throw reconnectError;
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
          baud = await switchBaud(job, session.loader, wantBaud, romBaud, reconnect);
        }
      }
    }

    job.enter('detecting', session.loader);
    await session.loader.spiAttach();
    const flashId: FlashId = await readFlashId(session.loader, chip);
    if (flashId.raw === 0xffffff || flashId.raw === 0) {
      throw new FlashdeckError({
        code: 'ESP_FLASH_ID',
        stage: 'detecting',
        message: `The flash chip does not answer (flash id ${hex(flashId.raw, 6)}).`,
        hint: 'Failed to communicate with the flash chip: check the board power supply (try a powered hub), and that GPIO 6-11 are not wired to anything.',
      });
    }
    const flashSize = flashId.sizeBytes;
    if (flashSize === null) job.say(`Unknown flash size code in flash id ${hex(flashId.raw, 6)}; assuming 4 MB.`);
    const boardFlash = flashSize ?? 4 * 1024 * 1024;
    await session.loader.spiSetParams(boardFlash);

    const { offset, warnings } = planImageWrite(
      summary,
      { chip, revision: facts.revision, flashSizeBytes: boardFlash },
      {
        offset: options.offset,
        allowChipMismatch: options.allowChipMismatch,
      },
    );
    for (const w of warnings) job.say(w);

    if (options.eraseAll) {
      job.enter('erasing', session.loader, `Erasing the whole ${boardFlash / 1048576} MB flash (this takes a while)…`);
      if (session.loader.isStub) {
        await session.loader.command(Op.ERASE_FLASH, new Uint8Array(0), { timeoutMs: session.loader.timeouts.chipEraseMs });
      } else {
        const beginWords = [boardFlash, 0, ROM_FLASH_BLOCK, 0];
        if (chip.romFlashBeginHasEncryptedWord) beginWords.push(0);
        await session.loader.command(Op.FLASH_BEGIN, words(...beginWords), {
          timeoutMs: Math.max(session.loader.timeouts.chipEraseMs, timeoutPerMb(session.loader.timeouts, session.loader.timeouts.eraseRegionPerMbMs, boardFlash)),
        });
      }
    }

    const expected = md5(image);
    let wireBytes = 0;
    let verified = false;
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS && !verified; attempt++) {
      const written = await writeImage(job, session.loader, chip, { offset, image }, deflated);
      wireBytes += written.wireBytes;
      job.enter('verifying', session.loader, 'Verifying (MD5)…');
      const actual = await session.loader.flashMd5(offset, image.length);
      verified = actual.every((b, i) => b === expected[i]);
      if (!verified) {
        if (attempt < WRITE_ATTEMPTS) {
          job.say(`MD5 of flash (${toHex(actual)}) does not match the file (${toHex(expected)}); writing again.`);
        } else {
          throw new FlashdeckError({
            code: 'ESP_MD5_MISMATCH',
            stage: 'verifying',
            message: `MD5 of file does not match data in flash: flash ${toHex(actual)}, file ${toHex(expected)}.`,
            hint: 'The data got corrupted on the way or the flash is failing. Use a powered USB hub, another cable, or a lower baud rate, then retry.',
          });
        }
      }
    }
    job.say(`MD5 verified: ${toHex(expected)}.`);

    let resetNote = 'stayed in loader';
    if ((options.after ?? 'hard-reset') === 'hard-reset') {
      job.enter('resetting', session.loader);
      try {
        await runResetSequence(session.link, usbJtag ? 'hard-usb' : 'hard', job.clock, options.signal);
        resetNote = 'hard reset';
      } catch (error) {
        if (isDisconnected(error)) {
          // A board with native USB re-enumerates as it restarts: the written image is verified, the reset happened.
          resetNote = 'hard reset (the board re-enumerated)';
        } else if (!(error instanceof NoControlLinesError)) throw error;
        else {
          // No reset line: ask the loader to jump to the new firmware instead (esptool's soft reset).
          try {
            await session.loader.runUserCode();
            resetNote = 'soft reset (run user code)';
            job.say('This port cannot reset the board; the loader started the new firmware instead. Press EN (RESET) if it does not run.');
          } catch {
            resetNote = 'manual reset needed';
            job.say('This port cannot reset the board: press EN (RESET) to start the new firmware.');
          }
        }
      }
    }
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
        flashSize: `${boardFlash / 1048576} MB`,
        address: hex(offset),
        md5: toHex(expected),
        baud: String(baud),
        loader: session.loader.isStub ? 'stub' : 'rom',
        imageKind: summary.kind,
        wireBytes: String(wireBytes),
        reset: resetNote,
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
    session.loader.dispose();
  }
}
