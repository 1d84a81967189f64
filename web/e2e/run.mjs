// Browser tests of the web app against a running riverlink server.
//   RIVERLINK_URL  server to test (default http://127.0.0.1:8080), serving web/dist
//   CHROMIUM_PATH  browser (default /usr/bin/chromium, Debian's chromium)
//   E2E_SCREENSHOTS=1 also saves a screenshot of each passing test
// Prints one line per test and ends with "e2e: N passed, N failed"; exits 1 on any failure.
// A failing test leaves a screenshot in e2e/out/.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { vouchersTests } from './vouchers.mjs';
import { ecoTests } from './eco.mjs';
import { landTests } from './land.mjs';
import { transportTests } from './transport.mjs';

const BASE = (process.env.RIVERLINK_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const PASSWORD = 'riverlink2026';
const STEP_MS = 15_000;
const VERIFY_MS = 90_000;

// Each demo login and the side navigation its role may see.
const DEMO_USERS = [
  ['admin', ['home', 'jobs', 'audit', 'users', 'land', 'vouchers', 'transit', 'eco']],
  ['officer_js', ['home', 'jobs', 'land', 'vouchers', 'transit', 'eco']],
  ['officer_sh', ['home', 'jobs', 'land', 'vouchers', 'transit', 'eco']],
  ['enterprise', ['home', 'jobs', 'land', 'vouchers', 'transit']],
  ['provider', ['home', 'jobs', 'land', 'vouchers', 'transit']],
  ['bank', ['home', 'jobs', 'land', 'vouchers', 'transit', 'eco']],
  ['auditor', ['home', 'jobs', 'audit', 'land', 'vouchers', 'transit', 'eco']],
  ['agent', ['home', 'jobs', 'land', 'vouchers', 'transit']],
  ['bidder', ['home', 'jobs', 'land', 'vouchers', 'transit']],
];

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function waitForServer(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${BASE}/healthz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`server at ${BASE} not healthy after ${timeoutMs} ms (${last})`);
}

