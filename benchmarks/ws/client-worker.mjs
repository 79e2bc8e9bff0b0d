// One share of bench.mjs's WebSocket clients, in a worker thread (see bench.mjs). Connects, subscribes to `fills`,
// checks seq continuity per client and, once told to measure, records frame latency (arrival - the fill's
// executedAtUtc) for the benchmark strategy's fills. Answers the main thread's 'counts' / 'measure' / 'final'.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const { wsUrl, token, strategy, connections } = workerData;
const now = () => performance.timeOrigin + performance.now();
function isoMs(s) { // 2026-01-01T00:00:00.1234567+00:00 -> epoch ms with the fraction kept
  const m = /^(.{19})(\.\d+)?(.*)$/.exec(s);
  return Date.parse(m[1] + (m[3] || 'Z')) + (m[2] ? parseFloat('0' + m[2]) * 1000 : 0);
}
// Every fill reaches every client: parse its timestamps once per seq, not once per frame.
let cachedSeq = -1, cachedExecuted = 0, cachedTime = 0;
const clients = [];
let measuring = false;
const latencies = [];
const sequencing = []; // executedAt -> topic grain numbered it (the frame's time), once per fill
const delivery = [];   // the frame's time -> arrival: the gateway, the sockets and this client, per frame
const marker = `"strategyId":"${strategy}"`;

for (let i = 0; i < connections; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, connections - i) }, () => new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    const client = { ws, last: 0, received: 0, lost: 0, resyncs: 0, closed: null };
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', topics: ['fills'] })));
    ws.on('message', data => {
      const arrived = now();
      const text = data.toString();
      if (text.startsWith('{"type":"subscribed"')) return resolve(client);
      if (text.startsWith('{"type":"resync"')) { client.resyncs++; return; }
      if (!text.startsWith('{"type":"event"')) return;
      const seq = Number(/"seq":(\d+)/.exec(text)[1]);
      if (client.last !== 0 && seq !== client.last + 1) client.lost += Math.max(0, seq - client.last - 1);
      client.last = seq;
      if (!measuring || !text.includes(marker)) return;
      client.received++;
      if (latencies.length >= 5_000_000) return;
      if (seq !== cachedSeq) {
        cachedSeq = seq;
        cachedExecuted = isoMs(/"executedAtUtc":"([^"]+)"/.exec(text)[1]);
        cachedTime = isoMs(/"time":"([^"]+)"/.exec(text)[1]);
        sequencing.push(cachedTime - cachedExecuted);
      }
      latencies.push(arrived - cachedExecuted);
      delivery.push(arrived - cachedTime);
    });
    ws.on('close', code => { client.closed = code; });
    ws.on('error', reject);
    clients.push(client);
  })));
}

const sum = key => clients.reduce((n, c) => n + c[key], 0);
parentPort.on('message', ({ type }) => {
  if (type === 'measure') { measuring = true; parentPort.postMessage({}); return; }
  const counts = { received: sum('received'), open: clients.filter(c => c.closed === null).length };
  if (type === 'counts') { parentPort.postMessage(counts); return; }
  // final
  for (const c of clients) c.ws.terminate();
  parentPort.postMessage({
    ...counts, lost: sum('lost'), resyncs: sum('resyncs'), closed: connections - counts.open,
    latencies: Float64Array.from(latencies), sequencing: Float64Array.from(sequencing),
    delivery: Float64Array.from(delivery),
  });
});
parentPort.postMessage({ ready: connections });
