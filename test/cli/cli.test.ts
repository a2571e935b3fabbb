/**
 * The `octokafka` command line, end to end: every command is a spawned process of the
 * built CLI against one `octokafka mock` process (started here through the CLI, which
 * tests `mock` too), checked on its stdout, stderr and exit code.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaAdmin } from '../../lib/admin/admin';
import { mockControlPath } from '../../lib/testing/mock-control';
import { cleanEnv, cliPath, run, startMock, type MockProcess } from '../cli-helpers';
import { unique } from '../helpers';

let mock: MockProcess;
let admin: KafkaAdmin;
let b: string[];
const work = mkdtempSync(join(tmpdir(), 'octokafka-cli-'));

/** A raw topic on the mock, created through its control socket. */
async function rawTopic(prefix: string, partitions: number): Promise<string> {
  const name = unique(prefix);
  await admin.createTopics([{ topic: name, numPartitions: partitions }]);
  return name;
}

beforeAll(async () => {
  mock = await startMock(['--brokers', '1']);
  b = ['-b', mock.bootstrapServers];
  admin = new KafkaAdmin({ 'bootstrap.servers': mock.bootstrapServers });
});

afterAll(async () => {
  await admin?.close();
  if (mock) {
    const port = Number(mock.bootstrapServers.split(':')[1]);
    expect(await mock.stop()).toBe(0);
    // The mock process removes its control socket when it stops.
    expect(existsSync(mockControlPath(port))).toBe(false);
  }
  rmSync(work, { recursive: true, force: true });
});

