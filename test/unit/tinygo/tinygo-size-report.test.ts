import { describe, expect, it } from 'vitest';
import { formatSizeReport, parseSizeReport, sizePackageKind } from '../../../electron/services/toolchain/size-report';

// Every size table below is copied verbatim from tinygo-cli.md section 2 (with its sources).

describe('parseSizeReport: -size=short (reference 2.2, 2.7)', () => {
  it('ESP32 esp32-mini32 (PR #2271, indented by 4 spaces in the PR text)', () => {
    const text = [
      '    $ tinygo build -o test.elf -size=short -target=esp32-mini32 examples/serial',
      '       code    data     bss |   flash     ram',
      '       2897       0    4136 |    2897    4136',
    ].join('\n');
    expect(parseSizeReport(text)).toEqual({ format: 'short', code: 2897, rodata: null, data: 0, bss: 4136, flash: 2897, ram: 4136, packages: [], incomplete: false });
  });

  it('ESP32-C3 on Windows with prompt and monitor lines around it (PR #5284, CRLF)', () => {
    const text =
      'C:\\Users\\limbo\\ron>tinygo flash -target xiao-esp32c3 -size short -monitor examples\\echo\r\n' +
      '   code    data     bss |   flash     ram\r\n' +
      '   6248       0    9378 |    6248    9378\r\n' +
      'Connecting to COM6...\r\n';
    const report = parseSizeReport(text)!;
    expect(report).toMatchObject({ format: 'short', code: 6248, data: 0, bss: 9378, flash: 6248, ram: 9378 });
  });

  it('7-digit value with no leading space (espradio PR #59)', () => {
    const text = '   code    data     bss |   flash     ram\n1191730   38016  118184 | 1229746  156200\n';
    expect(parseSizeReport(text)).toMatchObject({ code: 1191730, data: 38016, bss: 118184, flash: 1229746, ram: 156200 });
  });

  it('ESP32-C6 (PR #5475)', () => {
    const text = '   code    data     bss |   flash     ram\n   5792       0   10024 |    5792   10024\n';
    expect(parseSizeReport(text)).toMatchObject({ code: 5792, data: 0, bss: 10024, flash: 5792, ram: 10024 });
  });

  it('PR #5481 before/after: both tables parse, the last one is returned', () => {
    const before = [
      '$ tinygo flash -target xiao-esp32c3 -size short -monitor ./examples/scan',
      '   code    data     bss |   flash     ram',
      ' 460852    9140  182894 |  469992  192034',
    ].join('\n');
    const after = ['   code    data     bss |   flash     ram', ' 460852    9140   59204 |  469992   68344'].join('\n');
    expect(parseSizeReport(before)).toMatchObject({ bss: 182894, ram: 192034 });
    expect(parseSizeReport(`Before:\n${before}\nAfter:\n${after}\n`)).toMatchObject({ code: 460852, data: 9140, bss: 59204, flash: 469992, ram: 68344 });
  });

  it('returns null when there is no table (a failed link prints none)', () => {
    expect(parseSizeReport('program too large for this chip (flash overflowed by 9052 bytes)\n')).toBeNull();
    expect(parseSizeReport('   code    data     bss |   flash     ram\n')).toBeNull();
  });
});

