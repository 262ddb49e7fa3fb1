/**
 * The example TinyGo programs shipped in resources/programs/, described for the Programs tab:
 * what each does, which `-ldflags -X` variables it reads, which build tags a TinyGo version needs,
 * and what its console prints. Each program is a folder with main.go and go.mod.
 */
import { FlashdeckError } from '../../drivers/common/errors';

export interface ProgramVariable {
  /** Package-qualified name for `-X`, e.g. "main.periodMs". */
  name: string;
  label: string;
  description: string;
  /** Value used when the user leaves it empty (what the Go source defaults to). */
  defaultValue: string;
  /** Allowed values: a regexp source for free input, or a list of choices. */
  pattern?: string;
  choices?: string[];
}

export interface CatalogueProgram {
  /** Folder name under resources/programs/. */
  id: string;
  name: string;
  description: string;
  variables: ProgramVariable[];
  /** Needs machine.LED (blink); boards without one cannot build it. */
  requiresLed: boolean;
  /** What the console shows: 'arduino-plotter' lines the telemetry decoder plots, or plain text. */
  console: 'arduino-plotter' | 'arduino-plotter-or-teleplot' | 'text' | 'none';
  /** Garbage collectors it cannot build with. */
  unsupportedGc: string[];
  notes: ProgramNote[];
}

/**
 * A note shown with a program, only where it applies: for boards of these chips (the catalogue's
 * chip names), these TinyGo targets, or an installed TinyGo older than `tinygoBelow`. No condition:
 * every board.
 */
export interface ProgramNote {
  text: string;
  chips?: string[];
  targets?: string[];
  tinygoBelow?: string;
}

/** Boards whose TinyGo board file defines no machine.LED (reference 8.1 / 8.2). */
export const BOARDS_WITHOUT_LED = [
  'xiao-esp32c3',
  'qtpy-esp32c3',
  'm5stack',
  'm5stack-core2',
  'm5paper',
  'mch2022',
  'makerfabs-esp32c3spi35',
  'm5stamp-c3',
  'microbit-v2',
  'microbit-v2-s113v7',
] as const;

/** Chip-only targets have no board file at all, so no machine.LED either. */
export const CHIP_ONLY_TARGETS = ['esp32', 'esp32c3', 'esp32-generic', 'esp32c3-generic', 'esp32s3', 'esp32s3-generic', 'nrf52840', 'nrf52833', 'nrf52'] as const;

const positiveMs = '^[1-9][0-9]{0,6}$';

