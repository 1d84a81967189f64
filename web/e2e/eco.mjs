// Browser tests of the GEP page (imported by run.mjs): the seeded Suqian demo run with its map
// tiles (XYZ tile layer), category chart, zonal table and VEP gains; figures are checked against the API.

const text = async (page, selector) => ((await page.textContent(selector)) ?? '').trim();

export function ecoTests({ BASE, loginOk, assert }) {
  return [
    [
      'eco: the seeded Suqian demo run shows its map tiles, zonal table and VEP gains',
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
        // The map is a Leaflet tile layer of the run's XYZ tiles: tiles load, and one is a real PNG.
        await page.waitForSelector('[data-test="eco-map"] .eco-tiles img.leaflet-tile-loaded');
        await page.waitForFunction(() => {
          const imgs = [...document.querySelectorAll('[data-test="eco-map"] .eco-tiles img.leaflet-tile-loaded')];
          return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth === 256);
        });
        const srcs = await page.$$eval('[data-test="eco-map"] .eco-tiles img.leaflet-tile-loaded', (els) => els.map((e) => e.getAttribute('src')));
        const re = new RegExp(`/api/v1/eco/runs/${done.id}/tiles/gep_total/\\d+/\\d+/\\d+\\.png$`);
        assert(srcs.every((s) => re.test(s)), `tile sources ${srcs.join(' ')}`);
        const tile = await page.evaluate(async (src) => {
          const r = await fetch(src);
          const b = new Uint8Array(await r.arrayBuffer());
          return { status: r.status, type: r.headers.get('content-type'), cache: r.headers.get('cache-control'), empty: r.headers.get('x-tile-empty'),
                   magic: String.fromCharCode(b[1], b[2], b[3]) };
        }, srcs[0]);
        assert(tile.status === 200 && tile.type === 'image/png' && tile.magic === 'PNG', `tile answer ${JSON.stringify(tile)}`);
        assert(tile.cache.includes('max-age'), `tile cache header ${tile.cache}`);
        // At least one shown tile has coloured pixels of the run (not all transparent).
        const painted = await page.evaluate(async () => {
          for (const img of document.querySelectorAll('[data-test="eco-map"] .eco-tiles img.leaflet-tile-loaded')) {
            const c = document.createElement('canvas');
            c.width = 256;
            c.height = 256;
            const g = c.getContext('2d');
            g.drawImage(img, 0, 0);
            const a = g.getImageData(0, 0, 256, 256).data;
            let n = 0;
            for (let i = 3; i < a.length; i += 4) n += a[i] === 255;
            if (n > 100) return n;
          }
          return 0;
        });
        assert(painted > 100, 'no tile shows the run');
        await page.waitForSelector('[data-test="eco-legend"]');
        // Switching the layer loads that service's tiles.
        await page.click('[data-test="eco-layer"]');
        await page.click('.el-select-dropdown__item:has-text("水源涵养")');
        await page.waitForFunction(() =>
          [...document.querySelectorAll('[data-test="eco-map"] .eco-tiles img.leaflet-tile-loaded')].some((i) => i.src.includes('/tiles/water_conservation/')));
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
    [
      'eco: a dataset archive uploads with a progress bar, and a corrupt one is refused naming it',
      async (page) => {
        await loginOk(page, 'officer_js');
        await page.click('[data-testid="nav-eco"]');
        await page.waitForURL(`${BASE}/eco`);
        const before = await page.evaluate(async () => (await (await fetch('/api/v1/eco/datasets')).json()).items.length);
        await page.click('[data-test="eco-upload-open"]');
        await page.fill('input[data-test="eco-upload-name"], [data-test="eco-upload-name"] input', 'e2e broken archive');
        // 2 MiB starting like a zip but truncated: over the server's 1 MiB default, within the upload limit.
        const buffer = Buffer.alloc(2 << 20, 7);
        buffer.write('PK\x03\x04', 0, 'latin1');
        await page.setInputFiles('[data-test="eco-upload-file"]', { name: 'broken.zip', mimeType: 'application/zip', buffer });
        await page.click('[data-test="eco-upload-submit"]');
        await page.waitForSelector('[data-test="eco-upload-progress"][data-failed="1"]');
        const percent = await page.getAttribute('[data-test="eco-upload-progress"]', 'data-percent');
        assert(percent === '100', `upload progress ${percent}%`);
        const err = await text(page, '[data-test="eco-upload-error"]');
        assert(err.includes('broken.zip'), `error does not name the archive: ${err}`);
        const after = await page.evaluate(async () => (await (await fetch('/api/v1/eco/datasets')).json()).items.length);
        assert(after === before, `a refused upload left a dataset (${before} -> ${after})`);
      },
    ],
  ];
}
