import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { evaluateExpression, readLinkerScriptMemory, LinkerScriptError } from '../../../electron/services/toolchain/linker-script';
import { boardCapacity } from '../../../electron/services/history/board-capacity';

// Real TinyGo linker scripts, laid out like a TINYGOROOT (see its README for their commits).
const ROOT = path.resolve(__dirname, '../../fixtures/tinygo/root');
const script = (name: string) => path.join(ROOT, 'targets', name);

describe('TinyGo linker scripts', () => {
  it('reads nrf52840.ld and follows its INCLUDE of targets/arm.ld', async () => {
    const memory = await readLinkerScriptMemory(script('nrf52840.ld'), ROOT);
    expect(memory.regions).toEqual([
      { name: 'FLASH_TEXT', attributes: 'rw', origin: 0, length: 1024 * 1024 },
      { name: 'RAM', attributes: 'xrw', origin: 0x2000_0000, length: 256 * 1024 },
    ]);
    expect(memory.files.map((f) => path.relative(ROOT, f))).toEqual(['targets/nrf52840.ld', 'targets/arm.ld']);
    expect(memory.symbols._stack_size).toBe(4096);
  });

  it('evaluates the SoftDevice arithmetic of nrf52840-s140v7.ld and circuitplay-bluefruit.ld', async () => {
    const v7 = await readLinkerScriptMemory(script('nrf52840-s140v7.ld'), ROOT);
    expect(v7.regions.find((r) => r.name === 'FLASH_TEXT')).toMatchObject({ origin: 0x27000, length: 0x100000 - 0x27000 });
    expect(v7.regions.find((r) => r.name === 'RAM')).toMatchObject({ origin: 0x200039c0, length: 262144 - 0x39c0 });
    // __app_ram_base = ORIGIN(RAM): an assignment that refers to a region.
    expect(v7.symbols.__app_ram_base).toBe(0x200039c0);
    const cpb = await readLinkerScriptMemory(script('circuitplay-bluefruit.ld'), ROOT);
    expect(cpb.regions.find((r) => r.name === 'FLASH_TEXT')).toMatchObject({ origin: 0x26000, length: 815_104 });
    expect(cpb.regions.find((r) => r.name === 'RAM')).toMatchObject({ origin: 0x20004180, length: 37 * 1024 });
  });

  it('reads the ESP32 (IRAM code, 200K + 128K DRAM) and ESP32-C3 (four regions) scripts', async () => {
    const esp32 = await readLinkerScriptMemory(script('esp32.ld'), ROOT);
    expect(esp32.regions.map((r) => [r.name, r.origin, r.length])).toEqual([
      ['DRAM', 0x3ffae000, 328 * 1024],
      ['IRAM', 0x40080000, 128 * 1024],
    ]);
    const c3 = await readLinkerScriptMemory(script('esp32c3.ld'), ROOT);
    expect(c3.regions.map((r) => r.name)).toEqual(['DRAM', 'IRAM', 'DROM', 'IROM']);
    expect(c3.regions.find((r) => r.name === 'IROM')).toMatchObject({ origin: 0x42000000, length: 8 * 1024 * 1024 });
    expect(c3.symbols._stack_size).toBe(4096);
  });

  it('evaluates GNU ld expressions and says what it cannot evaluate', () => {
    expect(evaluateExpression('0xda000 - 0x26000')).toBe(0xb4000);
    expect(evaluateExpression('(256K - 0x39c0) / 2')).toBe((262144 - 0x39c0) / 2);
    expect(evaluateExpression('010')).toBe(8);
    expect(() => evaluateExpression('LENGTH(FLASH) - 4')).toThrow(/no region FLASH/);
    expect(() => evaluateExpression('1M +')).toThrow(LinkerScriptError);
  });

  it('names the missing file when an INCLUDE cannot be found', async () => {
    const files: Record<string, string> = { '/r/a.ld': 'MEMORY { RAM (rw) : ORIGIN = 0, LENGTH = 1K }\nINCLUDE "targets/missing.ld"\n' };
    const read = async (f: string) => {
      if (!(f in files)) throw new Error('ENOENT');
      return files[f];
    };
    await expect(readLinkerScriptMemory('/r/a.ld', '/r', read)).rejects.toThrow(/includes targets\/missing\.ld/);
  });
});

describe('board capacity', () => {
  it('comes from the installed TinyGo when its linker script is known, and from the catalogue (with its source) otherwise', async () => {
    const fromTinygo = await boardCapacity('nrf52840-s140v7-uf2', { tinygoRoot: ROOT, linkerScript: 'targets/nrf52840-s140v7.ld' });
    expect(fromTinygo).toMatchObject({ source: 'tinygo', flash: { region: 'FLASH_TEXT', bytes: 0x100000 - 0x27000 }, ram: { region: 'RAM' } });
    expect(fromTinygo?.sourceNote).toContain('targets/nrf52840-s140v7.ld → targets/arm.ld');

    const fallback = await boardCapacity('feather-nrf52840', { tinygoRoot: null, linkerScript: null });
    expect(fallback).toMatchObject({ source: 'catalogue', flash: { origin: 0x26000, bytes: 0xed000 - 0x26000 }, ram: { origin: 0x20004180, bytes: 245_376 } });
    expect(fallback?.sourceNote).toMatch(/S140 v6/);
  });

  it('caps the ESP32-C3 8 MB IROM window at the flash chip and uses DRAM for RAM', async () => {
    const c3 = await boardCapacity('xiao-esp32c3', { tinygoRoot: ROOT, linkerScript: 'targets/esp32c3.ld' });
    expect(c3).toMatchObject({ source: 'tinygo', flash: { region: 'IROM', bytes: 4 * 1024 * 1024 }, ram: { region: 'DRAM', bytes: 384 * 1024 } });
    expect(await boardCapacity('not-a-board', { tinygoRoot: null, linkerScript: null })).toBeNull();
  });
});
