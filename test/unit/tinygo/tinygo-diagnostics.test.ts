import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeOverflow, largestOverflowPerRegion, parseDiagnostics, parseJsonBuildOutput, primaryDiagnostic } from '../../../electron/services/toolchain/diagnostics';

/** Real linker output around overflows; sources in test/fixtures/tinygo/linker/README.md. */
const linkerOutput = (name: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'tinygo', 'linker', name), 'utf8');

// Verbatim outputs from tinygo-cli.md section 4. The golden file's `{{…}}` regexp markers are
// replaced by a concrete value a real run prints.

describe('parseDiagnostics: golden outputs of testdata/errors (reference 4.2)', () => {
  it('types.go: header and three positioned errors', () => {
    const d = parseDiagnostics(`# command-line-arguments
types.go:4:6: declared and not used: a
types.go:5:6: cannot use "foobar" (untyped string constant) as int value in assignment
types.go:6:2: undefined: nonexisting
`);
    expect(d).toEqual([
      { severity: 'error', kind: 'compile', package: 'command-line-arguments', file: 'types.go', line: 4, column: 6, message: 'declared and not used: a' },
      {
        severity: 'error',
        kind: 'compile',
        package: 'command-line-arguments',
        file: 'types.go',
        line: 5,
        column: 6,
        message: 'cannot use "foobar" (untyped string constant) as int value in assignment',
      },
      { severity: 'error', kind: 'compile', package: 'command-line-arguments', file: 'types.go', line: 6, column: 2, message: 'undefined: nonexisting' },
    ]);
  });

  it('syntax.go, cgo.go (error: inside the message), compiler.go, optimizer.go', () => {
    const d = parseDiagnostics(`# command-line-arguments
syntax.go:3:11: expected ')', found 'var'

# command-line-arguments
cgo.go:3:5: error: hello
cgo.go:4:4: error: expected identifier or '('

# command-line-arguments
compiler.go:4:6: can only use //go:wasmimport on declarations
compiler.go:8:5: global variable alignment must be a positive power of two

# command-line-arguments
optimizer.go:9:15: interrupt ID is not a constant
`);
    expect(d.map((x) => [x.file, x.line, x.column, x.message])).toEqual([
      ['syntax.go', 3, 11, "expected ')', found 'var'"],
      ['cgo.go', 3, 5, 'hello'],
      ['cgo.go', 4, 4, "expected identifier or '('"],
      ['compiler.go', 4, 6, 'can only use //go:wasmimport on declarations'],
      ['compiler.go', 8, 5, 'global variable alignment must be a positive power of two'],
      ['optimizer.go', 9, 15, 'interrupt ID is not a constant'],
    ]);
    expect(d.every((x) => x.kind === 'compile' && x.severity === 'error' && x.package === 'command-line-arguments')).toBe(true);
  });

  it('loader errors without header, a continuation line, and an import cycle', () => {
    const d = parseDiagnostics(`loader-invalidpackage.go:1:1: expected 'package', found ppackage
loader-nopackage.go:4:2: no required module provides package github.com/tinygo-org/tinygo/testdata/errors/non-existing-package; to add it:
	go get github.com/tinygo-org/tinygo/testdata/errors/non-existing-package

package command-line-arguments
	imports github.com/tinygo-org/tinygo/testdata/errors/importcycle
	imports github.com/tinygo-org/tinygo/testdata/errors/importcycle: import cycle not allowed
`);
    expect(d[0]).toEqual({ severity: 'error', kind: 'compile', file: 'loader-invalidpackage.go', line: 1, column: 1, message: "expected 'package', found ppackage" });
    expect(d[1]).toMatchObject({ file: 'loader-nopackage.go', line: 4, column: 2, detail: ['go get github.com/tinygo-org/tinygo/testdata/errors/non-existing-package'] });
    expect(d[1].package).toBeUndefined();
    expect(d[2]).toMatchObject({ kind: 'import', package: 'command-line-arguments' });
    expect(d[2].message).toBe('import cycle not allowed (github.com/tinygo-org/tinygo/testdata/errors/importcycle → github.com/tinygo-org/tinygo/testdata/errors/importcycle)');
    expect(d).toHaveLength(3);
  });

  it('linker-undefined.go: line without column, symbol extracted', () => {
    for (const symbol of ['main.foo', '_main.foo']) {
      const [d] = parseDiagnostics(`linker-undefined.go:6: linker could not find symbol ${symbol}\n`);
      expect(d).toMatchObject({ kind: 'undefined-symbol', symbol, file: 'linker-undefined.go', line: 6 });
      expect(d.column).toBeUndefined();
    }
  });

  it('-gc=none allocation: runtime.alloc gets the garbage-collector hint', () => {
    const [d] = parseDiagnostics('main.go:12: linker could not find symbol runtime.alloc\n');
    expect(d.kind).toBe('undefined-symbol');
    expect(d.hint).toMatch(/-gc=none/);
  });
});

