/**
 * The eventbridge validator beside Octopus's (issue 17, point 5): the table of cases with the
 * verdict Octopus gives (read from diaspora-stream-api's EventbridgeValidator.cpp; row 1 was also
 * run against the real Octopus), the verdict AWS EventBridge gives by its documented rules (not
 * run against AWS),
 * and octokafka's, which must be Octopus's except where AWS's is kept on purpose
 * (docs/migrating-from-octopus.md lists this table).
 *
 * Verdicts: true = accepted, false = rejected, 'invalid' = the pattern is refused (for Octopus:
 * its validator cannot be built, and an Octopus service opening the topic falls back to its
 * default validator, which accepts everything), null = not checked.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../lib/util/errors';
import { createValidator } from '../../lib/topic/components';

type Verdict = boolean | 'invalid' | null;

interface Case {
  what: string;
  pattern: unknown;
  event: unknown;
  octopus: Verdict;
  aws: Verdict;
  /** Set where octokafka keeps AWS's verdict on purpose, with the reason. */
  keepAws?: string;
}

/** Exported for the documentation's table (node -e, see docs/migrating-from-octopus.md). */
export const CASES: Case[] = [
  { what: 'array field against a value list', pattern: { source: ['sensor'] }, event: { source: ['sensor'], reading: 20 }, octopus: false, aws: true },
  { what: 'array field, one element matches', pattern: { source: ['sensor'] }, event: { source: ['other', 'sensor'] }, octopus: false, aws: true },
  { what: 'string field against a value list', pattern: { source: ['sensor'] }, event: { source: 'sensor', reading: 20 }, octopus: true, aws: true },
  { what: 'missing field', pattern: { source: ['sensor'] }, event: { reading: 20 }, octopus: false, aws: false },
  { what: 'scalar shorthand (not a list)', pattern: { source: 'sensor' }, event: { source: 'sensor' }, octopus: true, aws: 'invalid' },
  { what: 'nested object', pattern: { detail: { level: ['high'] } }, event: { detail: { level: 'high' } }, octopus: true, aws: true },
  { what: 'nested object inside an array', pattern: { detail: { level: ['high'] } }, event: { detail: [{ level: 'high' }] }, octopus: false, aws: true },
  { what: 'dotted key as a path', pattern: { 'detail.level': ['high'] }, event: { detail: { level: 'high' } }, octopus: true, aws: false },
  { what: 'prefix', pattern: { id: [{ prefix: 'ab' }] }, event: { id: 'abc' }, octopus: true, aws: true },
  { what: 'prefix on an array field', pattern: { id: [{ prefix: 'ab' }] }, event: { id: ['abc'] }, octopus: false, aws: true },
  { what: 'prefix on a number', pattern: { id: [{ prefix: '1' }] }, event: { id: 12 }, octopus: false, aws: false },
  { what: 'suffix', pattern: { f: [{ suffix: '.png' }] }, event: { f: 'a.png' }, octopus: true, aws: true },
  { what: 'prefix, equals-ignore-case', pattern: { id: [{ prefix: { 'equals-ignore-case': 'AB' } }] }, event: { id: 'abX' }, octopus: true, aws: true },
  { what: 'equals-ignore-case, ASCII', pattern: { c: [{ 'equals-ignore-case': 'HIGH' }] }, event: { c: 'High' }, octopus: true, aws: true },
  { what: 'equals-ignore-case, beyond ASCII', pattern: { c: [{ 'equals-ignore-case': 'ÉTÉ' }] }, event: { c: 'été' }, octopus: false, aws: null },
  { what: 'numeric range', pattern: { r: [{ numeric: ['>', 10, '<=', 20] }] }, event: { r: 15 }, octopus: true, aws: true },
  { what: 'numeric on a string', pattern: { r: [{ numeric: ['>', 10] }] }, event: { r: '15' }, octopus: false, aws: false },
  { what: 'numeric on an array field', pattern: { r: [{ numeric: ['>', 10] }] }, event: { r: [15] }, octopus: false, aws: true },
  { what: 'numeric on a 64-bit integer', pattern: { r: [{ numeric: ['>', 0] }] }, event: { r: 18446744073709551615n }, octopus: true, aws: true },
  { what: 'numeric, empty list', pattern: { r: [{ numeric: [] }] }, event: { r: 'text' }, octopus: true, aws: 'invalid' },
  { what: 'exists on a null value', pattern: { x: [{ exists: true }] }, event: { x: null }, octopus: true, aws: true },
  { what: 'exists on an object (not a leaf)', pattern: { detail: [{ exists: true }] }, event: { detail: { a: 1 } }, octopus: true, aws: false },
  { what: 'exists false, field absent', pattern: { x: [{ exists: false }] }, event: {}, octopus: true, aws: true },
  { what: 'exists false, field present', pattern: { x: [{ exists: false }] }, event: { x: 1 }, octopus: false, aws: false },
  { what: 'exists false under a missing parent', pattern: { a: { b: [{ exists: false }] } }, event: {}, octopus: false, aws: true },
  { what: 'anything-but, other value', pattern: { s: [{ 'anything-but': 'x' }] }, event: { s: 'y' }, octopus: true, aws: true },
  { what: 'anything-but, the value', pattern: { s: [{ 'anything-but': 'x' }] }, event: { s: 'x' }, octopus: false, aws: false },
  { what: 'anything-but, field absent', pattern: { s: [{ 'anything-but': 'x' }] }, event: {}, octopus: false, aws: false },
  { what: 'anything-but, array of the value', pattern: { s: [{ 'anything-but': 'x' }] }, event: { s: ['x'] }, octopus: true, aws: false },
  { what: 'anything-but prefix', pattern: { s: [{ 'anything-but': { prefix: 'tmp' } }] }, event: { s: 'tmp1' }, octopus: false, aws: false },
  { what: 'anything-but numeric', pattern: { n: [{ 'anything-but': { numeric: ['>', 5] } }] }, event: { n: 3 }, octopus: true, aws: 'invalid' },
  { what: 'anything-but, empty list', pattern: { s: [{ 'anything-but': [] }] }, event: { s: 'a' }, octopus: true, aws: 'invalid' },
  { what: 'prefix, empty list', pattern: { id: [{ prefix: [] }] }, event: { id: 'a' }, octopus: false, aws: 'invalid' },
  { what: 'value list with null', pattern: { x: [null] }, event: { x: null }, octopus: true, aws: true },
  { what: 'value list with null, field absent', pattern: { x: [null] }, event: {}, octopus: false, aws: false },
  { what: 'wildcard', pattern: { f: [{ wildcard: 'img*.png' }] }, event: { f: 'img1.png' }, octopus: true, aws: true },
  {
    what: 'wildcard with a "." in it',
    pattern: { f: [{ wildcard: 'img*.png' }] },
    event: { f: 'img1xpng' },
    octopus: true,
    aws: false,
    keepAws: 'Octopus turns the wildcard into a regular expression without escaping it: "." matches any character, and "(" or "[" make the pattern fail',
  },
  { what: '$or in a field rule (Octopus form)', pattern: { x: [{ $or: [{ y: [1] }, { z: [2] }] }] }, event: { x: { z: 2 } }, octopus: true, aws: 'invalid' },
  {
    what: 'top-level $or (AWS form)',
    pattern: { $or: [{ a: [1] }, { b: [2] }] },
    event: { b: 2 },
    octopus: 'invalid',
    aws: true,
    keepAws: "Octopus reads \"$or\" as a field and cannot build the validator; an Octopus service opens such a topic with its default validator (a warning), so write such patterns only on topics that Octopus services do not validate",
  },
];

/** octokafka's verdict: true / false, or 'invalid' when the pattern is refused. */
function verdict(pattern: unknown, event: unknown): Verdict {
  let validator;
  try {
    validator = createValidator({ type: 'eventbridge', schema: pattern });
  } catch (e) {
    if (e instanceof ConfigError) return 'invalid';
    throw e;
  }
  try {
    validator.validate(event);
    return true;
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
}

describe('eventbridge verdicts beside Octopus and AWS', () => {
  it.each(CASES.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    const expected = c.keepAws === undefined ? c.octopus : c.aws;
    expect(verdict(c.pattern, c.event)).toBe(expected);
  });

  it('the table holds cases where Octopus and AWS disagree, and every AWS verdict kept has its reason', () => {
    expect(CASES.filter((c) => c.octopus !== c.aws && c.aws !== null).length).toBeGreaterThan(10);
    for (const c of CASES.filter((x) => x.keepAws !== undefined)) expect(c.keepAws!.length).toBeGreaterThan(20);
  });
});
