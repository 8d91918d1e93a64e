import { z } from 'zod';
import { isZodSchema } from '../core/validation.js';
import { localize } from './locale.js';
import { BUILT_IN_TEXTS } from './texts.js';
import type { AdminLocale, AdminProviderType, LocalizedText, TypeTexts } from './types.js';

/** A JSON Schema node, as far as the form generator reads it. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  title?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  writeOnly?: boolean;
  items?: JsonSchema;
}

/** One control of a generated form (sent to the browser). */
export interface FormField {
  /** Key within its parent object. */
  readonly key: string;
  /** Dotted path from the config root, e.g. `smime.certificate`. */
  readonly path: string;
  readonly label: string;
  readonly help?: string;
  readonly required: boolean;
  /**
   * `text`, `textarea`, `number`, `checkbox`, `select`; `group` for a nested object (a fieldset);
   * `list` for a list of strings (one per line, e.g. the providers of a route); `json` for what
   * no control fits (entered as JSON).
   */
  readonly control: 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'group' | 'list' | 'json';
  /** For `text`: `url`, `email` or `password` where the schema says so. */
  readonly inputType?: 'text' | 'url' | 'email' | 'password';
  readonly integer?: boolean;
  readonly default?: unknown;
  readonly min?: number;
  readonly max?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** For `select`. */
  readonly options?: readonly { readonly value: string | number | boolean; readonly label: string }[];
  /** For `group`. */
  readonly fields?: readonly FormField[];
  /** A group that also accepts a plain string (e.g. an address as `a@b` or `{ name, address }`). */
  readonly orString?: string;
}

/** A secret field of a type, as the forms show it (write-only). */
export interface SecretFieldInfo {
  readonly field: string;
  readonly label: string;
  readonly help?: string;
  readonly multiline: boolean;
}

/** What the console knows about a provider type. */
export interface TypeInfo {
  readonly type: string;
  readonly kind: string;
  readonly name: string;
  readonly description?: string;
  /** The channel, or `null` when it depends on the configuration. */
  readonly channel: string | null;
  readonly fields: readonly FormField[];
  readonly secrets: readonly SecretFieldInfo[];
  /** The type's config schema as JSON Schema (input side), for reference. */
  readonly schema: unknown;
}

/** Merged texts of a type: the host's over the built-in ones. */
function textsOf(type: string, hostTexts: Readonly<Record<string, TypeTexts>> | undefined): TypeTexts {
  const builtIn = BUILT_IN_TEXTS[type] ?? {};
  const host = hostTexts?.[type] ?? {};
  return {
    name: host.name ?? builtIn.name,
    description: host.description ?? builtIn.description,
    fields: { ...builtIn.fields, ...host.fields },
    secrets: { ...builtIn.secrets, ...host.secrets },
    options: { ...builtIn.options, ...host.options },
  };
}

/** "maxSegments" → "Max segments". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The JSON Schema (input side) of a zod schema; parts JSON Schema cannot express become `{}`. */
export function jsonSchemaOf(schema: unknown): JsonSchema {
  // A host type validated by another Standard Schema library has no zod schema to describe.
  if (!isZodSchema(schema)) return {};
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return {};
  }
}

const typeOf = (node: JsonSchema): string | undefined => {
  if (Array.isArray(node.type)) return node.type.find((t) => t !== 'null');
  return node.type;
};

