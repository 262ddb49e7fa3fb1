/**
 * The git commit a program was built from: `git rev-parse HEAD` in its folder, and whether the
 * working tree had changes (`git status --porcelain`). Null when the folder is not in a git
 * repository or git is not installed: the build is recorded without it.
 */
import { runTool, type ToolRunner } from './tool-runner';

export interface ProgramRevision {
  commit: string;
  dirty: boolean;
}

export async function programRevision(dir: string, run: ToolRunner = runTool): Promise<ProgramRevision | null> {
  try {
    const head = await run('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeoutMs: 5000 });
    const commit = head.stdout.trim();
    if (head.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) return null;
    // Only the program's own folder counts: a change elsewhere in a monorepo does not make this build dirty.
    const status = await run('git', ['-C', dir, 'status', '--porcelain', '--', '.'], { timeoutMs: 5000 });
    return { commit, dirty: status.exitCode === 0 ? status.stdout.trim() !== '' : true };
  } catch {
    return null;
  }
}
