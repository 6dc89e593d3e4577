import { shortDigest } from '../oci/digest.js';
import type { LayerState, PullEvent } from './pull-events.js';

/**
Turns pull events into what `docker pull` shows: a status line per layer
(`a1b2c3d4e5f6: Downloading  1.05MB/4.19MB`) under a header. Pure: the CLI decides whether
to redraw the lines in place (a terminal) or print changes as plain lines (a log file, CI).
*/
interface LayerLine {
  digest: string;
  size: number;
  received: number;
  state: LayerState;
  reason?: string;
}

const STATE_TEXT: Record<LayerState, string> = {
  waiting: 'Waiting',
  exists: 'Already exists',
  downloading: 'Downloading',
  resuming: 'Resuming',
  restarting: 'Restarting',
  verifying: 'Verifying Checksum',
  done: 'Download complete',
  failed: 'Failed',
};

/** Decimal units, three significant digits, as Docker prints sizes: `812B`, `12.3kB`, `4.19MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(value) : value.toPrecision(3).replace(/\.?0+$/, '');
  return `${text}${units[unit]}`;
}

export class PullProgress {
  readonly header: string[] = [];
  readonly footer: string[] = [];
  private readonly layers = new Map<string, LayerLine>();

  /** Applies one event; returns the layer line that changed, or undefined. */
  apply(event: PullEvent): string | undefined {
    switch (event.type) {
      case 'resolving':
        this.header.push(`Pulling ${event.reference} from ${event.registry}`);
        return undefined;
      case 'resolved':
        this.header.push(`Image ${shortDigest(event.digest)}${event.platform ? ` for ${event.platform}` : ''}${event.index ? ` (from index ${shortDigest(event.index)})` : ''}`);
        return undefined;
      case 'layer': {
        const line: LayerLine = { digest: event.digest, size: event.size, received: event.received, state: event.state };
        if (event.reason !== undefined) line.reason = event.reason;
        this.layers.set(event.digest, line);
        return renderLayer(line);
      }
      case 'retry':
        this.footer.push(`Retrying ${event.what} in ${(event.delayMs / 1000).toFixed(1)} s (${event.reason})`);
        return undefined;
      case 'warning':
        this.footer.push(`Warning: ${event.message}`);
        return undefined;
      case 'done':
        this.footer.push(`Digest: ${event.digest}`);
        this.footer.push(
          `Status: ${event.layers === event.reused ? 'Image is up to date' : `Downloaded ${formatBytes(event.downloaded)} in ${(event.ms / 1000).toFixed(1)} s`} for ${event.reference}`,
        );
        return undefined;
    }
  }

  layerLines(): string[] {
    return [...this.layers.values()].map(renderLayer);
  }

  /** Everything, for a full redraw. */
  lines(): string[] {
    return [...this.header, ...this.layerLines(), ...this.footer];
  }
}

export function renderLayer(line: LayerLine): string {
  const name = `${shortDigest(line.digest)}: ${STATE_TEXT[line.state]}`;
  if (line.state === 'downloading') return `${name}  ${formatBytes(line.received)}/${formatBytes(line.size)}`;
  if (line.state === 'resuming') return `${name} at ${formatBytes(line.received)}/${formatBytes(line.size)} (${line.reason ?? 'connection lost'})`;
  if (line.state === 'restarting' || line.state === 'failed') return `${name} (${line.reason ?? ''})`;
  return name;
}
