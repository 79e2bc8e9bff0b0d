// WebSocket gateway benchmark (loopback only). Run through ./run.sh, which starts the API.
//   node bench.mjs --base http://127.0.0.1:5620 --pid <api pid> --connections 1000 --rate 200 --duration 20
// 1. opens N connections subscribed to `fills`, idle: RSS delta of the API process / N = memory per idle connection;
//    with --probe (the memory host of ./memory, see run.sh): managed heap after a forced full GC at N=0 and with the
//    N idle connections (same process, same run), delta / N = what a connection retains;
// 2. places market orders over REST at a steady rate; every fill reaches all N subscribers:
//    latency = frame arrival - fill executedAtUtc (same host clock), p50/p99; frames lost = seq gaps per client;
//    API CPU time (user + system, /proc) per delivered frame: what the gateway costs, much less sensitive than
//    latency to other load on the machine.
//    --idle-only stops after 1.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

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

const sleep = ms => new Promise(r => setTimeout(r, ms));
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
// CPU seconds (user + system) the API process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks (100/s).
const cpuSeconds = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const now = () => performance.timeOrigin + performance.now();
function isoMs(s) { // 2026-01-01T00:00:00.1234567+00:00 -> epoch ms with the fraction kept
  const m = /^(.{19})(\.\d+)?(.*)$/.exec(s);
  return Date.parse(m[1] + (m[3] || 'Z')) + (m[2] ? parseFloat('0' + m[2]) * 1000 : 0);
}
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

// --- connect and subscribe ---------------------------------------------------------------------------
global.gc?.();
await sleep(2000);
const memory = async () => probe ? (await fetch(base + '/__bench/memory')).json() : null;
const heapBefore = await memory();
const rssBefore = rssKb();
const clients = [];
let measuring = false;
const latencies = [];
const sequencing = []; // executedAt -> topic grain numbered it (the frame's time)
const wsUrl = base.replace(/^http/, 'ws') + '/v1/ws';
for (let i = 0; i < connections; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, connections - i) }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    const client = { ws, last: 0, received: 0, lost: 0, resyncs: 0, closed: null };
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', topics: ['fills'] })));
    ws.on('message', data => {
      const text = data.toString();
      if (text.startsWith('{"type":"subscribed"')) return resolve(client);
      if (text.startsWith('{"type":"resync"')) { client.resyncs++; return; }
      if (!text.startsWith('{"type":"event"')) return;
      const seq = Number(/"seq":(\d+)/.exec(text)[1]);
      if (client.last !== 0 && seq !== client.last + 1) client.lost += Math.max(0, seq - client.last - 1);
      client.last = seq;
      if (!measuring || !text.includes(`"strategyId":"${strategy}"`)) return;
      client.received++;
      if (latencies.length >= 5_000_000) return;
      const executed = isoMs(/"executedAtUtc":"([^"]+)"/.exec(text)[1]);
      latencies.push(now() - executed);
      if (client === clients[0]) sequencing.push(isoMs(/"time":"([^"]+)"/.exec(text)[1]) - executed);
    });
    ws.on('close', code => { client.closed = code; });
    ws.on('error', reject);
    clients.push(client);
  })));
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
    openAfterMeasuring: clients.filter(c => c.closed === null).length,
  }));
}
if (idleOnly) {
  for (const c of clients) c.ws.terminate();
  process.exit(0);
}

// --- steady order flow (a warm-up at the same rate first: JIT tiering, pools) ----------------------------
let side = 0;
async function flow(seconds) {
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
await sleep(2000);
measuring = true;
const cpuBefore = cpuSeconds();
const { placed, failed, started } = await flow(duration);
const flowSeconds = (now() - started) / 1000;
const expected = (placed - failed) * connections;
const deadline = now() + 30_000;
while (clients.reduce((s, c) => s + c.received, 0) < expected && now() < deadline) await sleep(100);
const drained = (now() - started) / 1000;
const apiCpu = cpuSeconds() - cpuBefore; // the API's CPU for the measured flow and its delivery, whatever else runs

const received = clients.reduce((s, c) => s + c.received, 0);
const lost = clients.reduce((s, c) => s + c.lost, 0);
const resyncs = clients.reduce((s, c) => s + c.resyncs, 0);
const closed = clients.filter(c => c.closed !== null).length;
latencies.sort((a, b) => a - b);
sequencing.sort((a, b) => a - b);
const at = (list, p) => list.length ? list[Math.min(list.length - 1, Math.floor(p * list.length))] : NaN;
const pct = p => at(latencies, p);
const result = {
  connections, rateOrdersPerSecond: rate, durationSeconds: duration, ordersPlaced: placed, ordersFailed: failed,
  framesExpected: expected, framesReceived: received, framesLost: lost, resyncs, closedConnections: closed,
  framesPerSecond: Math.round(received / drained), framesPerSecondOffered: Math.round(expected / flowSeconds),
  p50Ms: +pct(0.5).toFixed(2), p99Ms: +pct(0.99).toFixed(2), maxMs: +pct(1).toFixed(2),
  sequencedP50Ms: +at(sequencing, 0.5).toFixed(2), sequencedP99Ms: +at(sequencing, 0.99).toFixed(2),
  idleKbPerConnection: +perConnectionKb.toFixed(1), apiRssKbAfter: rssKb(),
  apiCpuSeconds: +apiCpu.toFixed(2), apiCpuUsPerFrame: +(apiCpu * 1e6 / Math.max(1, received)).toFixed(2),
};
console.log(JSON.stringify(result));
for (const c of clients) c.ws.terminate();
process.exit(0);
