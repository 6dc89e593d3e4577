/**
The OCI content descriptor: what a manifest or index says about a blob it points to.
`digest` is always validated (see digest.ts) before a descriptor leaves a validator.
*/
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  /** `sha256:<64 hex>`, validated */
  digest: string;
  /** bytes, a safe non-negative integer */
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}