describe('parseDiagnostics: linker overflows (reference 4.3)', () => {
  it('translated FLASH_TEXT overflow with its optimisation guide line', () => {
    const d = parseDiagnostics('program too large for this chip (flash overflowed by 9052 bytes)\n\toptimization guide: https://tinygo.org/docs/guides/optimizing-binaries/\n');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      kind: 'link-overflow',
      region: 'FLASH_TEXT',
      overflowBytes: 9052,
      detail: ['optimization guide: https://tinygo.org/docs/guides/optimizing-binaries/'],
    });
    expect(d[0].hint).toMatch(/optimizing-binaries/);
  });

  it('translated RAM overflow', () => {
    const [d] = parseDiagnostics('program uses too much static RAM on this chip (RAM overflowed by 2717 bytes)\n');
    expect(d).toMatchObject({ kind: 'link-overflow', region: 'RAM', overflowBytes: 2717 });
  });

  it('v0.36 "exit status 1: " prefix (issue #4773), matched unanchored', () => {
    const [d] = parseDiagnostics('exit status 1: program too large for this chip (flash overflowed by 9052 bytes)\n');
    expect(d).toMatchObject({ kind: 'link-overflow', region: 'FLASH_TEXT', overflowBytes: 9052 });
  });

  it('pre-0.33 raw ld.lld overflow: cause kept, follow-up noise dropped (drivers PR #174)', () => {
    const d = parseDiagnostics(`tinygo:ld.lld: error: section '.bss' will not fit in region 'RAM': overflowed by 2717 bytes
failed to run tool: ld.lld
error: failed to link /tmp/tinygo178178479/main: exit status 1
`);
    expect(d).toEqual([expect.objectContaining({ kind: 'link-overflow', section: '.bss', region: 'RAM', overflowBytes: 2717 })]);
  });

  it('ESP regions IRAM / DRAM / DROM / IROM appear raw and are still caught', () => {
    for (const region of ['IRAM', 'DRAM', 'IROM', 'DROM']) {
      const [d] = parseDiagnostics(`ld.lld: error: section '.text' will not fit in region '${region}': overflowed by 1234 bytes\n`);
      expect(d).toMatchObject({ kind: 'link-overflow', region, section: '.text', overflowBytes: 1234 });
    }
    const [generic] = parseDiagnostics("some-linker: region 'DRAM': overflowed by 77 bytes\n");
    expect(generic).toMatchObject({ kind: 'link-overflow', region: 'DRAM', overflowBytes: 77 });
  });

  it('raw undefined symbol with its ">>> referenced by" position', () => {
    const d = parseDiagnostics(`ld.lld: error: undefined symbol: runtime.alloc
>>> referenced by main.go:6 (/home/u/blink/main.go:6)
>>>               /tmp/tinygo1/main.o:(main.main)
failed to run tool: ld.lld
error: failed to link /tmp/tinygo1/main: exit status 1
`);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ kind: 'undefined-symbol', symbol: 'runtime.alloc', file: 'main.go', line: 6 });
  });
});

