// Browser tests of the transit pages (imported by run.mjs): a journey on the YRD demo network
// that changes from high-speed rail to a Yangtze ferry, drawn on the Leaflet map with legs
// coloured by mode and a timeline; the travel-time map; the passenger statistics dashboard.
import { readFile } from 'node:fs/promises';

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function transportTests({ BASE, loginOk, assert }) {
  return [
    [
      'transit: high-speed rail then ferry, drawn on the map with a timeline',
      async (page) => {
        await loginOk(page, 'enterprise');
        await page.goto(`${BASE}/transit`);
        // Stop search finds the pier by its Chinese name.
        const from = page.locator('[data-test="transit-from"] input, input[data-test="transit-from"]').first();
        const to = page.locator('[data-test="transit-to"] input, input[data-test="transit-to"]').first();
        await to.fill('瓜洲');
        await page.locator('.el-autocomplete-suggestion li', { hasText: 'YZGZ' }).first().click();
        assert((await to.inputValue()) === 'YZGZ', `choosing the suggestion gave '${await to.inputValue()}'`);
        await from.fill('SHHQ');
        await page.keyboard.press('Escape');
        const at = page.locator('[data-test="transit-at"] input, input[data-test="transit-at"]').first();
        await at.fill(`${today()} 08:00:00`);
        await page.click('[data-test="transit-plan"]');
        await page.waitForSelector('[data-test="transit-journey"]');
        // The timeline shows the legs in order: HSR, a walk to the pier, the ferry.
        const modes = await page
          .locator('[data-test="transit-journey"]')
          .first()
          .locator('[data-test="transit-timeline"] .tl-leg')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-mode')));
        assert(JSON.stringify(modes) === '["hsr","walk","ferry"]', `timeline legs ${JSON.stringify(modes)}`);
        // The map draws each leg as a line coloured by its mode.
        await page.waitForSelector('[data-test="transit-map"] path.rl-leg-hsr');
        await page.waitForSelector('[data-test="transit-map"] path.rl-leg-ferry');
        const colours = await page.$$eval('[data-test="transit-map"] path.rl-leg', (els) => els.map((e) => e.getAttribute('stroke')));
        assert(new Set(colours).size === 3, `expected three leg colours, got ${JSON.stringify(colours)}`);
        const legend = await page.textContent('[data-test="transit-legend"]');
        assert(legend.includes('高铁') && legend.includes('轮渡'), `legend '${legend}'`);
      },
    ],
    [
      'transit: travel-time map from Shanghai',
      async (page) => {
        await loginOk(page, 'enterprise');
        await page.goto(`${BASE}/transit`);
        const at = page.locator('[data-test="transit-at"] input, input[data-test="transit-at"]').first();
        await at.fill(`${today()} 08:00:00`);
        await page.click('#tab-iso');
        await page.waitForSelector('[data-test="iso-map"] path.rl-iso-stop');
        const stops = await page.locator('[data-test="iso-map"] path.rl-iso-stop').count();
        assert(stops >= 5, `only ${stops} stops within the limit`);
        const first = await page.textContent('[data-test="iso-table"] .el-table__row');
        assert(first.includes('上海虹桥站'), `first row '${first}'`);
      },
    ],
    [
      'transit: passenger statistics dashboard (demo data, one series, CSV export)',
      async (page) => {
        await loginOk(page, 'officer_js');
        await page.goto(`${BASE}/transit`);
        await page.click('#tab-stats');
        await page.waitForSelector('[data-test="stats-chart"] canvas');
        await page.waitForSelector('[data-test="stats-demo"]');
        await page.waitForFunction(() => document.querySelector('[data-test="stats-total"]')?.textContent?.includes('60,000.0'));
        const yoy = await page.textContent('[data-test="stats-yoy"]');
        assert(/^\+\d+\.\d%$/.test(yoy.trim()), `year-on-year '${yoy}'`);
        const rows = await page.locator('[data-test="stats-table"] .el-table__row').count();
        assert(rows === 4, `expected four modes, saw ${rows}`);
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test="stats-export"]')]);
        const csv = await readFile(await download.path(), 'utf8');
        const lines = csv.trim().split('\r\n');
        assert(csv.startsWith('\uFEFF') && lines.length === 5, `CSV has ${lines.length} lines`);
        assert(lines[1].startsWith('commercial_passengers,320000,2023,10,'), `CSV row '${lines[1]}'`);
      },
    ],
  ];
}
