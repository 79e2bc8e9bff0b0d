// End-to-end test of the dashboard (src/Api/wwwroot) in headless Debian Chromium, driven by playwright-core.
// It never downloads a browser: it starts the one at TP_CHROMIUM (/usr/bin/chromium).
//
//   TP_BASE_URL=http://127.0.0.1:5000 TP_ADMIN_USERNAME=admin TP_ADMIN_PASSWORD=… node dashboard.e2e.mjs
//
// TP_SCREENSHOTS=1 also writes docs/dashboard-desktop.png (1280×800) and docs/dashboard-phone.png (390×844).
// On failure it writes .tmp/dashboard-failure.png and exits 1. DashboardBrowserTests runs it inside `dotnet test`.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const base = (process.env.TP_BASE_URL ?? '').replace(/\/$/, '');
const username = process.env.TP_ADMIN_USERNAME;
const password = process.env.TP_ADMIN_PASSWORD;
const executablePath = process.env.TP_CHROMIUM || '/usr/bin/chromium';
const screenshots = process.env.TP_SCREENSHOTS === '1';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = process.env.TP_SCREENSHOT_DIR || `${repo}docs`;
const artifactsDir = process.env.TP_ARTIFACTS_DIR || `${repo}.tmp`;
if (!base || !username || !password) {
  console.error('Set TP_BASE_URL, TP_ADMIN_USERNAME and TP_ADMIN_PASSWORD.');
  process.exit(2);
}

const WAIT = 30_000;         // generous: the CI machine has 2 shared cores
const BACKTEST_WAIT = 180_000;
const started = Date.now();
const log = message => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
const problems = [];

// ---------- REST helpers (setup, and changes made behind the page's back) ----------

let token = null;
async function rest(method, path, body, { expect = [200, 201, 202] } = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!expect.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

let startQty = 0;
const qty = delta => new RegExp(`^${(startQty + delta).toLocaleString('en-US')}$`);
const risk = { maxOrderQuantity: 1000, maxPositionQuantity: 10000, maxNotional: 10000000, maxDailyLoss: 1000000 };
async function setUp() {
  token = (await rest('POST', '/v1/auth/login', { username, password })).json.accessToken;
  const strategies = [
    { id: 'e2e-manual', name: 'Manual desk (e2e)', kind: 'manual', symbols: ['SPY'], parameters: {}, risk },
    { id: 'spy-trend', name: 'SPY 5/20 cross', kind: 'sma_cross', symbols: ['SPY'], parameters: { fast: 5, slow: 20, quantity: 10 }, risk },
    { id: 'qqq-revert', name: 'QQQ Bollinger 20/2', kind: 'mean_reversion', symbols: ['QQQ'], parameters: { window: 20, k: 2, quantity: 5 }, risk },
  ];
  for (const s of strategies) await rest('POST', '/v1/strategies', s, { expect: [201, 409] }); // 409: a rerun against the same API
  await rest('PATCH', '/v1/strategies/spy-trend', { status: 'running' });
  const position = await rest('GET', '/v1/positions/e2e-manual/SPY', undefined, { expect: [200, 404] });
  startQty = Number(position.json?.quantity ?? 0); // not 0 when run again against the same API
  const now = Date.now();
  await rest('POST', '/v1/market/ticks', [
    { symbol: 'SPY', price: 431.25, timestamp: new Date(now - 1000).toISOString() },
    { symbol: 'QQQ', price: 365.1, timestamp: new Date(now - 1000).toISOString() },
  ]);
}

// ---------- the browser ----------

const flags = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-quic', '--disable-gpu', '--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];