/** Describes the configuration form and the secret fields of a provider type in `locale`. */
export function describeType(type: AdminProviderType, locale: AdminLocale, hostTexts?: Readonly<Record<string, TypeTexts>>): TypeInfo {
  const texts = textsOf(type.type, hostTexts);
  const schema = jsonSchemaOf(type.configSchema);
  const text = (path: string, node: JsonSchema, key: string) => {
    const own = texts.fields?.[path];
    // The host's text in this language, else the schema's own, else the host's in the other one.
    return {
      label: exact(own?.label, locale) ?? node.title ?? localize(own?.label, locale) ?? humanize(key),
      help: exact(own?.help, locale) ?? node.description ?? localize(own?.help, locale),
    };
  };
  const optionLabel = (path: string, value: unknown) => localize(texts.options?.[path]?.[String(value)], locale) ?? String(value);

  const field = (key: string, node: JsonSchema, path: string, required: boolean): FormField => {
    const { label, help } = text(path, node, key);
    const base = { key, path, label, ...(help ? { help } : {}), required, ...(node.default === undefined ? {} : { default: node.default }) };
    const variants = node.anyOf ?? node.oneOf;
    if (variants) {
      const consts = variants.filter((v) => v.const !== undefined);
      if (consts.length === variants.length) {
        return { ...base, control: 'select', options: consts.map((v) => ({ value: v.const as string, label: optionLabel(path, v.const) })) };
      }
      const object = variants.filter((v) => typeOf(v) === 'object' && v.properties);
      const scalars = variants.filter((v) => typeOf(v) !== 'object');
      if (object.length === 1 && scalars.every((v) => typeOf(v) === 'string')) {
        return { ...field(key, { ...object[0], ...(node.default === undefined ? {} : { default: node.default }) }, path, required), orString: firstRequired(object[0]!) ?? Object.keys(object[0]!.properties!)[0]! };
      }
      if (variants.every((v) => typeOf(v) === 'string')) return field(key, { ...variants[0], title: node.title, description: node.description, default: node.default }, path, required);
      return { ...base, control: 'json' };
    }
    if (Array.isArray(node.enum) && node.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      return { ...base, control: 'select', options: node.enum.map((v) => ({ value: v as string, label: optionLabel(path, v) })) };
    }
    switch (typeOf(node)) {
      case 'string': {
        const long = (node.maxLength ?? 0) > 1000;
        const inputType = node.writeOnly || node.format === 'password' ? 'password' : node.format === 'uri' ? 'url' : node.format === 'email' ? 'email' : 'text';
        return {
          ...base,
          control: long ? 'textarea' : 'text',
          ...(long ? {} : { inputType }),
          ...(node.minLength === undefined ? {} : { minLength: node.minLength }),
          ...(node.maxLength === undefined ? {} : { maxLength: node.maxLength }),
        };
      }
      case 'integer':
      case 'number': {
        const min = node.minimum ?? node.exclusiveMinimum;
        const max = node.maximum ?? node.exclusiveMaximum;
        return {
          ...base,
          control: 'number',
          integer: typeOf(node) === 'integer',
          ...(min === undefined || Math.abs(min) > Number.MAX_SAFE_INTEGER / 2 ? {} : { min }),
          ...(max === undefined || Math.abs(max) > Number.MAX_SAFE_INTEGER / 2 ? {} : { max }),
        };
      }
      case 'boolean':
        return { ...base, control: 'checkbox' };
      case 'object':
        if (node.properties && Object.keys(node.properties).length > 0) {
          return { ...base, control: 'group', fields: fieldsOf(node, path) };
        }
        return { ...base, control: 'json' };
      case 'array':
        return { ...base, control: node.items && typeOf(node.items) === 'string' && !node.items.enum ? 'list' : 'json' };
      default:
        return { ...base, control: 'json' };
    }
  };
  const fieldsOf = (node: JsonSchema, prefix: string): FormField[] => {
    const required = new Set(node.required ?? []);
    return Object.entries(node.properties ?? {}).map(([key, child]) => field(key, child, prefix ? `${prefix}.${key}` : key, required.has(key)));
  };

  const fields = typeOf(schema) === 'object' ? fieldsOf(schema, '') : [];
  const secrets = type.secretFields.map((name) => {
    const own = texts.secrets?.[name];
    const help = localize(own?.help, locale);
    return { field: name, label: localize(own?.label, locale) ?? humanize(name), ...(help ? { help } : {}), multiline: own?.multiline === true };
  });
  const description = localize(texts.description, locale);
  return {
    type: type.type,
    kind: type.kind,
    name: localize(texts.name, locale) ?? type.type,
    ...(description ? { description } : {}),
    channel: typeof type.channel === 'function' ? null : type.channel,
    fields,
    secrets,
    schema,
  };
}

/** A text in exactly this language (a plain string counts for all). */
function exact(text: LocalizedText | undefined, locale: AdminLocale): string | undefined {
  return text === undefined || typeof text === 'string' ? text : text[locale];
}

function firstRequired(node: JsonSchema): string | undefined {
  return node.required?.[0];
}
