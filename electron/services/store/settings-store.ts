/** Settings: defaults merged with what the user changed, persisted as one JSON value per key. */
import type { Settings } from '../../contract';
import type { Db } from './database';

export const DEFAULT_SETTINGS: Settings = {
  tinygoPath: null,
  defaultBaud: 115200,
  theme: 'system',
  scrollbackLines: 100_000,
  espFlashBaud: 921_600,
};

export class SettingsStore {
  constructor(private readonly db: Db) {}

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const stored = Object.fromEntries(rows.filter((row) => row.key in DEFAULT_SETTINGS).map((row) => [row.key, JSON.parse(row.value)]));
    return { ...DEFAULT_SETTINGS, ...stored };
  }

  update(changes: Partial<Settings>): Settings {
    const upsert = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) upsert.run(key, JSON.stringify(value));
    })();
    return this.get();
  }
}
