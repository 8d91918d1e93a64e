// @ts-check

/**
 * @typedef {{ field: string, message: string }} FieldIssue
 * @typedef {{ basePath: string, locale: 'en' | 'de', title: string, user: { id: string, name: string }, csrfToken: string, features: { balance: boolean, userList: boolean }, messages: Record<string, string> }} Boot
 */

/** A failed API call: the server's error code, message and field issues. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Record<string, any>} [extra]
   */
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    /** @type {FieldIssue[]} */
    this.issues = Array.isArray(extra.issues) ? extra.issues : [];
    /** @type {any[]} */
    this.usages = Array.isArray(extra.usages) ? extra.usages : [];
    /** @type {string | undefined} */
    this.field = typeof extra.field === 'string' ? extra.field : undefined;
  }
}

/**
 * The console's API client: JSON in and out, the CSRF token on every change (renewed once when
 * it expired), errors as {@link ApiError}.
 * @param {Boot} boot
 */
export function createApi(boot) {
  let token = boot.csrfToken;
  const base = `${boot.basePath}/api`;

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<Response>}
   */
  async function send(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json', 'accept-language': boot.locale };
    if (method !== 'GET') headers['x-csrf-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(base + path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch {
      throw new ApiError(0, 'NETWORK', 'network error');
    }
  }

  /** @param {Response} response */
  async function failure(response) {
    const data = await response.json().catch(() => null);
    const error = data && typeof data === 'object' && data.error ? data.error : { code: 'HTTP_' + response.status, message: response.statusText };
    return new ApiError(response.status, String(error.code), String(error.message ?? ''), error);
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<Response>}
   */
  async function call(method, path, body) {
    let response = await send(method, path, body);
    if (response.status === 403 && method !== 'GET') {
      const error = await failure(response.clone());
      if (error.code === 'CSRF') {
        await renew();
        response = await send(method, path, body);
      }
    }
    if (!response.ok) throw await failure(response);
    return response;
  }

  async function renew() {
    const response = await send('GET', '/session');
    if (!response.ok) throw await failure(response);
    token = (await response.json()).csrfToken;
  }

  return {
    /** @param {string} path @returns {Promise<any>} */
    get: async (path) => (await call('GET', path)).json(),
    /** @param {string} method @param {string} path @param {unknown} [body] @returns {Promise<any>} */
    send: async (method, path, body) => (await call(method, path, body)).json(),
    /**
     * A call answering newline-delimited JSON: `onMessage` gets each object as it arrives.
     * @param {string} path
     * @param {unknown} body
     * @param {(message: any) => void} onMessage
     */
    stream: async (path, body, onMessage) => {
      const response = await call('POST', path, body);
      if (!response.body) return;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        buffered += decoder.decode(value, { stream: !done });
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) onMessage(JSON.parse(line));
        }
        if (done) break;
      }
    },
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */

/** Encodes one path segment. @param {string} value */
export const seg = (value) => encodeURIComponent(value);
