import type { CliCommand } from './io.js';
import { secretKeyCommand } from './secret-key.js';
import { testCommand } from './test.js';
import { threemaCommand } from './threema.js';

/**
 * The command table of the `transportkit` CLI. A new command (e.g. `test smtp|aspsms|threema`)
 * is one module exporting a {@link CliCommand}, added to this list.
 */
export const COMMANDS: readonly CliCommand[] = [threemaCommand, testCommand, secretKeyCommand];
