import { parseReference, familiarReference } from '../../oci/reference.js';

/**
Output helpers shared by the image commands (images, history, rmi, load), printing the way
Docker does: short IDs of 12 hex digits, decimal sizes (progress-view's formatBytes), "2 weeks
ago", and columns separated by at least three spaces.
*/
export { formatBytes } from '../../pull/progress-view.js';

/** `sha256:abcdef…` → `abcdef012345` */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Repository and tag as Docker lists them: `busybox` + `latest`, `<none>` for what is missing. */
export function splitName(name: string | undefined): { repository: string; tag: string } {
  if (name === undefined) return { repository: '<none>', tag: '<none>' };
  try {
    const reference = parseReference(name);
    const familiar = familiarReference({ domain: reference.domain, path: reference.path });
    return { repository: familiar, tag: reference.tag ?? '<none>' };
  } catch {
    return { repository: '<none>', tag: name };
  }
}

/** `busybox:latest`, `ghcr.io/o/r:1`: the short form of a stored full name. */
export function familiarName(name: string): string {
  try {
    return familiarReference(parseReference(name));
  } catch {
    return name;
  }
}

/** Docker's HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"… + " ago". */
export function formatAgo(iso: string | undefined, now: Date = new Date()): string {
  if (iso === undefined) return 'N/A';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'N/A';
  const seconds = Math.max(0, (now.getTime() - then) / 1000);
  const ago = (text: string): string => `${text} ago`;
  if (seconds < 1) return ago('Less than a second');
  if (seconds < 2) return ago('1 second');
  if (seconds < 60) return ago(`${Math.floor(seconds)} seconds`);
  const minutes = seconds / 60;
  if (minutes < 2) return ago('About a minute');
  if (minutes < 60) return ago(`${Math.floor(minutes)} minutes`);
  const hours = minutes / 60;
  if (hours < 2) return ago('About an hour');
  if (hours < 48) return ago(`${Math.floor(hours)} hours`);
  const days = hours / 24;
  if (days < 14) return ago(`${Math.floor(days)} days`);
  if (days < 90) return ago(`${Math.floor(days / 7)} weeks`);
  if (days < 730) return ago(`${Math.floor(days / 30)} months`);
  return ago(`${Math.floor(days / 365)} years`);
}

/** Cuts `text` to `width` characters, ending in `…` when cut. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Left-aligned columns, three spaces apart, no trailing blanks (Docker's tabwriter look). */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
