// TradingPlatform dashboard: REST for snapshots and actions, the WebSocket API for everything that changes.
import { Api, ApiError } from './api.js';
import { LiveFeed } from './live.js';
import { $, el, fmtMoney, fmtQty, fmtPrice, fmtPct, fmtRatio, fmtTime, fmtDateTime, signClass } from './format.js';
import { showEquity } from './chart.js';

const BASE_TOPICS = ['strategies', 'positions', 'pnl', 'fills', 'killswitch', 'alerts', 'system'];
const ROLE_RANK = { viewer: 0, trader: 1, admin: 2 };
const REFRESH_SPACING_MS = 4_000; // derived reads (strategy PnL, summary) at most this often: the read budget is 100/min
const MAX_FILLS = 50;

const BACKTEST_PARAMS = {
  sma_cross: { fast: 10, slow: 50, quantity: 100 },
  buy_and_hold: { quantity: 100 },
  mean_reversion: { window: 20, k: 2, quantity: 100 },
  breakout: { lookback: 20, quantity: 100 },
};

const state = {
  strategies: new Map(),
  positions: new Map(),
  fills: [],
  alerts: new Map(),
  killSwitch: null,
  runs: new Map(),
  currentRun: null,
};

const api = new Api({ onSignedOut: reason => showLogin(reason) });
const live = new LiveFeed({
  token: () => api.accessToken,
  refresh: async () => {
    const ok = await api.refresh();
    if (!ok) showLogin('Your session ended; please sign in again.');
    return ok;
  },
  onEvent,
  onResync: topic => reload([topic]),
  onSubscribed: fresh => reload(fresh),
  onState: renderConnection,
});

// ---------- notices (problem details, shown readably) ----------

function notify(kind, title, detail = '', lines = [], meta = '') {
  const close = el('button', { type: 'button', class: 'ghost small', 'aria-label': 'Dismiss' }, '×');
  const node = el('div', { class: 'notice', role: kind === 'error' ? 'alert' : 'status', dataset: { kind } },
    close, el('div', { class: 'title' }, title), detail ? el('div', { class: 'detail' }, detail) : null,
    lines.length ? el('ul', {}, lines.map(l => el('li', {}, l))) : null, meta ? el('div', { class: 'meta' }, meta) : null);
  close.addEventListener('click', () => node.remove());
  $('notices').prepend(node);
  while ($('notices').children.length > 4) $('notices').lastElementChild.remove();
  setTimeout(() => node.remove(), kind === 'error' ? 20_000 : 6_000);
}

function showError(e, context) {
  if (!(e instanceof ApiError)) { notify('error', context, String(e?.message ?? e)); return; }
  if (e.status === 401 && !api.signedIn) return; // already back at the login form
  const detail = e.status === 429
    ? `${e.detail || 'Rate limit exceeded.'}${e.retryAfter ? ` Try again in ${e.retryAfter} s.` : ''}`
    : e.status === 503 ? `${e.detail || 'The platform is temporarily unavailable.'} It recovers by itself; try again shortly.` : e.detail;
  notify(e.status === 429 || e.status === 503 ? 'warn' : 'error', `${context}: ${e.title}`, detail, e.fieldErrors,
    [e.status ? `HTTP ${e.status}` : '', e.requestId ? `request ${e.requestId}` : ''].filter(Boolean).join(' · '));
}

/** Runs a read; a 429 or 503 retries once after Retry-After (or a few seconds). */
async function read(context, fn) {
  try { return await fn(); }
  catch (e) {
    showError(e, context);
    if (e instanceof ApiError && (e.status === 429 || e.status === 503)) {
      setTimeout(() => read(context, fn), Math.min(60, e.retryAfter ?? 5) * 1000);
    }
    return undefined;
  }
}

// ---------- loading snapshots ----------

