import { describe, expect, it } from 'vitest';
import type { Board, BoardCapacity, BoardModelDto, FlashRecord, SizeHistoryRow } from '../../electron/contract';
import { BOARD_CATALOGUE, guessBoard } from '../../drivers/common/board-catalogue';
import { boardActivity, flashPercent } from '../../renderer/boards/board-activity';
import { boardModel, modelChoices } from '../../renderer/boards/board-models';
import { buildRoom, chipText, lastFlashSentence, timeAgo } from '../../renderer/boards/bench-overview-model';

const catalogue: BoardModelDto[] = BOARD_CATALOGUE.map(({ target, name, family, chip, flashMethod, outputFormat, led }) => ({
  target,
  name,
  family,
  chip,
  flashMethod,
  outputFormat,
  led,
}));

function board(overrides: Partial<Board> & { detectedChip?: string; usb?: [string, string] } = {}): Board {
  const { detectedChip, usb, ...rest } = overrides;
  return {
    id: 'port:/dev/pts/4',
    name: null,
    path: '/dev/pts/4',
    present: true,
    manual: true,
    target: null,
    detected: detectedChip ? { chip: detectedChip, description: `${detectedChip} (revision v3.1)`, at: 0 } : null,
    guess: guessBoard(usb?.[0], usb?.[1], rest.target ?? undefined, detectedChip),
    ...rest,
  };
}

const progress = (bytesDone: number, bytesTotal: number, stage: 'writing' | 'connecting' = 'writing') => ({ stage, bytesDone, bytesTotal, bytesPerSecond: 0, etaSeconds: null });

describe("a board's activity (the sidebar badge and the overview card)", () => {
  it('says flashing with the share written, before building, the console and idle', () => {
    const b = board();
    expect(boardActivity(b, {})).toMatchObject({ kind: 'idle', label: 'Idle' });
    expect(boardActivity(b, { console: { state: 'connected' } })).toMatchObject({ kind: 'console', label: 'Console open' });
    expect(boardActivity(b, { console: { state: 'closed' } })).toMatchObject({ kind: 'idle' });
    const building = { state: 'running' as const, position: 0, program: 'blink' };
    expect(boardActivity(b, { build: building, console: { state: 'connected' } })).toMatchObject({ kind: 'building', label: 'Building', detail: 'Building blink' });
    expect(boardActivity(b, { build: { ...building, state: 'queued', position: 2 } })).toMatchObject({
      label: 'Build queued',
      detail: 'blink waits for the build queue, 2 ahead of it',
    });
    expect(boardActivity(b, { build: { ...building, state: 'done' } })).toMatchObject({ kind: 'idle' });
    const flashing = boardActivity(b, { flash: { running: true, progress: progress(10 * 1024, 40 * 1024) }, build: building });
    expect(flashing).toEqual({ kind: 'flashing', label: 'Flashing 25 %', percent: 25, detail: 'Writing the image' });
    expect(boardActivity(b, { flash: { running: true, progress: null } })).toMatchObject({ label: 'Flashing', percent: null, detail: 'Starting' });
    expect(boardActivity(b, { flash: { running: false, progress: progress(1, 1) } })).toMatchObject({ kind: 'idle' });
  });

  it('tells a board in its bootloader and a board that is not plugged in', () => {
    const bootloader = board({ manual: false, usb: ['239a', '0029'], id: 'usb:239a:0029' });
    // 239a:0029 is both the Feather bootloader and the nice!nano app: not certain, so not "Bootloader".
    expect(boardActivity(bootloader, {}).kind).toBe('idle');
    const feather = board({ manual: false, usb: ['239a', '802a'] });
    expect(feather.guess.mode).toBe('application');
    const inBootloader = { ...feather, guess: { ...feather.guess, mode: 'bootloader' as const } };
    expect(boardActivity(inBootloader, { console: { state: 'connected' } })).toMatchObject({ kind: 'bootloader', label: 'Bootloader' });
    expect(boardActivity({ ...feather, present: false }, { console: { state: 'reconnecting' } })).toMatchObject({ kind: 'absent', label: 'Not plugged in' });
  });

  it("takes the driver's percent where it gives one, else bytes done of bytes total", () => {
    expect(flashPercent({ ...progress(0, 0), percent: 40 })).toBe(40);
    expect(flashPercent(progress(0, 0))).toBeNull();
    expect(flashPercent(progress(3, 4))).toBe(75);
    expect(flashPercent(null)).toBeNull();
  });
});