export const PROGRAMS: readonly CatalogueProgram[] = [
  {
    id: 'blink',
    name: 'Blink',
    description: 'Blinks the board LED (machine.LED) at a period you choose.',
    variables: [{ name: 'main.periodMs', label: 'Period (ms)', description: 'One full on+off cycle in milliseconds (minimum 20).', defaultValue: '1000', pattern: positiveMs }],
    requiresLed: true,
    console: 'none',
    unsupportedGc: [],
    notes: [
      {
        text: 'Boards without machine.LED (XIAO ESP32C3, QT Py ESP32-C3, M5Stack, micro:bit v2, …) cannot build it: use LED test with an LED pin.',
        targets: [...BOARDS_WITHOUT_LED, ...CHIP_ONLY_TARGETS],
      },
    ],
  },
  {
    id: 'led-test',
    name: 'LED test',
    description: 'Lights every LED the board has, one after another, and names each on the console.',
    variables: [
      { name: 'main.stepMs', label: 'Time per LED (ms)', description: 'How long each LED stays on.', defaultValue: '400', pattern: positiveMs },
      {
        name: 'main.ledPin',
        label: 'LED GPIO (boards without LED)',
        description: 'GPIO number of an LED for boards without machine.LED (or any board built with the "ledpin" tag). Ignored on boards with known LEDs.',
        defaultValue: '',
        pattern: '^[0-9]{1,3}$',
      },
    ],
    requiresLed: false,
    console: 'text',
    unsupportedGc: [],
    notes: [
      { text: 'nRF52 DKs (pca10056, pca10040) cycle LED1–LED4; Feather nRF52840 cycles its red and blue LEDs; other boards their single LED.', chips: ['nRF52840', 'nRF52832'] },
      { text: 'Chip-only targets (esp32, esp32c3, nrf52840, …) need the "ledpin" build tag and an LED GPIO.', targets: [...CHIP_ONLY_TARGETS] },
    ],
  },
  {
    id: 'heap-telemetry',
    name: 'Heap telemetry',
    description: 'Blinks and prints one heap sample per second (runtime.ReadMemStats) for the telemetry plot.',
    variables: [
      { name: 'main.periodMs', label: 'Sample period (ms)', description: 'Time between heap samples.', defaultValue: '1000', pattern: positiveMs },
      {
        name: 'main.format',
        label: 'Line format',
        description: 'arduino: label:value,… per line (Arduino Serial Plotter); teleplot: >name:value, one per line.',
        defaultValue: 'arduino',
        choices: ['arduino', 'teleplot'],
      },
    ],
    requiresLed: false,
    console: 'arduino-plotter-or-teleplot',
    unsupportedGc: ['none'],
    notes: [
      { text: 'TinyGo 0.33 has no MemStats.HeapAlloc: the app adds the memstats_noheapalloc tag and heap_alloc then reports HeapInuse.', tinygoBelow: '0.34' },
      { text: 'ESP32-C3 USB-Serial-JTAG output can stall while no program reads the port.', chips: ['ESP32-C3'] },
    ],
  },
  {
    id: 'alloc-stress',
    name: 'Allocation stress',
    description: 'Allocates buffers in waves and drops them so the garbage collector sawtooth shows in the plot.',
    variables: [
      { name: 'main.stepMs', label: 'Step (ms)', description: 'Time between allocations (one sample per step).', defaultValue: '100', pattern: positiveMs },
      { name: 'main.maxBytes', label: 'Largest buffer (bytes)', description: 'Size of the biggest buffer in a wave (64–65536).', defaultValue: '2048', pattern: '^[0-9]{2,5}$' },
    ],
    requiresLed: false,
    console: 'arduino-plotter',
    unsupportedGc: ['none'],
    notes: [{ text: 'With -gc=leaking memory is never freed and the board stops with "panic: runtime error …: out of memory".' }],
  },
];

export function findProgram(id: string): CatalogueProgram | undefined {
  return PROGRAMS.find((p) => p.id === id);
}

/**
 * Build tags a program needs for the installed TinyGo: 0.33 lacks MemStats.HeapAlloc; boards
 * without LED and chip-only targets need the pin/no-LED variants.
 */
export function programBuildTags(program: CatalogueProgram, context: { memStatsHeapAlloc: boolean; target: string }): string[] {
  const tags: string[] = [];
  if ((program.id === 'heap-telemetry' || program.id === 'alloc-stress') && !context.memStatsHeapAlloc) tags.push('memstats_noheapalloc');
  const chipOnly = (CHIP_ONLY_TARGETS as readonly string[]).includes(context.target);
  if (chipOnly && program.id === 'led-test') tags.push('ledpin');
  if (chipOnly && (program.id === 'heap-telemetry' || program.id === 'alloc-stress')) tags.push('noled');
  return tags;
}

/** Whether a program can be built for a target at all, and why not. */
export function programSupportsTarget(program: CatalogueProgram, target: string): { ok: true } | { ok: false; reason: string } {
  const noLed = (BOARDS_WITHOUT_LED as readonly string[]).includes(target) || (CHIP_ONLY_TARGETS as readonly string[]).includes(target);
  if (program.requiresLed && noLed) return { ok: false, reason: `${target} has no machine.LED; use "LED test" with an LED GPIO instead.` };
  return { ok: true };
}

/**
 * `-X` variables from the user's values: empty values are left out (the source default applies);
 * invalid ones throw with the variable's label.
 */
export function programLinkerVariables(program: CatalogueProgram, values: Record<string, string | undefined>): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const variable of program.variables) {
    const value = values[variable.name]?.trim();
    if (!value) continue;
    const ok = variable.choices ? variable.choices.includes(value) : variable.pattern ? new RegExp(variable.pattern).test(value) : true;
    if (!ok) {
      throw new FlashdeckError({
        code: 'INVALID_PROGRAM_SETTING',
        stage: 'program',
        message: `${program.name}: ${variable.label} "${value}" is not valid.`,
        hint: variable.choices ? `Use one of ${variable.choices.join(', ')}.` : variable.description,
      });
    }
    out.push({ name: variable.name, value });
  }
  return out;
}
