import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOME_NETWORK_DEVICES, SAMPLE_INDICATORS } from '../../src/capture/index.js';
import { REPO_ROOT } from './testing.js';
import { startDashboard, type Dashboard } from './web-setup.js';

const CHROMIUM = process.env['YAMORI_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-output', 'web');
const camera = HOME_NETWORK_DEVICES.find((device) => device.name === SAMPLE_INDICATORS.beaconDevice)!;

describe.skipIf(!existsSync(CHROMIUM))(
  `the dashboard in headless Chromium (needs ${CHROMIUM}: apt-get install chromium)`,
  () => {
    let dashboard: Dashboard;
    let browser: Browser;
    let page: Page;
    let alertUrl = '';
    const problems: string[] = [];

    const nav = (name: string) => page.locator('header nav').getByRole('link', { name, exact: true });
    const shot = async (name: string): Promise<void> => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    };

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      dashboard = await startDashboard('web-browser');
      // Chromium's sandbox needs user namespaces that a root CI container rarely has.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Tokyo' });
      // Any script error or CSP violation fails the run.
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // The session probe before login answers 401 by design; anything else (a CSP refusal, a
        // missing file) is a problem.
        if (message.type() === 'error' && !message.text().includes('status of 401')) {
          problems.push(`console: ${message.text()}`);
        }
      });
    });
    afterAll(async () => {
      await browser?.close();
      await dashboard?.stop();
    });

    it('sends a visitor to the login page and logs in with the one-time password', async () => {
      await page.goto(dashboard.url + '/alerts');
      await page.waitForURL(/\/login\?next=%2Falerts$/);
      await shot('login');
      await page.fill('#password', dashboard.password);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/alerts$/);
      await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    });

    it('shows the alerts the rules raised and opens one', async () => {
      const row = page.locator('tr.alert-row', { hasText: SAMPLE_INDICATORS.c2Address });
      await row.waitFor();
      await expect(row.locator('.badge').nth(1).textContent()).resolves.toBe('open');
      await shot('alerts');
      await row
        .getByRole('link', { name: new RegExp(SAMPLE_INDICATORS.c2Address.replace(/\./g, '\\.')) })
        .click();
      await page.waitForURL(/\/alerts\/[0-9a-f-]{36}$/);
      alertUrl = page.url();
      await page.getByRole('heading', { name: 'Triage' }).waitFor();
      await page.getByRole('cell', { name: 'c2-list', exact: true }).waitFor();
      await shot('alert');
    });

    it('acknowledges the alert with a comment', async () => {
      await page.fill('#comment', 'looking at the camera');
      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await page.locator('.badge.status-acknowledged').first().waitFor();
      await page.getByRole('cell', { name: 'looking at the camera' }).waitFor();
      await expect(page.getByRole('button', { name: 'Acknowledge' }).count()).resolves.toBe(0);
      await shot('alert-acknowledged');
    });

    it("opens the alert's device page, with its peers and alerts", async () => {
      await page.locator('dl.facts a').first().click();
      await page.waitForURL(new RegExp(`/devices/${encodeURIComponent(camera.mac)}$`));
      await page.getByRole('heading', { name: 'What it talks to' }).waitFor();
      await page.getByRole('cell', { name: SAMPLE_INDICATORS.c2Address, exact: true }).waitFor();
      await shot('device');
    });

    it('filters flows by the device', async () => {
      await page.getByRole('link', { name: 'Flows of this device' }).click();
      await page.waitForURL(/\/flows\?device=/);
      await page.locator('tr.flow-row').first().waitFor();
      const rows = await page.locator('tr.flow-row').allTextContents();
      expect(rows.length).toBeGreaterThan(5);
      for (const row of rows) expect(row).toContain(camera.ipv4);
      await nav('Flows').click();
      await page.locator('tr.flow-row').first().waitFor();
      await page.fill('input[name=device]', camera.ipv4);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(new RegExp(`/flows\\?device=${camera.ipv4.replace(/\./g, '\\.')}$`));
      await page.locator('tr.flow-row').first().waitFor();
      for (const row of await page.locator('tr.flow-row').allTextContents())
        expect(row).toContain(camera.ipv4);
      await shot('flows');
    });

    it('shows the overview, feeds and rules pages, and works on a phone screen', async () => {
      await nav('Overview').click();
      await page.getByRole('heading', { name: 'Traffic' }).waitFor();
      await page.locator('.chart canvas').waitFor();
      await shot('overview');
      await nav('Feeds').click();
      await page.getByRole('cell', { name: /c2-list/ }).waitFor();
      await shot('feeds');
      await nav('Rules').click();
      await page.getByRole('cell', { name: /intel-outbound-to-c2-address/ }).waitFor();
      await shot('rules');
      await page.setViewportSize({ width: 390, height: 844 });
      await nav('Overview').click();
      await page.locator('.chart canvas').waitFor();
      await shot('overview-phone');
      // How far the page is wider than the screen (evaluated in the browser, hence text).
      const overflow = async (): Promise<number> =>
        Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      expect(await overflow()).toBeLessThanOrEqual(0);
      await page.goto(alertUrl);
      await page.getByRole('heading', { name: 'Evidence' }).waitFor();
      await shot('alert-phone');
      expect(await overflow()).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
    });
  },
);