describe('board models offered for a board', () => {
  it('offers only ESP32 boards for a board whose chip a flash read, its chip first, and every model for an unknown one', () => {
    const unknown = modelChoices(board(), catalogue);
    expect(unknown.narrowedTo).toBeNull();
    expect(unknown.models).toHaveLength(catalogue.length);

    const esp = modelChoices(board({ detectedChip: 'ESP32' }), catalogue);
    expect(esp.narrowedTo).toBe('ESP32 boards');
    expect(esp.models.every((model) => model.family === 'esp32')).toBe(true);
    expect(esp.models.some((model) => model.target === 'feather-nrf52840')).toBe(false);
    const firstOther = esp.models.findIndex((model) => model.chip !== 'ESP32');
    expect(esp.models.slice(0, firstOther).every((model) => model.chip === 'ESP32')).toBe(true);
    expect(esp.models.slice(firstOther).some((model) => model.chip === 'ESP32')).toBe(false);

    // A CP210x bridge only hints "likely an ESP32": the Feather nRF52832 has the same CP2104, so every model stays offered, the hinted ones first.
    const bridge = modelChoices(board({ manual: false, usb: ['10c4', 'ea60'] }), catalogue);
    expect(bridge.narrowedTo).toBeNull();
    expect(bridge.models.map((model) => model.target)).toContain('pca10040-s132v6');
    expect(bridge.models.slice(0, 3).map((model) => model.target)).toEqual(['m5stack', 'm5stack-core2', 'pca10040-s132v6']);
  });

  it('names the model picked, or an exact guess; a chip alone names no model', () => {
    expect(boardModel(board({ detectedChip: 'ESP32' }), catalogue)).toBeUndefined();
    expect(boardModel(board({ target: 'esp32-coreboard-v2' }), catalogue)?.name).toBe('ESP32 DevKitC / Core Board V2');
    expect(boardModel(board({ manual: false, usb: ['239a', '802a'] }), catalogue)?.target).toBe('feather-nrf52840');
  });
});

describe("the overview card's words", () => {
  const now = Date.UTC(2026, 0, 1, 12);
  const record = (overrides: Partial<FlashRecord>): FlashRecord => ({
    id: 1,
    startedAt: now - 4 * 60_000,
    durationMs: 3000,
    ok: true,
    method: 'esp-serial',
    fileName: 'blink.bin',
    bytes: 40960,
    flashBytes: 40960,
    verifiedBy: 'md5',
    errorCode: null,
    errorMessage: null,
    artifactSha256: null,
    ...overrides,
  });

  it('says when, which file, and verified or the error', () => {
    expect(lastFlashSentence(null, now)).toBe('Not flashed with Flashdeck yet.');
    expect(lastFlashSentence(record({}), now)).toBe('Flashed blink.bin 4 min ago, verified by MD5.');
    expect(lastFlashSentence(record({ ok: false, verifiedBy: null, errorMessage: 'The board did not answer the loader.' }), now)).toBe(
      'Flashing blink.bin failed 4 min ago: the board did not answer the loader.',
    );
    expect([timeAgo(now - 10_000, now), timeAgo(now - 3 * 3600_000, now), timeAgo(now - 49 * 3600_000, now)]).toEqual(['just now', '3 h ago', '2 days ago']);
  });

  it('shows the chip of the model, else the one a flash read, else says it is not known', () => {
    expect(chipText(board(), undefined)).toMatch(/^Not known yet/);
    expect(chipText(board({ detectedChip: 'ESP32' }), undefined)).toBe('ESP32 (revision v3.1), read by a flash');
    expect(chipText(board({ target: 'esp32-coreboard-v2' }), catalogue[0])).toBe(catalogue[0].chip);
  });

  it("sets the newest build's flash and RAM against the capacity of its target, with any budget it is over", () => {
    const row = { program: 'blink', target: 'esp32-coreboard-v2', startedAt: now - 2 * 3600_000, flash: 98_304, ram: 180_000, overBudget: [] } as unknown as SizeHistoryRow;
    const capacity = { flash: { region: 'IRAM', origin: 0, bytes: 131_072 }, ram: { region: 'DRAM', origin: 0, bytes: 204_800 } } as BoardCapacity;
    const room = buildRoom(row, capacity, now)!;
    expect(room.build).toBe('blink for esp32-coreboard-v2, 2 h ago');
    expect(room.meters!.flash).toMatchObject({ percent: 75, level: 'ok', text: 'Flash: 98,304 B of 131,072 B used (75.0 %), 32,768 B free' });
    expect(room.meters!.ram).toMatchObject({ level: 'warn' });
    expect(buildRoom(row, null, now)!.plain).toBe("Flash: 98,304 B used; static RAM: 180,000 B used (the target's capacity is not known).");
    const over = {
      ...row,
      overBudget: [{ kind: 'flash', limitBytes: 90_000, actualBytes: 98_304, overBytes: 8_304, message: 'Over the flash budget: 98,304 B used of 90,000 B (+8,304 B).' }],
    };
    expect(buildRoom(over as SizeHistoryRow, capacity, now)!.overBudget).toEqual(['Over the flash budget: 98,304 B used of 90,000 B (+8,304 B).']);
    expect(buildRoom(null, capacity, now)).toBeNull();
  });
});