let browser;
let page;
async function main() {
  log(`API ${base}, Chromium ${executablePath}`);
  await step('setup over REST: strategies and a market price', setUp);

  await step('static files: CSP and cache headers', async () => {
    const index = await fetch(`${base}/`);
    const csp = index.headers.get('content-security-policy') ?? '';
    assert(index.status === 200, `GET / answered ${index.status}`);
    assert(csp.includes("script-src 'self'") && csp.includes("default-src 'none'") && !csp.includes('unsafe-inline'), `CSP: ${csp}`);
    assert(index.headers.get('cache-control') === 'no-cache', `index Cache-Control: ${index.headers.get('cache-control')}`);
    const vendor = await fetch(`${base}/vendor/lightweight-charts-5.2.1/lightweight-charts.standalone.production.mjs`);
    assert(vendor.status === 200 && /javascript/.test(vendor.headers.get('content-type')), `vendor file: ${vendor.status} ${vendor.headers.get('content-type')}`);
    assert((vendor.headers.get('cache-control') ?? '').includes('immutable'), `vendor Cache-Control: ${vendor.headers.get('cache-control')}`);
    const etag = index.headers.get('etag');
    const again = await fetch(`${base}/`, { headers: { 'if-none-match': etag } });
    assert(again.status === 304, `revalidation answered ${again.status}`);
  });

  browser = await chromium.launch({ executablePath, headless: true, args: flags });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('console', m => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    // Refusals the steps provoke on purpose (and check on the page): 400 validation, 401 wrong password, 429 lockout.
    if (/Failed to load resource: the server responded with a status of (400|401|429)/.test(m.text())) return;
    problems.push(`console ${m.type()}: ${m.text()}`);
  });

  await step('a locked-out sign-in shows the 429 readably', async () => {
    const response = await page.goto(`${base}/`);
    assert(response.ok(), `page answered ${response.status()}`);
    await page.locator('#login-view').waitFor();
    const victim = `e2e-locked-${Date.now()}`;
    for (let i = 0; i < 5; i++) await rest('POST', '/v1/auth/login', { username: victim, password: 'wrong' }, { expect: [401, 429] });
    await page.fill('#login-username', victim);
    await page.fill('#login-password', 'wrong');
    await page.click('#login-submit');
    const notice = page.locator('#notices .notice[data-kind="warn"]', { hasText: 'Too many requests' }).first();
    await notice.waitFor();
    const shown = await notice.textContent();
    assert(/Try again in \d+ s/.test(shown) && /HTTP 429/.test(shown), `notice: ${shown}`);
    await page.locator('#notices .notice button').first().click();
  });

  await step('login', async () => {
    await page.fill('#login-username', username);
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    await page.locator('#conn[data-state="live"]').waitFor();
    await page.locator('#strategies tr[data-key="e2e-manual"]').waitFor();
    await text('#who', new RegExp(`${username} · admin`));
    const stored = await page.evaluate(() => Object.keys(sessionStorage));
    assert(stored.length === 1 && stored[0] === 'tp.refreshToken', `sessionStorage holds ${stored}`);
  });

  await step('place an order, see the fill and the position', async () => {
    await order('buy', 10);
    await text('#order-result', /^filled: buy 10 SPY @ 431\.25/);
    await page.locator('#fills tbody tr', { hasText: 'e2e-manual' }).first().waitFor();
    await text('#positions tr[data-key="e2e-manual/SPY"] .qty', qty(10));
    await order('sell', 4);
    await text('#order-result', /^filled: sell 4 SPY/);
    await text('#positions tr[data-key="e2e-manual/SPY"] .qty', qty(6));
  });

  await step('a market tick marks the position: unrealized PnL changes live', async () => {
    await rest('POST', '/v1/market/ticks', [{ symbol: 'SPY', price: 433.1, timestamp: new Date().toISOString() }]);
    const position = (await rest('GET', '/v1/positions/e2e-manual/SPY')).json; // the position grain has applied the tick
    assert(Number(position.lastPrice) === 433.1 && Number(position.unrealizedPnl) !== 0, `position after the tick ${JSON.stringify(position)}`);
    const expected = Number(position.unrealizedPnl).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    await text('#positions tr[data-key="e2e-manual/SPY"] td:nth-child(7)', new RegExp(`^${expected.replace('.', '\\.')}$`));
    await text('#positions tr[data-key="e2e-manual/SPY"] td:nth-child(5)', /^433\.10$/);
  });

  await step('pause live updates, trade behind the page, resume with since: nothing missed', async () => {
    await page.click('#conn-toggle');
    await page.locator('#conn[data-state="paused"]').waitFor();
    const placed = await rest('POST', '/v1/orders', { strategyId: 'e2e-manual', symbol: 'SPY', side: 'buy', quantity: 5, type: 'market', clientOrderId: `e2e-${Date.now()}` }, { expect: [201] });
    assert(placed.json.status === 'filled', `REST order ${JSON.stringify(placed.json)}`);
    const fillId = (await rest('GET', '/v1/fills?strategyId=e2e-manual&per_page=1')).json.items[0].fillId;
    await sleep(1500);
    await text('#positions tr[data-key="e2e-manual/SPY"] .qty', qty(6)); // paused: nothing arrives
    await page.click('#conn-toggle');
    await page.locator('#conn[data-state="live"][data-resumes="1"]').waitFor();
    await page.locator(`#fills tbody tr[data-key="${fillId}"]`).waitFor();
    await text('#positions tr[data-key="e2e-manual/SPY"] .qty', qty(11));
  });

  await step('engage the global kill switch (with its confirm step), see an order refused, release it', async () => {
    await page.click('#ks-halt');
    await page.locator('#confirm[open]').waitFor();
    await page.click('#confirm-yes'); // no reason yet: the dialog stays open
    assert(await page.locator('#confirm[open]').isVisible(), 'the confirm dialog closed without a reason');
    await page.fill('#confirm-reason', 'e2e drill: halt everything');
    await page.click('#confirm-yes');
    await page.locator('#ks-global[data-state="halted"]').waitFor();
    await page.locator('#killswitch-banner[data-state="halted"]').waitFor();
    await order('buy', 1);
    await text('#order-result', /Rejected: kill_switch_global/);
    await page.click('#ks-release');
    await page.fill('#confirm-reason', 'e2e drill over');
    await page.click('#confirm-yes');
    await page.locator('#ks-global[data-state="active"]').waitFor();
    await page.locator('#killswitch-banner').waitFor({ state: 'hidden' });
    await order('buy', 1);
    await text('#order-result', /^filled: buy 1 SPY/);
  });

  await step('acknowledge an alert', async () => {
    const alert = page.locator('#alerts li[data-acknowledged="false"]', { hasText: 'e2e drill' }).first();
    await alert.waitFor();
    const id = await alert.getAttribute('data-id');
    await alert.locator('button.ack').click();
    await page.locator(`#alerts li[data-id="${id}"][data-acknowledged="true"]`).waitFor();
  });

  await step('a refused request shows its problem details readably', async () => {
    await page.selectOption('#bt-kind', 'sma_cross');
    await page.fill('#bt-param-fast', '50');
    await page.fill('#bt-param-slow', '10'); // slow must be greater than fast: 400 with errors per field
    await page.click('#bt-submit');
    const notice = page.locator('#notices .notice[data-kind="error"]', { hasText: 'Backtest' }).first();
    await notice.waitFor();
    const shown = await notice.textContent();
    assert(/HTTP 400/.test(shown) && /slow/.test(shown) && /request /.test(shown), `notice: ${shown}`);
  });

  let runId;
  await step('run a backtest, follow its progress, see its equity curve and metrics', async () => {
    await page.selectOption('#bt-kind', 'sma_cross');
    await page.fill('#bt-param-fast', '10');
    await page.fill('#bt-param-slow', '50');
    await page.click('#bt-submit');
    await page.locator('#bt-run:not([hidden])').waitFor();
    await page.locator('#bt-status[data-state="completed"]').waitFor({ timeout: BACKTEST_WAIT });
    await page.waitForFunction(() => Number(document.getElementById('bt-chart').dataset.points) > 100);
    runId = await page.getAttribute('#bt-chart', 'data-run');
    const canvas = await page.locator('#bt-chart canvas').first().boundingBox();
    assert(canvas && canvas.width > 300 && canvas.height > 150, `chart canvas ${JSON.stringify(canvas)}`);
    await text('#bt-metrics [data-metric="Sharpe"] dd', /^-?\d+\.\d\d$/);
    await text('#bt-metrics [data-metric="Final equity"] dd', /^\d{1,3}(,\d{3})*\.\d\d$/);
    const rest_ = await rest('GET', `/v1/runs/${runId}/results?per_page=1`);
    assert(Number(await page.getAttribute('#bt-chart', 'data-points')) === rest_.json.equityCurve.length, 'chart points differ from the equity curve');
  });

  await step('desktop 1280×800: no horizontal overflow', async () => {
    await settle();
    await noOverflow(1280);
    if (screenshots) await shoot('dashboard-desktop.png');
  });

  await step('phone 390×844: one column, no horizontal overflow, chart fits', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await settle();
    await noOverflow(390);
    const chart = await page.locator('#bt-chart').boundingBox();
    assert(chart.width <= 390 && chart.width > 300, `chart box on a phone ${JSON.stringify(chart)}`);
    const cards = await page.$$eval('#app-view .card', nodes => nodes.map(n => n.getBoundingClientRect().x));
    assert(new Set(cards.map(Math.round)).size === 1, `cards not in one column: x = ${cards}`);
    if (screenshots) await shoot('dashboard-phone.png');
  });

  await step('reload: the session resumes from this tab\'s refresh token, live again', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.reload();
    await page.locator('#conn[data-state="live"]').waitFor();
    await text('#who', new RegExp(`${username} · admin`));
    await page.locator('#positions tr[data-key="e2e-manual/SPY"]').waitFor();
  });

  await step('log out: back to the login form, refresh token gone', async () => {
    await page.click('#logout');
    await page.locator('#login-view').waitFor();
    assert((await page.evaluate(() => sessionStorage.length)) === 0, 'sessionStorage not cleared');
  });

  assert(problems.length === 0, `the page reported problems:\n${problems.join('\n')}`);
}

