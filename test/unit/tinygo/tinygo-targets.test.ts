import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JsonFileTargetCache,
  MemoryTargetCache,
  parseTargetInfoJson,
  parseTargetInfoText,
  parseTargetsList,
  parseTinygoPorts,
  parseUsbId,
  TargetService,
} from '../../../electron/services/toolchain/targets';
import { runTool, type ToolRunner } from '../../../electron/services/toolchain/tool-runner';

const FAKE_TINYGO = path.resolve(__dirname, '../../fixtures/tinygo/tinygo');

describe('parseTargetsList (reference 5.2)', () => {
  it('reads one name per line', () => {
    expect(parseTargetsList('adafruit-esp32-feather-v2\nbluemicro840\r\nesp32-c3-devkit-rust-1\n\nxiao-esp32c3\n')).toEqual([
      'adafruit-esp32-feather-v2',
      'bluemicro840',
      'esp32-c3-devkit-rust-1',
      'xiao-esp32c3',
    ]);
  });
});

describe('parseTargetsList: the v0.33 ESP/nRF list of reference 5.2', () => {
  it('keeps all 58 names in order', () => {
    const list = `adafruit-esp32-feather-v2 bluemicro840 circuitplay-bluefruit clue clue-alpha d1mini esp32 esp32-c3-devkit-rust-1 esp32-coreboard-v2
esp32-mini32 esp32c3 esp32c3-12f esp8266 feather-nrf52840 feather-nrf52840-sense itsybitsy-nrf52840 m5paper m5stack m5stack-core2 m5stamp-c3
m5stick-c makerfabs-esp32c3spi35 mch2022 mdbt50qrx-uf2 microbit microbit-s110v8 microbit-v2 microbit-v2-s113v7 nano-33-ble nano-33-ble-s140v6-uf2
nano-33-ble-s140v7 nano-33-ble-s140v7-uf2 nicenano nodemcu nrf52840-mdk nrf52840-mdk-usb-dongle nrf52840-s140v6-uf2 nrf52840-s140v6-uf2-generic
nrf52840-s140v7-uf2 particle-3rd-gen particle-argon particle-boron particle-xenon pca10031 pca10040 pca10040-s132v6 pca10056 pca10056-s140v6-uf2
pca10056-s140v7 pca10059 pca10059-s140v7 pinetime qtpy-esp32c3 reelboard reelboard-s140v7 x9pro xiao-ble xiao-esp32c3`.split(/\s+/);
    expect(parseTargetsList(list.join('\n') + '\n')).toEqual(list);
    expect(list).toHaveLength(58);
  });
});

describe('parseTinygoPorts (reference 5.4)', () => {
  it('reads the %-20s %4s:%4s %s rows', () => {
    const text = [
      'Port                 ID        Boards',
      '/dev/ttyACM0         239a:8029 feather-nrf52840',
      'COM6                 303a:1001 xiao-esp32c3',
      '/dev/ttyS0               :     ',
    ].join('\n');
    expect(parseTinygoPorts(text)).toEqual([
      { port: '/dev/ttyACM0', vid: '239a', pid: '8029', target: 'feather-nrf52840' },
      { port: 'COM6', vid: '303a', pid: '1001', target: 'xiao-esp32c3' },
      { port: '/dev/ttyS0', vid: '', pid: '', target: '' },
    ]);
    expect(parseTinygoPorts('No serial ports found.\n')).toEqual([]);
  });
});

