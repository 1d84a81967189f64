// The region's prefecture and province boundaries, extracted at build time by
// scripts/extract-boundaries.mjs and loaded as a separate chunk.
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';

export interface BoundaryProps {
  code: string;
  name_zh: string;
  province_code: string;
}

export type BoundaryFeature = Feature<Polygon | MultiPolygon, BoundaryProps>;

export interface RegionBoundaries {
  source: string;
  license: string;
  prefectures: FeatureCollection<Polygon | MultiPolygon, BoundaryProps>;
  provinces: FeatureCollection<Polygon | MultiPolygon, BoundaryProps>;
}

export async function loadBoundaries(): Promise<RegionBoundaries> {
  const mod = await import('./generated/yrd-boundaries.json');
  return (mod.default ?? mod) as unknown as RegionBoundaries;
}

export const PROVINCE_COLORS: Record<string, string> = {
  '310000': '#d1495b',
  '320000': '#2e86ab',
  '330000': '#3bb273',
  '340000': '#edae49',
};
