/**
 * Run with tsx: records every module the ESM loader resolves while the CLI runs the argv given
 * after the script name, then prints which heavy provider dependencies were loaded (JSON).
 */
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const urls: string[] = [];
port1.on('message', (url: string) => urls.push(url));
const hook =
  'let port; export function initialize(data) { port = data.port; } export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result; }';
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] });

const { main } = await import('../../src/cli/index.js');
const code = await main(process.argv.slice(2), { stdout: () => undefined, stderr: () => undefined, readStdin: async () => '' });
await new Promise((resolve) => setTimeout(resolve, 50));
port1.close();
const heavy = [...new Set(urls.map((u) => /node_modules\/(nodemailer|soap|smtp-server)\//.exec(u)?.[1]).filter((m) => m !== undefined))];
process.stdout.write(`${JSON.stringify({ code, resolved: urls.length, heavy })}\n`);
