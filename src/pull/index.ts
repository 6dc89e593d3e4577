export type { BlobSink, BlobWriter, ImageRecord } from './blob-sink.js';
export { MemorySink } from './memory-sink.js';
export { pullImage, type PullOptions, type PullResult } from './pull-image.js';
export { PULL_CHANNEL, type PullEvent, type LayerState } from './pull-events.js';
export { HttpTransport, type HttpTransportOptions } from './http.js';
export { findCredentials, type Credentials, type CredentialSource } from './credentials.js';
export { TokenCache } from './token-cache.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
