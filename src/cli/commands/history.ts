import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { pairHistory } from '../../store/history.js';
import { openStore } from '../../store/store.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { formatAgo, formatBytes, formatTable, shortId, truncate } from './image-format.js';

/**
`glassbox history [--no-trunc] [-q] IMAGE`, as `docker history`: the build steps newest first,
the image ID on the top row and `<missing>` below it (the steps are not images of their own),
SIZE of the layer a step made (compressed, as stored) or 0B for a step that made none.
`--json` adds each layer's digest and diff_id.
*/
export interface HistoryLine {
  created: string | undefined;
  createdBy: string;
  comment: string;
  emptyLayer: boolean;
  layer?: { digest: string; size: number; mediaType: string; diffId: string | undefined };
}

export async function runHistory(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { 'no-trunc': { type: 'boolean', default: false }, quiet: { type: 'boolean', short: 'q', default: false } },
  });
  if (positionals.length !== 1) throw new GlassboxError('CLI_USAGE', 'history takes one image', { kind: 'user', hint: 'glassbox history busybox' });
  const { store } = await openStore();
  const image = store.resolveImage(positionals[0]!);
  const diffIds = image.config.rootfs.diff_ids;
  const layers = image.layers.map((layer, i) => ({ digest: layer.digest, size: layer.size, mediaType: layer.mediaType, diffId: diffIds[i] }));
  const lines: HistoryLine[] = pairHistory(image.config, layers)
    .map(({ step, layer }) => {
      const line: HistoryLine = { created: step.created, createdBy: step.created_by ?? '', comment: step.comment ?? '', emptyLayer: layer === undefined };
      if (layer !== undefined) line.layer = layer;
      return line;
    })
    .reverse();
  if (options.json) {
    printJson(io, { id: image.id, history: lines });
    return 0;
  }
  const id = (top: boolean): string => (top ? (values['no-trunc'] ? image.id : shortId(image.id)) : '<missing>');
  if (values.quiet) {
    printLines(io, lines.map((_, i) => id(i === 0)));
    return 0;
  }
  const rows = lines.map((line, i) => [
    id(i === 0),
    formatAgo(line.created),
    values['no-trunc'] ? line.createdBy : truncate(line.createdBy.replace(/\s+/g, ' '), 45),
    formatBytes(line.layer?.size ?? 0),
    values['no-trunc'] ? line.comment : truncate(line.comment, 40),
  ]);
  printLines(io, formatTable(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows));
  return 0;
}
