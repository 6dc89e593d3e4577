import os from 'node:os';
import path from 'node:path';
import { digestHex } from '../oci/digest.js';

/**
Where things live in the store. The store is a plain OCI image layout, so that skopeo
(`oci:<root>:<ref>`) and umoci read it as it is:

  <root>/oci-layout            {"imageLayoutVersion":"1.0.0"}
  <root>/index.json            one descriptor per reference (ref.name annotation)
  <root>/blobs/sha256/<hex>    every manifest, index, config and layer, named by its digest
  <root>/.glassbox/            glassbox's own bookkeeping, hidden from the layout readers:
                               lock, tmp/ (unfinished blobs), leases/ (pulls in progress)

Temporary files sit below the root so that the final rename never crosses a filesystem.
*/
export const OCI_LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const IMAGE_LAYOUT_VERSION = '1.0.0';

export interface StorePaths {
  root: string;
  layoutFile: string;
  indexFile: string;
  blobsDir: string;
  /** blobs/sha256: the only algorithm glassbox writes */
  sha256Dir: string;
  privateDir: string;
  tmpDir: string;
  leasesDir: string;
  lockFile: string;
}

export function storePaths(root: string): StorePaths {
  const resolved = path.resolve(root);
  const privateDir = path.join(resolved, '.glassbox');
  return {
    root: resolved,
    layoutFile: path.join(resolved, OCI_LAYOUT_FILE),
    indexFile: path.join(resolved, INDEX_FILE),
    blobsDir: path.join(resolved, 'blobs'),
    sha256Dir: path.join(resolved, 'blobs', 'sha256'),
    privateDir,
    tmpDir: path.join(privateDir, 'tmp'),
    leasesDir: path.join(privateDir, 'leases'),
    lockFile: path.join(privateDir, 'lock'),
  };
}

/** Where a committed blob lives: `blobs/sha256/<hex>` (here, not in blob-writer.ts: readers need no writer). */
export function blobPath(paths: StorePaths, digest: string): string {
  return path.join(paths.sha256Dir, digestHex(digest));
}

/**
glassbox's home: `$GLASSBOX_HOME`, else `/var/lib/glassbox` for root (like Docker's
/var/lib/docker), else `$XDG_DATA_HOME/glassbox` or `~/.local/share/glassbox`.
*/
export function glassboxHome(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? -1): string {
  const explicit = env.GLASSBOX_HOME;
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  if (uid === 0) return '/var/lib/glassbox';
  const dataHome = env.XDG_DATA_HOME;
  const base = dataHome !== undefined && path.isAbsolute(dataHome) ? dataHome : path.join(env.HOME ?? os.homedir(), '.local', 'share');
  return path.join(base, 'glassbox');
}

/** The image store inside glassbox's home (containers and unpacked layers get siblings later). */
export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env, uid?: number): string {
  return path.join(glassboxHome(env, uid), 'images');
}
