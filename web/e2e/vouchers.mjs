// Browser tests of the vouchers page (imported by run.mjs).
// Each test drives the UI by clicking, as the demo logins would; figures are checked against
// the server's own totals (GET /api/v1/vouchers/reports/summary sums the contracts table).

const PROVINCE_ZH = { '310000': '上海', '320000': '江苏', '330000': '浙江', '340000': '安徽' };
const input = (name) => `input[data-test="${name}"], [data-test="${name}"] input`;

export function vouchersTests({ BASE, loginOk, assert }) {
  async function as(page, context, user) {
    await context.clearCookies();
    await loginOk(page, user);
    await page.goto(`${BASE}/vouchers`);
    await page.waitForSelector('[data-test="vouchers-budgets"] .el-table__row');
  }
  async function closeDrawer(page) {
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-test="vouchers-detail"]', { state: 'detached' });
  }
  const row = (page, table, text) => page.locator(`[data-test="${table}"] .el-table__row`, { hasText: text }).first();
  const state = (page, s) => page.locator('[data-test="vouchers-detail-state"]', { hasText: new RegExp(`^${s}$`) }).waitFor();
  // The enterprise's JS quota row (this year's grant comes first): available balance, text and fen.
  async function available(page) {
    const r = page.locator('[data-test="vouchers-quota"] .el-table__row', { hasText: 'JS' }).first();
    await r.waitFor();
    const text = (await r.locator('td').last().textContent()).trim();
    return { text, fen: Number(text.replace(/,/g, '').replace('.', '')) };
  }
  async function chartTotals(page) {
    await page.waitForFunction(() => Number(document.querySelector('[data-test="vouchers-sankey"]')?.getAttribute('data-total-fen')) > 0);
    const el = page.locator('[data-test="vouchers-sankey"]');
    return {
      fen: Number(await el.getAttribute('data-total-fen')),
      count: Number(await el.getAttribute('data-total-count')),
      links: JSON.parse(await el.getAttribute('data-links')),
    };
  }

  return [
    [
      'vouchers: the 450,000 / 300,000 elevator contract with its policy, ledger and audit entries',
      async (page) => {
        await loginOk(page, 'enterprise');
        await page.goto(`${BASE}/vouchers`);
        await page.waitForSelector('[data-test="vouchers-sankey"] canvas');
        await page.waitForSelector('[data-test="vouchers-budgets"] .el-table__row');
        await page.click('#tab-contracts');
        const r = page.locator('[data-test="vouchers-contracts"] .el-table__row', { hasText: '450,000.00' }).first();
        await r.waitFor();
        assert((await r.textContent()).includes('300,000.00'), 'the elevator contract does not show a 300,000 voucher');
        await r.click();
        await page.waitForSelector('[data-test="vouchers-detail"]');
        const detail = await page.textContent('[data-test="vouchers-detail"]');
        assert(detail.includes('150,000.00'), 'the co-pay of 150,000 is missing');
        const policy = await page.textContent('[data-test="vouchers-detail-policy"]');
        assert(policy.includes('JS v1') && policy.includes('DEMO'), `the bound policy is not shown as a labelled demo policy: ${policy}`);
        await page.waitForSelector('[data-test="vouchers-ledger"] .el-table__row');
        const legs = await page.locator('[data-test="vouchers-ledger"] .el-table__row').count();
        assert(legs >= 10, `expected the hold chain and its posts in the ledger table, saw ${legs} rows`);
        await page.waitForSelector('[data-test="vouchers-audit"] .el-table__row');
        const audit = await page.textContent('[data-test="vouchers-audit"]');
        for (const cmd of ['quote.submit', 'quote.award', 'contract.sign', 'contract.deliver', 'contract.accept', 'contract.review']) {
          assert(audit.includes(cmd), `the audit table lacks ${cmd}`);
        }
      },
    ],
    [
      'vouchers: catalogue search finds Chinese text',
      async (page) => {
        await loginOk(page, 'provider');
        await page.goto(`${BASE}/vouchers`);
        await page.click('#tab-catalogue');
        await page.fill(input('vouchers-q'), '曳引系统');
        await page.click('[data-test="vouchers-search"]');
        await page.locator('[data-test="vouchers-results"] .el-table__row', { hasText: '曳引' }).first().waitFor();
      },
    ],
    [
      'vouchers: enterprise flow search → demand → quote → sign → deliver → accept, officer settlement, flow chart = database',
      async (page, context) => {
        const stamp = Date.now().toString(36);
        const title = `E2E 曳引机型式试验 ${stamp}`;
        const service = `E2E 型式试验服务 ${stamp}`;
        const amountFen = 1_234_500; // 12,345 yuan; the demo Jiangsu policy pays 70 % = 8,641.50

        // Enterprise: the chart before, then search the catalogue and post a demand from a result.
        await as(page, context, 'enterprise');
        const before = await chartTotals(page);
        await page.click('#tab-account');
        const availableBefore = await available(page);
        await page.click('#tab-catalogue');
        await page.fill(input('vouchers-q'), '曳引');
        await page.click('[data-test="vouchers-search"]');
        await row(page, 'vouchers-results', '曳引').locator('[data-test="vouchers-demand-for"]').click();
        await page.waitForSelector('[data-test="vouchers-demand-form"]');
        await page.fill(input('vouchers-demand-title'), title);
        await page.fill(input('vouchers-demand-budget'), '12345');
        await page.click('[data-test="vouchers-demand-post"]');
        await row(page, 'vouchers-demands', title).waitFor();

        // Provider: list a service, then quote on the demand with it.
        await as(page, context, 'provider');
        await page.click('#tab-services');
        await page.fill(input('vouchers-service-name'), service);
        await page.click('[data-test="vouchers-service-add"]');
        await row(page, 'vouchers-services', service).waitFor();
        await page.click('#tab-demands');
        await row(page, 'vouchers-demands', title).locator('[data-test="vouchers-quote"]').click();
        await page.fill(input('vouchers-quote-amount'), '12345');
        await page.click('[data-test="vouchers-quote-form"] .el-select');
        await page.locator('.el-select-dropdown__item', { hasText: service }).click();
        await page.click('[data-test="vouchers-quote-submit"]');
        await page.waitForSelector('[data-test="vouchers-quote-form"]', { state: 'hidden' });

        // Enterprise: compare quotes, choose, sign; the quota shows the hold.
        await as(page, context, 'enterprise');
        await page.click('#tab-demands');
        await row(page, 'vouchers-demands', title).click();
        await row(page, 'vouchers-quotes', '12,345.00').locator('[data-test="vouchers-award"]').click();
        await page.click('[data-test="vouchers-sign"]');
        await state(page, 'held');
        const held = await page.textContent('[data-test="vouchers-detail"]');
        assert(held.includes('8,641.50') && held.includes('3,703.50'), `voucher 8,641.50 / co-pay 3,703.50 not shown: ${held}`);
        await closeDrawer(page);
        await page.click('#tab-account');
        await page.waitForFunction((a) => {
          const cells = document.querySelectorAll('[data-test="vouchers-quota"] .el-table__row td');
          return cells.length > 0 && cells[cells.length - 1].textContent.trim() !== a;
        }, availableBefore.text);
        const availableAfter = await available(page);
        assert(availableBefore.fen - availableAfter.fen === 864_150,
          `the quota's available balance went ${availableBefore.text} → ${availableAfter.text}, not down by 8,641.50`);

        // Provider: deliver with an evidence file (its SHA-256 is recorded).
        await as(page, context, 'provider');
        await page.click('#tab-contracts');
        await row(page, 'vouchers-contracts', title).click();
        await page.setInputFiles('[data-test="vouchers-evidence"]', {
          name: `type-test-${stamp}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`型式试验报告 ${stamp}\n`),
        });
        await state(page, 'delivered');
        await row(page, 'vouchers-evidence-list', `type-test-${stamp}.txt`).waitFor();

        // Enterprise: accept with the invoice.
        await as(page, context, 'enterprise');
        await page.click('#tab-contracts');
        await row(page, 'vouchers-contracts', title).click();
        await page.click('[data-test="vouchers-accept"]');
        await page.fill(input('vouchers-invoice'), `E2E-INV-${stamp}`);
        await page.click('[data-test="vouchers-invoice-submit"]');
        await state(page, 'accepted');

        // Officer (Jiangsu): review queue → approve; settlement runs for JS and its Suzhou co-issuer.
        await as(page, context, 'officer_js');
        await page.click('#tab-desk');
        await row(page, 'vouchers-queue', title).click();
        await page.click('[data-test="vouchers-approve"]');
        await state(page, 'approved');
        await row(page, 'vouchers-audit', 'contract.review').waitFor();
        const audit = await page.textContent('[data-test="vouchers-audit"]');
        for (const cmd of ['quote.submit', 'quote.award', 'contract.sign', 'contract.deliver', 'contract.accept', 'contract.review']) {
          assert(audit.includes(cmd), `the contract's audit entries lack ${cmd}`);
        }
        await closeDrawer(page);
        const batchesBefore = await page.locator('[data-test="vouchers-batches"] .el-table__row').count();
        for (const issuer of ['JS', 'JS-SZ']) {
          await page.click('[data-test="vouchers-settle-issuer"]');
          await page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^\\s*${issuer}\\s*$`) }).click();
          await page.click('[data-test="vouchers-settle"]');
          await page.locator('.el-message--success').first().waitFor();
        }
        await page.waitForFunction(
          (n) => document.querySelectorAll('[data-test="vouchers-batches"] .el-table__row').length >= n, batchesBefore + 2);
        await page.click('#tab-contracts');
        await row(page, 'vouchers-contracts', title).click();
        await state(page, 'settled');
        const obligations = await page.textContent('[data-test="vouchers-obligations"]');
        assert(obligations.includes('5,184.90') && obligations.includes('3,456.60'), `obligations JS 5,184.90 + JS-SZ 3,456.60 not shown: ${obligations}`);
        await closeDrawer(page);

        // The flow chart against the database: totals, per pair, and the new order's increment.
        await page.click('#tab-overview');
        await page.waitForFunction((f) => Number(document.querySelector('[data-test="vouchers-sankey"]')?.getAttribute('data-total-fen')) !== f, before.fen);
        const after = await chartTotals(page);
        const res = await page.request.get(`${BASE}/api/v1/vouchers/reports/summary`);
        assert(res.ok(), `summary answered ${res.status()}`);
        const db = await res.json();
        assert(after.fen === db.amount_fen, `chart total ${after.fen} fen != database ${db.amount_fen} fen`);
        assert(after.count === db.orders, `chart count ${after.count} != database ${db.orders}`);
        assert(after.fen - before.fen === amountFen, `the chart grew by ${after.fen - before.fen} fen, not ${amountFen}`);
        const chart = new Map(after.links.map((l) => [`${l.source}|${l.target}`, l]));
        assert(chart.size === db.pairs.length, `chart has ${chart.size} links, database ${db.pairs.length} pairs`);
        for (const p of db.pairs) {
          const l = chart.get(`${PROVINCE_ZH[p.enterprise_province]}|${PROVINCE_ZH[p.provider_province]} ▸`);
          assert(l && l.value === p.amount_fen && l.count === p.count,
            `pair ${p.enterprise_province}→${p.provider_province}: chart ${JSON.stringify(l)} vs database ${p.amount_fen} fen / ${p.count}`);
        }
        const fromTotal = await page.textContent('[data-test="vouchers-flow-total"]');
        assert(fromTotal.replace(/,/g, '').includes((db.amount_fen / 100).toFixed(2)), `the visible total ${fromTotal} is not the database's`);
      },
    ],
    [
      'vouchers: an officer publishes a new policy version; a bad field is refused by name',
      async (page, context) => {
        await as(page, context, 'officer_js');
        await page.click('#tab-policies');
        await row(page, 'vouchers-policies', 'JS').locator('[data-test="vouchers-policy-newversion"]').click();
        await page.waitForSelector('[data-test="vouchers-policy-form"]');
        const year = new Date().getFullYear() + 2 + Math.floor(Math.random() * 60);
        await page.fill(input('pol-from'), `${year}-01-01`);
        await page.fill(input('pol-to'), `${year}-12-31`);
        await page.locator('[data-test="vouchers-policy-form"] .el-checkbox').click(); // no supersede: a later window
        await page.fill(input('pol-contract-cap'), 'abc');
        await page.click('[data-test="vouchers-policy-publish"]');
        await page.locator('[data-test="vouchers-policy-problem"]').waitFor();
        const err = await page.textContent('[data-test="vouchers-policy-form"] .el-form-item.is-error');
        assert(/cap|上限/.test(err), `the refused field is not marked: ${err}`);
        await page.fill(input('pol-contract-cap'), '250000');
        await page.click('[data-test="vouchers-policy-publish"]');
        await page.waitForSelector('[data-test="vouchers-policy-form"]', { state: 'hidden' });
        const r = await row(page, 'vouchers-policies', `${year}-01-01`).textContent();
        assert(r.includes('250,000.00') && /v\d+/.test(r), `the new version is not listed: ${r}`);
      },
    ],
    [
      'vouchers: the auditor sees policies, flags and settlement read-only',
      async (page, context) => {
        await as(page, context, 'auditor');
        await page.click('#tab-policies');
        await row(page, 'vouchers-policies', 'JS').waitFor();
        assert(await page.locator('[data-test="vouchers-policy-newversion"]').count() === 0, 'the auditor can edit policies');
        await page.click('#tab-desk');
        await page.waitForSelector('[data-test="vouchers-batches"]');
        assert(await page.locator('[data-test="vouchers-settle"]').count() === 0, 'the auditor can run settlements');
      },
    ],
  ];
}
