/**
 * Component descriptions on the command line: `--validator`, `--selector` and
 * `--serializer` take a JSON object (`'{"type":"key","field":"user"}'`) or a bare type name
 * (`key`); `-o kind.path=value` sets one field (dotted paths nest; a value that parses as
 * JSON is taken as JSON, anything else as a string), e.g. `-o selector.type=key -o selector.field=user`.
 */
import { InvalidArgumentError } from 'commander';

import type { ComponentDescription } from '../topic/components';

/** The component kinds of a topic. */
export const COMPONENT_KINDS = ['validator', 'selector', 'serializer'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** Parses `--validator` & co.: a JSON object or a type name. */
export function parseComponent(value: string): ComponentDescription {
  const text = value.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InvalidArgumentError(`not valid JSON: ${(e as Error).message}.`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object.');
    return parsed as ComponentDescription;
  }
  if (text === '') throw new InvalidArgumentError('expected a type name or a JSON object.');
  return { type: text };
}

/** One `-o kind.path=value` setting, checked at parse time. */
export interface ComponentSetting {
  kind: ComponentKind;
  path: string[];
  value: unknown;
}

/** Parses a repeated `-o kind.path=value` (commander accumulator). */
export function parseSetting(text: string, previous: ComponentSetting[] = []): ComponentSetting[] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected kind.field=value, e.g. selector.type=key.');
  const [kind, ...path] = text.slice(0, eq).split('.');
  if (!(COMPONENT_KINDS as readonly string[]).includes(kind!)) {
    throw new InvalidArgumentError(`"${kind}" is not a component; expected ${COMPONENT_KINDS.join(', ')}.`);
  }
  if (path.length === 0 || path.some((p) => p === '')) throw new InvalidArgumentError(`expected ${kind}.field=value, e.g. selector.type=key.`);
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return [...previous, { kind: kind as ComponentKind, path, value }];
}

/** The descriptions given by the flags, with the `-o` settings applied on top (in order). */
export function componentDescriptions(
  flags: Partial<Record<ComponentKind, ComponentDescription>>,
  settings: readonly ComponentSetting[],
): Partial<Record<ComponentKind, ComponentDescription>> {
  const out: Partial<Record<ComponentKind, Record<string, unknown>>> = {};
  for (const kind of COMPONENT_KINDS) if (flags[kind]) out[kind] = structuredClone(flags[kind]) as Record<string, unknown>;
  for (const { kind, path, value } of settings) {
    let node = (out[kind] ??= {});
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      node = child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : (node[key] = {});
    }
    node[path[path.length - 1]!] = value;
  }
  return out as Partial<Record<ComponentKind, ComponentDescription>>;
}
