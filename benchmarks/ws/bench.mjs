// WebSocket gateway benchmark (loopback only). Run through ./run.sh, which starts the API.
//   node bench.mjs --base http://127.0.0.1:5620 --pid <api pid> --connections 1000 --rate 200 --duration 20 [--threads 2]
// The clients run in --threads worker threads (client-worker.mjs); this thread logs in, places orders and reports.
// 1. opens N connections subscribed to `fills`, idle: RSS delta of the API process / N = memory per idle connection;
//    with --probe (the memory host of ./memory, see run.sh): managed heap after a forced full GC at N=0 and with the
//    N idle connections (same process, same run), delta / N = what a connection retains;
// 2. places market orders over REST at a steady rate; every fill reaches all N subscribers:
//    latency = frame arrival - fill executedAtUtc (same host clock), p50/p99, split into sequenced (executedAtUtc ->
//    the frame's time, when the topic grain numbered it) and delivery (the frame's time -> arrival: gateway, sockets,
//    client); frames lost = seq gaps per client;
//    API CPU time (user + system, /proc) per delivered frame: what the gateway costs, much less sensitive than
//    latency to other load on the machine.
//    --idle-only stops after 1.
//    --journal-metrics <silo /metrics URLs, comma-separated> (cluster mode, PostgreSQL journal): the silos'
//    tradingplatform_journal_commit_seconds over the measured flow, p50/p99 by interpolation in its buckets as
//    histogram_quantile does: how much of the latency above is the journal (queued -> committed) before the fill counts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, value, i, all) =>
  (i % 2 === 0 ? pairs.push([value.replace(/^--/, ''), all[i + 1]]) : null, pairs), []));
const base = args.base ?? 'http://127.0.0.1:5620';
const pid = Number(args.pid);
const connections = Number(args.connections ?? 1000);
const rate = Number(args.rate ?? 200);            // orders (= fills) per second
const duration = Number(args.duration ?? 20);     // seconds of order flow
const warmup = Number(args.warmup ?? 5);          // seconds of unmeasured flow first
const user = args.user ?? 'bench', password = args.password ?? 'bench-password-1';
const probe = args.probe === 'true';                // base serves /__bench/memory (the memory host)
const idleOnly = args['idle-only'] === 'true';
const threads = Math.max(1, Number(args.threads ?? 2)); // client worker threads sharing the connections (node client)
const client = args.client ?? 'node';               // node: client-worker.mjs (ws); dotnet: client/ (our own)
if (!['node', 'dotnet'].includes(client)) throw new Error(`--client node|dotnet, not ${client}`);
const driver = args.driver ?? 'node';               // node: this process places the orders (fetch); dotnet: client/ in `drive` mode
if (!['node', 'dotnet'].includes(driver)) throw new Error(`--driver node|dotnet, not ${driver}`);
const journalMetrics = (args['journal-metrics'] ?? '').split(',').filter(Boolean);

