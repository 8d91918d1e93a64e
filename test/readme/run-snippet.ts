/** Runs one README snippet (a module file) inside the context of context.ts: `node --import tsx run-snippet.ts FILE`. */
import { pathToFileURL } from 'node:url';
import { setUp } from './context.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: run-snippet.ts FILE');
const context = await setUp();
try {
  await import(pathToFileURL(file).href);
} finally {
  await context.close();
}
