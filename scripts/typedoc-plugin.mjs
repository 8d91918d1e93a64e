// @ts-check
/**
 * TypeDoc plugin of this repository (loaded through `plugin` in typedoc.json):
 *
 * - Headings with inline code keep it in the page contents and anchors. TypeDoc builds the
 *   "On this page" entry of a heading from its text tokens only, so "SMTP e-mail with S/MIME
 *   signing (`transportkit/smtp`)" became "... signing ()". Each `code_inline` token in a heading
 *   gets a text child with its content, which that text extraction reads (rendering ignores it).
 * - The title once: the README's leading `# transportkit` is dropped from the project page, whose
 *   title TypeDoc already renders from the project name.
 */

import { Application } from 'typedoc';

/** @param {Application} app */
export function load(app) {
  const projectName = () => String(app.options.getValue('name'));
  // Options are reset and read again after plugins load: set the loader once bootstrap is done.
  app.on(Application.EVENT_BOOTSTRAP_END, () => app.options.setValue('markdownItLoader', markdownItLoader));
  const markdownItLoader = (/** @type {any} */ parser) => {
    parser.core.ruler.push('transportkit-headings', (/** @type {any} */ state) => {
      const tokens = state.tokens;
      for (let i = 0; i < tokens.length; i++) {
        if (tokens[i].type !== 'heading_open') continue;
        for (const child of tokens[i + 1]?.children ?? []) {
          if (child.type === 'code_inline' && !child.children) child.children = [{ type: 'text', content: child.content }];
        }
      }
      const [open, inline, close] = tokens;
      if (open?.type === 'heading_open' && open.tag === 'h1' && close?.type === 'heading_close' && inline?.content.trim() === projectName()) {
        tokens.splice(0, 3);
      }
    });
  };
}
