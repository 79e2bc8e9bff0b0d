// Live updates over /v1/ws: one socket, a set of topics, the last seq seen per topic, and resume with `since`
// after every reconnect, so an event published while the socket was down is replayed, never lost or shown twice.

const MAX_BACKOFF_MS = 15_000;

export class LiveFeed {
  #socket = null;
  #topics = new Set();
  #lastSeq = new Map();          // topic -> last seq applied
  #backoff = 1_000;
  #timer = 0;
  #wanted = false;               // connect() called and not disconnect()ed
  #replayFrom = new Map();       // topic -> since sent on this connection (resumed subscriptions)

  /**
   * @param {{token: () => string | null, refresh: () => Promise<boolean>, onEvent: (topic, data, seq) => void,
   *          onResync: (topic) => void, onState: (state, info) => void, onSubscribed?: (topics, resumed) => void}} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.state = 'offline';
    this.reconnects = 0;
    this.resumes = 0;             // subscriptions that continued from a seq (after a reconnect or a pause)
  }

  get topics() { return [...this.#topics]; }
  lastSeq(topic) { return this.#lastSeq.get(topic); }

  connect() {
    this.#wanted = true;
    clearTimeout(this.#timer);
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) return;
    const token = this.hooks.token();
    if (!token) return this.#set('offline', 'not signed in');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/v1/ws?access_token=${encodeURIComponent(token)}`);
    this.#socket = socket;
    this.#set(this.reconnects === 0 ? 'connecting' : 'reconnecting');
    socket.onopen = () => {
      this.#backoff = 1_000;
      this.#subscribe(this.topics);
    };
    socket.onmessage = e => this.#receive(e.data);
    socket.onclose = e => this.#closed(socket, e);
  }

  /** Stops live updates (the user paused them, or signed out); connect() resumes with `since`. */
  disconnect(state = 'paused', clearSeqs = false) {
    this.#wanted = false;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client');
    if (clearSeqs) { this.#lastSeq.clear(); this.#topics.clear(); }
    this.#set(state);
  }

  /** Adds topics; subscribed at once when connected, and again (with since) after each reconnect. */
  add(...topics) {
    const fresh = topics.filter(t => !this.#topics.has(t));
    fresh.forEach(t => this.#topics.add(t));
    if (fresh.length && this.#socket?.readyState === WebSocket.OPEN) this.#subscribe(fresh);
  }

  /** Adds a topic and asks for every event after `seq` (0: from the topic's first event). */
  addFrom(topic, seq) {
    if (this.#topics.has(topic)) return;
    this.#lastSeq.set(topic, seq);
    this.add(topic);
  }

  remove(...topics) {
    const known = topics.filter(t => this.#topics.delete(t));
    known.forEach(t => this.#lastSeq.delete(t));
    if (known.length && this.#socket?.readyState === WebSocket.OPEN) this.#send({ op: 'unsubscribe', topics: known });
  }

  #subscribe(topics) {
    if (topics.length === 0) return;
    const since = {};
    for (const t of topics) if (this.#lastSeq.has(t)) since[t] = this.#lastSeq.get(t);
    for (const [t, s] of Object.entries(since)) this.#replayFrom.set(t, s);
    this.#send(Object.keys(since).length ? { op: 'subscribe', topics, since } : { op: 'subscribe', topics });
  }

  #send(message) {
    this.#socket?.send(JSON.stringify(message));
  }

  #receive(text) {
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    switch (frame.type) {
      case 'event': {
        const last = this.#lastSeq.get(frame.topic);
        if (last !== undefined && frame.seq <= last) return; // already applied (never expected; cheap to guard)
        this.#lastSeq.set(frame.topic, frame.seq);
        this.hooks.onEvent(frame.topic, frame.data, frame.seq);
        return;
      }
      case 'subscribed': {
        const resumed = frame.topics.filter(t => this.#replayFrom.has(t));
        const fresh = frame.topics.filter(t => !this.#replayFrom.has(t));
        if (resumed.length) this.resumes++;
        this.#set('live');
        this.hooks.onSubscribed?.(fresh, resumed);
        return;
      }
      case 'resync':
        // The server no longer holds what we missed: this topic's subscription ended. Reload it over REST, then
        // subscribe again from now.
        this.#lastSeq.delete(frame.topic);
        this.#replayFrom.delete(frame.topic);
        this.hooks.onResync(frame.topic);
        if (this.#topics.has(frame.topic)) this.#subscribe([frame.topic]);
        return;
      case 'error':
        this.hooks.onState?.(this.state, `server: ${frame.code} ${frame.message ?? ''}`.trim());
        return;
      default: // pong, heartbeat, unsubscribed
        return;
    }
  }

  async #closed(socket, event) {
    if (socket !== this.#socket) return; // an old socket we already replaced or closed on purpose
    this.#socket = null;
    this.#replayFrom.clear();
    if (!this.#wanted) return;
    this.reconnects++;
    if (event.code === 4401) {
      // Token expired or revoked: a fresh one (or the login form), then resume.
      const ok = await this.hooks.refresh().catch(() => false);
      if (!ok) return this.#set('offline', 'signed out');
    }
    this.#set('reconnecting', `closed ${event.code}${event.reason ? ` (${event.reason})` : ''}`);
    const delay = event.code === 4401 ? 0 : this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    this.#timer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() * 0.5));
  }

  #set(state, info = '') {
    this.state = state;
    this.hooks.onState?.(state, info);
  }
}
