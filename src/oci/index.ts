export * from './descriptor.js';
export * from './digest.js';
export * from './media-types.js';
export * from './reference.js';
export * from './registry-host.js';
export * from './platform.js';
export * from './manifest.js';
export * from './config.js';