describe('parseSizeReport: -size=full (reference 2.3-2.5, 2.7)', () => {
  it('ESP32-C3 webserver, truncated excerpt with absolute paths (PR #5304)', () => {
    const text = `$ tinygo build -o webserver.bin -target xiao-esp32c3 -size full ./webserver
   code  rodata    data     bss |   flash     ram | package
------------------------------- | --------------- | -------
      0     111       7      14 |     118      21 | (padding)
  20772   22996    1426  181908 |   45194  183334 | (unknown)
    282      49       0       0 |     331       0 | /home/ron/.gvm/go/src/crypto
   3128     804       0      12 |    3932      12 | /home/ron/.gvm/go/src/crypto/x509
   1038     512       0       0 |    1550       0 | /home/ron/.gvm/go/src/unicode
   1536    4256       0       0 |    5792       0 | C picolibc
      0       0       0    4096 |       0    4096 | C stack
   5866       0       0       0 |    5866       0 | Go interface assert
  16986       0       0       0 |   16986       0 | Go interface method
      0   28488       0       0 |   28488       0 | Go types
   2738     225      32       0 |    2995      32 | bufio
   3670     198       8       0 |    3876       8 | bytes
   ...
`;
    const report = parseSizeReport(text)!;
    expect(report.format).toBe('full');
    expect(report.packages.map((p) => [p.name, p.kind])).toEqual([
      ['(padding)', 'padding'],
      ['(unknown)', 'unknown'],
      ['/home/ron/.gvm/go/src/crypto', 'path'],
      ['/home/ron/.gvm/go/src/crypto/x509', 'path'],
      ['/home/ron/.gvm/go/src/unicode', 'path'],
      ['C picolibc', 'c'],
      ['C stack', 'c'],
      ['Go interface assert', 'go'],
      ['Go interface method', 'go'],
      ['Go types', 'go'],
      ['bufio', 'go'],
      ['bytes', 'go'],
    ]);
    expect(report.packages[1]).toEqual({ name: '(unknown)', kind: 'unknown', code: 20772, rodata: 22996, data: 1426, bss: 181908, flash: 45194, ram: 183334 });
    expect(report.packages[6]).toMatchObject({ name: 'C stack', bss: 4096, ram: 4096 });
    // No total row in the excerpt: totals are the sum of the rows shown.
    expect(report.code).toBe(0 + 20772 + 282 + 3128 + 1038 + 1536 + 0 + 5866 + 16986 + 0 + 2738 + 3670);
    expect(report.flash).toBe(118 + 45194 + 331 + 3932 + 1550 + 5792 + 0 + 5866 + 16986 + 28488 + 2995 + 3876);
  });

  it('nRF51 microbit diff from the PR that added pseudo-packages (PR #3521)', () => {
    const text = `    code  rodata    data     bss |   flash     ram | package
 ------------------------------- | --------------- | -------
+      7       0       0       0 |       7       0 | (alignment)
+      0       0       4       6 |       4      10 | (unknown)
+    226       0       0       0 |     226       0 | C compiler-rt
+      0     168       0       0 |     168       0 | C interrupt vector
       6       0       4       0 |      10       4 | C nrfx
      14       0       0       0 |      14       0 | C picolibc
       0       0       0    2048 |       0    2048 | C stack
      92       0       0       0 |      92       0 | device/arm
      40       0       0       0 |      40       0 | device/nrf
`;
    const report = parseSizeReport(text)!;
    expect(report.packages).toHaveLength(9);
    expect(report.packages[0]).toMatchObject({ name: '(alignment)', kind: 'padding', code: 7 });
    expect(report.packages[3]).toMatchObject({ name: 'C interrupt vector', kind: 'c', rodata: 168, flash: 168 });
    expect(report.packages[8]).toMatchObject({ name: 'device/nrf', kind: 'go', code: 40 });
    expect(report.bss).toBe(6 + 2048);
  });

  it('RP2040 with a cache-path package name (PR #4187)', () => {
    const text = `   code  rodata    data     bss |   flash     ram | package
------------------------------- | --------------- | -------
      0     507       7      12 |     514      19 | (padding)
  44459       0     552     197 |   45011     749 | (unknown)
    412       0       0       0 |     412       0 | /home/sfeldma/.cache/tinygo/goroot-890902dbc64ed7ad9d2aa4e16b16f7c6fee47c4fbfce9d0aecda1aa4273d5a0b/src/device/arm
`;
    const report = parseSizeReport(text)!;
    expect(report.packages[2]).toMatchObject({
      kind: 'path',
      name: '/home/sfeldma/.cache/tinygo/goroot-890902dbc64ed7ad9d2aa4e16b16f7c6fee47c4fbfce9d0aecda1aa4273d5a0b/src/device/arm',
      code: 412,
    });
  });

  it('complete table: total row, -no-debug warning, 7-digit columns, Windows paths with spaces', () => {
    const text = `warning: data incomplete, remove the -no-debug flag for more detail
   code  rodata    data     bss |   flash     ram | package
------------------------------- | --------------- | -------
      0       4       0       2 |       4       2 | (padding)
1131730   60000   38016  114088 | 1229746  152104 | (unknown)
    120       0       0       0 |     120       0 | C:\\Program Files\\Go\\src\\unicode\\utf8
      0       0       0    4096 |       0    4096 | C stack
------------------------------- | --------------- | -------
1131850   60004   38016  118186 | 1229870  156202 | total
`;
    const report = parseSizeReport(text)!;
    expect(report).toMatchObject({ format: 'full', incomplete: true, code: 1131850, rodata: 60004, data: 38016, bss: 118186, flash: 1229870, ram: 156202 });
    expect(report.packages.map((p) => p.kind)).toEqual(['padding', 'unknown', 'path', 'c']);
    expect(report.packages[2].name).toBe('C:\\Program Files\\Go\\src\\unicode\\utf8');
    expect(report.packages[1].code).toBe(1131730);
  });

  it('round-trips through formatSizeReport (the layout TinyGo prints)', () => {
    const packages = [
      { name: '(padding)', kind: 'padding' as const, code: 0, rodata: 3, data: 0, bss: 1, flash: 3, ram: 1 },
      { name: 'C stack', kind: 'c' as const, code: 0, rodata: 0, data: 0, bss: 4096, flash: 0, ram: 4096 },
      { name: 'main', kind: 'go' as const, code: 1234567, rodata: 10, data: 4, bss: 8, flash: 1234581, ram: 12 },
    ];
    const total = { code: 1234567, rodata: 13, data: 4, bss: 4105, flash: 1234584, ram: 4109 };
    const full = parseSizeReport(formatSizeReport({ ...total, packages }, 'full'))!;
    expect(full).toEqual({ format: 'full', ...total, packages, incomplete: false });
    const short = parseSizeReport(formatSizeReport({ ...total, packages: [] }, 'short'))!;
    expect(short).toMatchObject({ code: 1234580, data: 4, bss: 4105, flash: 1234584, ram: 4109 });
  });
});

describe('sizePackageKind', () => {
  it('classifies the pseudo-package names of reference 2.5', () => {
    expect(sizePackageKind('(padding)')).toBe('padding');
    expect(sizePackageKind('(unknown)')).toBe('unknown');
    expect(sizePackageKind('C compiler-rt')).toBe('c');
    expect(sizePackageKind('C interrupt vector')).toBe('c');
    expect(sizePackageKind('Go interface method')).toBe('go');
    expect(sizePackageKind('-')).toBe('go');
    expect(sizePackageKind('/usr/local/go/src/crypto')).toBe('path');
    expect(sizePackageKind('C:\\Users\\me\\go\\src\\x')).toBe('path');
    expect(sizePackageKind('machine')).toBe('go');
  });
});
