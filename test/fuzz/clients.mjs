// @ts-check
// Raw clients (producers, consumers, admins) with configurations drawn from the seed, and
// the operations that create them.
import { TOPICS } from './library.mjs';
import { HandlerFault } from './outcomes.mjs';
import { open } from './pools.mjs';

/** @typedef {import('./context.mjs').FuzzContext} FuzzContext */

/** @param {FuzzContext} ctx */
export function defineCreation(ctx) {
  const { table, pools, out } = ctx;
  table.def('producer.new', 3, () => open(pools.producers).length < 3, () => out.launch('producer.new', () => newProducer(ctx)));
  table.def('consumer.new', 3, () => open(pools.consumers).length < 3, () => out.launch('consumer.new', () => newConsumer(ctx)));
  table.def('admin.new', 1, () => open(pools.admins).length < 1, () => out.launch('admin.new', () => newAdmin(ctx)));
}

/** @param {FuzzContext} ctx */
function newProducer(ctx) {
  const { r } = ctx;
  const servers = r.pick(ctx.clusters);
  const config = {
    'bootstrap.servers': servers,
    'linger.ms': r.pick([0, 5, 50]),
    'message.timeout.ms': 20_000,
    'queue.buffering.max.messages': r.pick([100_000, 300]),
    'enable.idempotence': r.chance(0.7),
  };
  const client = new ctx.lib.KafkaProducer(config, { sendTimeoutMs: 5000 });
  client.on('error', ctx.out.onErrorEvent('producer'));
  ctx.pools.producers.push({ id: ctx.uniq('p'), client, servers, topics: TOPICS });
}

/**
 * A consumer, subscribed or assigned right away (as applications do); its rebalance hook
 * may commit or throw.
 * @param {FuzzContext} ctx
 */
function newConsumer(ctx) {
  const { r, out } = ctx;
  const servers = r.pick(ctx.clusters);
  const shared = r.chance(0.3);
  const cooperative = r.chance(0.3);
  const hookCommits = r.chance(0.3);
  const hookThrows = r.chance(0.1);
  const small = r.chance(0.3);
  const mode = r.chance(0.5) ? 'subscribe' : 'assign';
  const which = r.int(3);
  /** @type {any} */
  let client;
  client = new ctx.lib.KafkaConsumer(
    {
      'bootstrap.servers': servers,
      'group.id': shared ? `g-${ctx.tag}-shared` : ctx.uniq('g'),
      'session.timeout.ms': 6000,
      'heartbeat.interval.ms': 500,
      'partition.assignment.strategy': cooperative ? 'cooperative-sticky' : 'range',
    },
    {
      highWaterMark: small ? { messages: 50, bytes: 64 * 1024 } : undefined,
      onRevoke: async () => {
        if (hookThrows) throw new HandlerFault();
        if (hookCommits) await client.commit().catch((/** @type {unknown} */ e) => out.classify('onRevoke.commit', out.step, e, false));
      },
    },
  );
  client.on('error', out.onErrorEvent('consumer'));
  const slot = { id: ctx.uniq('c'), client, servers, topics: TOPICS };
  ctx.pools.consumers.push(slot);
  out.current = `${slot.id} ${JSON.stringify({ shared, cooperative, hookCommits, hookThrows, small, mode, which, own: servers === ctx.own })}`;
  const names = which === 2 ? TOPICS.map((t) => t.name) : [/** @type {typeof TOPICS[number]} */ (TOPICS[which]).name];
  if (mode === 'subscribe') out.launch('consumer.subscribe', () => client.subscribe(names));
  else {
    const t = /** @type {typeof TOPICS[number]} */ (TOPICS[which === 2 ? 0 : which]);
    const parts = Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p, offset: ctx.lib.Offset.BEGINNING }));
    out.launch('consumer.assign', () => client.assign(parts));
  }
}

/** @param {FuzzContext} ctx */
function newAdmin(ctx) {
  const servers = ctx.r.pick(ctx.clusters);
  const client = new ctx.lib.KafkaAdmin({ 'bootstrap.servers': servers }, { timeoutMs: 10_000 });
  client.on('error', ctx.out.onErrorEvent('admin'));
  ctx.pools.admins.push({ id: ctx.uniq('a'), client, servers, topics: TOPICS });
}
