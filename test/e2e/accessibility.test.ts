/**
 * Accessibility in Chromium (serve mode, a simulated ESP32 started from the window): axe-core over
 * the empty state, the bench overview, Settings and every board tab, in the light and the dark
 * theme (the OS's colour scheme), with no serious or critical violations; keyboard focus is
 * visible. Screenshots of each view in both themes go to test/e2e/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, removeDir, screenshot, startServe, watchPageErrors, type ServeProcess } from './harness';

const THEMES = ['light', 'dark'] as const;
const TABS = ['Flash', 'Console', 'Telemetry', 'Size history', 'Programs'] as const;

/** Serious and critical violations only, as "rule: selector" lines (readable in a failure). */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')} (${node.failureSummary?.split('\n')[1]?.trim() ?? ''})`));
}

describe('accessibility (axe-core, light and dark)', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    [serve, browser] = await Promise.all([startServe(), launchBrowser()]);
    // axe injects itself through a browser context, not a bare page.
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    errors = watchPageErrors(page);
    await page.goto(serve.url);
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    if (serve) removeDir(serve.dataDir);
  });

  it('the empty state has no serious violations in either theme', async () => {
    await page.getByRole('heading', { name: 'Connect a board' }).waitFor();
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, `empty-state-${theme}`);
    }
  });

  it('every board tab, the overview and Settings have no serious violations in either theme', async () => {
    await page.getByRole('button', { name: 'Try with a simulated board' }).click();
    await page.getByTestId('board-title').filter({ hasText: 'Simulated ESP32 DevKitC' }).waitFor();
    const found: string[] = [];
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      for (const tab of TABS) {
        await page.getByRole('tab', { name: tab }).click();
        await page.locator('[role="tab"][aria-selected="true"]', { hasText: tab }).waitFor();
        if (tab === 'Console') await page.getByTestId('console-state').filter({ hasText: 'Connected' }).waitFor();
        if (tab === 'Telemetry') await expect.poll(() => page.locator('.uplot').count(), { timeout: 15_000 }).toBeGreaterThan(0);
        found.push(...(await seriousViolations(page)).map((v) => `${theme} ${tab}: ${v}`));
        await screenshot(page, `tab-${tab.toLowerCase().replace(' ', '-')}-${theme}`);
      }
      await page.getByRole('button', { name: 'Bench overview' }).click();
      await page.getByRole('heading', { name: 'Bench overview' }).waitFor();
      found.push(...(await seriousViolations(page)).map((v) => `${theme} overview: ${v}`));
      await screenshot(page, `overview-${theme}`);
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      await page.getByRole('heading', { name: 'Settings' }).waitFor();
      found.push(...(await seriousViolations(page)).map((v) => `${theme} settings: ${v}`));
      await screenshot(page, `settings-${theme}`);
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      await page.locator('nav [data-board-id]').first().click();
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);

  it('keyboard focus is visible: a focused button is outlined', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('tab', { name: 'Flash' }).focus();
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { width: parseFloat(style.outlineWidth), style: style.outlineStyle, shadow: style.boxShadow };
    });
    expect(outline.style !== 'none' && outline.width >= 2 ? 'outlined' : outline.shadow !== 'none' ? 'ringed' : 'invisible').not.toBe('invisible');
  });
});