describe('parseTargetInfoText (reference 5.3)', () => {
  it('the verbatim AVR example (boisgera/tinygo-arduino)', () => {
    const info = parseTargetInfoText(
      'arduino',
      `LLVM triple:       avr
GOOS:              linux
GOARCH:            arm
build tags:        avr baremetal linux arm atmega328p atmega avr5 arduino tinygo math_big_pure_go gc.conservative scheduler.none serial.uart
garbage collector: conservative
scheduler:         none
cached GOROOT:     /home/boisgera/.cache/tinygo/goroot-be4be59c5e4a687aa60cbb0b4c9469e2512531d5883e254b489df88789874889
`,
    )!;
    expect(info).toMatchObject({
      target: 'arduino',
      llvmTriple: 'avr',
      goos: 'linux',
      goarch: 'arm',
      gc: 'conservative',
      scheduler: 'none',
      serial: 'uart',
      cachedGoroot: '/home/boisgera/.cache/tinygo/goroot-be4be59c5e4a687aa60cbb0b4c9469e2512531d5883e254b489df88789874889',
      source: 'text',
      flashMethod: null,
      usbIds: [],
    });
    expect(info.buildTags).toContain('atmega328p');
  });

  it('the verbatim v0.39 rp2040 build-tags line, and an extra GOARM line', () => {
    const info = parseTargetInfoText(
      'waveshare-rp2040-zero',
      `LLVM triple:       thumbv6m-unknown-unknown-eabi
GOOS:              linux
GOARCH:            arm
GOARM:             6
build tags:        cortexm baremetal linux arm rp2040 rp waveshare_rp2040_zero tinygo purego osusergo math_big_pure_go gc.conservative scheduler.cores serial.usb
`,
    )!;
    expect(info).toMatchObject({ scheduler: 'cores', gc: 'conservative', serial: 'usb' });
  });

  it('the derived v0.33 esp32-coreboard-v2 and nrf52840 outputs', () => {
    const esp = parseTargetInfoText(
      'esp32-coreboard-v2',
      `LLVM triple:       xtensa
GOOS:              linux
GOARCH:            arm
build tags:        xtensa baremetal linux arm esp32 esp esp32_coreboard_v2 tinygo purego osusergo math_big_pure_go gc.conservative scheduler.tasks serial.uart
garbage collector: conservative
scheduler:         tasks
cached GOROOT:     /home/<user>/.cache/tinygo/goroot-<sha256>
`,
    )!;
    expect(esp).toMatchObject({ llvmTriple: 'xtensa', serial: 'uart', scheduler: 'tasks' });
    const nrf = parseTargetInfoText(
      'feather-nrf52840',
      'build tags:        cortexm baremetal linux arm nrf52840 nrf nrf52840_reset_uf2 softdevice s140v6 feather_nrf52840 tinygo purego osusergo math_big_pure_go gc.conservative scheduler.tasks serial.usb\n',
    )!;
    expect(nrf).toMatchObject({ gc: 'conservative', scheduler: 'tasks', serial: 'usb', llvmTriple: null });
  });

  it('returns null for unrelated text', () => {
    expect(parseTargetInfoText('x', 'flag provided but not defined: -json\n')).toBeNull();
  });
});

describe('parseTargetInfoJson', () => {
  const json = (spec: Record<string, unknown>) =>
    JSON.stringify(
      {
        target: spec,
        goroot: '/c/goroot-1',
        goos: 'linux',
        goarch: 'arm',
        goarm: '',
        build_tags: ['nrf52840', 'gc.conservative', 'scheduler.tasks', 'serial.usb'],
        garbage_collector: 'conservative',
        scheduler: 'tasks',
        llvm_triple: 'thumbv7em-unknown-unknown-eabi',
      },
      null,
      '  ',
    );

  it('reads flash method, USB IDs, UF2 family and MSD volumes', () => {
    const info = parseTargetInfoJson(
      'feather-nrf52840',
      json({
        'flash-method': 'msd',
        'serial-port': ['239a:8029', '239A:802A'],
        'uf2-family-id': '0xADA52840',
        'msd-volume-name': ['FTHR840BOOT'],
        'binary-format': 'uf2',
        'flash-1200-bps-reset': 'true',
        'default-stack-size': 2048,
        serial: 'usb',
      }),
    )!;
    expect(info).toMatchObject({
      flashMethod: 'msd',
      usbIds: [
        { vid: '239a', pid: '8029' },
        { vid: '239a', pid: '802a' },
      ],
      invalidUsbIds: [],
      uf2FamilyId: '0xADA52840',
      msdVolumeNames: ['FTHR840BOOT'],
      binaryFormat: 'uf2',
      flash1200BpsReset: true,
      defaultStackSize: 2048,
      serial: 'usb',
      gc: 'conservative',
      scheduler: 'tasks',
      llvmTriple: 'thumbv7em-unknown-unknown-eabi',
      cachedGoroot: '/c/goroot-1',
      source: 'json',
    });
  });

  it('keeps the malformed pca10056-s140v6-uf2 id apart (reference 8.2)', () => {
    const info = parseTargetInfoJson('pca10056-s140v6-uf2', json({ 'serial-port': ['239a:0x0029'], 'flash-method': 'msd' }))!;
    expect(info.usbIds).toEqual([]);
    expect(info.invalidUsbIds).toEqual(['239a:0x0029']);
  });

  it('uses "command" when only flash-command is set, and reads inheritable-only', () => {
    const info = parseTargetInfoJson('esp32c3', json({ 'flash-command': 'esptool.py --chip=esp32c3 --port {port} write_flash 0x0 {bin}', 'inheritable-only': true }))!;
    expect(info).toMatchObject({ flashMethod: 'command', inheritableOnly: true });
    expect(parseUsbId('303a:1001')).toEqual({ vid: '303a', pid: '1001' });
    expect(parseTargetInfoJson('x', 'not json')).toBeNull();
    expect(parseTargetInfoJson('x', '{"foo":1}')).toBeNull();
  });
});

