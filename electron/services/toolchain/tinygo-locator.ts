/**
 * Finding the `tinygo` binary and checking that it can work (reference 12.2 / 12.3):
 * the Settings path first, then PATH (augmented, because apps started from Finder or a desktop
 * launcher get a minimal PATH), then the usual install places for the OS. Then `tinygo version`
 * (Go must be found: `go version <unknown>` means it was not) and `tinygo env` for the roots.
 * Platform, environment, file system and process runner are injected.
 */
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { FlashdeckError, type ErrorInfo } from '../../../drivers/common/errors';
import { runTool, type ToolRunner } from './tool-runner';
import { parseTinygoEnv, parseTinygoVersion, tinygoFeatures, type TinygoFeatures, type TinygoVersion } from './version';

export interface LocatorFs {
  /** True when `file` exists, is a regular file (or symlink to one) and may be executed. */
  isExecutableFile(file: string): Promise<boolean>;
}

export interface LocatorContext {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  fs: LocatorFs;
}

export type TinygoSource = 'settings' | 'path' | 'install-location';

export interface TinygoLocation {
  path: string;
  source: TinygoSource;
}

export const nodeLocatorFs: LocatorFs = {
  async isExecutableFile(file) {
    try {
      const info = await stat(file);
      if (!info.isFile()) return false;
      if (process.platform === 'win32') return true;
      await access(file, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** The real machine: process.platform, process.env, the user's home directory. */
export function nodeLocatorContext(): LocatorContext {
  return { platform: process.platform, env: process.env, homeDir: homedir(), fs: nodeLocatorFs };
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Reads an env var; on Windows names are case-insensitive (`Path` vs `PATH`). */
function envValue(ctx: LocatorContext, name: string): string | undefined {
  if (ctx.platform !== 'win32') return ctx.env[name];
  const key = Object.keys(ctx.env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : ctx.env[key];
}

function envKey(ctx: LocatorContext, name: string): string {
  if (ctx.platform !== 'win32') return name;
  return Object.keys(ctx.env).find((k) => k.toUpperCase() === name.toUpperCase()) ?? name;
}

/** Directories where TinyGo is usually installed, in the order we try them. */
export function tinygoInstallDirs(ctx: LocatorContext): string[] {
  const p = pathApi(ctx.platform);
  const home = ctx.homeDir;
  switch (ctx.platform) {
    case 'win32': {
      const profile = envValue(ctx, 'USERPROFILE') ?? home;
      const local = envValue(ctx, 'LOCALAPPDATA') ?? p.join(profile, 'AppData', 'Local');
      const programFiles = envValue(ctx, 'ProgramFiles') ?? 'C:\\Program Files';
      return [p.join(profile, 'scoop', 'shims'), 'C:\\tinygo\\bin', p.join(programFiles, 'tinygo', 'bin'), p.join(local, 'tinygo', 'bin'), p.join(profile, 'tinygo', 'bin')];
    }
    case 'darwin':
      return ['/opt/homebrew/bin', '/usr/local/bin', '/usr/local/tinygo/bin', p.join(home, 'tinygo', 'bin'), p.join(home, '.local', 'bin')];
    default:
      return [
        '/usr/local/bin',
        '/usr/local/lib/tinygo/bin',
        '/usr/bin',
        p.join(home, '.local', 'bin'),
        p.join(home, '.local', 'tinygo', 'bin'),
        p.join(home, 'tinygo', 'bin'),
        '/opt/tinygo/bin',
        '/home/linuxbrew/.linuxbrew/bin',
      ];
  }
}

/** Directories where `go` usually lives, added to the PATH tinygo runs with. */
function goInstallDirs(ctx: LocatorContext): string[] {
  const p = pathApi(ctx.platform);
  const goroot = envValue(ctx, 'GOROOT');
  const fromGoroot = goroot ? [p.join(goroot, 'bin')] : [];
  switch (ctx.platform) {
    case 'win32': {
      const programFiles = envValue(ctx, 'ProgramFiles') ?? 'C:\\Program Files';
      const profile = envValue(ctx, 'USERPROFILE') ?? ctx.homeDir;
      return [...fromGoroot, p.join(programFiles, 'Go', 'bin'), 'C:\\Go\\bin', p.join(profile, 'scoop', 'shims')];
    }
    case 'darwin':
      return [...fromGoroot, '/opt/homebrew/bin', '/usr/local/bin', '/usr/local/go/bin'];
    default:
      return [...fromGoroot, '/usr/local/go/bin', '/usr/lib/go/bin', '/usr/bin', '/home/linuxbrew/.linuxbrew/bin'];
  }
}

/**
 * The PATH tinygo should see: the user's PATH, then the usual Go and TinyGo places that are
 * missing from it (a Finder-started app gets only `/usr/bin:/bin:/usr/sbin:/sbin`).
 */
export function toolchainSearchPath(ctx: LocatorContext, tinygoPath?: string): string {
  const p = pathApi(ctx.platform);
  const delimiter = ctx.platform === 'win32' ? ';' : ':';
  const dirs = (envValue(ctx, 'PATH') ?? '').split(delimiter).filter(Boolean);
  const extra = [...goInstallDirs(ctx), ...tinygoInstallDirs(ctx)];
  if (tinygoPath) extra.unshift(p.dirname(tinygoPath));
  const seen = new Set(dirs.map((d) => normaliseDir(ctx, d)));
  for (const dir of extra) {
    if (seen.has(normaliseDir(ctx, dir))) continue;
    seen.add(normaliseDir(ctx, dir));
    dirs.push(dir);
  }
  return dirs.join(delimiter);
}

function normaliseDir(ctx: LocatorContext, dir: string): string {
  const trimmed = dir.replace(/[\\/]+$/, '');
  return ctx.platform === 'win32' ? trimmed.toLowerCase() : trimmed;
}

/** Environment to spawn tinygo with: the user's env with the augmented PATH. */
export function toolchainEnv(ctx: LocatorContext, tinygoPath?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  env[envKey(ctx, 'PATH')] = toolchainSearchPath(ctx, tinygoPath);
  return env;
}

function executableNames(ctx: LocatorContext): string[] {
  return ctx.platform === 'win32' ? ['tinygo.exe'] : ['tinygo'];
}

/**
 * The TinyGo path setting may name any file, and Flashdeck runs what it names (`<file> version`,
 * builds, flashes): only a file called tinygo / tinygo.exe is ever run from it, so the setting
 * cannot be turned into starting another program.
 */
export function isNamedTinygo(ctx: Pick<LocatorContext, 'platform'>, file: string): boolean {
  const name = pathApi(ctx.platform).basename(file);
  return executableNames(ctx as LocatorContext).some((allowed) => (ctx.platform === 'win32' ? name.toLowerCase() === allowed : name === allowed));
}

/** Every place we would look, in order, without touching the file system. */
export function tinygoCandidates(ctx: LocatorContext, settingsPath?: string | null): TinygoLocation[] {
  const p = pathApi(ctx.platform);
  const out: TinygoLocation[] = [];
  const seen = new Set<string>();
  const add = (file: string, source: TinygoSource) => {
    const key = ctx.platform === 'win32' ? file.toLowerCase() : file;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path: file, source });
  };
  if (settingsPath && settingsPath.trim()) {
    // The executable itself (only when it is named tinygo), or the installation folder the user picked (<root>/bin/tinygo).
    const chosen = settingsPath.trim();
    if (isNamedTinygo(ctx, chosen)) add(chosen, 'settings');
    for (const name of executableNames(ctx)) {
      add(p.join(chosen, 'bin', name), 'settings');
      add(p.join(chosen, name), 'settings');
    }
  }
  const delimiter = ctx.platform === 'win32' ? ';' : ':';
  for (const dir of (envValue(ctx, 'PATH') ?? '').split(delimiter).filter(Boolean)) {
    for (const name of executableNames(ctx)) add(p.join(dir, name), 'path');
  }
  for (const dir of tinygoInstallDirs(ctx)) {
    for (const name of executableNames(ctx)) add(p.join(dir, name), 'install-location');
  }
  return out;
}

/**
 * The tinygo to use. A Settings path that is not an executable file is an error (the user asked
 * for that one; silently using another would hide their mistake). Throws TINYGO_NOT_FOUND with the
 * places searched when there is none.
 */
export async function locateTinygo(ctx: LocatorContext, settingsPath?: string | null): Promise<TinygoLocation> {
  const candidates = tinygoCandidates(ctx, settingsPath);
  for (const [index, candidate] of candidates.entries()) {
    if (await ctx.fs.isExecutableFile(candidate.path)) return candidate;
    const lastSettingsCandidate = candidate.source === 'settings' && candidates[index + 1]?.source !== 'settings';
    if (lastSettingsCandidate) throw await settingInvalid(ctx, settingsPath!.trim());
  }
  const searched = [...new Set(candidates.map((c) => pathApi(ctx.platform).dirname(c.path)))];
  throw new FlashdeckError({
    code: 'TINYGO_NOT_FOUND',
    stage: 'toolchain',
    message: `TinyGo was not found on PATH or in the ${searched.length} usual install places.`,
    hint: installHint(ctx.platform) + ' Or set the path to the tinygo executable in Settings.',
    details: searched.map((dir) => `Searched ${dir}`),
  });
}

/** Why the TinyGo executable in Settings cannot be used: another program's name, or no executable there. */
async function settingInvalid(ctx: LocatorContext, chosen: string): Promise<FlashdeckError> {
  const wrongName = !isNamedTinygo(ctx, chosen) && (await ctx.fs.isExecutableFile(chosen));
  const expected = executableNames(ctx)[0];
  return new FlashdeckError({
    code: 'TINYGO_SETTING_INVALID',
    stage: 'toolchain',
    message: wrongName
      ? `The TinyGo executable set in Settings names ${pathApi(ctx.platform).basename(chosen)}, not ${expected}: Flashdeck only runs the TinyGo compiler from this setting (${chosen}).`
      : `The TinyGo executable set in Settings is not an executable file: ${chosen}`,
    hint: `Choose the ${expected} executable (…/tinygo/bin/${expected}) or the TinyGo installation folder in Settings, or clear the field to detect it automatically.`,
  });
}

function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Install it with `brew tap tinygo-org/tools && brew install tinygo` (https://tinygo.org/getting-started/install/macos/).';
    case 'win32':
      return 'Install it with `scoop install tinygo` or unzip the release to C:\\tinygo (https://tinygo.org/getting-started/install/windows/).';
    default:
      return 'Install the .deb/.rpm or tarball from https://github.com/tinygo-org/tinygo/releases (https://tinygo.org/getting-started/install/linux/).';
  }
}

function goMissingHint(ctx: LocatorContext, searchPath: string): string {
  const install =
    ctx.platform === 'darwin'
      ? 'Install Go (`brew install go` or https://go.dev/dl/)'
      : ctx.platform === 'win32'
        ? 'Install Go (https://go.dev/dl/, or `scoop install go`)'
        : 'Install Go (https://go.dev/dl/, unpacked to /usr/local/go)';
  return `${install}, then put its bin directory on PATH or set GOROOT to the Go installation before starting Flashdeck. TinyGo runs \`go env\` and needs \`go\` on this PATH: ${searchPath}`;
}

export interface ToolchainProbe {
  version: TinygoVersion;
  features: TinygoFeatures;
}

/**
 * Runs `tinygo version` with the toolchain environment. Throws TINYGO_NOT_RUNNABLE if it cannot be
 * started or does not print a TinyGo version line; GO_NOT_FOUND when TinyGo could not find `go`.
 */
export async function probeTinygo(tinygoPath: string, options: { ctx?: LocatorContext; run?: ToolRunner } = {}): Promise<ToolchainProbe> {
  const ctx = options.ctx ?? nodeLocatorContext();
  const run = options.run ?? runTool;
  let output: string;
  try {
    output = await runVersion(tinygoPath, ctx, run);
  } catch (error) {
    throw cannotRun(tinygoPath, error);
  }
  return interpretVersionOutput(tinygoPath, output, ctx);
}

function cannotRun(tinygoPath: string, error: unknown): FlashdeckError {
  return new FlashdeckError(
    {
      code: 'TINYGO_NOT_RUNNABLE',
      stage: 'toolchain',
      message: `Could not run ${tinygoPath}: ${(error as Error)?.message ?? String(error)}`,
      hint: 'Check that the file is the tinygo executable and that you may run it (chmod +x), or pick another in Settings.',
    },
    { cause: error },
  );
}

async function runVersion(tinygoPath: string, ctx: LocatorContext, run: ToolRunner): Promise<string> {
  const result = await run(tinygoPath, ['version'], { env: toolchainEnv(ctx, tinygoPath), timeoutMs: 15_000 });
  return result.stdout + '\n' + result.stderr;
}

/** Judges `tinygo version` output: not TinyGo → TINYGO_NOT_RUNNABLE; Go unknown → GO_NOT_FOUND. */
function interpretVersionOutput(tinygoPath: string, output: string, ctx: LocatorContext): ToolchainProbe {
  const version = parseTinygoVersion(output);
  if (!version) {
    throw new FlashdeckError({
      code: 'TINYGO_NOT_RUNNABLE',
      stage: 'toolchain',
      message: `${tinygoPath} did not print a TinyGo version (got: ${output.trim().slice(0, 200) || 'nothing'}).`,
      hint: 'Point Settings at the tinygo executable itself, not at a wrapper script or another program.',
    });
  }
  if (version.goVersion === null) {
    throw new FlashdeckError({
      code: 'GO_NOT_FOUND',
      stage: 'toolchain',
      message: `TinyGo ${version.raw} cannot find the Go toolchain ("using go version <unknown>"), so it cannot build.`,
      hint: goMissingHint(ctx, toolchainSearchPath(ctx, tinygoPath)),
    });
  }
  return { version, features: tinygoFeatures(version) };
}

export interface ToolchainHealth {
  /** True when TinyGo was found, runs, finds Go and knows its root: builds can start. */
  ok: boolean;
  tinygoPath: string | null;
  source: TinygoSource | null;
  version: string | null;
  goVersion: string | null;
  llvmVersion: string | null;
  /** Host of the tinygo binary, e.g. "darwin/arm64". */
  host: string | null;
  tinygoRoot: string | null;
  goRoot: string | null;
  features: TinygoFeatures | null;
  /** The parsed version line, ready for runBuild's `tinygoVersion` (no second `tinygo version`). */
  versionInfo: TinygoVersion | null;
  /** Every problem found, each with what to do; empty when ok. */
  problems: ErrorInfo[];
}

/** Everything Settings shows about the toolchain. Never throws: problems are listed. */
export async function toolchainHealth(options: { settingsPath?: string | null; ctx?: LocatorContext; run?: ToolRunner } = {}): Promise<ToolchainHealth> {
  const ctx = options.ctx ?? nodeLocatorContext();
  const run = options.run ?? runTool;
  const health: ToolchainHealth = {
    ok: false,
    tinygoPath: null,
    source: null,
    version: null,
    goVersion: null,
    llvmVersion: null,
    host: null,
    tinygoRoot: null,
    goRoot: null,
    features: null,
    versionInfo: null,
    problems: [],
  };
  const problem = (error: unknown) =>
    health.problems.push(
      error instanceof FlashdeckError
        ? error.toInfo()
        : { code: 'TOOLCHAIN_CHECK_FAILED', stage: 'toolchain', message: String((error as Error)?.message ?? error), hint: 'Check the TinyGo installation, then retry.' },
    );

  let location: TinygoLocation;
  try {
    location = await locateTinygo(ctx, options.settingsPath);
  } catch (error) {
    problem(error);
    return health;
  }
  health.tinygoPath = location.path;
  health.source = location.source;

  // One `tinygo version` run: it prints even when Go is missing, so record it, then judge it.
  let output: string | null = null;
  try {
    output = await runVersion(location.path, ctx, run);
  } catch (error) {
    problem(cannotRun(location.path, error));
    return health;
  }
  const version = parseTinygoVersion(output);
  if (version) {
    health.version = version.raw;
    health.goVersion = version.goVersion;
    health.llvmVersion = version.llvmVersion;
    health.host = `${version.os}/${version.arch}`;
    health.features = tinygoFeatures(version);
    health.versionInfo = version;
  }
  try {
    interpretVersionOutput(location.path, output, ctx);
  } catch (error) {
    problem(error);
    if (!version) return health;
  }

  try {
    const result = await run(location.path, ['env'], { env: toolchainEnv(ctx, location.path), timeoutMs: 15_000 });
    const env = parseTinygoEnv(result.stdout);
    health.tinygoRoot = env.TINYGOROOT || null;
    health.goRoot = env.GOROOT || null;
    if (result.exitCode !== 0 || !health.tinygoRoot) {
      const said = (result.stderr || result.stdout).trim().split(/\r?\n/).slice(-1)[0] ?? '';
      health.problems.push({
        code: 'TINYGOROOT_NOT_FOUND',
        stage: 'toolchain',
        message: `TinyGo could not find its root directory${said ? `: ${said}` : ''}.`,
        hint: 'Keep the tinygo executable inside its installation (<root>/bin/tinygo), or set TINYGOROOT to the directory that contains src/ and targets/.',
      });
    }
  } catch (error) {
    problem(error);
  }
  health.ok = health.problems.length === 0;
  return health;
}
