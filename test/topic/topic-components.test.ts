import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DecodeError, ValidationError } from '../../lib/util/errors';
import { javaPartition } from '../../lib/util/murmur2';
import {
  canonicalJson,
  createPartitionSelector,
  createSerializer,
  createValidator,
  descriptionJson,
  registerPartitionSelector,
  registerSerializer,
  registerValidator,
  type PartitionSelector,
  type Serializer,
  type Validator,
} from '../../lib/topic/components';

const partitions = (n: number): Array<{ partition_id: number }> => Array.from({ length: n }, (_, i) => ({ partition_id: i }));

/** Expects `fn` to throw a ConfigError whose property and message match. */
function expectConfigError(fn: () => unknown, property: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).property).toBe(property);
  if (message) expect((caught as ConfigError).message).toMatch(message);
}

/** Expects `fn` to throw a ValidationError for `path`. */
function expectInvalid(fn: () => unknown, path: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect((caught as ValidationError).path).toBe(path);
  if (message) expect((caught as ValidationError).message).toMatch(message);
}

const personSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'number' } },
};
/** What Octopus (nlohmann::json, keys sorted) writes for `{"type":"schema","schema":personSchema}`. */
const personSchemaOctopus = '{"schema":{"properties":{"age":{"type":"number"},"name":{"type":"string"}},"type":"object"},"type":"schema"}';

describe('validators (C++ Components tests)', () => {
  it.each([[{}], [{ type: 'default' }], [undefined], ['{"type":"default"}']])('default validator from %j', (d) => {
    const v = createValidator(d);
    expect(JSON.stringify(v.description)).toBe('{"type":"default"}');
    expect(() => v.validate({ anything: [1, 2] })).not.toThrow();
    expect(() => v.validate(null, [Buffer.from('data')])).not.toThrow();
  });

  it('schema validator', () => {
    const v = createValidator({ type: 'schema', schema: personSchema });
    expect(JSON.stringify(v.description)).toBe(personSchemaOctopus);
    expect(() => v.validate({ name: 'Ada', age: 36 })).not.toThrow();
    expectInvalid(() => v.validate({ name: 'Ada', age: 'old' }), 'age', /must be number/);
    expectInvalid(() => v.validate('not an object'), '', /must be object/);
  });

  it('schema validator: missing or invalid schema is an error at creation', () => {
    expectConfigError(() => createValidator({ type: 'schema' }), 'validator.schema', /"schema" entry is required/);
    expectConfigError(() => createValidator({ type: 'schema', schema: 'not-an-object' }), 'validator.schema');
    expectConfigError(() => createValidator({ type: 'schema', schema: { type: 12 } }), 'validator.schema', /not a valid JSON Schema/);
  });

  it('schema validator follows the declared draft', () => {
    const v = createValidator({
      type: 'schema',
      schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] },
    });
    expect(() => v.validate(['a', 1])).not.toThrow();
    expectInvalid(() => v.validate([1]), '0');
  });

  it('unknown validator type', () => {
    expectConfigError(() => createValidator({ type: 'unknown' }), 'validator.type', /unknown validator type "unknown"; known types: .*default, eventbridge, schema/);
  });
});

