/**
 * Threema.Gateway in end-to-end mode (`transportkit/threema`): the provider type `threema()`
 * (NaCl `crypto_box` here, the gateway never sees the plaintext), the key pair helpers for
 * setting up a Gateway ID, the phone and e-mail hashes the gateway looks up, and receiving
 * callbacks (`createCallbackHandler()`, `parseCallback()`, `receiveCallback()`). The loopback
 * mock gateway is in `transportkit/testing`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createRegistry } from 'transportkit';
 * import { createCallbackHandler, generateKeyPair, isThreemaProvider, threema } from 'transportkit/threema';
 *
 * const { privateKey, publicKey } = generateKeyPair();   // register publicKey for the Gateway ID
 * const registry = createRegistry({ types: [threema()] });
 * const gw = await registry.create({
 *   type: 'threema',
 *   name: 'Threema',
 *   config: { gatewayId: '*MYGWID1' },
 *   secrets: { secret: process.env.THREEMA_SECRET!, privateKey },
 * });
 * await registry.send(gw.id, { to: ['ECHOECHO', '+41791234567'], text: 'Grüezi' });
 *
 * const provider = await registry.resolve(gw.id);
 * if (isThreemaProvider(provider)) {
 *   createServer(
 *     createCallbackHandler({
 *       receive: (body) => provider.receive(body),
 *       onMessage: (message) => console.log(message.type, message.from),
 *     }),
 *   ).listen(8080);
 * }
 * console.log(publicKey);
 * ```
 *
 * @module transportkit/threema
 */
export { threema, isThreemaProvider } from './provider.js';
export type {
  ThreemaOptions,
  ThreemaProvider,
  ThreemaProviderType,
  ThreemaFile,
  DownloadedFile,
  ImageReference,
  BulkLookupInput,
  BulkLookupMatch,
} from './provider.js';
export { threemaConfigSchema, DEFAULT_MAX_BOX_BYTES } from './config.js';
export type { ThreemaConfig, ThreemaSecretField } from './config.js';
export { generateKeyPair, encodeKey, decodeKey, decodePrivateKey, decodePublicKey, derivePublicKey, isLowOrderPublicKey } from './keys.js';
export type { ThreemaKeyPair, KeyKind, KeyDecodeOptions } from './keys.js';
export { hashPhone, hashEmail } from './hash.js';
export { parseCallback, receiveCallback, createCallbackHandler, MAX_CALLBACK_BYTES } from './callback.js';
export type {
  ThreemaCallback,
  ThreemaReceivedMessage,
  ParseCallbackOptions,
  ReceiveCallbackOptions,
  CallbackInput,
  CallbackHandlerOptions,
} from './callback.js';
export { RAW_TYPE_NAMES, defaultFileName } from './content.js';
export type { ThreemaContent, FileMessageContent, DeliveryStatus, RenderingType } from './content.js';
export type { ReceiveFailure } from './e2e.js';
export type { FetchLike, FetchInit, FetchResponse } from '../http.js';

/**
 * Internal: exported for this repository's own tests, hidden from the typings and the docs, not
 * part of the public API (may change in any release).
 *
 * @internal
 */
export { callbackMac } from './callback.js';
/** @internal */
export { encodeContent, decodeContent } from './content.js';
/** @internal */
export {
  padContainer,
  unpadContainer,
  paddingLength,
  sharedKey,
  encryptBox,
  decryptBox,
  encryptBlob,
  decryptBlob,
  randomBlobKey,
  MIN_PADDED_LENGTH,
} from './e2e.js';