describe('help and usage errors', () => {
  const commands = [
    ['mock'],
    ['topic'],
    ['topic', 'create'],
    ['topic', 'list'],
    ['topic', 'info'],
    ['topic', 'delete'],
    ['produce'],
    ['consume'],
    ['status'],
    ['test-send'],
    ['bench'],
    ['version'],
  ];

  it('--help lists every command, with examples, configuration precedence and exit codes', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['mock', 'topic', 'produce', 'consume', 'status', 'test-send', 'bench', 'version']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 success, 1 usage error, 2 configuration or runtime error');
    expect(r.stdout).toContain('Configuration, highest precedence first');
  });

  it.each(commands)('%s %s --help describes the command and its exit codes', async (...words) => {
    const r = await run([...words.filter(Boolean), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: octokafka ${words.filter(Boolean).join(' ')}`);
    if (words[0] !== 'topic' || words.length > 1) expect(r.stdout).toContain('Exit codes:');
    if (['produce', 'consume', 'status', 'test-send'].includes(words[0]!) || (words[0] === 'topic' && words.length > 1)) {
      expect(r.stdout).toContain('--bootstrap-servers');
      expect(r.stdout).toContain('--config <file>');
      expect(r.stdout).toContain('-X, --property <key=value>');
    }
  });

  it('an unknown option, an unknown command, a missing argument and a bad value exit 1', async () => {
    const unknownOption = await run(['status', '--no-such-option']);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr).toContain("unknown option '--no-such-option'");
    const unknownCommand = await run(['frobnicate']);
    expect(unknownCommand.code).toBe(1);
    expect(unknownCommand.stderr).toContain("unknown command 'frobnicate'");
    const missing = await run(['consume']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("missing required argument 'topic'");
    const badValue = await run(['consume', 'x', '--count', 'many']);
    expect(badValue.code).toBe(1);
    expect(badValue.stderr).toContain('expected a positive integer');
    const badFormat = await run(['consume', 'x', '--format', '{nope}']);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toContain('unknown placeholder {nope}');
    const badChoice = await run(['produce', 'x', '--format', 'xml']);
    expect(badChoice.code).toBe(1);
    expect(badChoice.stderr).toContain('Allowed choices are lines, json');
    const badMock = await run(['mock', '--brokers', '0']);
    expect(badMock.code).toBe(1);
    expect(badMock.stderr).toContain('expected a positive integer');
    const badLimit = await run(['mock', '--partition-max-bytes', '-5']);
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain("option '--partition-max-bytes <n>' argument '-5' is invalid");
  });

  it('version prints the package and librdkafka versions', async () => {
    const r = await run(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^octokafka \d+\.\d+\.\d+ \(librdkafka \d+\.\d+\.\d+\)\n$/);
  });
});

describe('configuration', () => {
  it('a bad property exits 2 with one line naming it', async () => {
    const r = await run(['status', ...b, '-X', 'linger.mss=5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('octokafka: invalid configuration "linger.mss": unknown librdkafka property; did you mean `linger.ms`?\n');
  });

  it('a bad value exits 2 naming the property; a malformed -X too', async () => {
    const value = await run(['consume', 'x', ...b, '-X', 'fetch.wait.max.ms=soon']);
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/^octokafka: invalid configuration "fetch\.wait\.max\.ms": .*\n$/);
    const pair = await run(['status', ...b, '-X', 'nokey']);
    expect(pair.code).toBe(2);
    expect(pair.stderr).toContain('invalid configuration "nokey": expected key=value');
  });

  it('a consumer-only -X reaches the consumer and not the admin client of the same command', async () => {
    const topic = await rawTopic('cli-role', 1);
    await run(['produce', ...b, topic], { input: 'one\n' });
    const r = await run(['consume', ...b, topic, '--from-beginning', '--count', '1', '-X', 'fetch.wait.max.ms=10', '-X', 'linger.ms=5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('one\n');
  });

  it('a connections file picks the connection; --connection, OCTOKAFKA_CONFIG and -X override as documented', async () => {
    const file = join(work, 'connections.json');
    writeFileSync(
      file,
      JSON.stringify({ default: 'local', connections: { local: { 'bootstrap.servers': mock.bootstrapServers }, down: { 'bootstrap.servers': '127.0.0.1:1' } } }),
    );
    const byFile = await run(['status', '--json', '-c', file]);
    expect(byFile.code).toBe(0);
    expect(JSON.parse(byFile.stdout).bootstrapServers).toBe(mock.bootstrapServers);

    const byEnv = await run(['status', '--json'], { env: cleanEnv({ OCTOKAFKA_CONFIG: file }) });
    expect(byEnv.code).toBe(0);
    expect(JSON.parse(byEnv.stdout).embedded).toBe(false);

    const down = await run(['status', '-c', file, '--connection', 'down', '--timeout', '2000']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach the cluster at 127.0.0.1:1 within 2000 ms');

    // -X is above the file: the "down" connection with the mock's address works.
    const overridden = await run(['status', '--json', '-c', file, '--connection', 'down', '-X', `bootstrap.servers=${mock.bootstrapServers}`]);
    expect(overridden.code).toBe(0);

    // The environment is above the file and below -X / --bootstrap-servers.
    const env = await run(['status', '--json', '-c', file, '--connection', 'down'], { env: cleanEnv({ KAFKA_BOOTSTRAP_SERVERS: mock.bootstrapServers }) });
    expect(env.code).toBe(0);
    expect(JSON.parse(env.stdout).bootstrapServers).toBe(mock.bootstrapServers);

    const unknown = await run(['status', '-c', file, '--connection', 'prod']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`octokafka: invalid configuration "connection": "prod" is not in ${file} (known: local, down)\n`);
  });

  it('an unreadable or malformed file, or a bad KAFKA_* variable, exits 2 naming it', async () => {
    const missing = await run(['status', '-c', join(work, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`invalid configuration "${join(work, 'nope.json')}": cannot read the configuration file`);
    const bad = join(work, 'bad.json');
    writeFileSync(bad, '{"connections": {"a": {"bootstrap.servers": 9}}, "default": "b"}');
    const malformed = await run(['status', '-c', bad]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(`invalid configuration "${bad}: default"`);
    const env = await run(['status'], { env: cleanEnv({ KAFKA_SSL_CA_PEM: 'x' }) });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('invalid configuration "KAFKA_SSL_CA_PEM": use KAFKA_CA_CERT');
  });

  it('an unreachable cluster makes a command fail within its timeout, quoting the last client error', async () => {
    for (const args of [['test-send'], ['status'], ['consume', 'x'], ['topic', 'list']]) {
      const r = await run([...args, '-b', '127.0.0.1:1', '--timeout', '2000']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^octokafka: cannot reach the cluster at 127\.0\.0\.1:1 within 2000 ms: .*Connection refused.*\n$/);
      // Well within the timeout plus process start-up on a loaded machine, not librdkafka's 30-60 s defaults.
      expect(r.ms).toBeLessThan(20_000);
    }
  });
});

describe('produce and consume', () => {
  it('N lines in, --count N out: raw, JSON and format output', async () => {
    const topic = await rawTopic('cli-lines', 3);
    const lines = Array.from({ length: 50 }, (_, i) => `line-${i}`);
    const produced = await run(['produce', ...b, topic], { input: `${lines.join('\n')}\n` });
    expect(produced.code).toBe(0);
    expect(produced.stderr).toMatch(/^produced 50 messages in \d+\.\d\d s \([\d,]+ msg\/s\)\n$/);

    const raw = await run(['consume', ...b, topic, '--from-beginning', '--count', '50']);
    expect(raw.code).toBe(0);
    expect(raw.stdout.split('\n').slice(0, -1).sort()).toEqual([...lines].sort());

    const json = await run(['consume', ...b, topic, '--from-beginning', '--count', '50', '--output', 'json']);
    expect(json.code).toBe(0);
    const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { topic: string; partition: number; offset: number; value: string; key: null; headers: unknown[]; timestamp: number });
    expect(records.map((r) => r.value).sort()).toEqual([...lines].sort());
    for (const r of records) {
      expect(r.topic).toBe(topic);
      expect([0, 1, 2]).toContain(r.partition);
      expect(r.key).toBeNull();
      expect(r.headers).toEqual([]);
      expect(r.timestamp).toBeGreaterThan(0);
    }

    const formatted = await run(['consume', ...b, topic, '--from-beginning', '--count', '50', '--format', '{topic}/{partition}@{offset}\\t{value}']);
    expect(formatted.code).toBe(0);
    const byPartition = new Map<number, number[]>();
    for (const line of formatted.stdout.trim().split('\n')) {
      const m = /^(.+)\/(\d)@(\d+)\t(line-\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(topic);
      byPartition.set(Number(m![2]), [...(byPartition.get(Number(m![2])) ?? []), Number(m![3])]);
    }
    // Each partition's offsets come in order from 0, with none missing.
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
    expect([...byPartition.values()].flat()).toHaveLength(50);
  });

  it('keys and headers round-trip (JSON input, --key, --key-separator, --header)', async () => {
    const topic = await rawTopic('cli-kv', 1);
    const input = [
      JSON.stringify({ key: 'k1', value: 'v1', headers: { h: 'x' } }),
      JSON.stringify({ value: { nested: true }, headers: [['h', 'y'], ['h', null]] }),
      JSON.stringify({ key: null, value: null }),
    ].join('\n');
    const json = await run(['produce', ...b, topic, '--format', 'json', '-H', 'src=cli', '--key', 'default-key'], { input });
    expect(json.code).toBe(0);
    const sep = await run(['produce', ...b, topic, '--key-separator', ':'], { input: 'user-1:hello:world\n' });
    expect(sep.code).toBe(0);
    const keyed = await run(['produce', ...b, topic, '-k', 'fixed', '-H', 'a=1', '-H', 'b=2'], { input: 'plain\n' });
    expect(keyed.code).toBe(0);

    const out = await run(['consume', ...b, topic, '--from-beginning', '--count', '5', '-o', 'json']);
    expect(out.code).toBe(0);
    const got = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { offset: number; key: unknown; value: unknown; headers: unknown });
    expect(got.map(({ offset, key, value, headers }) => ({ offset, key, value, headers }))).toEqual([
      { offset: 0, key: 'k1', value: 'v1', headers: [['src', 'cli'], ['h', 'x']] },
      { offset: 1, key: 'default-key', value: '{"nested":true}', headers: [['src', 'cli'], ['h', 'y'], ['h', null]] },
      { offset: 2, key: null, value: null, headers: [['src', 'cli']] },
      { offset: 3, key: 'user-1', value: 'hello:world', headers: [] },
      { offset: 4, key: 'fixed', value: 'plain', headers: [['a', '1'], ['b', '2']] },
    ]);
    const format = await run(['consume', ...b, topic, '--from-beginning', '--count', '1', '--format', '{key}={value} src={header.src} {{literal}}']);
    expect(format.stdout).toBe('k1=v1 src=cli {literal}\n');
  });

  it('a line that fails is counted and makes the exit code 2; the others are sent', async () => {
    const topic = await rawTopic('cli-bad', 1);
    const r = await run(['produce', ...b, topic, '--format', 'json'], { input: '{"value":"a"}\nnot json\n{"key":"k"}\n{"value":"b"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('produced 2 messages');
    expect(r.stderr).toContain('; 2 failed');
    expect(r.stderr).toMatch(/octokafka: 2 of 4 messages failed; first: line 2: not JSON/);
    const back = await run(['consume', ...b, topic, '--from-beginning', '--count', '2']);
    expect(back.stdout).toBe('a\nb\n');
  });

  it('a message to a partition that does not exist fails with the broker error', async () => {
    const topic = await rawTopic('cli-part', 1);
    const r = await run(['produce', ...b, topic, '-p', '5', '--timeout', '5000'], { input: 'x\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1 of 1 messages failed; first: line 1: .*partition/i);
  });

  it('reads a file, and shows the progress line (with the rate) when asked on a non-terminal', async () => {
    const topic = await rawTopic('cli-file', 2);
    const file = join(work, 'input.txt');
    writeFileSync(file, Array.from({ length: 2000 }, (_, i) => `m${i}`).join('\n') + '\n');
    const r = await run(['produce', ...b, topic, '--file', file, '--progress']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/100% \| 2,000 messages \| [\d,]+ msg\/s/);
    expect(r.stderr).toMatch(/produced 2000 messages in/);
    const quiet = await run(['produce', ...b, topic, '--file', file]);
    expect(quiet.stderr).not.toContain('%');
    const missing = await run(['produce', ...b, topic, '--file', join(work, 'missing.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${join(work, 'missing.txt')}`);
  });

  it('--count not reached within --timeout exits 2 with the figures; without --count the idle stop is success', async () => {
    const topic = await rawTopic('cli-idle', 1);
    await run(['produce', ...b, topic], { input: 'only\n' });
    const short = await run(['consume', ...b, topic, '--from-beginning', '--count', '3', '--timeout', '1500']);
    expect(short.code).toBe(2);
    expect(short.stdout).toBe('only\n');
    expect(short.stderr).toBe('octokafka: timed out: 1 of 3 messages, none for 1500 ms\n');
    const idle = await run(['consume', ...b, topic, '--from-beginning', '--timeout', '1500']);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toBe('only\n');
    const missing = await run(['consume', ...b, unique('no-such-topic'), '--timeout', '3000']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Unknown topic or partition/);
  });

  it('a group consumes again right after its last member left (the mock would otherwise stall the join for 44 s)', async () => {
    const topic = await rawTopic('cli-rejoin', 1);
    const group = unique('cli-rejoin');
    await run(['produce', ...b, topic], { input: 'first\nsecond\n' });
    const one = await run(['consume', ...b, topic, '-g', group, '--from-beginning', '--count', '1']);
    expect(one.stdout).toBe('first\n');
    // The second run resumes after the committed offset.
    const two = await run(['consume', ...b, topic, '-g', group, '--count', '1'], { killAfterMs: 30_000 });
    expect(two.code).toBe(0);
    expect(two.stdout).toBe('second\n');
  });

  it('Ctrl-C while produce waits for input: what was read is delivered, then exit 130', async () => {
    const topic = await rawTopic('cli-int', 1);
    const child = spawn(process.execPath, [cliPath, 'produce', ...b, topic], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdin!.write('a\nb\n'); // and stdin stays open: produce waits for more
    for (;;) {
      const [high] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }]);
      if (high!.offset === 2n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    child.stdin!.destroy();
    expect(code).toBe(130);
    expect(err).toMatch(/^produced 2 messages in \d+\.\d\d s \([\d,]+ msg\/s\); interrupted\n$/);
  });

  it('Ctrl-C stops a group consumer cleanly: exit 130, and what was printed is committed', async () => {
    const topic = await rawTopic('cli-sigint', 1);
    const group = unique('cli-g');
    await run(['produce', ...b, topic], { input: 'a\nb\nc\n' });
    const child = spawn(process.execPath, [cliPath, 'consume', ...b, topic, '--group', group, '--from-beginning'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (c: string) => {
        out += c;
        if (out.split('\n').length > 3) resolve();
      });
    });
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(130);
    expect(out).toBe('a\nb\nc\n');
    const status = await run(['status', ...b, '--json', '-t', topic, '-g', group]);
    const report = JSON.parse(status.stdout) as { groups: Array<{ groupId: string; lag: number; partitions: Array<{ committed: number }> }> };
    expect(report.groups[0]).toMatchObject({ groupId: group, lag: 0, partitions: [{ committed: 3 }] });
  });
});

