import { describe, expect, it } from 'vitest';
import { compareVersions, parseTinygoEnv, parseTinygoVersion, tinygoFeatures, unquoteGoString } from '../../../electron/services/toolchain/version';

describe('parseTinygoVersion (reference 5.1 verbatim lines)', () => {
  it.each([
    ['tinygo version 0.33.0 linux/amd64 (using go version go1.23.1 and LLVM version 18.1.2)', '0.33.0', 'linux', 'amd64', 'go1.23.1', '18.1.2'],
    ['tinygo version 0.42.0 linux/amd64 (using go version go1.27.1 and LLVM version 22.1.4)', '0.42.0', 'linux', 'amd64', 'go1.27.1', '22.1.4'],
    ['tinygo version 0.31.2 darwin/arm64 (using go version go1.22 and LLVM version 17.0.1)', '0.31.2', 'darwin', 'arm64', 'go1.22', '17.0.1'],
    ['tinygo version 0.39.0 windows/amd64 (using go version go1.25.1 and LLVM version 19.1.2)', '0.39.0', 'windows', 'amd64', 'go1.25.1', '19.1.2'],
  ])('%s', (line, raw, os, arch, go, llvm) => {
    expect(parseTinygoVersion(line + '\r\n')).toMatchObject({ raw, os, arch, goVersion: go, llvmVersion: llvm, dev: false });
  });

  it('reports a missing Go as goVersion null', () => {
    const v = parseTinygoVersion('tinygo version 0.33.0 linux/amd64 (using go version <unknown> and LLVM version 18.1.2)');
    expect(v).toMatchObject({ major: 0, minor: 33, patch: 0, goVersion: null });
  });

  it('reads development builds', () => {
    expect(parseTinygoVersion('tinygo version 0.34.0-dev-6e6507bf linux/amd64 (using go version go1.23.1 and LLVM version 18.1.2)')).toMatchObject({
      raw: '0.34.0-dev-6e6507bf',
      major: 0,
      minor: 34,
      patch: 0,
      dev: true,
    });
  });

  it('returns null for anything else', () => {
    expect(parseTinygoVersion('go version go1.23.1 linux/amd64')).toBeNull();
    expect(parseTinygoVersion('')).toBeNull();
  });
});

describe('tinygoFeatures', () => {
  const v = (raw: string) => parseTinygoVersion(`tinygo version ${raw} linux/amd64 (using go version go1.23 and LLVM version 18.1.2)`)!;
  it('decides -json events, -size=html, allocs format and HeapAlloc by version', () => {
    expect(tinygoFeatures(v('0.33.0'))).toMatchObject({ jsonBuildEvents: false, sizeHtml: false, legacyErrorPrefix: false, memStatsHeapAlloc: false, builtinEspFlasher: false });
    expect(tinygoFeatures(v('0.32.0')).legacyErrorPrefix).toBe(true);
    expect(tinygoFeatures(v('0.34.0-dev-1')).memStatsHeapAlloc).toBe(true);
    expect(tinygoFeatures(v('0.35.0')).sizeHtml).toBe(true);
    expect(tinygoFeatures(v('0.37.0')).jsonBuildEvents).toBe(false);
    expect(tinygoFeatures(v('0.38.0')).jsonBuildEvents).toBe(true);
    expect(tinygoFeatures(v('0.41.1'))).toMatchObject({ printAllocsIsCover: true, printAllocsCoverFlag: false, builtinEspFlasher: true });
    expect(tinygoFeatures(v('0.42.0'))).toMatchObject({ printAllocsIsCover: false, printAllocsCoverFlag: true });
    expect(tinygoFeatures(v('1.0.0')).jsonBuildEvents).toBe(true);
  });

  it('compares versions', () => {
    expect(compareVersions(v('0.33.0'), v('0.33.1'))).toBeLessThan(0);
    expect(compareVersions(v('0.40.0'), v('0.39.9'))).toBeGreaterThan(0);
    expect(compareVersions(v('0.33.0'), v('0.33.0'))).toBe(0);
  });
});

describe('parseTinygoEnv (reference 5.5)', () => {
  it('reads KEY="value" lines with Go quoting, including Windows backslashes', () => {
    const env = parseTinygoEnv(`GOOS="windows"
GOARCH="amd64"
GOROOT="C:\\\\Program Files\\\\Go"
GOPATH="C:\\\\Users\\\\me\\\\go"
GOCACHE="C:\\\\Users\\\\me\\\\AppData\\\\Local\\\\tinygo"
CGO_ENABLED="1"
TINYGOROOT="C:\\\\tinygo"
`);
    expect(env).toEqual({
      GOOS: 'windows',
      GOARCH: 'amd64',
      GOROOT: 'C:\\Program Files\\Go',
      GOPATH: 'C:\\Users\\me\\go',
      GOCACHE: 'C:\\Users\\me\\AppData\\Local\\tinygo',
      CGO_ENABLED: '1',
      TINYGOROOT: 'C:\\tinygo',
    });
  });

  it('reads unquoted values and GOARM', () => {
    expect(parseTinygoEnv('GOARM=6\nTINYGOROOT=/usr/local/lib/tinygo\n')).toEqual({ GOARM: '6', TINYGOROOT: '/usr/local/lib/tinygo' });
  });

  it('unquotes Go escapes', () => {
    expect(unquoteGoString('"a\\tb\\x41\\u00e9\\"q\\""')).toBe('a\tbAé"q"');
  });
});