describe('TargetService', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flashdeck-targets-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists targets and reads JSON info through the stand-in tinygo, then serves both from the cache', async () => {
    const calls: string[][] = [];
    const run: ToolRunner = (file, args, options) => {
      calls.push([...args]);
      return runTool(file, args, options);
    };
    const cache = new MemoryTargetCache();
    const service = new TargetService({ tinygoPath: FAKE_TINYGO, tinygoVersion: '0.33.0', run, cache });
    const targets = await service.listTargets();
    expect(targets).toContain('xiao-esp32c3');
    expect(targets).toContain('feather-nrf52840');
    expect(targets).not.toContain('nrf52840'); // chip-only files are not listed
    const info = await service.targetInfo('xiao-esp32c3');
    expect(info).toMatchObject({ source: 'json', binaryFormat: 'esp32c3', serial: 'usb', usbIds: [{ vid: '303a', pid: '1001' }], gc: 'conservative' });
    expect(info.flashCommand).toContain('write_flash 0x0');
    await service.listTargets();
    await service.targetInfo('xiao-esp32c3');
    expect(calls).toEqual([['targets'], ['info', '-json', '-target=xiao-esp32c3']]);
  });

  it('falls back to the text form when -json is not understood', async () => {
    const env = { ...process.env, FAKE_TINYGO_NO_INFO_JSON: '1' };
    const calls: string[][] = [];
    const run: ToolRunner = (file, args, options) => {
      calls.push([...args]);
      return runTool(file, args, options);
    };
    const service = new TargetService({ tinygoPath: FAKE_TINYGO, tinygoVersion: '0.20.0', env, run });
    const info = await service.targetInfo('esp32-coreboard-v2');
    expect(info).toMatchObject({ source: 'text', llvmTriple: 'xtensa', serial: 'uart', scheduler: 'tasks' });
    expect(calls).toEqual([
      ['info', '-json', '-target=esp32-coreboard-v2'],
      ['info', 'esp32-coreboard-v2'],
    ]);
  });

  it('reports an unknown target and rejects names that are not target names', async () => {
    const service = new TargetService({ tinygoPath: FAKE_TINYGO, tinygoVersion: '0.33.0' });
    await expect(service.targetInfo('no-such-board')).rejects.toMatchObject({ code: 'UNKNOWN_TARGET', stage: 'targets' });
    await expect(service.targetInfo('-json')).rejects.toMatchObject({ code: 'INVALID_TARGET' });
    await expect(service.targetInfo('a b')).rejects.toMatchObject({ code: 'INVALID_TARGET' });
  });

  it('persists per-version entries in a JSON file cache', async () => {
    const file = path.join(dir, 'cache', 'tinygo-targets.json');
    const cache = await JsonFileTargetCache.open(file);
    const service = new TargetService({ tinygoPath: FAKE_TINYGO, tinygoVersion: '0.33.0', cache });
    await service.targetInfo('feather-nrf52840');
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(stored)).toEqual(['0.33.0\u0000info\u0000feather-nrf52840']);
    const reopened = await JsonFileTargetCache.open(file);
    const failingRun: ToolRunner = () => Promise.reject(new Error('must not spawn'));
    const cached = await new TargetService({ tinygoPath: FAKE_TINYGO, tinygoVersion: '0.33.0', cache: reopened, run: failingRun }).targetInfo('feather-nrf52840');
    expect(cached).toMatchObject({ uf2FamilyId: '0xADA52840', msdVolumeNames: ['FTHR840BOOT'] });
    // Another TinyGo version does not reuse it.
    await expect(new TargetService({ tinygoPath: FAKE_TINYGO, tinygoVersion: '0.34.0', cache: reopened, run: failingRun }).targetInfo('feather-nrf52840')).rejects.toMatchObject({
      code: 'TINYGO_NOT_RUNNABLE',
    });
  });
});
