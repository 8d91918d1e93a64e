import { describe, expect, it } from 'vitest';
import { closestKey, droppedKeys, optionsArg, requiredObjectArg, stringArg } from '../../src/registry/arguments.js';
import { thrown } from '../support/thrown.js';

const summary = (fn: () => unknown) => {
  const e = thrown(fn);
  return { code: e.code, field: e.field, message: e.message };
};

describe('registry argument checks', () => {
  it('optionsArg refuses anything but a plain object, naming the argument', () => {
    expect(optionsArg(undefined, 'opts')).toStrictEqual({});
    const value = { a: 1 };
    expect(optionsArg(value, 'opts')).toBe(value);
    for (const bad of [null, 'x', 1, []]) {
      expect(summary(() => optionsArg(bad, 'opts'))).toStrictEqual({ code: 'CONFIG_INVALID', field: 'opts', message: 'invalid opts: must be an object' });
    }
  });

  it('requiredObjectArg refuses undefined as required, and a non-object as optionsArg does', () => {
    expect(summary(() => requiredObjectArg(undefined, 'input'))).toStrictEqual({ code: 'CONFIG_INVALID', field: 'input', message: 'invalid input: required' });
    expect(summary(() => requiredObjectArg(null, 'input'))).toStrictEqual({ code: 'CONFIG_INVALID', field: 'input', message: 'invalid input: must be an object' });
  });

  it('stringArg names what it got: null as null, anything else by its typeof', () => {
    expect(stringArg('id-1', 'id')).toBe('id-1');
    const cases: [unknown, string][] = [
      [null, 'null'],
      [42, 'number'],
      [undefined, 'undefined'],
      [{}, 'object'],
      [Symbol('s'), 'symbol'],
    ];
    for (const [value, got] of cases) {
      expect(summary(() => stringArg(value, 'id'))).toStrictEqual({ code: 'CONFIG_INVALID', field: 'id', message: `invalid id: must be a string (got ${got})` });
    }
  });

  it('droppedKeys lists dropped keys with their full dotted path, recursing only through plain objects', () => {
    expect(droppedKeys({ a: 1, b: { c: 1, d: { e: 1, f: 2 } } }, { a: 1, b: { d: { f: 2 } } })).toStrictEqual(['b.c', 'b.d.e']);
    expect(droppedKeys({ a: { b: 1 } }, { a: null })).toStrictEqual([]);
    expect(droppedKeys({ a: { b: 1 } }, { a: 5 })).toStrictEqual([]);
    expect(droppedKeys({ a: 1 }, 'x')).toStrictEqual([]);
    expect(droppedKeys({ a: 1 }, null)).toStrictEqual([]);
    expect(droppedKeys(null, { a: 1 })).toStrictEqual([]);
    expect(droppedKeys({ a: { b: 1 } }, { a: [] })).toStrictEqual([]);
    expect(droppedKeys({ a: { b: 1 } }, { a: new Date(0) })).toStrictEqual([]);
    expect(droppedKeys({ a: { b: 1 } }, { a: new Uint8Array(1) })).toStrictEqual([]);
  });

  it('closestKey suggests the nearest known key within edit distance 2, case-insensitively', () => {
    expect(closestKey('latncyMs', ['channel', 'latencyMs'])).toBe('latencyMs');
    expect(closestKey('abc', ['abcde', 'abcd', 'abc'])).toBe('abc');
    expect(closestKey('abc', ['abd', 'abc'])).toBe('abc');
    expect(closestKey('abc', ['abd', 'abe'])).toBe('abd');
    expect(closestKey('ab', ['abcd'])).toBe('abcd');
    expect(closestKey('abcd', ['ab'])).toBe('ab');
    expect(closestKey('ABX', ['abc'])).toBe('abc');
    expect(closestKey('xyz', ['abcdef', 'abc'])).toBeUndefined();
    expect(closestKey('abcde', ['ab'])).toBeUndefined();
    expect(closestKey('a', [])).toBeUndefined();
  });
});