describe('parseDiagnostics: several overflow lines for one region (issue #12 item 4)', () => {
  it('older lld prints one line per input section: the largest figure is the overflow (tinygo#4111)', () => {
    const d = parseDiagnostics(linkerOutput('lld-flash-text-per-section.txt'));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ kind: 'link-overflow', region: 'FLASH_TEXT', section: '.text', overflowBytes: 1294 });
    expect(d[0].overflowLowerBound).toBeUndefined();
    expect(describeOverflow(d[0])).toBe('FLASH_TEXT is 1,294 bytes too small (section .text does not fit)');
  });

  it('stopped at the error limit: the largest figure is a lower bound, and the limit line is not a second error (tinygo#4063)', () => {
    const d = parseDiagnostics(linkerOutput('lld-data-error-limit.txt'));
    expect(d).toEqual([expect.objectContaining({ kind: 'link-overflow', region: 'iwram', section: '.data', overflowBytes: 3399, overflowLowerBound: true })]);
    expect(describeOverflow(d[0])).toMatch(/^iwram is at least 3,399 bytes too small .*error limit/);
  });

  it('TinyGo ≥0.33 translates the figure; the error-limit line it passes through still makes it a lower bound', () => {
    const d = parseDiagnostics(linkerOutput('tinygo-0.33-flash-error-limit.txt'));
    expect(d).toEqual([expect.objectContaining({ kind: 'link-overflow', region: 'FLASH_TEXT', overflowBytes: 1294, overflowLowerBound: true })]);
  });

  it('raw ESP region lines from TinyGo ≥0.33 fold the same way, region by region', () => {
    const lines = [
      "ld.lld: error: section '.text' will not fit in region 'IRAM': overflowed by 120 bytes",
      "ld.lld: error: section '.bss' will not fit in region 'DRAM': overflowed by 64 bytes",
      "ld.lld: error: section '.text' will not fit in region 'IRAM': overflowed by 4096 bytes",
      "ld.lld: error: section '.bss' will not fit in region 'DRAM': overflowed by 32 bytes",
    ];
    const d = parseDiagnostics(lines.join('\n') + '\n');
    expect(d.map((x) => [x.region, x.overflowBytes])).toEqual([
      ['IRAM', 4096],
      ['DRAM', 64],
    ]);
    expect(d.every((x) => x.overflowLowerBound === undefined)).toBe(true);
  });

  it('an error limit without any overflow stays a diagnostic of its own', () => {
    const d = parseDiagnostics('ld.lld: error: too many errors emitted, stopping now (use --error-limit=0 to see all errors)\n');
    expect(d).toEqual([expect.objectContaining({ kind: 'link', message: 'too many errors emitted, stopping now (use --error-limit=0 to see all errors)' })]);
  });

  it('folding again (JSON events + stderr) keeps the largest figure and the lower bound', () => {
    const fromJson = parseDiagnostics(linkerOutput('lld-data-error-limit.txt'));
    const fromStderr = parseDiagnostics("ld.lld: error: section '.data' will not fit in region 'iwram': overflowed by 2712 bytes\n");
    expect(largestOverflowPerRegion([...fromStderr, ...fromJson])).toEqual([expect.objectContaining({ region: 'iwram', overflowBytes: 3399, overflowLowerBound: true })]);
  });
});

