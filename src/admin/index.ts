/**
 * The admin console: the "manage transport providers" screens (list, new, copy, forms per
 * provider type, passwords, Test, used by, defaults, events, S/MIME readiness, balance panel)
 * as a WHATWG fetch handler, embeddable in any Node web stack, in German and English.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createRegistry, memoryTransport } from 'transportkit';
 * import { createAdminHandler, toNodeListener } from 'transportkit/admin';
 *
 * const registry = createRegistry({ types: [memoryTransport()] });
 * const admin = createAdminHandler({
 *   registry,
 *   basePath: '/admin',
 *   // your sign-in: a user for the console, or the response that refuses the request
 *   authorize: (request) => (request.headers.get('x-user') === 'ops' ? { id: 'ops' } : { status: 401 }),
 * });
 * createServer(toNodeListener(admin)).listen(8080, '127.0.0.1');   // or app.use('/admin', toNodeListener(admin))
 * ```
 *
 * @packageDocumentation
 */
export { createAdminHandler } from './handler.js';
export { toNodeListener } from '../core/node-listener.js';
export type { FetchHandler, NodeListener, NodeListenerOptions } from '../core/node-listener.js';
export type {
  AdminHandler,
  AdminHandlerOptions,
  AdminRegistry,
  AdminProviderType,
  AdminBalanceMonitor,
  AdminUser,
  AdminRefusal,
  AuthorizeResult,
  AdminLocale,
  LocalizedText,
  AdminUserDirectory,
  AdminUserChoice,
  AdminAuditEntry,
  TypeTexts,
  FieldText,
} from './types.js';