const loaders = {
  strategies: () => read('Strategies', async () => {
    const page = await api.get('/v1/strategies?per_page=500');
    state.strategies = new Map(page.items.map(s => [s.id, s]));
    renderStrategies();
  }),
  positions: () => read('Positions', async () => {
    const page = await api.get('/v1/positions?per_page=500');
    state.positions = new Map(page.items.map(p => [positionKey(p), p]));
    renderPositions();
  }),
  fills: () => read('Fills', async () => {
    const page = await api.get(`/v1/fills?per_page=${MAX_FILLS}`);
    state.fills = page.items;
    renderFills();
  }),
  killswitch: () => read('Kill switch', async () => {
    state.killSwitch = await api.get('/v1/controls/kill-switch');
    renderKillSwitch();
  }),
  alerts: () => read('Alerts', async () => {
    const page = await api.get('/v1/alerts?per_page=30');
    state.alerts = new Map(page.items.map(a => [a.id, a]));
    renderAlerts();
  }),
  summary: () => read('Summary', async () => renderSummary(await api.get('/v1/metrics/summary'))),
  system: () => read('System status', async () => renderSystem(await api.get('/v1/system/status'))),
  runs: () => read('Backtests', async () => {
    const page = await api.get('/v1/runs?per_page=8');
    state.runs = new Map(page.items.map(r => [r.id, r]));
    renderRuns();
  }),
};
const TOPIC_LOADERS = { strategies: ['strategies'], positions: ['positions'], pnl: ['summary'], fills: ['fills'], killswitch: ['killswitch'], alerts: ['alerts'], system: ['system'] };

/** Reloads what the given topics show (after a fresh subscription or a resync). */
function reload(topics) {
  const names = new Set(topics.flatMap(t => TOPIC_LOADERS[t] ?? []));
  for (const name of names) loaders[name]();
  for (const t of topics.filter(t => t.startsWith('backtest:'))) loadRun(t.slice('backtest:'.length));
}

// Strategy PnL and the summary are derived from many events: refreshed over REST, spaced out.
const pending = new Set();
let lastRefresh = 0;
let refreshTimer = 0;
function refreshSoon(...names) {
  names.forEach(n => pending.add(n));
  if (refreshTimer) return;
  const wait = Math.max(250, lastRefresh + REFRESH_SPACING_MS - Date.now());
  refreshTimer = setTimeout(() => {
    refreshTimer = 0;
    lastRefresh = Date.now();
    const names = [...pending];
    pending.clear();
    if (api.signedIn) names.forEach(n => loaders[n]());
  }, wait);
}

// ---------- live events ----------

function onEvent(topic, data) {
  switch (topic) {
    case 'positions':
      state.positions.set(positionKey(data), data);
      renderPositions(positionKey(data));
      refreshSoon('summary');
      break;
    case 'pnl': {
      const key = positionKey(data);
      const p = state.positions.get(key);
      if (p) {
        state.positions.set(key, { ...p, realizedPnl: data.realizedPnl, unrealizedPnl: data.unrealizedPnl, lastPrice: data.lastPrice ?? p.lastPrice, quantity: data.quantity ?? p.quantity });
        renderPositions();
      }
      refreshSoon('strategies', 'summary');
      break;
    }
    case 'fills':
      if (!state.fills.some(f => f.fillId === data.fillId)) {
        state.fills.unshift(data);
        state.fills.length = Math.min(state.fills.length, MAX_FILLS);
        renderFills(data.fillId);
      }
      refreshSoon('strategies', 'summary');
      break;
    case 'strategies':
      state.strategies.set(data.id, data);
      renderStrategies(data.id);
      refreshSoon('summary');
      break;
    case 'killswitch':
      state.killSwitch = data;
      renderKillSwitch();
      refreshSoon('summary');
      break;
    case 'alerts':
      state.alerts.set(data.id, data);
      renderAlerts();
      break;
    case 'system':
      renderSystem(data);
      break;
    default:
      if (topic.startsWith('backtest:')) onBacktestEvent(topic.slice('backtest:'.length), data);
  }
}

// ---------- rendering ----------

