import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProgram, programBuildTags, programLinkerVariables, programSupportsTarget, PROGRAMS } from '../../../resources/programs/catalogue';
import { validateBuildFlags } from '../../../electron/services/toolchain/build-runner';
import { parseModuleName, parsePackageName, resolveProgramSource } from '../../../electron/services/toolchain/program-source';

const ROOT = path.resolve(__dirname, '../../../resources/programs');

async function goSources(id: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(path.join(ROOT, id))) if (name.endsWith('.go')) out[name] = await readFile(path.join(ROOT, id, name), 'utf8');
  return out;
}

describe('resources/programs', () => {
  it('the catalogue lists exactly the program folders', async () => {
    const dirs = (await readdir(ROOT, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(PROGRAMS.map((p) => p.id).sort()).toEqual(dirs);
    expect(dirs).toEqual(['alloc-stress', 'blink', 'heap-telemetry', 'led-test']);
  });

  it.each(PROGRAMS.map((p) => p.id))('%s: go.mod (go 1.22), package main, a main function, resolvable', async (id) => {
    const goMod = await readFile(path.join(ROOT, id, 'go.mod'), 'utf8');
    expect(parseModuleName(goMod)).toBe(`flashdeck.dev/programs/${id}`);
    expect(goMod).toMatch(/^go 1\.22$/m);
    const sources = await goSources(id);
    expect(Object.values(sources).every((s) => parsePackageName(s) === 'main')).toBe(true);
    expect(Object.values(sources).some((s) => /^func main\(\) \{$/m.test(s))).toBe(true);
    expect(await resolveProgramSource(path.join(ROOT, id))).toMatchObject({ kind: 'module-package', packageArg: '.', name: id });
  });

  it.each(PROGRAMS.map((p) => p.id))('%s: every -X variable is a string var with the documented default', async (id) => {
    const program = findProgram(id)!;
    const all = Object.values(await goSources(id)).join('\n');
    for (const variable of program.variables) {
      const short = variable.name.replace(/^main\./, '');
      expect(all).toMatch(new RegExp(`^var ${short} = "${variable.defaultValue}"$`, 'm'));
      // Values the catalogue accepts must pass the build runner's -ldflags validation too.
      const sample = variable.choices?.[0] ?? (variable.defaultValue || '5');
      expect(() => validateBuildFlags({ ldflags: programLinkerVariables(program, { [variable.name]: sample }) })).not.toThrow();
    }
  });

  it('the build tags the catalogue adds exist as constraints in the sources', async () => {
    const constraints = new Map<string, string>();
    for (const program of PROGRAMS)
      for (const [file, text] of Object.entries(await goSources(program.id))) constraints.set(`${program.id}/${file}`, /^\/\/go:build (.*)$/m.exec(text)?.[1] ?? '');
    const tagsUsed = new Set<string>();
    for (const program of PROGRAMS) {
      for (const target of ['esp32', 'nrf52840', 'xiao-esp32c3', 'feather-nrf52840']) {
        for (const memStatsHeapAlloc of [true, false]) for (const tag of programBuildTags(program, { memStatsHeapAlloc, target })) tagsUsed.add(`${program.id}:${tag}`);
      }
    }
    for (const entry of tagsUsed) {
      const [id, tag] = entry.split(':');
      const files = [...constraints].filter(([key, expr]) => key.startsWith(`${id}/`) && new RegExp(`\\b${tag}\\b`).test(expr));
      expect(files.length, `${entry} has no //go:build use`).toBeGreaterThan(0);
    }
    expect(programBuildTags(findProgram('heap-telemetry')!, { memStatsHeapAlloc: false, target: 'pca10056' })).toEqual(['memstats_noheapalloc']);
    expect(programBuildTags(findProgram('heap-telemetry')!, { memStatsHeapAlloc: true, target: 'pca10056' })).toEqual([]);
    expect(programBuildTags(findProgram('led-test')!, { memStatsHeapAlloc: true, target: 'esp32c3' })).toEqual(['ledpin']);
  });

  it('heap-telemetry prints the plotter line of reference 10.4 with print (no fmt)', async () => {
    const main = (await goSources('heap-telemetry'))['main.go'];
    expect(main).not.toMatch(/"fmt"/);
    for (const label of ['uptime_ms:', ',heap_alloc:', ',heap_inuse:', ',heap_idle:', ',heap_sys:', ',total_alloc:', ',mallocs:', ',frees:']) expect(main).toContain(`"${label}"`);
    expect(main).toContain('runtime.ReadMemStats(&ms)');
    const both = Object.values(await goSources('heap-telemetry')).join('\n');
    expect(both).toMatch(/return ms\.HeapAlloc/);
    expect(both).toMatch(/return ms\.HeapInuse/);
  });

  it('rejects boards without LED for blink, and invalid variable values', () => {
    expect(programSupportsTarget(findProgram('blink')!, 'xiao-esp32c3')).toMatchObject({ ok: false });
    expect(programSupportsTarget(findProgram('blink')!, 'feather-nrf52840')).toEqual({ ok: true });
    expect(programSupportsTarget(findProgram('led-test')!, 'xiao-esp32c3')).toEqual({ ok: true });
    expect(() => programLinkerVariables(findProgram('blink')!, { 'main.periodMs': '-5' })).toThrowError(expect.objectContaining({ code: 'INVALID_PROGRAM_SETTING' }));
    expect(() => programLinkerVariables(findProgram('heap-telemetry')!, { 'main.format': 'csv' })).toThrowError(expect.objectContaining({ code: 'INVALID_PROGRAM_SETTING' }));
    expect(programLinkerVariables(findProgram('blink')!, { 'main.periodMs': ' 250 ', other: 'x' })).toEqual([{ name: 'main.periodMs', value: '250' }]);
    expect(programLinkerVariables(findProgram('led-test')!, { 'main.ledPin': '' })).toEqual([]);
  });
});
