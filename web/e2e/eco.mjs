// Browser tests of the GEP page (imported by run.mjs): the seeded Suqian demo run with its map
// overlay, category chart, zonal table and VEP gains; figures are checked against the API.

export function ecoTests({ BASE, loginOk, assert }) {
  return [
    [
      'eco: the seeded Suqian demo run shows its map overlay, zonal table and VEP gains',
      async (page) => {
        await loginOk(page, 'officer_js');
        await page.click('[data-testid="nav-eco"]');
        await page.waitForURL(`${BASE}/eco`);
        await page.waitForSelector('[data-test="eco-runs"] .el-table__row');
        await page.waitForSelector('[data-test="eco-summary"]');
        const runs = await page.evaluate(async () => (await (await fetch('/api/v1/eco/runs')).json()).items);
        const done = runs.find((r) => r.status === 'succeeded');
        assert(done, 'no succeeded demo run');
        const shown = Number(await page.getAttribute('[data-test="eco-summary"]', 'data-gep-fen'));
        assert(shown === done.gep_fen, `page shows GEP ${shown} fen, API says ${done.gep_fen}`);
        // The Leaflet overlay is the run's quick-look PNG, loaded.
        await page.waitForSelector('[data-test="eco-map"] img.eco-overlay');
        await page.waitForFunction(() => {
          const img = document.querySelector('[data-test="eco-map"] img.eco-overlay');
          return img && img.complete && img.naturalWidth > 0;
        });
        const src = await page.getAttribute('[data-test="eco-map"] img.eco-overlay', 'src');
        assert(src.includes(`/api/v1/eco/runs/${done.id}/file?path=quicklooks`), `overlay src ${src}`);
        // Zones: Suqian's five county-level divisions, in Chinese.
        await page.click('.el-tabs__item:has-text("分区统计")');
        await page.waitForSelector('[data-test="eco-zonal"] .el-table__row');
        const zones = await page.$$eval('[data-test="eco-zonal"] .el-table__row', (rows) => rows.map((r) => r.textContent));
        for (const name of ['宿城区', '宿豫区', '沭阳县', '泗阳县', '泗洪县'])
          assert(zones.some((z) => z.includes(name)), `zonal table lacks ${name}`);
        const csv = await page.evaluate(async (id) => {
          const r = await fetch(`/api/v1/eco/runs/${id}/zonal?format=csv`);
          return { type: r.headers.get('content-type'), text: await r.text() };
        }, done.id);
        assert(csv.type.startsWith('text/csv') && csv.text.includes('321302'), 'zonal CSV export');
        // VEP: both demo parcels with a gain per service.
        await page.click('.el-tabs__item:has-text("VEP")');
        await page.waitForSelector('[data-test="eco-vep-parcel"]');
        const parcels = await page.$$eval('[data-test="eco-vep-parcel"]', (els) => els.length);
        assert(parcels === 2, `expected 2 VEP parcels, saw ${parcels}`);
      },
    ],
  ];
}