describe('eventbridge validator', () => {
  // The pattern and the matching document of the C++ EventbridgeTest: one field per rule kind.
  const pattern = {
    a1: 'a_value',
    a2: ['a2_value_1', 'a2_value_2'],
    b1: [{ 'anything-but': 'b1_value' }],
    b2: [{ 'anything-but': ['b2_value_1', 'b2_value_2'] }],
    b3: [{ 'anything-but': { prefix: 'b3_prefix' } }],
    b4: [{ 'anything-but': { prefix: ['b4_prefix_1', 'b4_prefix_2'] } }],
    b5: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'b5_prefix' } } }],
    b6: [{ 'anything-but': { prefix: { 'equals-ignore-case': ['b6_prefix_1', 'b6_prefix_2'] } } }],
    b7: [{ 'anything-but': { suffix: 'b7_suffix' } }],
    b8: [{ 'anything-but': { suffix: ['b8_suffix_1', 'b8_suffix_2'] } }],
    b9: [{ 'anything-but': { suffix: { 'equals-ignore-case': 'b9_suffix' } } }],
    b10: [{ 'anything-but': { suffix: { 'equals-ignore-case': ['b10_suffix_1', 'b10_suffix_2'] } } }],
    c1: [{ prefix: 'c1_prefix' }],
    c2: [{ prefix: ['c2_prefix_1', 'c2_prefix_2'] }],
    c3: [{ prefix: { 'equals-ignore-case': 'c3_prefix' } }],
    c4: [{ prefix: { 'equals-ignore-case': ['c4_prefix_1', 'c4_prefix_2'] } }],
    d1: [{ suffix: 'd1_suffix' }],
    d2: [{ suffix: ['d2_suffix_1', 'd2_suffix_2'] }],
    d3: [{ suffix: { 'equals-ignore-case': 'd3_suffix' } }],
    d4: [{ suffix: { 'equals-ignore-case': ['d4_suffix_1', 'd4_suffix_2'] } }],
    e1: [{ numeric: ['<', 42, '>=', 10] }],
    e2: [{ numeric: ['<=', 42, '>', 10] }],
    f1: [{ exists: true }],
    f2: [{ exists: false }],
    g1: [{ 'equals-ignore-case': 'g1_VAluE_1' }],
    g2: [{ 'equals-ignore-case': ['g2_VAluE_1', 'g2_VAluE_2'] }],
    h1: [{ wildcard: 'abc*def*ghi' }],
    i1: { i1_1: 'i1_1_value' },
    'i2.i2_1': 'i2_1_value',
    j1: [{ $or: [{ j1_1: [{ exists: true }] }, { j2_2: [{ exists: true }] }] }],
  };
  const example: Record<string, unknown> = {
    a1: 'a_value',
    a2: 'a2_value_2',
    b1: 'not_b1_value',
    b2: 'not_b2_value_1',
    b3: 'not_b3_prefix_value',
    b4: 'not_b4_prefix_1',
    b5: 'not_b5_PREfix',
    b6: 'not_b6_PREfix_1',
    b7: 'b7_suffix_not',
    b8: 'b8_suffix_1_not',
    b9: 'b9_SUFfix_not',
    b10: 'b10_SUFfix_1_not',
    c1: 'c1_prefix_value',
    c2: 'c2_prefix_1_value',
    c3: 'c3_PREfix_value',
    c4: 'c4_PREfix_1_value',
    d1: 'value_d1_suffix',
    d2: 'value_d2_suffix_2',
    d3: 'value_d3_SUFfix',
    d4: 'value_d4_SUFfix_2',
    e1: 33,
    e2: 34,
    f1: 'something',
    g1: 'g1_vaLUe_1',
    g2: 'g2_vaLUe_2',
    h1: 'abcXXXdefYYghi',
    i1: { i1_1: 'i1_1_value' },
    i2: { i2_1: 'i2_1_value' },
    j1: { j2_2: 123 },
  };
  const validator = createValidator({ type: 'eventbridge', schema: pattern });

  it('accepts the C++ test document, which matches every rule kind', () => {
    expect(() => validator.validate(example)).not.toThrow();
  });

  it('its description is the pattern under "schema", keys sorted as Octopus writes them', () => {
    const v = createValidator({ type: 'eventbridge', schema: { source: ['my.app'], 'detail-type': ['my-event'] } });
    expect(JSON.stringify(v.description)).toBe('{"schema":{"detail-type":["my-event"],"source":["my.app"]},"type":"eventbridge"}');
    expect(JSON.stringify(validator.description)).toBe(canonicalJson({ type: 'eventbridge', schema: pattern }));
  });

  // One violation per rule: [field changed, new value (undefined deletes it), path reported].
  it.each([
    ['a1', 'other', 'a1'],
    ['a2', 'a2_value_3', 'a2'],
    ['b1', 'b1_value', 'b1'],
    ['b2', 'b2_value_2', 'b2'],
    ['b3', 'b3_prefix_x', 'b3'],
    ['b4', 'b4_prefix_2x', 'b4'],
    ['b5', 'B5_PREFIX_x', 'b5'],
    ['b6', 'B6_prefix_2', 'b6'],
    ['b7', 'x_b7_suffix', 'b7'],
    ['b8', 'x_b8_suffix_2', 'b8'],
    ['b9', 'x_B9_SUFFIX', 'b9'],
    ['b10', 'x_b10_SUFFIX_2', 'b10'],
    ['c1', 'x_c1_prefix', 'c1'],
    ['c2', 'c2_prefix_3', 'c2'],
    ['c3', 'x_C3_PREFIX', 'c3'],
    ['c4', 'c4_prefix_3', 'c4'],
    ['d1', 'd1_suffix_x', 'd1'],
    ['d2', 'x_d2_suffix_3', 'd2'],
    ['d3', 'D3_SUFFIX_x', 'd3'],
    ['d4', 'x_d4_suffix_3', 'd4'],
    ['e1', 42, 'e1'],
    ['e1', 9, 'e1'],
    ['e2', 10, 'e2'],
    ['e2', '34', 'e2'],
    ['f1', undefined, 'f1'],
    ['f2', null, 'f2'],
    ['g1', 'g1_value_2', 'g1'],
    ['g2', 'g2_value_3', 'g2'],
    ['h1', 'abcghi', 'h1'],
    ['h1', 'xabcdefghi', 'h1'],
    ['i1', { i1_1: 'other' }, 'i1.i1_1'],
    ['i1', 'flat', 'i1.i1_1'],
    ['i2', { i2_1: 'other' }, 'i2.i2_1'],
    ['j1', { other: 1 }, 'j1'],
    ['a1', undefined, 'a1'],
  ])('rejects %s = %j, naming %s', (field, value, path) => {
    const doc = { ...example };
    if (value === undefined) delete doc[field];
    else doc[field] = value;
    expectInvalid(() => validator.validate(doc), path);
  });

  it('reports a missing field as missing', () => {
    const doc = { ...example };
    delete doc.c1;
    expectInvalid(() => validator.validate(doc), 'c1', /is missing \(pattern \[\{"prefix":"c1_prefix"\}\]\)/);
  });

  it('top-level $or (kept from AWS), array values compared whole (as Octopus), exists false, null, numeric =', () => {
    const v = createValidator({
      type: 'eventbridge',
      schema: {
        $or: [{ kind: ['a'] }, { size: [{ numeric: ['=', 3] }] }],
        tags: ['red'],
        gone: [{ exists: false }],
        nothing: [null],
      },
    });
    expect(() => v.validate({ kind: 'a', tags: 'red', nothing: null })).not.toThrow();
    expect(() => v.validate({ kind: 'b', size: 3, tags: 'red', nothing: null })).not.toThrow();
    expectInvalid(() => v.validate({ kind: 'b', size: 4, tags: 'red', nothing: null }), '', /none of the "\$or" alternatives/);
    // Issue 17: Octopus compares an array-valued field as a whole (AWS would match on "red").
    expectInvalid(() => v.validate({ kind: 'a', tags: ['blue', 'red'], nothing: null }), 'tags');
    expectInvalid(() => v.validate({ kind: 'a', tags: ['red'], nothing: null }), 'tags');
    expectInvalid(() => v.validate({ kind: 'a', tags: 'red', nothing: null, gone: 1 }), 'gone');
    expectInvalid(() => v.validate({ kind: 'a', tags: 'red', nothing: 0 }), 'nothing');
  });

  it('nested patterns do not look into arrays (as Octopus; AWS would match any element)', () => {
    const v = createValidator({ type: 'eventbridge', schema: { items: { sku: [{ prefix: 'X-' }] } } });
    expect(() => v.validate({ items: { sku: 'X-2' } })).not.toThrow();
    expectInvalid(() => v.validate({ items: [{ sku: 'A-1' }, { sku: 'X-2' }] }), 'items.sku', /is missing/);
    expectInvalid(() => v.validate({ items: { sku: 'A-1' } }), 'items.sku');
  });

  it('wildcard: * is the only special character, \\* and \\\\ are literals', () => {
    const v = (w: string): Validator => createValidator({ type: 'eventbridge', schema: { f: [{ wildcard: w }] } });
    expect(() => v('a.c*').validate({ f: 'a.cde' })).not.toThrow();
    expectInvalid(() => v('a.c*').validate({ f: 'abcde' }), 'f');
    expect(() => v('a\\*b').validate({ f: 'a*b' })).not.toThrow();
    expectInvalid(() => v('a\\*b').validate({ f: 'axb' }), 'f');
    expect(() => v('a\\\\*').validate({ f: 'a\\zz' })).not.toThrow();
    expect(() => v('*').validate({ f: 'multi\nline' })).not.toThrow();
    expectInvalid(() => v('*').validate({ f: 5 }), 'f');
  });

  it('anything-but with any rule inside, as Octopus (numeric, $or)', () => {
    const v = createValidator({ type: 'eventbridge', schema: { n: [{ 'anything-but': { numeric: ['>', 1] } }], o: [{ 'anything-but': { $or: [{ a: [1] }] } }] } });
    expect(() => v.validate({ n: 1, o: { a: 2 } })).not.toThrow();
    expectInvalid(() => v.validate({ n: 2, o: { a: 2 } }), 'n');
    expectInvalid(() => v.validate({ n: 1, o: { a: 1 } }), 'o');
  });

  it('anything-but with numbers and with equals-ignore-case / wildcard', () => {
    const v = createValidator({
      type: 'eventbridge',
      schema: { n: [{ 'anything-but': [1, 2] }], s: [{ 'anything-but': { 'equals-ignore-case': 'NO' } }], w: [{ 'anything-but': { wildcard: 'tmp*' } }] },
    });
    expect(() => v.validate({ n: 3, s: 'yes', w: 'file' })).not.toThrow();
    expectInvalid(() => v.validate({ n: 2, s: 'yes', w: 'file' }), 'n');
    expectInvalid(() => v.validate({ n: 3, s: 'no', w: 'file' }), 's');
    expectInvalid(() => v.validate({ n: 3, s: 'yes', w: 'tmp1' }), 'w');
  });

  it.each([
    ['a missing pattern', { type: 'eventbridge' }, 'validator.schema'],
    ['a string pattern', { type: 'eventbridge', schema: 'not-an-object' }, 'validator.schema'],
    ['a non-string prefix', { type: 'eventbridge', schema: { a: [{ prefix: 1 }] } }, 'validator.schema.a[0].prefix'],
    ['values mixed with rules', { type: 'eventbridge', schema: { a: [1, { prefix: 'x' }] } }, 'validator.schema.a[0]'],
    ['a rule with two keys', { type: 'eventbridge', schema: { a: [{ prefix: 'x', suffix: 'y' }] } }, 'validator.schema.a[0]'],
    ['an odd numeric list', { type: 'eventbridge', schema: { a: [{ numeric: ['>'] }] } }, 'validator.schema.a[0].numeric'],
    ['an unknown numeric operator', { type: 'eventbridge', schema: { a: [{ numeric: ['!=', 1] }] } }, 'validator.schema.a[0].numeric[0]'],
    ['a non-numeric operand', { type: 'eventbridge', schema: { a: [{ numeric: ['>', '1'] }] } }, 'validator.schema.a[0].numeric[1]'],
    ['a non-boolean exists', { type: 'eventbridge', schema: { a: [{ exists: 'yes' }] } }, 'validator.schema.a[0].exists'],
    ['an unknown rule', { type: 'eventbridge', schema: { a: [{ cidr: '10.0.0.0/8' }] } }, 'validator.schema.a[0].cidr'],
    ['anything-but exists', { type: 'eventbridge', schema: { a: [{ 'anything-but': { exists: true } }] } }, 'validator.schema.a[0].anything-but'],
    ['anything-but with two rules', { type: 'eventbridge', schema: { a: [{ 'anything-but': { prefix: 'x', suffix: 'y' } }] } }, 'validator.schema.a[0].anything-but'],
    ['a bad wildcard escape', { type: 'eventbridge', schema: { a: [{ wildcard: 'a\\b' }] } }, 'validator.schema.a[0].wildcard'],
    ['a non-list $or', { type: 'eventbridge', schema: { $or: 'x' } }, 'validator.schema.$or'],
    ['a nested list', { type: 'eventbridge', schema: { a: [[1]] } }, 'validator.schema.a[0]'],
    ['a bad prefix sub-rule', { type: 'eventbridge', schema: { a: [{ prefix: { foo: 'x' } }] } }, 'validator.schema.a[0].prefix'],
    ['a bad $or alternative', { type: 'eventbridge', schema: { a: [{ $or: [{ b: [{ nope: 1 }] }] }] } }, 'validator.schema.a[0].$or[0].b[0].nope'],
  ])('rejects %s at creation', (_name, description, property) => {
    expectConfigError(() => createValidator(description), property);
  });
});

