import diagnosticsChannel from 'node:diagnostics_channel';

/**
What a pull reports while it runs, in the order it happens. The CLI draws progress from these,
`--json` prints them one per line, and the tour subscribes to PULL_CHANNEL.
*/
export type LayerState = 'waiting' | 'exists' | 'downloading' | 'resuming' | 'restarting' | 'verifying' | 'done' | 'failed';

export type PullEvent =
  | { type: 'resolving'; reference: string; registry: string }
  | { type: 'resolved'; reference: string; digest: string; mediaType: string; platform?: string; index?: string }
  | { type: 'layer'; digest: string; size: number; received: number; state: LayerState; reason?: string }
  | { type: 'retry'; what: string; attempt: number; delayMs: number; reason: string }
  | { type: 'warning'; message: string }
  | { type: 'done'; reference: string; digest: string; downloaded: number; layers: number; reused: number; ms: number };

export const PULL_CHANNEL = 'glassbox:pull:event';

const channel = diagnosticsChannel.channel(PULL_CHANNEL);

export function publishPullEvent(event: PullEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}
