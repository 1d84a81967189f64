// Browser tests of the vouchers page (imported by run.mjs).
export function vouchersTests({ BASE, loginOk, assert }) {
  return [
    [
      'vouchers: the 450,000 / 300,000 elevator contract with its policy and ledger entries',
      async (page) => {
        await loginOk(page, 'enterprise');
        await page.goto(`${BASE}/vouchers`);
        await page.waitForSelector('[data-test="vouchers-sankey"] canvas');
        await page.waitForSelector('[data-test="vouchers-budgets"] .el-table__row');
        await page.click('#tab-contracts');
        const row = page.locator('[data-test="vouchers-contracts"] .el-table__row', { hasText: '450,000.00' }).first();
        await row.waitFor();
        assert((await row.textContent()).includes('300,000.00'), 'the elevator contract does not show a 300,000 voucher');
        await row.click();
        await page.waitForSelector('[data-test="vouchers-detail"]');
        const detail = await page.textContent('[data-test="vouchers-detail"]');
        assert(detail.includes('150,000.00'), 'the co-pay of 150,000 is missing');
        await page.waitForSelector('[data-test="vouchers-ledger"] .el-table__row');
        const legs = await page.locator('[data-test="vouchers-ledger"] .el-table__row').count();
        assert(legs >= 10, `expected the hold chain and its posts in the ledger table, saw ${legs} rows`);
      },
    ],
    [
      'vouchers: catalogue search finds Chinese text',
      async (page) => {
        await loginOk(page, 'provider');
        await page.goto(`${BASE}/vouchers`);
        await page.click('#tab-catalogue');
        await page.fill('input[data-test="vouchers-q"], [data-test="vouchers-q"] input', '曳引系统');
        await page.click('[data-test="vouchers-search"]');
        await page.locator('[data-test="vouchers-results"] .el-table__row', { hasText: '曳引' }).first().waitFor();
      },
    ],
  ];
}