async function login(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/login`);
  await page.fill('input[data-testid="login-username"]', username);
  await page.fill('input[data-testid="login-password"]', password);
  await page.click('[data-testid="login-submit"]');
}

async function loginOk(page, username) {
  await login(page, username);
  await page.waitForSelector('[data-testid="side-nav"]');
  assert(!new URL(page.url()).pathname.startsWith('/login'), `${username} stayed on the login page`);
}

async function navKeys(page) {
  await page.waitForSelector('[data-testid="nav-home"]');
  return page.$$eval('[data-testid^="nav-"]', (els) => els.map((e) => e.getAttribute('data-testid').slice(4)));
}

async function text(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}

const tests = [
  [
    'admin sees the region map with every prefecture and switches language',
    async (page) => {
      await loginOk(page, 'admin');
      assert((await text(page, 'header')).includes('长三角一体化平台'), 'header lacks the Chinese product name');
      assert((await text(page, '[data-testid="nav-home"]')) === '首页', 'nav is not in Chinese by default');
      await page.waitForFunction(() => document.querySelectorAll('path.leaflet-interactive').length >= 41);
      const polygons = await page.locator('path.leaflet-interactive').count();
      assert(polygons >= 41, `expected >= 41 prefecture polygons, found ${polygons}`);
      await page.waitForSelector('[data-testid="map-legend"]');
      await page.waitForSelector('[data-testid="prefecture-table"] .el-table__row');
      const rows = await page.locator('[data-testid="prefecture-table"] .el-table__row').count();
      assert(rows >= 1, 'the prefecture table is empty');
      // The table exports as CSV with a UTF-8 BOM, one line per prefecture.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('[data-testid="export-prefectures"]'),
      ]);
      const csv = await readFile(await download.path(), 'utf8');
      assert(csv.startsWith('\uFEFF'), 'the CSV has no UTF-8 byte order mark');
      const lines = csv.trim().split('\r\n');
      assert(lines.length === rows + 1, `CSV has ${lines.length} lines for ${rows} rows`);
      assert(lines.some((l) => l.includes('苏州市')), 'the CSV lacks 苏州市');
      // A tooltip names the prefecture and its code.
      const box = await page.locator('[data-testid="region-map"]').boundingBox();
      for (const [fx, fy] of [[0.5, 0.5], [0.45, 0.4], [0.55, 0.6], [0.4, 0.55], [0.6, 0.35]]) {
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
        if (await page.waitForSelector('.leaflet-tooltip', { timeout: 1500 }).catch(() => null)) break;
      }
      await page.waitForSelector('.leaflet-tooltip', { timeout: 1000 });
      assert(/\d{6}/.test(await text(page, '.leaflet-tooltip')), 'the map tooltip shows no division code');

      await page.click('[data-testid="lang-switch"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="nav-home"]')?.textContent?.trim() === 'Home');
      assert((await text(page, 'header')).includes('Yangtze River Delta'), 'header not in English');
      assert((await text(page, '[data-testid="map-legend"]')).length > 0, 'legend is empty');
      await page.reload();
      await page.waitForSelector('[data-testid="nav-home"]');
      assert((await text(page, '[data-testid="nav-home"]')) === 'Home', 'English did not persist across a reload');
      await page.click('[data-testid="lang-switch"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="nav-home"]')?.textContent?.trim() === '首页');
      assert((await page.evaluate(() => localStorage.getItem('riverlink.locale'))) === 'zh-CN', 'locale not stored');
    },
  ],
  [
    'each demo role signs in and sees only its navigation',
    async (page, context) => {
      for (const [username, expected] of DEMO_USERS) {
        await context.clearCookies();
        await loginOk(page, username);
        const keys = await navKeys(page);
        assert(
          JSON.stringify(keys) === JSON.stringify(expected),
          `${username}: nav ${JSON.stringify(keys)}, expected ${JSON.stringify(expected)}`,
        );
        if (!expected.includes('users')) {
          await page.goto(`${BASE}/users`);
          await page.waitForSelector('[data-testid="side-nav"]');
          assert(new URL(page.url()).pathname === '/', `${username} could open /users`);
        }
      }
    },
  ],
  [
    'a wrong password shows the problem detail',
    async (page) => {
      await login(page, 'admin', 'not-the-password');
      await page.waitForSelector('[data-testid="login-error"]');
      const message = await text(page, '[data-testid="login-error"]');
      assert(message.length > 'Sign-in failed'.length, `error without detail: "${message}"`);
      assert(new URL(page.url()).pathname === '/login', 'left the login page');
    },
  ],
  [
    'admin verifies the audit chain to completion',
    async (page) => {
      await loginOk(page, 'admin');
      await page.click('[data-testid="nav-audit"]');
      await page.waitForSelector('[data-testid="audit-table"]');
      await page.click('[data-testid="audit-verify"]');
      await page.waitForSelector('[data-testid="verify-progress"]');
      await page.waitForSelector('[data-testid="verify-result"]', { timeout: VERIFY_MS });
      const status = await page.getAttribute('[data-testid="verify-panel"]', 'data-status');
      assert(status === 'succeeded', `verify job ended ${status}: ${await text(page, '[data-testid="verify-panel"]')}`);
      const percent = await page.$eval('[data-testid="verify-progress"]', (el) =>
        (el.matches('[role="progressbar"]') ? el : el.querySelector('[role="progressbar"]'))?.getAttribute('aria-valuenow'),
      );
      assert(percent === '100', `progress ended at ${percent}`);
      await page.waitForSelector('[data-testid="audit-table"] .el-table__row');
      await page.click('[data-testid="nav-jobs"]');
      await page.waitForSelector('[data-testid="jobs-table"] .el-table__row');
    },
  ],
  [
    'admin adds a user and sees the 422 field error for a duplicate',
    async (page) => {
      await loginOk(page, 'admin');
      await page.click('[data-testid="nav-users"]');
      await page.waitForSelector('[data-testid="users-table"] .el-table__row');
      const username = `e2e_${Date.now().toString(36)}`;
      const fill = async (name) => {
        await page.click('[data-testid="user-add"]');
        await page.waitForSelector('input[data-testid="user-username"]', { state: 'visible' });
        await page.fill('input[data-testid="user-username"]', name);
        await page.fill('input[data-testid="user-display-name"]', '浏览器测试');
        await page.fill('input[data-testid="user-password"]', 'a long e2e password');
        await page.click('[data-testid="user-role"]');
        await page.click('.el-select-dropdown__item:visible >> text=银行');
        await page.click('[data-testid="user-save"]');
      };
      await fill(username);
      await page.waitForSelector('[data-testid="user-dialog"]', { state: 'hidden' });
      await page.waitForSelector(`[data-testid="users-table"] .el-table__row:has-text("${username}")`);
      await fill(username);
      await page.waitForSelector('[data-testid="user-dialog-error"]');
      await page.waitForSelector('[data-testid="user-dialog"] .el-form-item__error');
      const fieldError = await text(page, '[data-testid="user-dialog"] .el-form-item__error');
      assert(fieldError.length > 0, 'no field error shown for the duplicate username');
    },
  ],
  [
    'sign out ends the session',
    async (page) => {
      await loginOk(page, 'auditor');
      await page.click('[data-testid="user-menu"]');
      await page.click('[data-testid="logout"]');
      await page.waitForURL((url) => url.pathname === '/login');
      const me = await page.request.get(`${BASE}/api/v1/auth/me`);
      assert(me.status() === 401, `/auth/me after logout answered ${me.status()}`);
      await page.goto(`${BASE}/audit`);
      await page.waitForSelector('input[data-testid="login-username"]');
      assert(new URL(page.url()).pathname === '/login', 'a signed-out user reached a page');
    },
  ],
  ...vouchersTests({ BASE, loginOk, assert }),
  ...ecoTests({ BASE, loginOk, assert }),
  ...landTests({ BASE, loginOk, assert }),
  ...transportTests({ BASE, loginOk, assert }),
];

async function main() {
  mkdirSync(OUT, { recursive: true });
  await waitForServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  let passed = 0;
  let failed = 0;
  const only = process.env.E2E_ONLY;
  for (const [index, [name, fn]] of tests.entries()) {
    if (only && !only.split(',').some((s) => s && name.includes(s))) continue;
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    const started = Date.now();
    const shot = `${OUT}${String(index + 1).padStart(2, '0')}.png`;
    try {
      await fn(page, context);
      passed += 1;
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
      if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: shot, fullPage: true });
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${String(e?.message ?? e).split('\n')[0]}`);
      for (const p of problems.slice(-5)) console.log(`     ${p}`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      console.log(`     screenshot: ${shot}`);
    } finally {
      await context.close();
    }
  }
  await browser.close();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL e2e setup: ${e?.message ?? e}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
});