const positionKey = p => `${p.strategyId}/${p.symbol}`;
const cell = (value, cls = 'num') => el('td', { class: cls }, value);
const pnlCell = v => el('td', { class: `num ${signClass(v)}` }, fmtMoney(v));
const badge = s => el('span', { class: 'badge', dataset: { state: s } }, s);
const can = role => ROLE_RANK[api.me?.role] >= ROLE_RANK[role];

function fill(tbody, rows, flashKey) {
  tbody.replaceChildren(...rows.map(([key, tr]) => {
    tr.dataset.key = key;
    if (key === flashKey) tr.classList.add('flash');
    return tr;
  }));
}

function renderStrategies(flashKey) {
  const items = [...state.strategies.values()];
  fill($('strategies').tBodies[0], items.map(s => [s.id, el('tr', {},
    el('td', {}, el('strong', {}, s.id), s.name && s.name !== s.id ? el('div', { class: 'hint' }, s.name) : null),
    cell(s.kind, ''), el('td', { class: 'status' }, badge(s.status)), pnlCell(s.pnl?.daily), pnlCell(s.pnl?.realized),
    pnlCell(s.pnl?.unrealized), cell(fmtQty(s.fills)))]), flashKey);
  $('strategies-empty').hidden = items.length > 0;

  const select = $('order-strategy');
  const current = select.value;
  select.replaceChildren(...items.map(s => el('option', { value: s.id }, s.id)));
  if (items.some(s => s.id === current)) select.value = current;
  else if (items.length) { select.value = items[0].id; $('order-symbol').value = items[0].symbols?.[0] ?? ''; }
}

function renderPositions(flashKey) {
  const items = [...state.positions.values()].filter(p => Number(p.quantity) !== 0 || Number(p.realizedPnl) !== 0)
    .sort((a, b) => positionKey(a).localeCompare(positionKey(b)));
  fill($('positions').tBodies[0], items.map(p => [positionKey(p), el('tr', {},
    cell(p.strategyId, ''), cell(p.symbol, ''), el('td', { class: 'num qty' }, fmtQty(p.quantity)), cell(fmtPrice(p.averagePrice)),
    cell(fmtPrice(p.lastPrice)), pnlCell(p.realizedPnl), pnlCell(p.unrealizedPnl))]), flashKey);
  $('positions-empty').hidden = items.length > 0;
}

function renderFills(flashKey) {
  fill($('fills').tBodies[0], state.fills.map(f => [f.fillId, el('tr', {},
    cell(fmtTime(f.executedAtUtc ?? f.executedAt ?? f.timestamp), ''), cell(f.strategyId, ''), cell(f.symbol, ''),
    el('td', { class: f.side === 'buy' ? 'up' : 'down' }, f.side), cell(fmtQty(f.quantity)), cell(fmtPrice(f.price)))]), flashKey);
  $('fills-empty').hidden = state.fills.length > 0;
}

function renderSummary(s) {
  $('sum-equity').textContent = fmtMoney(s.equity);
  for (const [id, v] of [['sum-daily', s.pnl?.daily], ['sum-total', s.pnl?.total]]) {
    $(id).textContent = fmtMoney(v);
    $(id).className = `value ${signClass(v)}`;
  }
  $('sum-exposure').textContent = fmtMoney(s.exposure?.gross);
  $('sum-exposure-net').textContent = `net ${fmtMoney(s.exposure?.net)} · ${s.openPositions ?? 0} open`;
  const c = s.strategies ?? {};
  $('sum-strategies').textContent = String(c.running ?? 0);
  $('sum-strategies-other').textContent = `${c.stopped ?? 0} stopped · ${c.halted ?? 0} halted`;
  if (s.killSwitch?.state) $('sum-killswitch').textContent = s.killSwitch.state;
}

