// What a benchmark phase measures about its own process: CPU (all threads), peak RSS and
// event-loop delay over the timed part. Shared by bench/js-phase.mjs and bench/peer-phase.mjs
// so that octokafka and the other clients are measured the same way.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** VmHWM: the highest resident set of this process so far, in kB. */
export function peakRssKb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : Math.round(process.memoryUsage.rss() / 1024);
}

/** CPU seconds per thread name (librdkafka names its threads, the addon's pump too). */
export function threadCpu() {
  const out = {};
  const tick = 100; // USER_HZ on Linux
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '#');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const threadCpuWanted = process.env.BENCH_THREAD_CPU === '1';

/** Event-loop delay and CPU over the timed part of a phase (start() … stop()). */
export function meter() {
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let threads0 = {};
  let running = false;
  return {
    get running() {
      return running;
    },
    start() {
      running = true;
      eld.reset();
      eld.enable();
      cpu0 = process.cpuUsage();
      if (threadCpuWanted) threads0 = threadCpu();
      t0 = performance.now();
    },
    stop(extra) {
      const seconds = (performance.now() - t0) / 1000;
      eld.disable();
      running = false;
      const cpu = process.cpuUsage(cpu0);
      let threads;
      if (threadCpuWanted) {
        // Per-thread CPU of the timed part (BENCH_VERBOSE=1 shows it on stderr).
        const t = threadCpu();
        threads = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, +(v - (threads0[k] ?? 0)).toFixed(2)]).filter(([, v]) => v > 0.005));
        process.stderr.write(`thread CPU s: ${Object.entries(threads).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
      }
      return {
        seconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        eventLoopP99Ms: eld.percentile(99) / 1e6,
        eventLoopMaxMs: eld.max / 1e6,
        ...(threads ? { threads } : {}),
        ...extra,
      };
    },
  };
}
