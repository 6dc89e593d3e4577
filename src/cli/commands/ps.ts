import { parseArgs } from 'node:util';
import { effectiveStatus } from '../../container/control.js';
import type { ContainerState, ListedContainer } from '../../container/state.js';
import { GlassboxError } from '../../errors.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { loadContainers, optionalKernel } from './container-context.js';
import { formatAgo, formatTable, truncate } from './image-format.js';

/**
`glassbox ps [-a] [-q] [--no-trunc]`, as `docker ps`: running containers (all with -a), newest
first, in Docker's columns: CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, NAMES. STATUS is
`Up 3 seconds`, `Exited (137) 2 minutes ago`, `Created`, `Starting` (glassbox's own: cloned,
not yet past execve, shown with -a) or `Dead`.
*/
export interface ContainerRow {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string;
  created: string;
  state: string;
  status: string;
  exitCode: number | null;
  oomKilled: boolean;
  pid: number | null;
}

/** Docker's STATUS column. */
export function formatStatus(state: ContainerState, now: Date = new Date()): string {
  const since = (iso: string | undefined): string => formatAgo(iso, now).replace(/ ago$/, '');
  const status = effectiveStatus(state);
  if (status === 'running') return `Up ${since(state.startedAt)}`;
  if (status === 'exited') return `Exited (${state.exitCode ?? 0}) ${formatAgo(state.finishedAt, now)}`;
  if (status === 'created') return 'Created';
  if (status === 'starting') return 'Starting';
  return 'Dead';
}

export function containerRow(state: ContainerState, now: Date = new Date()): ContainerRow {
  const status = effectiveStatus(state);
  return {
    id: state.id,
    name: state.name,
    image: state.config.image,
    imageId: state.config.imageId,
    command: [...state.config.entrypoint, ...state.config.cmd].join(' '),
    created: state.created,
    state: status,
    status: formatStatus(state, now),
    exitCode: state.exitCode ?? null,
    oomKilled: state.oomKilled ?? false,
    pid: status === 'running' || status === 'starting' ? (state.processes.init?.pid ?? null) : null,
  };
}

export function listRows(listed: readonly ListedContainer[], all: boolean, now: Date = new Date()): ContainerRow[] {
  return listed
    .filter((entry): entry is ListedContainer & { state: ContainerState } => entry.state !== undefined)
    .map((entry) => containerRow(entry.state, now))
    .filter((row) => all || row.state === 'running')
    .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}

export async function runPs(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      all: { type: 'boolean', short: 'a', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      'no-trunc': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new GlassboxError('CLI_USAGE', 'ps takes no arguments', { kind: 'user', hint: 'glassbox ps -a' });
  const rows = listRows(await loadContainers(await optionalKernel(options)), values.all);
  const full = values['no-trunc'];
  if (options.json) {
    printJson(io, values.quiet ? rows.map((row) => row.id) : rows);
    return 0;
  }
  const id = (value: string): string => (full ? value : value.slice(0, 12));
  if (values.quiet) {
    if (rows.length > 0) printLines(io, rows.map((row) => id(row.id)));
    return 0;
  }
  const now = new Date();
  printLines(
    io,
    formatTable(
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'],
      rows.map((row) => [id(row.id), row.image, JSON.stringify(full ? row.command : truncate(row.command, 20)), formatAgo(row.created, now), row.status, row.name]),
    ),
  );
  return 0;
}
