/**
 * The storage module of the cross-process races on the JSON-file example: every worker opens
 * the example adapter on the file the parent prepared for the round.
 */
import { jsonFileStorage } from '../../examples/json-file-storage.js';
import { mutants } from './naive-adapters.js';

/**
 * Opens the example adapter on `args.path`; with `args.mutant` (a mutant's name) wrapped in that
 * read-then-write mutant, for the mutation test of the cross-process mode.
 */
export function openStorage(args: { readonly path: string; readonly mutant?: string }) {
  const storage = jsonFileStorage(args.path);
  const mutant = mutants.find((m) => m.name === args.mutant);
  return mutant ? mutant.wrap(storage) : storage;
}
