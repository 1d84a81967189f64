import { describe, expect, it } from 'vitest';
import { csvBlob, csvField, fileStamp, toCsv, type CsvColumn } from './csv';

describe('csvField', () => {
  it('leaves plain values alone', () => {
    expect(csvField('苏州市')).toBe('苏州市');
    expect(csvField(42)).toBe('42');
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(true)).toBe('true');
  });

  it('writes null and undefined as empty fields', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('quotes commas, quotes, line breaks and edge spaces (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\rlf')).toBe('"cr\rlf"');
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('defuses spreadsheet formulas but keeps signed numbers', () => {
    expect(csvField('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvField('+86 21')).toBe("'+86 21");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
  });

  it('writes dates as ISO and objects as JSON', () => {
    expect(csvField(new Date(Date.UTC(2026, 2, 15, 1, 30)))).toBe('2026-03-15T01:30:00.000Z');
    expect(csvField({ ok: true })).toBe('"{""ok"":true}"');
  });
});

describe('toCsv', () => {
  interface Row {
    code: string;
    name: string;
    note: string | null;
  }
  const columns: CsvColumn<Row>[] = [
    { header: '区划代码', value: (r) => r.code },
    { header: 'Name', value: (r) => r.name },
    { header: 'Note, extra', value: (r) => r.note },
  ];

  it('writes a header and CRLF-terminated records', () => {
    const csv = toCsv(columns, [
      { code: '320500', name: '苏州市', note: null },
      { code: '310000', name: 'Shanghai "SH"', note: 'a\r\nb' },
    ]);
    expect(csv).toBe(
      '区划代码,Name,"Note, extra"\r\n' + '320500,苏州市,\r\n' + '310000,"Shanghai ""SH""","a\r\nb"\r\n',
    );
  });

  it('writes only the header for no rows', () => {
    expect(toCsv(columns, [])).toBe('区划代码,Name,"Note, extra"\r\n');
  });
});

describe('csvBlob', () => {
  it('starts with a UTF-8 BOM so that Excel reads Chinese', async () => {
    const blob = csvBlob('名称\r\n苏州市\r\n');
    expect(blob.type).toBe('text/csv;charset=utf-8');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('名称\r\n苏州市\r\n');
  });
});

describe('fileStamp', () => {
  it('stamps in Asia/Shanghai time', () => {
    expect(fileStamp(new Date('2026-03-15T16:05:00Z'))).toBe('20260316-0005');
  });
});
