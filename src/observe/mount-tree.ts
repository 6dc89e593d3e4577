import type { MountEntry } from './mountinfo.js';

export interface MountNode {
  entry: MountEntry;
  /** Children in table order, which is the order they were mounted in. */
  children: MountNode[];
}

/**
Parent → children. The roots are entries whose parent is not in the table: the root
of the namespace (its parent lives in another namespace), or anything if the table
was filtered. A mount stacked on the same point is a child of the one it covers.
*/
export function buildMountTree(entries: MountEntry[]): MountNode[] {
  const nodes = new Map<number, MountNode>();
  for (const entry of entries) nodes.set(entry.mountId, { entry, children: [] });
  const roots: MountNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.entry.parentId === node.entry.mountId ? undefined : nodes.get(node.entry.parentId);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  return roots;
}

/** Depth-first, parents before children, with the depth for indenting. */
export function walkMountTree(roots: MountNode[]): { entry: MountEntry; depth: number }[] {
  const out: { entry: MountEntry; depth: number }[] = [];
  const visit = (node: MountNode, depth: number): void => {
    out.push({ entry: node.entry, depth });
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return out;
}

export interface MountChange {
  before: MountEntry;
  after: MountEntry;
  /** Names of the MountEntry fields that differ. */
  fields: (keyof MountEntry)[];
}

export interface MountDiffResult {
  added: MountEntry[];
  removed: MountEntry[];
  changed: MountChange[];
}

/**
How a mount is matched between two tables.
- `id`: the same mount over time in one namespace (mount ids are unique while a mount lives).
- `path`: across namespaces, where a copied mount gets a new id; the key is the mount point
  and its place in the stack there (`/dev/pts` twice = two keys).
*/
export type MountDiffKey = 'id' | 'path';

const COMPARED: (keyof MountEntry)[] = [
  'mountPoint', 'root', 'fsType', 'source', 'major', 'minor', 'options', 'superOptions', 'optionalFields', 'parentId',
];

function keyed(entries: MountEntry[], by: MountDiffKey): Map<string, MountEntry> {
  const map = new Map<string, MountEntry>();
  const stack = new Map<string, number>();
  for (const entry of entries) {
    if (by === 'id') {
      map.set(String(entry.mountId), entry);
    } else {
      const depth = stack.get(entry.mountPoint) ?? 0;
      stack.set(entry.mountPoint, depth + 1);
      map.set(`${entry.mountPoint}#${depth}`, entry);
    }
  }
  return map;
}

/** What changed from `before` to `after`, for the TUI's "what this step did" view. */
export function diffMountTables(before: MountEntry[], after: MountEntry[], by: MountDiffKey = 'id'): MountDiffResult {
  const old = keyed(before, by);
  const now = keyed(after, by);
  const result: MountDiffResult = { added: [], removed: [], changed: [] };
  // A parent's id says nothing new when matching by path: every copied mount has a new one.
  const fields = by === 'id' ? COMPARED : COMPARED.filter((field) => field !== 'parentId');
  for (const [key, entry] of old) {
    const next = now.get(key);
    if (next === undefined) {
      result.removed.push(entry);
      continue;
    }
    const differing = fields.filter((field) => JSON.stringify(entry[field]) !== JSON.stringify(next[field]));
    if (differing.length > 0) result.changed.push({ before: entry, after: next, fields: differing });
  }
  for (const [key, entry] of now) if (!old.has(key)) result.added.push(entry);
  return result;
}