describe('topics of the topic layer', () => {
  it('create, list, info, produce and consume events, and the errors of create/delete/info', async () => {
    const name = unique('cli-sensors');
    const created = await run([
      'topic', 'create', ...b, name, '--partitions', '3',
      '--validator', '{"type":"schema","schema":{"type":"object","required":["sensor"]}}',
      '--selector', 'key', '-o', 'selector.field=sensor',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe(
      `created topic "${name}" (3 partitions; validator {"schema":{"required":["sensor"],"type":"object"},"type":"schema"}, selector {"field":"sensor","type":"key"}, serializer {"type":"default"})\n`,
    );

    const list = await run(['topic', 'list', ...b, '--json']);
    expect(list.code).toBe(0);
    const listed = (JSON.parse(list.stdout) as Array<{ name: string }>).find((t) => t.name === name);
    expect(listed).toEqual({
      name,
      num_partitions: 3,
      validator: { schema: { required: ['sensor'], type: 'object' }, type: 'schema' },
      selector: { field: 'sensor', type: 'key' },
      serializer: { type: 'default' },
    });
    const listText = await run(['topic', 'list', ...b]);
    expect(listText.stdout).toMatch(new RegExp(`^${name}\\s+3\\s+\\{"schema"`, 'm'));

    const events = ['{"metadata":{"sensor":"s1","v":1},"data":"frame"}', '{"metadata":{"v":2}}', '{"metadata":{"sensor":"s2","v":3}}'].join('\n');
    const pushed = await run(['produce', ...b, name, '--event'], { input: events });
    expect(pushed.code).toBe(2); // the second event has no "sensor"
    expect(pushed.stderr).toContain('produced 2 messages');
    expect(pushed.stderr).toMatch(/1 of 3 messages failed; first: line 2: invalid event: .*sensor/);

    const info = await run(['topic', 'info', ...b, name, '--json']);
    expect(info.code).toBe(0);
    const described = JSON.parse(info.stdout) as { partitions: Array<{ partition: number; leader: number; high: number }>; selector: unknown };
    expect(described.selector).toEqual({ field: 'sensor', type: 'key' });
    expect(described.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(described.partitions.every((p) => p.leader === 1)).toBe(true);
    expect(described.partitions.reduce((n, p) => n + p.high, 0)).toBe(2);
    const infoText = await run(['topic', 'info', ...b, name]);
    expect(infoText.stdout).toContain('  selector   {"field":"sensor","type":"key"}');
    expect(infoText.stdout).toContain('  partitions 3');

    const consumed = await run(['consume', ...b, name, '--event', '--count', '2', '--output', 'json']);
    expect(consumed.code).toBe(0);
    const got = consumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { metadata: { v: number }; data: string });
    expect(got.map((e) => [e.metadata.v, e.data]).sort()).toEqual([
      [1, 'frame'],
      [3, ''],
    ]);

    const again = await run(['topic', 'create', ...b, name]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`octokafka: topic "${name}" already exists [TOPIC_ALREADY_EXISTS]\n`);
    const unknown = await run(['topic', 'info', ...b, unique('nope')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^octokafka: topic not found: ".*" \[UNKNOWN_TOPIC_OR_PART\]\n$/);
    // librdkafka's mock brokers have no DeleteTopics: the refusal passes through, clearly.
    const deleted = await run(['topic', 'delete', ...b, name]);
    expect(deleted.code).toBe(2);
    expect(deleted.stderr).toContain('does not support DeleteTopics');
    const badType = await run(['topic', 'create', ...b, unique('t'), '--validator', 'nonsense']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('invalid configuration "validator.type": unknown validator type "nonsense"');
    const badOption = await run(['topic', 'create', ...b, unique('t'), '-o', 'partitioner.type=x']);
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toContain('"partitioner" is not a component');
  });
});

describe('status and test-send', () => {
  it('status shows brokers, the topic with its partitions and offsets, and a group with its lag', async () => {
    const topic = await rawTopic('cli-status', 2);
    const group = unique('cli-lag');
    const lines = Array.from({ length: 10 }, (_, i) => `s${i}`).join('\n');
    await run(['produce', ...b, topic, '-p', '0'], { input: lines });
    await run(['produce', ...b, topic, '-p', '1'], { input: 'x\ny\n' });
    // The group reads 4 of the 12 messages and commits them.
    const consumed = await run(['consume', ...b, topic, '-g', group, '--from-beginning', '--count', '4']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toHaveLength(4);

    const r = await run(['status', ...b, '--json', '-g', group]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      brokers: Array<{ id: number; host: string; port: number }>;
      topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; replicas: number[]; low: number; high: number }> }>;
      groups: Array<{ groupId: string; lag: number; partitions: Array<{ topic: string; partition: number; committed: number | null; high: number; lag: number | null }> }>;
      client: { requestsSent: number; brokers: Array<{ state: string }> } | null;
    };
    expect(s.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: Number(mock.bootstrapServers.split(':')[1]), controller: false }]);
    const t = s.topics.find((x) => x.topic === topic);
    expect(t?.partitions).toEqual([
      { partition: 0, leader: 1, replicas: [1], isr: [1], low: 0, high: 10 },
      { partition: 1, leader: 1, replicas: [1], isr: [1], low: 0, high: 2 },
    ]);
    const g = s.groups[0]!;
    expect(g.groupId).toBe(group);
    // Every partition of the topic, the ones the group never committed in too.
    expect(g.partitions.map((p) => [p.topic, p.partition, p.high])).toEqual([
      [topic, 0, 10],
      [topic, 1, 2],
    ]);
    const committed = g.partitions.reduce((n, p) => n + (p.committed ?? 0), 0);
    expect(committed).toBe(4);
    // Lag is the high watermark minus the committed offset; unknown where nothing is committed.
    for (const p of g.partitions) expect(p.lag).toBe(p.committed === null ? null : p.high - p.committed);
    expect(g.lag).toBe(g.partitions.reduce((n, p) => n + (p.lag ?? 0), 0));
    expect(s.client?.requestsSent).toBeGreaterThan(0);
    expect(s.client?.brokers[0]?.state).toBe('UP');

    const text = await run(['status', ...b, '-g', group, '-t', topic]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`  ${topic}  2 partitions`);
    expect(text.stdout).toMatch(new RegExp(`^  ${group}  state .*  lag ${g.lag}$`, 'm'));
    expect(text.stdout).toMatch(/^  admin client rdkafka#\S+: \d+ requests sent/m);
    // The mock cannot list groups: without --group, status says how to name them.
    const noGroups = await run(['status', ...b, '-t', topic]);
    expect(noGroups.stdout).toContain('the mock cluster cannot list consumer groups: name them with --group');
  });

  it('test-send creates its topic, sends one message, reads it back and prints the timings', async () => {
    const topic = unique('cli-ts');
    const r = await run(['test-send', ...b, topic]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^connected to ${mock.bootstrapServers.replace(/\./g, '\\.')} \\(cluster mockCluster\\w+, 1 broker\\) in [\\d.]+ ms\\n` +
          `created topic ${topic} \\(1 partition\\)\\n` +
          `produced to ${topic} \\[0\\] at offset 0: acknowledged in [\\d.]+ ms\\n` +
          `consumed it back: end to end [\\d.]+ ms\\n$`,
      ),
    );
    const second = await run(['test-send', ...b, topic, '--json']);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as { createdTopic: boolean; offset: number; connectMs: number; produceAckMs: number; endToEndMs: number };
    expect(report.createdTopic).toBe(false);
    expect(report.offset).toBe(1);
    expect(report.endToEndMs).toBeGreaterThanOrEqual(report.produceAckMs);
  });

  it('test-send --replication-factor creates its topic with that replication factor (like topic create -r)', async () => {
    const topic = unique('cli-ts-rf');
    // One broker: a replication factor of 2 cannot be met, and the error says so.
    const tooMany = await run(['test-send', ...b, topic, '--replication-factor', '2']);
    expect(tooMany.code).toBe(2); // a runtime error, by the CLI's exit codes
    expect(tooMany.stderr).toMatch(/INVALID_REPLICATION_FACTOR|replication factor 2/);
    const r = await run(['test-send', ...b, topic, '-r', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created topic ${topic} (1 partition, replication factor 1)`);
    const bad = await run(['test-send', ...b, topic, '-r', '0']);
    expect(bad.code).toBe(1); // a usage error
    expect(bad.stderr).toMatch(/replication-factor/);
  });
});

describe('without any configuration: an embedded cluster', () => {
  it('test-send and status run on an embedded cluster and say so on stderr', async () => {
    const send = await run(['test-send']);
    expect(send.code).toBe(0);
    expect(send.stdout).toContain('created topic octokafka-test-send (1 partition)');
    expect(send.stdout).toContain('consumed it back: end to end');
    expect(send.stderr).toMatch(/^octokafka: no cluster configured .*embedded cluster .*`octokafka mock`.*\n$/);

    const status = await run(['status', '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { embedded: boolean; clusterId: string; brokers: unknown[] };
    expect(s.embedded).toBe(true);
    expect(s.clusterId).toMatch(/^mockCluster/);
    expect(s.brokers).toHaveLength(1);
  });

  it('topic create runs on the embedded cluster too', async () => {
    const r = await run(['topic', 'create', 'demo', '--partitions', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created topic "demo" (2 partitions;');
  });
});