const sleep = ms => new Promise(r => setTimeout(r, ms));
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
// CPU seconds (user + system) the API process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks (100/s).
const processCpuSeconds = processId => {
  const fields = readFileSync(`/proc/${processId}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const cpuSeconds = () => processCpuSeconds(pid);
const now = () => performance.timeOrigin + performance.now();
async function call(method, path, body, token) {
  const response = await fetch(base + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const { accessToken: token } = await call('POST', '/v1/auth/login', { username: user, password });
const symbol = 'WSB' + Math.random().toString(36).slice(2, 8).toUpperCase();
const strategy = 'wsb-' + Math.random().toString(36).slice(2, 10);
await call('POST', '/v1/strategies', { id: strategy, name: 'ws bench', kind: 'manual', symbols: [symbol], parameters: {},
  risk: { maxOrderQuantity: 1000, maxPositionQuantity: 1000000, maxNotional: 1e12, maxDailyLoss: 1e12 } }, token);
await call('POST', '/v1/market/ticks', [{ symbol, price: 100, timestamp: new Date().toISOString() }], token);

// --- connect and subscribe (in worker threads: one node thread cannot parse 200,000 frames/s) ------------
global.gc?.();
await sleep(2000);
const memory = async () => probe ? (await fetch(base + '/__bench/memory')).json() : null;
const heapBefore = await memory();
const rssBefore = rssKb();
const wsUrl = base.replace(/^http/, 'ws') + '/v1/ws';
// A pool of clients: node worker threads (the independent `ws` client) or one process of our own raw-socket client
// (client/, --client dotnet). Each answers ask(type) with { received, open } or, for 'final', also lost, resyncs,
// closed and the latency arrays.
const pools = client === 'dotnet' ? [await dotnetPool()] : nodePools();
await Promise.all(pools.map(p => p.ready));
const ask = (type) => Promise.all(pools.map(p => p.ask(type)));
const ownCpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
// The subscribers' CPU: with node clients this process (every worker thread, and the order driver), with the dotnet
// client its process; the driver's (this process) is reported on its own then.
const childCpuSeconds = () => pools.reduce((n, p) => n + p.childCpuSeconds(), 0);
const clientCpuSeconds = () => client === 'node' ? ownCpuSeconds() : childCpuSeconds();

function nodePools() {
  return Array.from({ length: threads }, (_, w) => {
    const share = Math.floor(connections / threads) + (w < connections % threads ? 1 : 0);
    const worker = new Worker(new URL('./client-worker.mjs', import.meta.url), { workerData: { wsUrl, token, strategy, connections: share } });
    return {
      ready: new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }),
      ask: type => new Promise(resolve => { worker.once('message', resolve); worker.postMessage({ type }); }),
      childCpuSeconds: () => 0,
    };
  });
}

// Our own client (client/, built by run.sh) as a child process speaking one JSON line per answer on stdout.
function ownClient(args, env = {}) {
  const child = spawn('dotnet', [new URL('./client/bin/Release/net10.0/WsBenchClient.dll', import.meta.url).pathname, ...args],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  child.on('exit', code => { if (code) { console.error(`WsBenchClient ${args[0]} exited with ${code}`); process.exit(1); } });
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', line => waiting.shift()?.(JSON.parse(line)));
  return { child, next: () => new Promise(resolve => waiting.push(resolve)) };
}

async function dotnetPool() {
  const out = mkdtempSync(join(tmpdir(), 'ws-bench-'));
  const { child, next } = ownClient(['--ws', wsUrl, '--token', token, '--strategy', strategy, '--connections', String(connections), '--out', out],
    // continuations on the socket engine's threads: no thread-pool hop per received frame
    { DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: '1' });
  const readF64 = path => { const b = readFileSync(path); return new Float64Array(new Uint8Array(b).buffer); };
  return {
    ready: next(),
    ask: async type => {
      const answer = next();
      child.stdin.write(type + '\n');
      const a = await answer;
      if (type !== 'final') return a;
      const result = { ...a, latencies: readF64(a.latencies), sequencing: readF64(a.sequencing), delivery: readF64(a.delivery) };
      rmSync(out, { recursive: true, force: true });
      return result;
    },
    childCpuSeconds: () => processCpuSeconds(child.pid),
  };
}
await sleep(5000); // let the server settle (JIT, pools) before reading its memory
const rssIdle = rssKb();
const perConnectionKb = (rssIdle - rssBefore) / connections;
console.log(`connected ${connections}; API RSS ${rssBefore} KB -> ${rssIdle} KB: ${perConnectionKb.toFixed(1)} KB per idle subscribed connection`);
const heapIdle = await memory();
if (heapIdle) {
  const kb = bytes => Math.round(bytes / 1024);
  console.log(JSON.stringify({
    connections, idle: true,
    managedKbAtZero: kb(heapBefore.managedBytes), managedKbIdle: kb(heapIdle.managedBytes),
    managedKbPerConnection: +((heapIdle.managedBytes - heapBefore.managedBytes) / 1024 / connections).toFixed(2),
    workingSetKbAtZero: kb(heapBefore.workingSetBytes), workingSetKbIdle: kb(heapIdle.workingSetBytes),
    workingSetKbPerConnection: +((heapIdle.workingSetBytes - heapBefore.workingSetBytes) / 1024 / connections).toFixed(2),
    openAfterMeasuring: (await ask('counts')).reduce((n, c) => n + c.open, 0),
  }));
}
if (idleOnly) process.exit(0);

// --- steady order flow (a warm-up at the same rate first: JIT tiering, pools) ----------------------------
// --driver dotnet: the orders come from a process of our own client in `drive` mode (client/Driver.cs), whose CPU is
// measured apart: node's fetch costs ~0.9 ms of CPU per order, CPU the API under test shares on these 2 cores.
const orderDriver = driver === 'dotnet' ? await dotnetDriver() : null;
const driverCpuSeconds = () => orderDriver ? processCpuSeconds(orderDriver.pid) : ownCpuSeconds();
async function dotnetDriver() {
  const { child, next } = ownClient(['drive', '--base', base, '--token', token, '--strategy', strategy, '--symbol', symbol]);
  await next();
  return {
    pid: child.pid,
    flow: async seconds => {
      const answer = next();
      child.stdin.write(`flow ${rate} ${seconds}\n`);
      const { placed, failed, startedUnixMs } = await answer;
      return { placed, failed, started: startedUnixMs };
    },
  };
}
// The silos' journal histograms, summed over the silos: cumulative commit bucket counts (Map le -> count), the commit
// seconds' sum, and the batch histogram's count and sum.
async function journalHistogram() {
  const buckets = new Map();
  let sum = 0, batches = 0, units = 0;
  for (const url of journalMetrics) {
    const text = await (await fetch(url)).text();
    for (const line of text.split('\n')) {
      let m = /^tradingplatform_journal_commit_seconds_bucket\{le="([^"]+)"\} (\S+)/.exec(line);
      if (m) { const le = m[1] === '+Inf' ? Infinity : Number(m[1]); buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2])); continue; }
      if ((m = /^tradingplatform_journal_commit_seconds_sum (\S+)/.exec(line))) sum += Number(m[1]);
      if ((m = /^tradingplatform_journal_batch_units_count (\S+)/.exec(line))) batches += Number(m[1]);
      if ((m = /^tradingplatform_journal_batch_units_sum (\S+)/.exec(line))) units += Number(m[1]);
    }
  }
  return { buckets, sum, batches, units };
}
// histogram_quantile over the difference of two scrapes: linear within the bucket the rank falls in.
function journalSummary(before, after) {
  const les = [...after.buckets.keys()].sort((a, b) => a - b);
  const counts = les.map(le => after.buckets.get(le) - (before.buckets.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  const quantile = q => {
    if (!total) return NaN;
    const rank = q * total;
    for (let i = 0; i < les.length; i++) {
      if (counts[i] < rank) continue;
      if (les[i] === Infinity) return les[i - 1];
      const lower = i === 0 ? 0 : les[i - 1], below = i === 0 ? 0 : counts[i - 1];
      return lower + (les[i] - lower) * (rank - below) / Math.max(1, counts[i] - below);
    }
    return NaN;
  };
  const batches = after.batches - before.batches;
  return {
    journalUnits: total, journalCommitP50Ms: +(quantile(0.5) * 1000).toFixed(2), journalCommitP99Ms: +(quantile(0.99) * 1000).toFixed(2),
    journalCommitMeanMs: +((after.sum - before.sum) * 1000 / Math.max(1, total)).toFixed(2),
    journalUnitsPerBatch: +((after.units - before.units) / Math.max(1, batches)).toFixed(2),
  };
}
let side = 0;
async function flow(seconds) {
  if (orderDriver) return orderDriver.flow(seconds);
  let placed = 0, failed = 0;
  const started = now();
  const interval = 1000 / rate;
  const inflight = new Set();
  while (now() - started < seconds * 1000) {
    const due = started + placed * interval;
    if (now() < due) { await sleep(Math.max(0, Math.floor(due - now()))); continue; }
    placed++;
    const p = call('POST', '/v1/orders', { strategyId: strategy, symbol, side: (side++ % 2) ? 'sell' : 'buy', quantity: 1, type: 'market',
      clientOrderId: `b-${side}-${Math.random().toString(36).slice(2)}` }, token).catch(() => { failed++; });
    inflight.add(p); p.finally(() => inflight.delete(p));
  }
  await Promise.all(inflight);
  return { placed, failed, started };
}
await flow(warmup);
// The silos' journal histogram before the measured flow and after every frame has arrived: a scrape of a silo's
// /metrics costs it ~30 ms of CPU, which inside the measured window shows up in the latencies.
const journalBefore = journalMetrics.length ? await journalHistogram() : null;
await sleep(2000);
await ask('measure');
const cpuBefore = cpuSeconds();
const clientCpuBefore = clientCpuSeconds();
const driverCpuBefore = driverCpuSeconds();
const { placed, failed, started } = await flow(duration);
const flowSeconds = (now() - started) / 1000;
const expected = (placed - failed) * connections;
const deadline = now() + 30_000;
const receivedSoFar = async () => (await ask('counts')).reduce((n, c) => n + c.received, 0);
while (await receivedSoFar() < expected && now() < deadline) await sleep(100);
const drained = (now() - started) / 1000;
const clientCpu = clientCpuSeconds() - clientCpuBefore;
const driverCpu = driverCpuSeconds() - driverCpuBefore;
const apiCpu = cpuSeconds() - cpuBefore; // the API's CPU for the measured flow and its delivery, whatever else runs
const journal = journalBefore ? journalSummary(journalBefore, await journalHistogram()) : {};

const finals = await ask('final');
const received = finals.reduce((n, c) => n + c.received, 0);
const lost = finals.reduce((n, c) => n + c.lost, 0);
const resyncs = finals.reduce((n, c) => n + c.resyncs, 0);
const closed = finals.reduce((n, c) => n + c.closed, 0);
const merged = key => {
  const all = new Float64Array(finals.reduce((n, c) => n + c[key].length, 0));
  let offset = 0;
  for (const c of finals) { all.set(c[key], offset); offset += c[key].length; }
  return all.sort();
};
const latencies = merged('latencies');
const sequencing = merged('sequencing');
const delivery = merged('delivery');
const at = (list, p) => list.length ? list[Math.min(list.length - 1, Math.floor(p * list.length))] : NaN;
const pct = p => at(latencies, p);
const result = {
  connections, clientThreads: client === 'node' ? threads : undefined, rateOrdersPerSecond: rate, durationSeconds: duration, ordersPlaced: placed, ordersFailed: failed,
  framesExpected: expected, framesReceived: received, framesLost: lost, resyncs, closedConnections: closed,
  framesPerSecond: Math.round(received / drained), framesPerSecondOffered: Math.round(expected / flowSeconds),
  p50Ms: +pct(0.5).toFixed(2), p99Ms: +pct(0.99).toFixed(2), maxMs: +pct(1).toFixed(2),
  sequencedP50Ms: +at(sequencing, 0.5).toFixed(2), sequencedP99Ms: +at(sequencing, 0.99).toFixed(2),
  deliveryP50Ms: +at(delivery, 0.5).toFixed(2), deliveryP99Ms: +at(delivery, 0.99).toFixed(2),
  idleKbPerConnection: +perConnectionKb.toFixed(1), apiRssKbAfter: rssKb(),
  apiCpuSeconds: +apiCpu.toFixed(2), apiCpuUsPerFrame: +(apiCpu * 1e6 / Math.max(1, received)).toFixed(2),
  client, clientCpuSeconds: +clientCpu.toFixed(2),
  clientCpuUsPerFrame: +(clientCpu * 1e6 / Math.max(1, received)).toFixed(2),
  driver, driverCpuSeconds: client === 'node' && driver === 'node' ? undefined : +driverCpu.toFixed(2),
  ...journal,
};
console.log(JSON.stringify(result));
process.exit(0);
