/* The widget's side of the gateway API: sessions that renew themselves, streamed turns,
   order decisions and feedback. Errors come back as ChatError with a visitor-friendly text. */

// Pauses before each attempt to resume a cut answer: about half a minute in all.
const RESUME_PAUSES_MS = [500, 1000, 2000, 3000, 5000, 5000, 5000, 5000];

export class ChatError extends Error {
  constructor(message, { retry = true, code = "", ended = false } = {}) {
    super(message);
    this.retry = retry;
    this.code = code;
    this.ended = ended; // the turn ended with this error: a retry is a new turn
  }
}

async function failure(response) {
  const body = await response.json().catch(() => ({}));
  const code = body.error?.code || "";
  if (response.status === 429) {
    const wait = Number(response.headers.get("Retry-After")) || 30;
    return new ChatError(`You're sending messages quickly. Please wait ${wait} seconds.`, { code });
  }
  if (response.status >= 500) {
    return new ChatError("Something went wrong on our side. Please try again.", { code });
  }
  return new ChatError(body.error?.message || "That did not work.", { retry: false, code });
}

export class Api {
  constructor(config, state) {
    this.base = config.api;
    this.siteKey = config.siteKey;
    this.identity = config.identity;
    this.state = state;
    this.renewing = null;
    this.changing = null; // a consent change being applied
  }

  async fetch(path, options) {
    try {
      return await fetch(`${this.base}${path}`, options);
    } catch {
      throw new ChatError("Connection lost. Check your connection and try again.");
    }
  }

  async session() {
    const consent = Boolean(this.state.consent);
    const response = await this.fetch("/api/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        site_key: this.siteKey,
        consent,
        ...(this.identity ? { identity: this.identity } : {}),
      }),
    });
    if (!response.ok) throw await failure(response);
    const created = await response.json();
    this.state.opened = false; // a new session: its opening is told once more
    this.state.token = created.token;
    this.state.expiresAt = Date.parse(created.expires_at);
    this.state.save();
    // The visitor changed their choice while the session was being created.
    if (Boolean(this.state.consent) !== consent) await this.applyConsent(this.state.consent);
  }

  refresh() {
    // A token renews once: requests that need a renewal at the same time share one.
    this.renewing = this.renewing || this.renew().finally(() => { this.renewing = null; });
    return this.renewing;
  }

  async renew() {
    // The same session with a new expiry, so prepared orders and the conversation stay
    // the visitor's; a token that cannot be refreshed means a new session.
    const response = await this.fetch("/api/sessions/refresh", {
      method: "POST", headers: { Authorization: `Bearer ${this.state.token}` },
    });
    if (!response.ok) return this.session();
    const renewed = await response.json();
    this.state.token = renewed.token;
    this.state.expiresAt = Date.parse(renewed.expires_at);
    this.state.save();
  }

  async opened() {
    // For the team's figures (sessions that opened the widget); never in the visitor's way.
    if (this.state.opened) return;
    try {
      const response = await this.authorised("/api/widget/opened", { method: "POST" });
      if (response.ok) { this.state.opened = true; this.state.save(); }
    } catch { /* offline or refused: the chat works the same */ }
  }

  consent(given) {
    // The choice holds for whatever is sent next: requests wait until it is applied, and
    // changes apply in the order the visitor made them. The conversation starts afresh.
    this.state.consent = given;
    this.state.conversationId = null;
    this.state.save();
    const applied = (this.changing || Promise.resolve()).then(() => this.applyConsent(given));
    this.changing = applied;
    applied.finally(() => { if (this.changing === applied) this.changing = null; });
    return applied;
  }

  async applyConsent(given) {
    if (this.renewing) await this.renewing.catch(() => {}); // one use of a token at a time
    if (!this.state.token) return; // the next session is created with the choice
    const response = await this.fetch("/api/sessions/consent", {
      method: "POST",
      headers: { "Content-Type": "application/json",
        Authorization: `Bearer ${this.state.token}` },
      body: JSON.stringify({ consent: given }),
    }).catch(() => null);
    const renewed = response?.ok ? await response.json().catch(() => null) : null;
    if (renewed?.token) {
      this.state.token = renewed.token;
      this.state.expiresAt = Date.parse(renewed.expires_at);
    } else this.state.token = null; // the next request starts a session with the choice
    this.state.save();
  }

  async authorised(path, options = {}) {
    if (this.changing) await this.changing;
    if (!this.state.token) await this.session();
    else if (this.state.expiresAt - Date.now() < 60_000) await this.refresh();
    for (let attempt = 0; ; attempt += 1) {
      const headers = { ...(options.headers || {}), Authorization: `Bearer ${this.state.token}` };
      const response = await this.fetch(path, { ...options, headers });
      if (response.status !== 401 || attempt > 0) return response;
      await this.refresh(); // expired or revoked: renew silently, once
    }
  }

  async ask(message, onEvent, requestId) {
    // The same requestId when a message is sent again: the turn it started, not a second.
    const body = { message, request_id: requestId };
    if (this.state.conversationId) body.conversation_id = this.state.conversationId;
    let response = await this.authorised("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status === 404 && body.conversation_id) {
      // The conversation belonged to an older session: carry on in a new one.
      this.state.conversationId = null;
      return this.ask(message, onEvent, requestId);
    }
    if (!response.ok) throw await failure(response);
    const turn = { id: null, lastEventId: null };
    let finished = await this.read(response, turn, onEvent);
    // A stream cut after the turn began (a dropped connection, a gateway that restarted)
    // resumes after the last event received, on whichever gateway replica answers.
    for (let attempt = 0; !finished && turn.id && attempt < RESUME_PAUSES_MS.length; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, RESUME_PAUSES_MS[attempt]));
      finished = await this.resume(turn, onEvent);
    }
    if (!finished) throw new ChatError("The answer was cut off. Please try again.");
  }

  async resume(turn, onEvent) {
    const headers = turn.lastEventId ? { "Last-Event-ID": turn.lastEventId } : {};
    let response;
    try {
      response = await this.authorised(
        `/api/chat/turns/${encodeURIComponent(turn.id)}/events`, { headers });
    } catch {
      return false; // still unreachable: try again
    }
    if (response.status >= 500 || response.status === 429) return false;
    if (!response.ok) throw await failure(response);
    return this.read(response, turn, onEvent);
  }

  async read(response, turn, onEvent) {
    // True once the turn ended (`done` or `error`); false if the stream was cut before.
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        return false;
      }
      if (chunk.done) return false;
      buffer += chunk.value.replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = "message";
        let data = "";
        let id = null;
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) type = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
          else if (line.startsWith("id:")) id = line.slice(3).trim();
        }
        if (!data) continue;
        const event = JSON.parse(data);
        if (type === "meta") {
          turn.id = event.turn_id;
          this.state.conversationId = event.conversation_id;
          this.state.save();
        }
        onEvent(type, event);
        if (id) turn.lastEventId = id;
        if (type === "done" || type === "error") return true;
      }
    }
  }

  async decide(actionId, decision) {
    const response = await this.authorised(
      `/api/actions/${encodeURIComponent(actionId)}/${decision}`, { method: "POST" });
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  async status(actionId) {
    const response = await this.authorised(`/api/actions/${encodeURIComponent(actionId)}`);
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  async feedback(turnId, rating) {
    const response = await this.authorised("/api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ turn_id: turnId, rating }),
    });
    if (!response.ok) throw await failure(response);
  }
}
