/**
 * The admin console: the "manage transport providers" screens (list, new, copy, forms per
 * provider type, passwords, Test, used by, defaults, events, S/MIME readiness, balance panel)
 * as a WHATWG fetch handler, embeddable in any Node web stack, in German and English.
 *
 * @packageDocumentation
 */
export { createAdminHandler } from './handler.js';
export { toNodeListener } from './node.js';
export type { FetchHandler, NodeListener, NodeListenerOptions } from './node.js';
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