describe('partition selectors (C++ Components tests)', () => {
  it.each([[{}], [{ type: 'default' }], [undefined]])('default selector from %j', (d) => {
    const s = createPartitionSelector(d);
    expect(JSON.stringify(s.description)).toBe('{"type":"default"}');
  });

  it('default: round-robin without a hint, hint % N with one', () => {
    const s = createPartitionSelector({});
    s.setPartitions(partitions(3));
    expect([0, 1, 2, 3, 4].map(() => s.selectPartitionFor({}))).toEqual([0, 1, 2, 0, 1]);
    expect(s.selectPartitionFor({}, 5)).toBe(2);
    expect(s.selectPartitionFor({}, 0)).toBe(0);
    s.setPartitions(partitions(2)); // fewer partitions: the cursor stays in range
    for (let i = 0; i < 4; i++) expect(s.selectPartitionFor({})).toBeLessThan(2);
  });

  it('errors clearly without partitions and on a bad hint', () => {
    const s = createPartitionSelector({});
    expectConfigError(() => s.selectPartitionFor({}), 'partitions', /no partition to select from/);
    s.setPartitions([]);
    expectConfigError(() => s.selectPartitionFor({}, 1), 'partitions');
    s.setPartitions(partitions(2));
    expectConfigError(() => s.selectPartitionFor({}, -1), 'partitionHint');
    expectConfigError(() => s.selectPartitionFor({}, 1.5), 'partitionHint');
  });

  it('key selector: the Java partition of the field, so Java producers agree', () => {
    const s = createPartitionSelector({ type: 'key', field: 'user' });
    expect(JSON.stringify(s.description)).toBe('{"field":"user","type":"key"}');
    s.setPartitions(partitions(17));
    // librdkafka 0048-partitioner: Java's masked murmur2 of "hejsan" is 0x5ec19395.
    expect(s.selectPartitionFor({ user: 'hejsan' })).toBe(0x5ec19395 % 17);
    expect(s.selectPartitionFor({ user: 'hejsan', other: 1 })).toBe(0x5ec19395 % 17);
    expect(s.selectPartitionFor({ user: 42 })).toBe(javaPartition(Buffer.from('42'), 17));
    expect(s.selectPartitionFor({ user: 'hejsan' }, 3)).toBe(3); // a hint wins
  });

  it('key selector: nested field, and round-robin when the field is absent', () => {
    const s = createPartitionSelector({ type: 'key', field: 'user.id' });
    s.setPartitions(partitions(4));
    expect(s.selectPartitionFor({ user: { id: 'ü' } })).toBe(javaPartition(Buffer.from('ü', 'utf8'), 4));
    expect([{}, { user: 'flat' }, { user: { id: null } }, {}].map((m) => s.selectPartitionFor(m))).toEqual([0, 1, 2, 3]);
  });

  it('key selector: same field value, same partition', () => {
    const s = createPartitionSelector({ type: 'key', field: 'k' });
    s.setPartitions(partitions(12));
    fc.assert(
      fc.property(fc.string(), (k) => {
        const p = s.selectPartitionFor({ k });
        return p === s.selectPartitionFor({ k, x: 1 }) && p === javaPartition(Buffer.from(k, 'utf8'), 12);
      }),
    );
  });

  it('key selector needs a field', () => {
    expectConfigError(() => createPartitionSelector({ type: 'key' }), 'selector.field');
    expectConfigError(() => createPartitionSelector({ type: 'key', field: 'a..b' }), 'selector.field');
  });

  it('unknown selector type', () => {
    expectConfigError(() => createPartitionSelector({ type: 'unknown' }), 'selector.type', /unknown selector type "unknown"; known types: .*default, key/);
  });
});

