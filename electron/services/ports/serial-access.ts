/**
 * Can this user open serial ports? On Linux the device nodes belong to a group (dialout on
 * Debian/Ubuntu/Fedora, uucp on Arch); without membership every open fails with EACCES.
 */
import { readFileSync } from 'node:fs';

export interface SerialAccess {
  ok: boolean;
  group: string | null;
  hint: string | null;
}

export function checkSerialAccess(options: { platform?: NodeJS.Platform; groupFile?: string; uid?: number; gids?: number[]; user?: string } = {}): SerialAccess {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') return { ok: true, group: null, hint: null };
  const uid = options.uid ?? process.getuid?.() ?? -1;
  let groupText = '';
  try {
    groupText = readFileSync(options.groupFile ?? '/etc/group', 'utf8');
  } catch {
    return { ok: true, group: null, hint: null };
  }
  const groups = new Map<string, { gid: number; members: string[] }>();
  for (const line of groupText.split('\n')) {
    const [name, , gid, members] = line.split(':');
    if (name && gid) groups.set(name, { gid: Number(gid), members: (members ?? '').split(',').filter(Boolean) });
  }
  const groupName = groups.has('dialout') ? 'dialout' : groups.has('uucp') ? 'uucp' : null;
  if (!groupName) return { ok: true, group: null, hint: null };
  if (uid === 0) return { ok: true, group: groupName, hint: null };
  const group = groups.get(groupName)!;
  const gids = options.gids ?? process.getgroups?.() ?? [];
  const user = options.user ?? process.env.USER ?? '';
  const member = gids.includes(group.gid) || group.members.includes(user);
  return member
    ? { ok: true, group: groupName, hint: null }
    : {
        ok: false,
        group: groupName,
        hint: `Add yourself to the ${groupName} group: sudo usermod -aG ${groupName} $USER, then log out and back in. For boards in bootloader mode also install resources/linux/60-flashdeck.rules into /etc/udev/rules.d/.`,
      };
}