function renderKillSwitch() {
  const ks = state.killSwitch;
  if (!ks) return;
  const g = ks.global ?? { state: 'active' };
  $('ks-global').textContent = g.state;
  $('ks-global').dataset.state = g.state;
  $('sum-killswitch').textContent = g.state;
  $('ks-reason').textContent = g.state === 'active' && !g.reason ? '' :
    [g.reason, g.changedBy ? `by ${g.changedBy}` : '', g.changedAt ? fmtDateTime(g.changedAt) : ''].filter(Boolean).join(' · ');
  $('ks-strategies').replaceChildren(...(ks.strategies ?? []).filter(s => s.state !== 'active')
    .map(s => el('li', {}, `${s.strategyId}: `, badge(s.state), s.reason ? ` ${s.reason}` : '')));
  const banner = $('killswitch-banner');
  banner.hidden = g.state === 'active';
  banner.dataset.state = g.state;
  banner.textContent = g.state === 'halted' ? `Trading halted (global kill switch)${g.reason ? `: ${g.reason}` : ''}`
    : `Reduce-only (global kill switch)${g.reason ? `: ${g.reason}` : ''}`;
  $('ks-halt').disabled = g.state === 'halted';
  $('ks-reduce').disabled = g.state === 'reducing';
  $('ks-release').disabled = g.state === 'active';
}

function renderAlerts() {
  const items = [...state.alerts.values()].sort((a, b) => (a.raisedAt < b.raisedAt ? 1 : -1)).slice(0, 30);
  $('alerts').replaceChildren(...items.map(a => el('li', { dataset: { id: a.id, acknowledged: String(a.acknowledged) } },
    el('div', { class: 'text' }, el('span', { class: 'sev', dataset: { severity: a.severity } }, a.severity), a.message,
      el('span', { class: 'when' }, `${a.kind}${a.strategyId ? ` · ${a.strategyId}` : ''} · ${fmtDateTime(a.raisedAt)}${a.acknowledged ? ` · acknowledged by ${a.acknowledgedBy ?? '?'}` : ''}`)),
    !a.acknowledged && can('trader') ? el('button', { type: 'button', class: 'ghost small ack', onclick: () => acknowledge(a.id) }, 'Ack') : null)));
  $('alerts-empty').hidden = items.length > 0;
}

let platformMode = null;
function renderSystem(s) {
  const silos = Array.isArray(s.silos) ? s.silos.filter(x => (x.status ?? 'active') === 'active').length : s.silos;
  platformMode = s.mode ?? platformMode; // the REST status names the mode; `system` events carry the silos
  $('mode').hidden = false;
  $('mode').textContent = [platformMode, silos !== undefined ? `${silos} silo${silos === 1 ? '' : 's'}` : null].filter(Boolean).join(' · ') || 'live';
  if (s.version) $('version').textContent = `v${s.version}`;
}

function renderConnection(connState, info) {
  const pill = $('conn');
  pill.dataset.state = connState;
  pill.dataset.resumes = String(live.resumes);
  pill.textContent = connState === 'live' && live.resumes > 0 ? 'live (resumed)' : connState;
  pill.title = `Live updates over the WebSocket API${info ? ` — ${info}` : ''}. Resumed subscriptions: ${live.resumes}.`;
  $('conn-toggle').textContent = connState === 'paused' ? 'Resume live' : 'Pause live';
}

// ---------- actions ----------

async function placeOrder(e) {
  e.preventDefault();
  const type = $('order-type').value;
  const body = {
    strategyId: $('order-strategy').value,
    symbol: $('order-symbol').value.trim().toUpperCase(),
    side: $('order-side').value,
    quantity: Number($('order-quantity').value),
    type,
    clientOrderId: `dash-${randomId()}`,
  };
  if (type === 'limit') body.limitPrice = Number($('order-limit').value);
  const result = $('order-result');
  $('order-submit').disabled = true;
  try {
    const order = await api.post('/v1/orders', body);
    const filled = Number(order.filledQuantity ?? 0);
    result.dataset.kind = order.status === 'rejected' ? 'bad' : 'ok';
    result.dataset.status = order.status;
    result.textContent = order.status === 'rejected'
      ? `Rejected: ${order.rejectReason}${order.rejectDetail ? ` (${order.rejectDetail})` : ''}`
      : `${order.status}: ${body.side} ${fmtQty(filled || body.quantity)} ${body.symbol}${filled ? ` @ ${fmtPrice(order.averageFillPrice)}` : ''} (order ${order.orderId})`;
  } catch (err) {
    result.dataset.kind = 'bad';
    result.dataset.status = 'error';
    result.textContent = err.message;
    showError(err, 'Order');
  } finally {
    $('order-submit').disabled = false;
  }
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // randomUUID needs a secure context; this does not
  return [...bytes].map(b => b.toString(16).padStart(2, '0')).join('');
}