describe('serializers (C++ Components tests)', () => {
  it.each([[{}], [{ type: 'default' }], [undefined]])('default serializer from %j', (d) => {
    const s = createSerializer(d);
    expect(JSON.stringify(s.description)).toBe('{"type":"default"}');
    expect(s.serialize({ i: 1 })).toEqual(Buffer.from('0700000000000000' + '7b2269223a317d', 'hex'));
    expect(s.deserialize(Buffer.from('0700000000000000' + '7b2269223a317d', 'hex'))).toEqual({ i: 1 });
  });

  it('default serializer: unserializable metadata and undecodable bytes', () => {
    const s = createSerializer({});
    expectInvalid(() => s.serialize(undefined), '', /not JSON-serializable/);
    // bigints are written exactly (issue 17) within nlohmann's integers, and refused beyond.
    expect(s.serialize({ n: 1n })).toEqual(s.serialize({ n: 1 }));
    expectInvalid(() => s.serialize({ n: 2n ** 64n }), 'n', /out of range: integer 18446744073709551616/);
    expectInvalid(() => s.serialize({ a: [-(2n ** 63n) - 1n] }), 'a.0', /out of range/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expectInvalid(() => s.serialize(cyclic), 'self', /cycle/);
    expect(() => s.deserialize(Buffer.alloc(7))).toThrow(DecodeError);
    expect(() => s.deserialize(Buffer.from('0300000000000000' + '7b7d', 'hex'))).toThrow(/announces 3 bytes of JSON but holds 2/);
    expect(() => s.deserialize(Buffer.from('0200000000000000' + '7b7b', 'hex'))).toThrow(/not valid JSON/);
    expect(() => s.deserialize(Buffer.from('0100000000000000' + 'ff', 'hex'))).toThrow(/not valid UTF-8/);
  });

  it('schema serializer: encodes like default, checks on serialize', () => {
    const s = createSerializer({ type: 'schema', schema: personSchema });
    expect(JSON.stringify(s.description)).toBe(personSchemaOctopus);
    const m = { name: 'Ada', age: 36 };
    expect(s.serialize(m)).toEqual(createSerializer({}).serialize(m));
    expect(s.deserialize(s.serialize(m))).toEqual(m);
    expectInvalid(() => s.serialize({ age: 'x' }), 'age');
  });

  it('schema serializer: missing or invalid schema is an error at creation', () => {
    expectConfigError(() => createSerializer({ type: 'schema' }), 'serializer.schema');
    expectConfigError(() => createSerializer({ type: 'schema', schema: 'not-an-object' }), 'serializer.schema');
    expectConfigError(() => createSerializer({ type: 'schema', schema: { properties: 3 } }), 'serializer.schema');
  });

  it('unknown serializer type', () => {
    expectConfigError(() => createSerializer({ type: 'unknown' }), 'serializer.type', /unknown serializer type "unknown"; known types: .*default, schema/);
  });
});

describe('registry', () => {
  it('descriptions must be objects with a string type', () => {
    expectConfigError(() => createValidator({ type: 3 }), 'validator.type', /must be a string/);
    expectConfigError(() => createSerializer([]), 'serializer', /must be a JSON object/);
    expectConfigError(() => createPartitionSelector(7), 'selector');
    expectConfigError(() => createValidator('{not json'), 'validator', /not valid JSON/);
  });

  it('descriptions read back from an info record rebuild the same component', () => {
    const cases: Array<[(d: unknown) => { description: object }, unknown]> = [
      [createValidator, {}],
      [createValidator, { type: 'schema', schema: personSchema }],
      [createValidator, { type: 'eventbridge', schema: { b: [{ prefix: 'x' }], a: 1 } }],
      [createPartitionSelector, { type: 'default' }],
      [createPartitionSelector, { type: 'key', field: 'user' }],
      [createSerializer, { type: 'schema', schema: personSchema }],
    ];
    for (const [create, d] of cases) {
      const first = create(d) as Validator | PartitionSelector | Serializer;
      const record = descriptionJson(first);
      expect(JSON.stringify(first.description)).toBe(record);
      const again = create(record) as Validator | PartitionSelector | Serializer;
      expect(descriptionJson(again)).toBe(record);
    }
  });

  it('canonical JSON sorts keys by UTF-8 bytes at every level, as nlohmann::json does', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 }, 10: 0, 9: 0 })).toBe('{"10":0,"9":0,"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
    // U+FFFF sorts before U+10000 in UTF-8 although its UTF-16 unit is larger than a surrogate.
    expect(canonicalJson({ '\u{10000}': 1, '\uffff': 2 })).toBe('{"\uffff":2,"\u{10000}":1}');
  });

  it('registered types are created with their description', () => {
    registerValidator('positive', (d) => ({
      description: { min: d.min, type: 'positive' },
      validate(metadata: unknown) {
        if (typeof metadata !== 'number' || metadata < (d.min as number)) throw new ValidationError('', 'too small');
      },
    }));
    const v = createValidator({ type: 'positive', min: 2 });
    expect(descriptionJson(v)).toBe('{"min":2,"type":"positive"}');
    expectInvalid(() => v.validate(1), '', /too small/);
    expect(() => v.validate(5)).not.toThrow();
    expectConfigError(() => registerValidator('a:b', () => v), 'validator.type');
    expectConfigError(() => registerValidator('', () => v), 'validator.type');
  });

  it('factories that throw or return no component are reported', () => {
    registerSerializer('broken', () => {
      throw new TypeError('boom');
    });
    expectConfigError(() => createSerializer({ type: 'broken' }), 'serializer', /factory of type "broken" failed: boom/);
    registerPartitionSelector('nothing', () => undefined as unknown as PartitionSelector);
    expectConfigError(() => createPartitionSelector({ type: 'nothing' }), 'selector', /did not return a component/);
  });

  describe('plugins: "name:path" loads a module', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octokafka-plugin-'));
    const write = (file: string, source: string): string => {
      const path = join(dir, file);
      writeFileSync(path, source);
      return path;
    };

    it('a module exporting the factory (module.exports), by absolute path', () => {
      const path = write(
        'upper.js',
        `module.exports = (d) => ({
           description: { type: d.type },
           serialize: (m) => Buffer.from(String(m).toUpperCase()),
           deserialize: (b) => Buffer.from(b).toString(),
         });`,
      );
      const s = createSerializer({ type: `upper:${path}` });
      expect(s.serialize('abc').toString()).toBe('ABC');
      expect(s.description).toEqual({ type: `upper:${path}` });
      // Once loaded, the name alone resolves too (the C++ registry behaves the same).
      expect(createSerializer({ type: 'upper' }).serialize('x').toString()).toBe('X');
    });

    it('a module with a default export, by path relative to the working directory', () => {
      const path = write('even.js', `exports.default = () => ({ description: { type: 'even' }, validate(m) { if (m % 2) throw new Error('odd'); } });`);
      const v = createValidator({ type: `even:./${relative(process.cwd(), path)}` });
      expect(() => v.validate(2)).not.toThrow();
      expect(() => v.validate(3)).toThrow('odd');
    });

    it('a module that registers its type itself when loaded', () => {
      (globalThis as Record<string, unknown>).octokafkaTestRegister = registerPartitionSelector;
      const path = write(
        'first.js',
        `globalThis.octokafkaTestRegister('first', () => ({ description: { type: 'first' }, setPartitions() {}, selectPartitionFor: () => 0 }));`,
      );
      const s = createPartitionSelector({ type: `first:${path}` });
      expect(s.selectPartitionFor({})).toBe(0);
    });

    it('a module that cannot be loaded, or exports no factory', () => {
      expectConfigError(() => createValidator({ type: `nope:${join(dir, 'missing.js')}` }), 'validator.type', /could not load the plugin module/);
      const path = write('empty.js', 'exports.x = 1;');
      expectConfigError(() => createValidator({ type: `empty:${path}` }), 'validator.type', /nor exports a factory function/);
      expectConfigError(() => createValidator({ type: 'nopath:' }), 'validator.type', /no module path/);
    });
  });
});
