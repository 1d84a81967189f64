// Browser test of the land market (imported by run.mjs): one entry case walked through the
// UI from the villagers' vote to registration, with two bidders in timed bidding, then the
// winner, the adjustment fund, the member payouts and the deposit refunds checked against the
// ledger through the API. Durations are seconds so that the test is fast.
import { request } from 'playwright-core';

const PASSWORD = 'riverlink2026';

// A signed-in API session (cookie + CSRF token) for setup and ledger checks.
async function apiSession(BASE, username) {
  const ctx = await request.newContext({ baseURL: BASE });
  const res = await ctx.post('/api/v1/auth/login', { data: { username, password: PASSWORD } });
  if (!res.ok()) throw new Error(`API login ${username}: ${res.status()} ${await res.text()}`);
  const me = await res.json();
  let n = 0;
  const headers = () => ({ 'X-CSRF-Token': me.csrf_token, 'Idempotency-Key': `e2e-land-${Date.now()}-${++n}` });
  const check = async (r, what) => {
    if (!r.ok()) throw new Error(`${what}: ${r.status()} ${await r.text()}`);
    return r.json();
  };
  return {
    me,
    get: async (path) => check(await ctx.get(path), `GET ${path}`),
    post: async (path, data) => check(await ctx.post(path, { data, headers: headers() }), `POST ${path}`),
    dispose: () => ctx.dispose(),
  };
}

// Shanghai calendar date, offset by whole days.
function shanghaiDate(offsetDays = 0) {
  return new Date(Date.now() + 8 * 3600_000 + offsetDays * 86400_000).toISOString().slice(0, 10);
}

