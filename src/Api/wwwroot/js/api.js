// REST client for the dashboard: bearer token, one shared refresh on 401, problem details turned into readable errors.
//
// Token storage: the access token (the JWT) lives only in this module's memory, so no other page, tab or stored
// file ever holds it, and it is gone when the page closes. The refresh token is kept in sessionStorage so a reload of
// this tab stays signed in: it is per tab, cleared when the tab closes, never sent anywhere but /v1/auth/refresh,
// rotates on every use (a stolen, already used one revokes the whole family) and the page runs no script but its own
// ('self'-only Content-Security-Policy, no inline script), which is what an XSS would need to read it.

const REFRESH_KEY = 'tp.refreshToken';

/** An error answer of the API, with its problem details. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(describe(status, problem, retryAfter));
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfter = retryAfter;
  }
  get title() {
    if (this.status === 429) return 'Too many requests';
    if (this.status === 503) return 'Service unavailable';
    if (this.status === 0) return 'Network error';
    return this.problem.title || `HTTP ${this.status}`;
  }
  get detail() { return this.problem.detail ?? ''; }
  /** Validation errors as "field: message" lines. */
  get fieldErrors() {
    const errors = this.problem.errors ?? {};
    return Object.entries(errors).flatMap(([field, messages]) => (Array.isArray(messages) ? messages : [messages]).map(m => `${field}: ${m}`));
  }
  get requestId() { return this.problem.requestId ?? null; }
}

function describe(status, problem, retryAfter) {
  const p = problem ?? {};
  const parts = [p.title || `HTTP ${status}`];
  if (p.detail) parts.push(p.detail);
  if (retryAfter) parts.push(`retry in ${retryAfter} s`);
  return parts.join(' — ');
}

export class Api {
  #accessToken = null;
  #expiresAt = 0;
  #refreshing = null;
  #refreshTimer = 0;

  /** @param {{onSignedOut: (reason: string) => void, onTokenChanged?: () => void}} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    this.me = null;
  }

  get accessToken() { return this.#accessToken; }
  get signedIn() { return this.#accessToken !== null; }
  get hasStoredSession() { return sessionStorage.getItem(REFRESH_KEY) !== null; }

  async login(username, password) {
    const tokens = await this.#send('POST', '/v1/auth/login', { username, password }, { auth: false });
    this.#accept(tokens);
    this.me = await this.get('/v1/auth/me');
    return this.me;
  }

  /** Restores a session from this tab's refresh token (after a reload). */
  async resume() {
    if (!(await this.refresh())) return null;
    this.me = await this.get('/v1/auth/me');
    return this.me;
  }

  async logout() {
    const had = this.#accessToken;
    try { if (had) await this.#send('POST', '/v1/auth/logout', undefined, { retry: false }); }
    catch { /* signing out locally is what matters */ }
    this.#forget();
  }

  /** One refresh at a time; true when a new pair was obtained. */
  refresh() {
    this.#refreshing ??= (async () => {
      const refreshToken = sessionStorage.getItem(REFRESH_KEY);
      if (!refreshToken) return false;
      try {
        this.#accept(await this.#send('POST', '/v1/auth/refresh', { refreshToken }, { auth: false }));
        return true;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 400)) { this.#forget(); return false; }
        throw e;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  get(path) { return this.#send('GET', path); }
  post(path, body) { return this.#send('POST', path, body); }

  #accept(tokens) {
    this.#accessToken = tokens.accessToken;
    this.#expiresAt = Date.now() + tokens.expiresIn * 1000;
    sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
    // Refresh a minute before expiry (or at 80 % of short lifetimes) so the WebSocket never sees a dead token.
    clearTimeout(this.#refreshTimer);
    const lead = Math.min(60_000, tokens.expiresIn * 200);
    this.#refreshTimer = setTimeout(() => this.refresh().catch(() => {}), Math.max(5_000, tokens.expiresIn * 1000 - lead));
    this.hooks.onTokenChanged?.();
  }

  #forget() {
    clearTimeout(this.#refreshTimer);
    this.#accessToken = null;
    this.#expiresAt = 0;
    this.me = null;
    sessionStorage.removeItem(REFRESH_KEY);
  }

  async #send(method, path, body, { auth = true, retry = true } = {}) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.#accessToken) headers.authorization = `Bearer ${this.#accessToken}`;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, { title: 'Network error', detail: `The API did not answer (${e.message}).` });
    }
    if (response.status === 401 && auth && retry) {
      // Expired or revoked: one refresh, then the same request once more; otherwise back to the login form.
      if (await this.refresh().catch(() => false)) return this.#send(method, path, body, { auth, retry: false });
      this.#forget();
      this.hooks.onSignedOut('Your session ended; please sign in again.');
      throw new ApiError(401, { title: 'Signed out', detail: 'The session is no longer valid.' });
    }
    if (response.status === 204) return null;
    const type = response.headers.get('content-type') ?? '';
    const payload = type.includes('json') ? await response.json().catch(() => null) : null;
    if (!response.ok) {
      const retryAfter = response.headers.get('retry-after');
      const problem = payload ?? { title: response.statusText || `HTTP ${response.status}` };
      problem.requestId ??= response.headers.get('x-request-id');
      throw new ApiError(response.status, problem, retryAfter ? Number(retryAfter) : undefined);
    }
    return payload;
  }
}