describe("parseDiagnostics: GNU ld's overflow wording (issue #12 item 5)", () => {
  it('TinyGo with avr-ld: the region figure joins the section from the line before (tinygo#953)', () => {
    const d = parseDiagnostics(linkerOutput('gnu-ld-avr-flash-text.txt'));
    expect(d).toEqual([expect.objectContaining({ kind: 'link-overflow', region: 'FLASH_TEXT', section: '.text', overflowBytes: 11019 })]);
    expect(describeOverflow(d[0])).toBe('FLASH_TEXT is 11,019 bytes too small (section .text does not fit)');
    expect(d[0].hint).toMatch(/smaller/);
  });

  it('RAM through avr-gcc 5.4 (drivers#221)', () => {
    expect(parseDiagnostics(linkerOutput('gnu-ld-avr-ram.txt'))).toEqual([
      expect.objectContaining({ kind: 'link-overflow', region: 'RAM', section: '.data', overflowBytes: 3026, hint: expect.stringMatching(/RAM/) }),
    ]);
  });

  it('two regions announced before their figures: each figure goes to its own region', () => {
    const d = parseDiagnostics(linkerOutput('gnu-ld-two-regions.txt'));
    expect(d.map((x) => [x.region, x.section, x.overflowBytes])).toEqual([
      ['DTCMRAM', '.lcd', 24792],
      ['FLASH', '.lcd', 45664],
    ]);
  });

  it("Espressif's ld.exe on Windows, with the linker-script assertion between the lines", () => {
    const d = parseDiagnostics(linkerOutput('gnu-ld-esp32-windows.txt'));
    expect(d).toEqual([expect.objectContaining({ kind: 'link-overflow', region: 'iram0_0_seg', section: '.iram0.text', overflowBytes: 2416 })]);
  });

  it('the figure-less "region RAM overflowed" line adds nothing', () => {
    const d = parseDiagnostics(linkerOutput('gnu-ld-region-overflowed-no-bytes.txt'));
    expect(d).toEqual([expect.objectContaining({ region: 'RAM', section: '.data', overflowBytes: 907936 })]);
  });

  it('a section that does not fit without a figure is still an overflow of that region', () => {
    const [d] = parseDiagnostics("/usr/bin/ld: build/fw.elf section `.text' will not fit in region `FLASH_TEXT'\n");
    expect(d).toMatchObject({ kind: 'link-overflow', region: 'FLASH_TEXT', section: '.text' });
    expect(d.overflowBytes).toBeUndefined();
    expect(describeOverflow(d)).toMatch(/FLASH_TEXT is too small .*did not say by how much/);
  });

  it('the sentence from the issue: "FLASH_TEXT is 9,876 bytes too small"', () => {
    const text = "/usr/bin/avr-ld: /tmp/tinygo1/main section `.text' will not fit in region `FLASH_TEXT'\n/usr/bin/avr-ld: region `FLASH_TEXT' overflowed by 9876 bytes\n";
    expect(describeOverflow(parseDiagnostics(text)[0])).toMatch(/^FLASH_TEXT is 9,876 bytes too small/);
  });
});