export function landTests({ BASE, loginOk, assert }) {
  const input = (page, name) => page.locator(`textarea[data-test="${name}"], [data-test="${name}"] textarea, input[data-test="${name}"], [data-test="${name}"] input`).first();

  async function openCase(page, code) {
    await page.goto(`${BASE}/land`);
    await page.click('#tab-cases');
    const row = page.locator('[data-test="cases"] .el-table__row', { hasText: code }).first();
    await row.waitFor();
    await row.click();
    await page.waitForSelector('[data-test="case-console"]');
  }

  // Chooses a command in the open case console, edits its prefilled body, submits.
  async function command(page, cmd, edit, expectState) {
    await page.click(`[data-test="cmd-${cmd}"]`);
    const box = input(page, 'case-body');
    await box.waitFor();
    const body = JSON.parse(await box.inputValue());
    const next = edit ? edit(body) ?? body : body;
    await box.fill(JSON.stringify(next, null, 2));
    await page.click('[data-test="case-submit"]');
    if (expectState) {
      await page.waitForSelector(`[data-test="case-console"][data-state="${expectState}"]`).catch(async () => {
        const err = await page.locator('[data-test="case-error"]').textContent().catch(() => '');
        throw new Error(`${cmd}: the case did not reach ${expectState} ${err ? `(${err.trim()})` : ''}`);
      });
    }
  }

  async function account(api, owner) {
    const r = await api.get(`/api/v1/ledger/accounts?owner=${encodeURIComponent(owner)}`);
    assert(r.items.length === 1, `expected one ledger account for ${owner}, found ${r.items.length}`);
    return r.items[0].balances;
  }

  return [
    [
      'land: a case from the villagers\' vote to registration with two bidders in timed bidding, checked against the ledger',
      async (page) => {
        const browser = page.context().browser();
        const contexts = [];
        const pages = [];
        let where = 'setup';
        const step = (w) => { where = w; if (process.env.E2E_VERBOSE) console.log(`     land: ${w}`); };
        const newPage = async () => {
          const c = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
          contexts.push(c);
          const p = await c.newPage();
          p.setDefaultTimeout(20_000);
          p.on('pageerror', (e) => console.log(`     land pageerror: ${e.message}`));
          pages.push(p);
          return p;
        };
        const run = Date.now().toString(36);
        const admin = await apiSession(BASE, 'admin');
        const officerApi = await apiSession(BASE, 'officer_js');
        const auditor = await apiSession(BASE, 'auditor');
        try {
          // ---- setup through the API: a second bidder, a collective of 6, a parcel, a case up to the scheme.
          const bidder2Name = `e2e_bidder_${run}`;
          const bidder2 = await admin.post('/api/v1/users', { username: bidder2Name, display_name: '第二竞买人（测试）', password: PASSWORD, role: 'bidder', division_code: '320200' });
          const users = await admin.get('/api/v1/users');
          const bidderA = (users.items ?? users).find((u) => u.username === 'bidder');
          assert(bidderA && bidder2.id, 'the demo bidder or the new bidder has no id');
          const col = `e2e-col-${run}`;
          const shares = [2, 2, 1, 1, 1, 1];
          await officerApi.post('/api/v1/land/collectives', {
            id: col, name: `测试村民小组 ${run}`, division_code: '320282', kind: 'village_group', retention_bp: 1200, payout_mode: 'cash',
            members: shares.map((s, i) => ({ id: `m${i + 1}`, name: `村民${i + 1}`, shares: s, is_representative: i < 3 })),
          });
          const code = `E2E-${run}`.toUpperCase();
          const parcel = await officerApi.post('/api/v1/land/parcels', {
            code, name: `测试地块 ${run}`, division_code: '320282', collective_id: col,
            geometry: { type: 'Polygon', coordinates: [[[119.70, 31.30], [119.702, 31.30], [119.702, 31.3016], [119.70, 31.3016], [119.70, 31.30]]] },
            planned_use: 'commercial_service', land_class: 'existing_construction', zone: 'town', ownership_registered: true,
          });
          const kase = await officerApi.post('/api/v1/land/cases', { parcel_id: parcel.id, route: 'in_place' });
          const tr = (cmd, body) => officerApi.post(`/api/v1/land/cases/${kase.id}/transitions/${cmd}`, body);
          await tr('check_eligibility', {});
          await tr('issue_planning', { use: 'commercial_service', plot_ratio_max: 2.0, height_max_m: 24, industry_requirements: '商业服务业准入（测试）', eco_requirements: '环评（测试）' });
          const price0 = 100_000_000; // 1,000,000 yuan
          const deposit = 20_000_000; // 200,000 yuan
          await tr('draft_scheme', { term_years: 40, method: 'listing', entry_price_fen: price0, deposit_fen: deposit, planned_trade_date: shanghaiDate(0), distribution_plan: { note: 'e2e' } });

          step('vote');
          // ---- the collective agent records the vote: 3 of 6 is refused and changes nothing; 4 of 6 passes.
          const agent = await newPage();
          await loginOk(agent, 'agent');
          await openCase(agent, code);
          await command(agent, 'vote', (b) => ({ ...b, basis: 'members', yes: 3 }));
          await agent.waitForSelector('[data-test="case-error"]');
          assert((await agent.textContent('[data-test="case-error"]')).includes('land.vote_short_of_two_thirds'), 'no 2/3 error shown');
          assert((await agent.getAttribute('[data-test="case-console"]', 'data-state')) === 'scheme_drafted', 'a short vote changed the state');
          await command(agent, 'vote', (b) => ({ ...b, basis: 'members', yes: 4 }), 'vote_passed');
          await command(agent, 'file_scheme', (b) => ({ ...b, filed_date: shanghaiDate(-30) }), 'scheme_filed');
          await agent.waitForSelector('[data-test="doc-filing"]');

          step('deposits');
          // ---- the bank confirms both bidders' deposits into their sub-accounts.
          const walletA0 = await account(auditor, `bidder:${bidderA.id}`);
          const bank = await newPage();
          await loginOk(bank, 'bank');
          await bank.goto(`${BASE}/land`);
          await bank.click('#tab-deposits');
          for (const id of [bidderA.id, bidder2.id]) {
            await input(bank, 'deposit-bidder').fill(id);
            await input(bank, 'deposit-amount').fill(String(deposit / 100));
            await bank.click('[data-test="deposit-submit"]');
            await bank.waitForSelector('[data-test="deposit-done"]');
            await bank.waitForTimeout(300);
          }

          step('announce');
          // ---- the officer: the review window passed, so the ticker has cleared the scheme; announce a fast lot.
          const officer = await newPage();
          await loginOk(officer, 'officer_js');
          await openCase(officer, code);
          let state = await officer.getAttribute('[data-test="case-console"]', 'data-state');
          if (state === 'scheme_filed') {
            await officer.waitForTimeout(1500);  // the ticker runs twice a second
            await openCase(officer, code);
            state = await officer.getAttribute('[data-test="case-console"]', 'data-state');
          }
          if (state === 'scheme_filed') await command(officer, 'review', (b) => ({ ...b, date: shanghaiDate(-29) }), 'cleared');
          const openAt = new Date(Date.now() + 3_000);
          const closeAt = new Date(Date.now() + 50_000);
          await command(officer, 'announce', (b) => ({
            ...b, announce_date: shanghaiDate(-25), title: `测试挂牌 ${run}`,
            lot: { increment_fen: 1_000_000, open_at: openAt.toISOString(), close_at: closeAt.toISOString(), freeze_before_close_s: 0,
              min_timed_bidders: 2, countdown_s: 15 },
          }), 'announced');
          const lotHref = await officer.getAttribute('[data-test="case-lot-link"]', 'href');
          const lotId = lotHref.split('/').pop();

          step('register and bid');
          // ---- two bidders register (deposit hold) and bid on the live page.
          const A = await newPage();
          const B = await newPage();
          await loginOk(A, 'bidder');
          await loginOk(B, bidder2Name);
          for (const p of [A, B]) {
            await p.goto(`${BASE}${lotHref}`);
            await p.click('[data-test="register"]');
            await p.waitForSelector('[data-test="standing"]');
            assert((await p.textContent('[data-test="my-bidder-id"]')).trim().length > 0, 'the bidder id is not shown');
          }
          const phase = (p) => p.getAttribute('[data-test="phase"]', 'data-phase');
          const bidAt = async (p, rung) => {
            const bids = await p.locator(".el-table__row").count();
            await p.click(`[data-test="ladder-${rung}"]`);
            await p.click('[data-test="bid"]');
            await p.waitForFunction((n) => document.querySelectorAll('.el-table__row').length > n, bids);
          };
          await A.waitForSelector('[data-test="phase"][data-phase="listing"]');
          await bidAt(A, 0);                                        // 1,000,000
          await B.waitForSelector('[data-test="phase"][data-phase="listing"]');
          await B.waitForFunction(() => document.querySelector('[data-test="high"]')?.textContent?.includes('1,000,000.00'));
          await bidAt(B, 0);                                        // 1,010,000
          step('timed bidding');
          // At the listing deadline, with two bidders, timed bidding starts (no request needed).
          await A.waitForSelector('[data-test="phase"][data-phase="timed"]', { timeout: 60_000 });
          await A.waitForSelector('[data-test="last-minute"]');     // countdown < 1 min: warning shown
          await A.waitForFunction(() => document.querySelector('[data-test="high"]')?.textContent?.includes('1,010,000.00'));
          await bidAt(A, 0);                                        // 1,020,000 restarts the countdown
          await B.waitForFunction(() => document.querySelector('[data-test="high"]')?.textContent?.includes('1,020,000.00'));
          await bidAt(B, 1);                                        // 1,040,000
          step('result over SSE');
          // Both pages learn the result over SSE when the countdown ends.
          for (const p of [A, B]) await p.waitForSelector('[data-test="phase"][data-phase="sold"]', { timeout: 60_000 });
          assert((await B.textContent('[data-test="outcome"]')).includes('1,040,000.00'), 'the outcome does not show 1,040,000');
          await B.waitForSelector('[data-test="deposit-status"]');
          await A.waitForFunction(() => /已退还|refunded/.test(document.querySelector('[data-test="deposit-status"]')?.textContent ?? ''), null, { timeout: 30_000 });
          await B.waitForFunction(() => /已转作价款|applied/.test(document.querySelector('[data-test="deposit-status"]')?.textContent ?? ''), null, { timeout: 30_000 });
          assert(await phase(A) === 'sold', 'bidder A does not see the lot sold');

          step('contract to registration');
          // ---- the officer records the result and the contract, payment and fund; the agent distributes; registration.
          await openCase(officer, code);
          await command(officer, 'record_result', null, 'sold');
          assert((await officer.textContent('[data-test="case-deadlines"]')).length > 0, 'no deadlines shown');
          await command(officer, 'sign_contract', (b) => {
            Object.assign(b.contract, { payment_terms: '签约后一个月内付清', early_recovery: '依合同补偿', renewal: '依法续期',
              buildings_on_expiry: '依合同处理', default_liability: '违约金', dispute_resolution: '宜兴市人民法院' });
            return b;
          }, 'contract_signed');
          await command(officer, 'record_payment', null, 'paid');
          const treasury0 = await account(auditor, 'treasury:320282');
          await command(officer, 'settle_fund', (b) => ({ ...b, rate_table_id: 'deqing-grid-demo', taxes_fen: 0 }), 'fund_settled');
          const treasury1 = await account(auditor, 'treasury:320282');
          await openCase(agent, code);
          await command(agent, 'distribute', (b) => ({ ...b, costs_fen: 0 }), 'distributed');
          await agent.waitForSelector('[data-test="case-statements"] .el-table__row');
          await openCase(officer, code);
          await command(officer, 'register', (b) => ({ ...b, certificate_no: `苏（测试）宜兴市不动产权第 ${run} 号` }), 'registered');

          step('ledger checks');
          // ---- checks against the API and the ledger.
          const price = 104_000_000;
          const c = await auditor.get(`/api/v1/land/cases/${kase.id}`);
          assert(c.state === 'registered', `case ended ${c.state}`);
          assert(c.doc.result.winner === bidder2.id, `winner ${c.doc.result.winner}, expected the second bidder`);
          assert(c.doc.result.price_fen === price, `price ${c.doc.result.price_fen}`);
          const lot = await auditor.get(`/api/v1/land/lots/${lotId}`);
          assert(lot.outcome?.sold && lot.outcome.price_fen === price && lot.outcome.reason === 'timed_bidding', 'lot outcome wrong');
          assert(lot.countdown_restarts >= 2, `countdown restarted ${lot.countdown_restarts} times`);
          // Fund: town commercial 40% of the gross price (Deqing demo grid), into the county treasury.
          const fund = Math.floor(price * 4000 / 10000);
          assert(c.doc.fund.fund.fund_fen === fund, `fund ${c.doc.fund.fund.fund_fen}, expected ${fund}`);
          assert(treasury1.credits_posted - treasury0.credits_posted === fund, 'the treasury did not receive the fund');
          const escrow = await account(auditor, `lot:${lotId}`);
          assert(escrow.credits_posted === price && escrow.debits_posted === price, `escrow in ${escrow.credits_posted} out ${escrow.debits_posted}`);
          // Member payouts: 12% retained, the rest by shares, each on its member's ledger account.
          const net = price - fund;
          const pool = net - Math.floor(net * 1200 / 10000);
          const total = shares.reduce((a, b) => a + b, 0);
          const st = await auditor.get(`/api/v1/land/cases/${kase.id}/statements`);
          assert(st.items.length === 6, `${st.items.length} statements`);
          let paid = 0;
          for (const s of st.items) {
            const want = Math.floor(pool * s.shares / total);
            assert(s.amount_fen === want, `${s.member_id}: ${s.amount_fen}, expected ${want}`);
            const m = await account(auditor, `member:${col}:${s.member_id}`);
            assert(m.credits_posted === want, `${s.member_id}'s ledger account holds ${m.credits_posted}, expected ${want}`);
            paid += want;
          }
          const colAcc = await account(auditor, `collective:${col}`);
          assert(colAcc.credits_posted === net && colAcc.debits_posted === paid, `collective in ${colAcc.credits_posted} out ${colAcc.debits_posted}`);
          // Deposits: the loser's hold released (nothing posted), the winner's applied to the price.
          const walletA1 = await account(auditor, `bidder:${bidderA.id}`);
          assert(walletA1.debits_pending === walletA0.debits_pending, 'bidder A still has a deposit held');
          assert(walletA1.debits_posted === walletA0.debits_posted, 'bidder A lost money');
          assert(walletA1.credits_posted - walletA0.credits_posted === deposit, 'bidder A\'s confirmed deposit is not on the ledger');
          const walletB = await account(auditor, `bidder:${bidder2.id}`);
          assert(walletB.credits_posted === deposit && walletB.debits_posted === deposit && walletB.debits_pending === 0, 'the winner\'s deposit was not applied');
          const replay = await auditor.get(`/api/v1/land/lots/${lotId}/verify`);
          assert(replay.matches, 'the lot does not replay from its event log');
        } catch (e) {
          for (const [i, p] of pages.entries()) await p.screenshot({ path: `e2e/out/land-${i}.png`, fullPage: true }).catch(() => {});
          throw new Error(`at "${where}": ${e.message}`);
        } finally {
          for (const c of contexts) await c.close().catch(() => {});
          for (const a of [admin, officerApi, auditor]) await a.dispose();
        }
      },
    ],
  ];
}
