import type { Db } from '../../db/client';
import { getRegion, getAncestors, getChildren, searchRegions, type Region } from '../lib/org/regions';
import { isWithin } from '../lib/org/scope';
import { parseIdParam } from './forms';

/** State for RegionPicker: the picked region if it lies in scope, else the scope's own region. */
export function pickerState(db: Db, url: URL, scope: { regionId: number; regionPath: string }) {
  const pickedId = parseIdParam(url.searchParams.get('pick') ?? undefined);
  let selected: Region | null = pickedId ? getRegion(db, pickedId) : null;
  if (!selected || !isWithin(scope.regionPath, selected.path)) selected = getRegion(db, scope.regionId)!;
  const query = (url.searchParams.get('rq') ?? '').slice(0, 30);
  return {
    selected,
    crumbs: getAncestors(db, selected).filter((r) => isWithin(scope.regionPath, r.path)),
    children: selected.level < 5 ? getChildren(db, selected.id) : [],
    found: query ? searchRegions(db, scope.regionPath, query) : [],
    query,
  };
}
