/**
 * DTR/RTS and "Reset board" through the in-process serial binding (pseudo-terminals carry no
 * control lines): the ESP32 family's EN pulse via RTS with IO0 (DTR) released, the nRF52 DTR
 * toggle, and the user's DTR/RTS toggles surviving a reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimBinding } from '../../../simulators/common/sim-binding';
import type { SimDevice, SimSignals, SimSink } from '../../../simulators/common/sim-device';
import { createConsoleHarness, type ConsoleHarness } from './console-harness';

/** Records control-line changes with their time, and prints a banner when EN is released after a pulse. */
class WiredBoard implements SimDevice {
  sink!: SimSink;
  readonly history: (SimSignals & { at: number })[] = [];
  attach(sink: SimSink) {
    this.sink = sink;
  }
  receive() {}
  setSignals(signals: SimSignals) {
    const previous = this.history.at(-1);
    this.history.push({ ...signals, at: performance.now() });
    // Auto-reset circuit: RTS asserted with DTR released holds EN low; releasing RTS boots the app.
    if (previous && previous.rts && !previous.dtr && !signals.rts) this.sink.emit(Buffer.from('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n'));
  }
}

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function setup(info: { vendorId: string; productId: string; serialNumber: string }) {
  const binding = new SimBinding();
  const device = new WiredBoard();
  binding.register('/dev/ttySIM0', device, { throttle: false, info });
  // The in-process binding's ports have no device nodes: they exist while listed.
  h = await createConsoleHarness({ binding, pathExists: (path) => h!.ports.some((port) => port.path === path) });
  h.ports = [{ path: '/dev/ttySIM0', ...info }];
  await h.registry.refresh();
  const boardId = `usb:${info.vendorId}:${info.productId}:${info.serialNumber}`;
  return { binding, device, boardId, h };
}

describe('console control lines and reset', () => {
  it('resets an ESP32 on a USB-UART bridge by pulsing EN through RTS with IO0 released, and the app restarts', async () => {
    const { device, boardId, h } = await setup({ vendorId: '10c4', productId: 'ea60', serialNumber: 'CP0001' });
    const status = await h.sessions.open(boardId);
    expect(status.resetDescription).toMatch(/EN through RTS/);
    device.history.length = 0;
    const description = await h.sessions.reset(boardId);
    expect(description).toBe(status.resetDescription);
    expect(device.history.map(({ dtr, rts }) => ({ dtr, rts }))).toEqual([
      { dtr: false, rts: true },
      { dtr: false, rts: true },
      { dtr: false, rts: false },
    ]);
    // EN held low for ≈100 ms.
    expect(device.history[2].at - device.history[1].at).toBeGreaterThanOrEqual(90);
    await h.waitForText(boardId, 'rst:0x1 (POWERON_RESET)');
    expect(h.sessions.status(boardId).signals).toEqual({ dtr: false, rts: false });
  });

  it('"resets" an nRF52 USB-CDC board with a DTR toggle and says it is not a chip reset', async () => {
    const { device, boardId, h } = await setup({ vendorId: '239a', productId: '8029', serialNumber: 'NRF0001' });
    await h.sessions.open(boardId);
    device.history.length = 0;
    const description = await h.sessions.reset(boardId);
    expect(description).toMatch(/Toggles DTR.*not a chip reset.*1200-baud touch/);
    expect(device.history.map(({ dtr }) => dtr)).toEqual([false, true]);
  });

  it('sets DTR and RTS on request and restores them after the board comes back', async () => {
    const { binding, device, boardId, h } = await setup({ vendorId: '10c4', productId: 'ea60', serialNumber: 'CP0002' });
    await h.sessions.open(boardId);
    await h.sessions.setSignals(boardId, { dtr: false });
    expect(device.history.at(-1)).toMatchObject({ dtr: false, rts: true });
    expect(h.sessions.status(boardId).signals).toEqual({ dtr: false, rts: true });

    binding.unplug('/dev/ttySIM0');
    h.ports = [];
    await h.waitForState(boardId, 'waiting-for-board');
    const again = new WiredBoard();
    binding.register('/dev/ttySIM1', again, { throttle: false, info: { vendorId: '10c4', productId: 'ea60', serialNumber: 'CP0002' } });
    h.ports = [{ path: '/dev/ttySIM1', vendorId: '10c4', productId: 'ea60', serialNumber: 'CP0002' }];
    await h.waitForState(boardId, 'connected');
    // Opening asserts both lines; the session puts DTR back where the user left it.
    expect(again.history.at(-1)).toMatchObject({ dtr: false, rts: true });
  });
});