describe('parseDiagnostics: flash tool, go version gate, toolchain (reference 4.4, 4.5, 12.2)', () => {
  it('flash failure, 0.33+ and the older error: form (issue #4029)', () => {
    const [now] = parseDiagnostics('failed to flash /tmp/tinygo123/main.bin: exit status 2\n');
    expect(now).toMatchObject({ kind: 'flash-tool', message: 'failed to flash /tmp/tinygo123/main.bin: exit status 2' });
    const [old] = parseDiagnostics('error: failed to flash /var/folders/.../T/tinygo4172958918/main.bin: exit status 2\n');
    expect(old).toMatchObject({ kind: 'flash-tool', message: 'failed to flash /var/folders/.../T/tinygo4172958918/main.bin: exit status 2' });
  });

  it('go version gate with bounds in the hint', () => {
    const [d] = parseDiagnostics('requires go version 1.19 through 1.23, got go1.24\n');
    expect(d).toMatchObject({ kind: 'go-version' });
    expect(d.hint).toContain('1.19 to 1.23 but found go1.24');
    expect(parseDiagnostics('error: requires go version 1.19 through 1.23, got go1.24')[0].kind).toBe('go-version');
  });

  it('go missing, TINYGOROOT problems, inheritable-only target, unknown output format', () => {
    expect(parseDiagnostics(`could not find 'go' command: exec: "go": executable file not found in $PATH`)[0].kind).toBe('go-missing');
    expect(parseDiagnostics('error: $TINYGOROOT was not set to the correct root')[0].kind).toBe('toolchain');
    expect(parseDiagnostics('error: could not autodetect root directory, set the TINYGOROOT environment variable to override')[0].kind).toBe('toolchain');
    expect(parseDiagnostics('target is inheritable-only, which means it cannot be used directly for building or flashing')[0].kind).toBe('target');
    expect(parseDiagnostics('unknown output binary format: zip')[0]).toMatchObject({ kind: 'target', message: 'unknown output binary format: zip' });
  });

  it('≤0.32 error: prefix on unknown errors; warnings; Windows positions', () => {
    expect(parseDiagnostics('error: something odd happened')[0]).toMatchObject({ kind: 'other', severity: 'error', message: 'something odd happened' });
    expect(parseDiagnostics('main.go:3:1: warning: unused thing')[0]).toMatchObject({ severity: 'warning', message: 'unused thing' });
    expect(parseDiagnostics('C:\\Users\\me\\blink\\main.go:10:2: undefined: foo')[0]).toMatchObject({ file: 'C:\\Users\\me\\blink\\main.go', line: 10, column: 2 });
  });

  it('ignores lines that are not diagnostics (size table, monitor, -no-debug note)', () => {
    expect(
      parseDiagnostics(
        '   code    data     bss |   flash     ram\n   6248       0    9378 |    6248    9378\nConnecting to COM6...\nwarning: data incomplete, remove the -no-debug flag for more detail\n',
      ),
    ).toEqual([]);
  });
});

describe('parseJsonBuildOutput (reference 4.7)', () => {
  it('build-output events become diagnostics; build-fail marks failure', () => {
    const stdout = [
      '{"ImportPath":"command-line-arguments","Action":"build-output","Output":"# command-line-arguments\\n"}',
      '{"ImportPath":"command-line-arguments","Action":"build-output","Output":"main.go:5:6: declared and not used: a\\n","StartPos":"…","EndPos":"…"}',
      '{"ImportPath":"command-line-arguments","Action":"build-fail"}',
    ].join('\n');
    const parsed = parseJsonBuildOutput(stdout);
    expect(parsed.failed).toBe(true);
    expect(parsed.configDump).toBe(false);
    expect(parsed.events).toHaveLength(3);
    expect(parsed.diagnostics).toEqual([
      { severity: 'error', kind: 'compile', package: 'command-line-arguments', file: 'main.go', line: 5, column: 6, message: 'declared and not used: a' },
    ]);
  });

  it('keeps plain lines (the size table) apart from events', () => {
    const stdout = '   code    data     bss |   flash     ram\n   5792       0   10024 |    5792   10024\n';
    const parsed = parseJsonBuildOutput(stdout);
    expect(parsed.failed).toBe(false);
    expect(parsed.plainText).toContain('5792       0   10024');
  });

  it('detects the ≤0.37 config dump (indented JSON without Action)', () => {
    const parsed = parseJsonBuildOutput('{\n  "Options": {\n    "GOOS": "linux"\n  },\n  "Target": {}\n}\n');
    expect(parsed.configDump).toBe(true);
    expect(parsed.events).toEqual([]);
  });
});

describe('primaryDiagnostic', () => {
  it('prefers an overflow over compile errors and link noise', () => {
    const d = parseDiagnostics('main.go:1:1: warning: x\nfailed to run tool: ld.lld\nprogram too large for this chip (flash overflowed by 10 bytes)\n');
    expect(primaryDiagnostic(d)?.kind).toBe('link-overflow');
    expect(primaryDiagnostic([])).toBeUndefined();
  });
});
