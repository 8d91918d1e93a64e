/**
 * Threema.Gateway provider in end-to-end mode (`transportkit/threema`): the provider type
 * `threema()`, key pair helpers, phone/e-mail hashing, callback receiving and the E2E primitives.
 * The loopback mock gateway is exported from `transportkit/testing`.
 *
 * @packageDocumentation
 */
export { threema, createThreemaProvider, isThreemaProvider } from './provider.js';
export type {
  ThreemaOptions,
  ThreemaProvider,
  ThreemaProviderType,
  ThreemaFile,
  DownloadedFile,
  BulkLookupInput,
  BulkLookupMatch,
} from './provider.js';
export { threemaConfigSchema } from './config.js';
export type { ThreemaConfig, ThreemaSecretField } from './config.js';
export {
  generateKeyPair,
  encodeKey,
  decodeKey,
  decodePrivateKey,
  decodePublicKey,
  derivePublicKey,
  isLowOrderPublicKey,
  assertContributoryPublicKey,
  KEY_LENGTH,
} from './keys.js';
export type { ThreemaKeyPair, KeyKind, KeyDecodeOptions } from './keys.js';
export { hashPhone, hashEmail, normalizePhone, normalizeEmail } from './hash.js';
export { parseCallback, receiveCallback, openCallback, callbackMac, createCallbackHandler, MAX_CALLBACK_BYTES } from './callback.js';
export type {
  ThreemaCallback,
  ThreemaReceivedMessage,
  ParseCallbackOptions,
  ReceiveCallbackOptions,
  CallbackInput,
  CallbackHandlerOptions,
  CallbackMacFields,
} from './callback.js';
export { MESSAGE_TYPES, encodeContent, decodeContent, fileMessageJson, parseFileJson } from './content.js';
export type { ThreemaContent, FileMessageContent, DeliveryStatus, RenderingType } from './content.js';
export {
  padContainer,
  unpadContainer,
  paddingLength,
  sharedKey,
  encryptBox,
  decryptBox,
  randomNonce,
  encryptBlob,
  decryptBlob,
  randomBlobKey,
  FILE_NONCE,
  THUMBNAIL_NONCE,
  NONCE_LENGTH,
  BOX_OVERHEAD,
  MIN_PADDED_LENGTH,
  MAX_PADDING,
} from './e2e.js';
export type { Container, EncryptedBox, BlobKind, ReceiveFailure } from './e2e.js';
export type { FetchLike, FetchInit, FetchResponse } from './http.js';
