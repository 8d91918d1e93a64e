// @ts-check
/**
 * The translate function of the UI texts the page handed over (one language; the server keeps
 * both, in src/admin/messages.ts). Values may hold {placeholders}.
 * @param {Record<string, string>} messages
 */
export function translator(messages) {
  /**
   * @param {string} key
   * @param {Record<string, string | number>} [params]
   * @returns {string}
   */
  const t = (key, params) => {
    const text = messages[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`)) : text;
  };
  /** True when the key exists (for texts looked up by a dynamic name). @param {string} key */
  t.has = (key) => key in messages;
  return t;
}

/** @typedef {ReturnType<typeof translator>} Translate */
