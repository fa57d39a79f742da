import { describe, it, expect } from 'vitest';
import {
  HUBEI,
  ZHUSHAN_TOWNSHIPS,
  JIANGLING_TOWNSHIPS,
  type RegionSeed,
  type TownshipSeed,
} from '../../../db/seed/data/hubei-regions';

const DIRECT = '429000';

function walk(node: RegionSeed, visit: (n: RegionSeed, parent: RegionSeed | null) => void, parent: RegionSeed | null = null): void {
  visit(node, parent);
  for (const child of node.children ?? []) walk(child, visit, node);
}

function findByCode(code: string): RegionSeed | undefined {
  let found: RegionSeed | undefined;
  walk(HUBEI, (n) => {
    if (n.code === code) found = n;
  });
  return found;
}

const cities = HUBEI.children ?? [];
const counties = cities.flatMap((c) => c.children ?? []);

describe('HUBEI region tree', () => {
  it('is rooted at 湖北省 (420000)', () => {
    expect(HUBEI.code).toBe('420000');
    expect(HUBEI.name).toBe('湖北省');
  });

  it('has 13 市州 plus the 省直辖县级行政单位 pseudo node (14 children)', () => {
    expect(cities).toHaveLength(14);
    const pseudo = cities.filter((c) => c.code === DIRECT);
    expect(pseudo).toHaveLength(1);
    expect(pseudo[0]!.name).toBe('省直辖县级行政单位');
    expect(cities.filter((c) => c.code !== DIRECT)).toHaveLength(13);
  });

  it('counts 17 prefecture-level-or-equivalent units once the direct-administered ones are counted', () => {
    const direct = cities.find((c) => c.code === DIRECT)!;
    expect((direct.children ?? []).map((c) => c.name).sort()).toEqual(['仙桃市', '天门市', '潜江市', '神农架林区'].sort());
    expect(cities.length - 1 + (direct.children ?? []).length).toBe(17);
  });

  it('includes 恩施土家族苗族自治州 and every 市州 has county-level children', () => {
    expect(cities.some((c) => c.name === '恩施土家族苗族自治州' && c.code === '422800')).toBe(true);
    for (const city of cities) expect((city.children ?? []).length).toBeGreaterThan(0);
  });

  it('lists 103 county-level divisions with no deeper nesting', () => {
    expect(counties).toHaveLength(103);
    for (const county of counties) expect(county.children ?? []).toHaveLength(0);
  });

  it('contains 竹山县 (420323) and 江陵县 (421024) under the right cities', () => {
    expect(cities.find((c) => c.code === '420300')?.children?.some((c) => c.code === '420323' && c.name === '竹山县')).toBe(true);
    expect(cities.find((c) => c.code === '421000')?.children?.some((c) => c.code === '421024' && c.name === '江陵县')).toBe(true);
    expect(findByCode('420323')?.name).toBe('竹山县');
  });

  it('uses 6-digit codes for province, city and county nodes', () => {
    walk(HUBEI, (n) => {
      if (n.code !== null) expect(n.code).toMatch(/^\d{6}$/);
    });
  });

  it('county codes start with their parent city code prefix', () => {
    for (const city of cities) {
      const prefix = city.code === DIRECT ? '4290' : city.code!.slice(0, 4);
      expect(city.code).not.toBeNull();
      for (const county of city.children ?? []) {
        if (county.code !== null) expect(county.code.startsWith(prefix), `${county.name} ${county.code} under ${city.name}`).toBe(true);
      }
    }
  });
});

const townshipSets: Array<[string, string, TownshipSeed[]]> = [
  ['ZHUSHAN_TOWNSHIPS', '420323', ZHUSHAN_TOWNSHIPS],
  ['JIANGLING_TOWNSHIPS', '421024', JIANGLING_TOWNSHIPS],
];

describe.each(townshipSets)('%s', (_label, countyCode, townships) => {
  it('is non-empty with a positive villageCount for every township', () => {
    expect(townships.length).toBeGreaterThan(0);
    for (const ts of townships) {
      expect(Number.isInteger(ts.villageCount)).toBe(true);
      expect(ts.villageCount).toBeGreaterThan(0);
      expect(Array.isArray(ts.knownVillages)).toBe(true);
      expect(ts.knownVillages.length).toBeLessThanOrEqual(ts.villageCount);
    }
  });

  it('township codes are 9 digits and start with the county code', () => {
    for (const ts of townships) {
      if (ts.code !== null) {
        expect(ts.code).toMatch(/^\d{9}$/);
        expect(ts.code.startsWith(countyCode), `${ts.name} ${ts.code}`).toBe(true);
      }
    }
  });

  it('has non-empty, unique township names and unique known village names', () => {
    const names = townships.map((ts) => ts.name);
    for (const n of names) expect(n.trim()).not.toBe('');
    expect(new Set(names).size).toBe(names.length);
    for (const ts of townships) {
      for (const v of ts.knownVillages) expect(v.trim()).not.toBe('');
      expect(new Set(ts.knownVillages).size).toBe(ts.knownVillages.length);
    }
  });
});

describe('codes and names across the whole data set', () => {
  it('every non-null code is unique', () => {
    const codes: string[] = [];
    walk(HUBEI, (n) => {
      if (n.code !== null) codes.push(n.code);
    });
    for (const ts of [...ZHUSHAN_TOWNSHIPS, ...JIANGLING_TOWNSHIPS]) if (ts.code !== null) codes.push(ts.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('names are non-empty and unique among siblings', () => {
    walk(HUBEI, (n) => {
      expect(n.name.trim()).not.toBe('');
      const siblings = (n.children ?? []).map((c) => c.name);
      expect(new Set(siblings).size, `duplicate child names under ${n.name}`).toBe(siblings.length);
    });
  });
});
