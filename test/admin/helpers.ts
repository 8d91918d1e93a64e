import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { useAssetDirectory } from '../../src/admin/assets.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));

let built: Promise<string> | undefined;

/**
 * Builds the browser UI like `npm run build:admin` does, into a temporary directory the handler
 * then serves (the checkout's dist/ may be rebuilt by others meanwhile).
 */
export function buildUiAssets(): Promise<string> {
  built ??= (async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'tk-admin-assets-'));
    await build({
      entryPoints: [join(root, 'src/admin/client/admin.js'), join(root, 'src/admin/client/admin.css'), join(root, 'src/admin/client/icon.svg')],
      loader: { '.svg': 'copy' },
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      outdir,
      logLevel: 'warning',
    });
    useAssetDirectory(pathToFileURL(`${outdir}/`));
    return outdir;
  })();
  return built;
}

/** Chromium of the distribution (`apt-get install chromium`). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
