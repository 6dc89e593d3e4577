import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { formatReference, parseReference } from '../../oci/reference.js';
import { ANNOTATION_STORED, refNameOf } from '../../store/index-file.js';
import { openStore, type ListedImage } from '../../store/store.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { formatAgo, formatBytes, formatTable, shortId, splitName } from './image-format.js';

/**
`glassbox images [-q] [--digests] [--no-trunc] [REPOSITORY[:TAG]]`, as `docker images`:
one row per name, newest first. SIZE is what the image takes in the store (its compressed
layers and config), since layers are unpacked only when a container needs them.
*/
export interface ImageRow {
  name: string | undefined;
  repository: string;
  tag: string;
  id: string;
  /** the manifest digest, as pulled */
  digest: string;
  created: string | undefined;
  stored: string | undefined;
  size: number;
  platform: string | undefined;
  error?: string;
}

export async function runImages(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      quiet: { type: 'boolean', short: 'q', default: false },
      digests: { type: 'boolean', default: false },
      'no-trunc': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) throw new GlassboxError('CLI_USAGE', 'images takes at most one REPOSITORY[:TAG]', { kind: 'user', hint: 'glassbox images busybox' });
  const { store } = await openStore();
  const rows = listImageRows(store.listImages(), positionals[0]);
  if (options.json) {
    printJson(io, rows);
    return 0;
  }
  const id = (digest: string): string => (values['no-trunc'] ? digest : shortId(digest));
  if (values.quiet) {
    printLines(io, [...new Set(rows.map((row) => id(row.id)))]);
    return 0;
  }
  const header = ['REPOSITORY', 'TAG', ...(values.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  const table = rows.map((row) => [row.repository, row.tag, ...(values.digests ? [row.digest] : []), row.error ? '<damaged>' : id(row.id), formatAgo(row.created), formatBytes(row.size)]);
  printLines(io, formatTable(header, table));
  for (const row of rows.filter((r) => r.error)) io.stderr.write(`glassbox: ${row.name ?? row.digest}: ${row.error}\n`);
  return 0;
}

export function listImageRows(listed: ListedImage[], filter?: string): ImageRow[] {
  const wanted = filter === undefined ? undefined : filterOf(filter);
  const rows: ImageRow[] = listed.map(({ entry, image, error }) => {
    const name = refNameOf(entry);
    const size = image === undefined ? 0 : image.layers.reduce((sum, layer) => sum + layer.size, image.manifest.config.size);
    const platform = image?.config === undefined ? undefined : [image.config.os, image.config.architecture, image.config.variant].filter(Boolean).join('/');
    const row: ImageRow = {
      name,
      ...splitName(name),
      id: image?.id ?? entry.digest,
      digest: image?.manifestDescriptor.digest ?? entry.digest,
      created: image?.config.created,
      stored: entry.annotations?.[ANNOTATION_STORED],
      size,
      platform,
    };
    if (error !== undefined) row.error = error.message;
    return row;
  });
  const kept = rows.filter((row) => wanted === undefined || wanted(row));
  // Newest first, as docker does; names break ties so the order is stable.
  return kept.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (a.name ?? '').localeCompare(b.name ?? ''));
}

function filterOf(text: string): (row: ImageRow) => boolean {
  const reference = parseReference(text);
  const repository = formatReference({ domain: reference.domain, path: reference.path });
  const tagGiven = /:[^/]+$/.test(text.split('@')[0]!);
  return (row) => {
    if (row.name === undefined) return false;
    try {
      const stored = parseReference(row.name);
      return formatReference({ domain: stored.domain, path: stored.path }) === repository && (!tagGiven || stored.tag === reference.tag);
    } catch {
      return row.name === text; // a bare tag from a layout another tool wrote
    }
  };
}