// ---------- helpers ----------

async function step(name, fn) {
  const at = Date.now();
  log(`▶ ${name}`);
  await fn();
  log(`✓ ${name} (${Date.now() - at} ms)`);
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

async function text(selector, pattern) {
  try {
    await page.waitForFunction(([s, source, flags]) => {
      const node = document.querySelector(s);
      return node && new RegExp(source, flags).test(node.textContent.trim());
    }, [selector, pattern.source, pattern.flags], { timeout: WAIT });
  } catch (e) {
    const actual = await page.locator(selector).first().textContent({ timeout: 1000 }).catch(() => '(missing)');
    throw new Error(`${selector} never matched ${pattern}: it shows ${JSON.stringify(actual)}`);
  }
}

async function order(side, quantity) {
  await page.evaluate(() => { document.getElementById('order-result').textContent = ''; });
  await page.selectOption('#order-strategy', 'e2e-manual');
  await page.fill('#order-symbol', 'SPY');
  await page.selectOption('#order-side', side);
  await page.fill('#order-quantity', String(quantity));
  await page.selectOption('#order-type', 'market');
  await page.click('#order-submit');
}

async function noOverflow(width) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(scroll <= width, `the page is ${scroll} px wide in a ${width} px viewport`);
}

/** Dismisses notices and waits out row highlights, so screenshots show the steady page. */
async function settle() {
  for (let i = 0; i < 10 && (await page.locator('#notices .notice').count()) > 0; i++) {
    await page.locator('#notices .notice button').first().click({ timeout: 1000 }).catch(() => {});
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(1300);
}

async function shoot(file) {
  mkdirSync(docsDir, { recursive: true });
  await page.screenshot({ path: `${docsDir}/${file}` });
  log(`wrote ${docsDir}/${file}`);
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

try {
  await main();
  log('PASS');
} catch (e) {
  console.error(`FAIL: ${e.stack ?? e}`);
  if (problems.length) console.error(`page problems:\n${problems.join('\n')}`);
  if (page) {
    try {
      mkdirSync(artifactsDir, { recursive: true });
      await page.screenshot({ path: `${artifactsDir}/dashboard-failure.png`, fullPage: true });
      console.error(`failure screenshot: ${artifactsDir}/dashboard-failure.png`);
    } catch { /* the browser may be gone */ }
  }
  process.exitCode = 1;
} finally {
  await browser?.close();
}