/** The confirm step of a kill-switch change: a modal with the reason; resolves to the request body or null. */
function confirmKillSwitch(target) {
  const dialog = $('confirm');
  const texts = {
    halted: ['Halt all trading?', 'Every strategy stops: no new order is accepted anywhere in the cluster until the switch is released.'],
    reducing: ['Reduce only?', 'Only orders that shrink a position are accepted until the switch is released.'],
    active: ['Release the kill switch?', 'Orders are accepted again. Halted strategies come back stopped.'],
  };
  $('confirm-title').textContent = texts[target][0];
  $('confirm-text').textContent = texts[target][1];
  $('confirm-yes').textContent = target === 'active' ? 'Release' : target === 'halted' ? 'Halt trading' : 'Reduce only';
  $('confirm-yes').className = target === 'active' ? '' : 'danger';
  $('confirm-reason').value = '';
  $('confirm-cancel-label').hidden = target === 'active';
  $('confirm-flatten-label').hidden = target === 'active';
  $('confirm-cancel-orders').checked = true;
  $('confirm-flatten').checked = false;
  return new Promise(resolve => {
    const form = $('confirm-form');
    const done = value => {
      form.removeEventListener('submit', onSubmit);
      $('confirm-no').removeEventListener('click', onNo);
      dialog.removeEventListener('cancel', onNo);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = ev => {
      ev.preventDefault();
      const reason = $('confirm-reason').value.trim();
      if (!reason) { $('confirm-reason').reportValidity(); return; }
      done({ scope: 'global', state: target, reason,
        ...(target === 'active' ? {} : { cancelOpenOrders: $('confirm-cancel-orders').checked, flatten: $('confirm-flatten').checked }) });
    };
    const onNo = ev => { ev.preventDefault(); done(null); };
    form.addEventListener('submit', onSubmit);
    $('confirm-no').addEventListener('click', onNo);
    dialog.addEventListener('cancel', onNo);
    dialog.showModal();
    $('confirm-reason').focus();
  });
}

async function changeKillSwitch(target) {
  const body = await confirmKillSwitch(target);
  if (!body) return;
  try {
    const answer = await api.post('/v1/controls/kill-switch', body);
    state.killSwitch = answer.killSwitch;
    renderKillSwitch();
    notify('info', `Global kill switch: ${answer.killSwitch.global.state}`, body.reason);
  } catch (e) {
    showError(e, 'Kill switch');
  }
}

async function acknowledge(id) {
  try {
    const alert = await api.post(`/v1/alerts/${encodeURIComponent(id)}/ack`);
    if (alert?.id) state.alerts.set(alert.id, alert);
    else state.alerts.set(id, { ...state.alerts.get(id), acknowledged: true, acknowledgedBy: api.me?.username });
    renderAlerts();
  } catch (e) {
    showError(e, 'Acknowledge');
  }
}

// ---------- backtests ----------

function renderParams() {
  const kind = $('bt-kind').value;
  $('bt-params').replaceChildren(...Object.entries(BACKTEST_PARAMS[kind]).map(([name, value]) =>
    el('label', {}, name, el('input', { type: 'number', step: 'any', min: '0', name, value: String(value), id: `bt-param-${name}`, required: true }))));
}

async function launchBacktest(e) {
  e.preventDefault();
  const parameters = {};
  for (const input of $('bt-params').querySelectorAll('input')) parameters[input.name] = Number(input.value);
  const body = {
    strategy: { kind: $('bt-kind').value, parameters },
    symbol: $('bt-symbol').value.trim().toUpperCase(),
    timeframe: $('bt-timeframe').value,
    from: `${$('bt-from').value}T00:00:00Z`,
    to: `${$('bt-to').value}T00:00:00Z`,
    initialCapital: Number($('bt-capital').value),
    feeBps: Number($('bt-fee').value || 0),
    slippageBps: Number($('bt-slippage').value || 0),
  };
  $('bt-submit').disabled = true;
  try {
    const run = await api.post('/v1/runs', body);
    state.runs.set(run.id, run);
    state.currentRun = run.id;
    renderRun(run);
    renderRuns();
    // A new run's topic starts at seq 1: subscribing from 0 replays whatever it published before we were subscribed.
    live.addFrom(`backtest:${run.id}`, 0);
    if (live.state !== 'live') pollRun(run.id);
  } catch (err) {
    showError(err, 'Backtest');
  } finally {
    $('bt-submit').disabled = false;
  }
}

function onBacktestEvent(id, progress) {
  const run = { ...(state.runs.get(id) ?? { id }), status: progress.status, progress: progress.progress, bars: progress.bars, error: progress.error };
  state.runs.set(id, run);
  if (id === state.currentRun) renderRun(run);
  renderRuns();
  if (['completed', 'failed', 'cancelled'].includes(progress.status)) {
    live.remove(`backtest:${id}`);
    if (progress.status === 'completed' && id === state.currentRun) showResults(id);
  }
}

async function loadRun(id) {
  const run = await read('Backtest', () => api.get(`/v1/runs/${encodeURIComponent(id)}`));
  if (!run) return;
  onBacktestEvent(id, run);
}

/** Without a live connection, the run's state is polled instead. */
function pollRun(id) {
  const timer = setInterval(async () => {
    const run = state.runs.get(id);
    if (!api.signedIn || !run || ['completed', 'failed', 'cancelled'].includes(run.status)) { clearInterval(timer); return; }
    if (live.state !== 'live') await loadRun(id);
  }, 2_000);
}

function renderRun(run) {
  $('bt-run').hidden = false;
  $('bt-run-id').textContent = `${run.strategy?.kind ?? ''} ${run.symbol ?? ''} ${run.id}`.trim();
  $('bt-status').textContent = run.status === 'running' ? `running ${Math.round((run.progress ?? 0) * 100)} %` : run.status;
  $('bt-status').dataset.state = run.status;
  $('bt-progress').value = run.status === 'completed' ? 1 : run.progress ?? 0;
  $('bt-error').textContent = run.error ?? '';
  $('bt-cancel').hidden = !(can('trader') && ['queued', 'running'].includes(run.status));
}

function renderRuns() {
  const runs = [...state.runs.values()].sort((a, b) => ((a.createdAt ?? '') < (b.createdAt ?? '') ? 1 : -1)).slice(0, 8);
  $('runs').replaceChildren(...runs.map(r => el('li', { dataset: { id: r.id } },
    el('button', { type: 'button', class: 'ghost small', onclick: () => selectRun(r.id) }, r.id.slice(0, 8)),
    badge(r.status), `${r.strategy?.kind ?? ''} ${r.symbol ?? ''} ${r.timeframe ?? ''}`)));
}

async function selectRun(id) {
  state.currentRun = id;
  const run = state.runs.get(id);
  if (run) renderRun(run);
  if (run?.status === 'completed') await showResults(id);
  else if (run && !['failed', 'cancelled'].includes(run.status)) live.addFrom(`backtest:${id}`, 0);
}

async function showResults(id) {
  const results = await read('Backtest results', () => api.get(`/v1/runs/${encodeURIComponent(id)}/results?per_page=1`));
  if (!results || id !== state.currentRun) return;
  const chart = $('bt-chart');
  chart.dataset.points = String(showEquity(chart, results.equityCurve));
  chart.dataset.run = id;
  $('bt-attribution').hidden = false;
  const m = results.metrics;
  const rows = [
    ['Total return', fmtPct(m.totalReturn)], ['CAGR', fmtPct(m.cagr)], ['Sharpe', fmtRatio(m.sharpe)], ['Sortino', fmtRatio(m.sortino)],
    ['Max drawdown', fmtPct(m.maxDrawdown)], ['Volatility', fmtPct(m.volatility)], ['Win rate', fmtPct(m.winRate)],
    ['Profit factor', fmtRatio(m.profitFactor)], ['Trades', fmtQty(m.trades)], ['Exposure', fmtPct(m.exposure)],
    ['Final equity', fmtMoney(m.finalEquity)], ['Bars', fmtQty(results.bars)],
  ];
  $('bt-metrics').replaceChildren(...rows.map(([k, v]) => el('div', { dataset: { metric: k } }, el('dt', {}, k), el('dd', {}, v))));
}

async function cancelRun() {
  const id = state.currentRun;
  if (!id) return;
  try { onBacktestEvent(id, await api.post(`/v1/runs/${encodeURIComponent(id)}/cancel`)); }
  catch (e) { showError(e, 'Cancel backtest'); }
}

// ---------- session ----------

function showLogin(reason) {
  live.disconnect('offline', true);
  $('app-view').hidden = true;
  $('session-bar').hidden = true;
  $('login-view').hidden = false;
  if (reason) notify('warn', 'Signed out', reason);
  $('login-username').focus();
}

function showApp() {
  const me = api.me;
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('session-bar').hidden = false;
  $('who').textContent = `${me.username} · ${me.role}`;
  $('order-card').hidden = !can('trader');
  $('ks-actions').hidden = !can('admin');
  $('ks-viewer-hint').hidden = can('admin');
  $('bt-submit').hidden = !can('trader');
  renderParams();
  live.add(...BASE_TOPICS);
  live.connect();
  loaders.runs();
  // Snapshots load when the subscriptions are confirmed (so nothing falls between the two); without a socket, now.
  setTimeout(() => { if (api.signedIn && live.state !== 'live' && state.strategies.size === 0) reload(BASE_TOPICS); }, 5_000);
}

async function login(e) {
  e.preventDefault();
  $('login-submit').disabled = true;
  try {
    await api.login($('login-username').value.trim(), $('login-password').value);
    $('login-password').value = '';
    showApp();
  } catch (err) {
    showError(err, 'Sign-in');
  } finally {
    $('login-submit').disabled = false;
  }
}

async function boot() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', async () => { live.disconnect('offline', true); await api.logout(); showLogin(); });
  $('conn-toggle').addEventListener('click', () => (live.state === 'paused' ? live.connect() : live.disconnect('paused')));
  $('order-form').addEventListener('submit', placeOrder);
  $('order-type').addEventListener('change', () => { $('order-limit').disabled = $('order-type').value !== 'limit'; });
  $('order-strategy').addEventListener('change', () => {
    const s = state.strategies.get($('order-strategy').value);
    if (s?.symbols?.length) $('order-symbol').value = s.symbols[0];
  });
  $('ks-halt').addEventListener('click', () => changeKillSwitch('halted'));
  $('ks-reduce').addEventListener('click', () => changeKillSwitch('reducing'));
  $('ks-release').addEventListener('click', () => changeKillSwitch('active'));
  $('bt-kind').addEventListener('change', renderParams);
  $('bt-form').addEventListener('submit', launchBacktest);
  $('bt-cancel').addEventListener('click', cancelRun);

  if (api.hasStoredSession) {
    try { if (await api.resume()) return showApp(); }
    catch (e) { showError(e, 'Resume session'); }
  }
  showLogin();
}

boot();
