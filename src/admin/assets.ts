import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** One built file of the browser UI. */
export interface Asset {
  readonly body: Uint8Array;
  readonly contentType: string;
  /** Short content hash: the cache-busting `?v=` of the page's links and the ETag. */
  readonly version: string;
}

/** The UI files the package build puts into `dist/admin/assets/`. */
export const ASSET_FILES: Readonly<Record<string, string>> = {
  'admin.js': 'text/javascript; charset=utf-8',
  'admin.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/**
 * Where the built UI lives: next to this module in the package (`dist/admin/assets/`), or, when
 * this module runs from the sources (`src/admin/`), in the checkout's `dist/admin/assets/`.
 */
const DIRECTORIES = [new URL('./assets/', import.meta.url), new URL('../../dist/admin/assets/', import.meta.url)];

let loading: Promise<ReadonlyMap<string, Asset>> | undefined;
let override: URL | undefined;

/**
 * Reads the UI from another directory (tests build it into a temporary one); `undefined`
 * returns to the default places. Not part of the public API.
 */
export function useAssetDirectory(directory: URL | undefined): void {
  override = directory;
  loading = undefined;
}

/** The UI files, read once per process. Fails with a clear message when the UI was not built. */
export function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  loading ??= read().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function read(): Promise<ReadonlyMap<string, Asset>> {
  for (const directory of override ? [override] : DIRECTORIES) {
    const assets = new Map<string, Asset>();
    try {
      for (const [name, contentType] of Object.entries(ASSET_FILES)) {
        const body = new Uint8Array(await readFile(new URL(name, directory)));
        assets.set(name, { body, contentType, version: createHash('sha256').update(body).digest('hex').slice(0, 12) });
      }
      return assets;
    } catch {
      // Try the next place.
    }
  }
  throw new Error('the admin console UI is not built (dist/admin/assets/admin.js missing): run `npm run build`');
}
