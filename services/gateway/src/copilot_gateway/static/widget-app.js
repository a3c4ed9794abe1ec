/* The chat panel, loaded by widget.js on first open. Everything lives in the Shadow DOM:
   the host page's CSS cannot reach it, and it cannot reach the host page. */
import { Api, ChatError } from "./widget-api.js";
import { renderMarkdown, safeHref } from "./widget-markdown.js";
import { STYLES } from "./widget-styles.js";

// A message's own id, kept when it is sent again (crypto.randomUUID needs a secure page).
function newRequestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const TOOL_STATUS = {
  searchDocs: "Searching the docs…",
  createOrder: "Preparing your order…",
  createGithubIssue: "Passing this on to our team…",
};
const STORE_KEY = "coffee-copilot";
const FOCUSABLE = "button:not([disabled]), textarea, a[href], input:not([disabled])";

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

class State {
  constructor() {
    let saved = {};
    try { saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}"); } catch { saved = {}; }
    Object.assign(this, { token: null, expiresAt: 0, conversationId: null, consent: false,
      opened: false, transcript: [] }, saved);
  }
  save() {
    const { token, expiresAt, conversationId, consent, opened, transcript } = this;
    const kept = transcript.slice(-60);
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(
        { token, expiresAt, conversationId, consent, opened, transcript: kept }));
    } catch { /* storage full or blocked: the chat still works, it just won't survive */ }
  }
  reset() {
    Object.assign(this, { conversationId: null, transcript: [] });
    this.save();
  }
}

class Chat {
  constructor(root, config, launcher, adopt) {
    this.root = root;
    this.adopt = adopt; // adds a style sheet to the Shadow DOM (the loader's, CSP-safe)
    this.config = config;
    this.launcher = launcher;
    this.state = new State();
    this.api = new Api(config, this.state);
    this.busy = false;
    this.offlineRetries = []; // failed while offline: resent in order once back online
    window.addEventListener("online", () => this.resendAll());
    this.build();
    for (const entry of this.state.transcript) this.restore(entry);
    this.root.addEventListener("keydown", (event) => this.onKey(event));
  }

  build() {
    this.adopt(STYLES);
    this.panel = element("div", { class: "panel", role: "dialog", "aria-modal": "true",
      "aria-labelledby": "cc-title", "data-position": this.config.position, hidden: "" });
    const header = element("header");
    const reset = element("button", { type: "button" }, "New chat");
    const close = element("button", { type: "button", "aria-label": "Close chat" }, "✕");
    reset.addEventListener("click", () => this.reset());
    close.addEventListener("click", () => this.close());
    header.append(element("h2", { id: "cc-title" }, this.config.title), reset, close);
    this.notice = element("div", { class: "notice" });
    this.notice.append(element("p", {}, "You are chatting with an AI assistant, not a person. "
      + "Your messages are processed to answer you; see our privacy notice."));
    const consent = element("input", { type: "checkbox", id: "cc-consent" });
    consent.checked = Boolean(this.state.consent);
    consent.addEventListener("change", () => this.api.consent(consent.checked));
    const consentLabel = element("label", { for: "cc-consent" });
    consentLabel.append(consent, "Keep this conversation to help improve the assistant.");
    this.notice.append(consentLabel);
    this.notice.hidden = this.state.transcript.length > 0;
    this.log = element("div", { class: "log", role: "log", "aria-live": "polite",
      "aria-label": "Conversation" });
    this.log.append(this.bubble("assistant", this.config.greeting));
    this.form = element("form");
    this.input = element("textarea", { id: "cc-input", rows: "1", maxlength: "4000",
      placeholder: "Type your question…" });
    this.send = element("button", { type: "submit" }, "Send");
    this.form.append(element("label", { for: "cc-input" }, "Your message"), this.input, this.send);
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); this.submit(); }
    });
    this.panel.append(header, this.notice, this.log, this.form);
    this.root.append(this.panel);
  }

  bubble(role, text) {
    const node = element("div", { class: `message ${role}` });
    if (role === "assistant") node.append(renderMarkdown(text)); else node.textContent = text;
    return node;
  }

  open() {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    if (matchMedia("(max-width: 480px)").matches) {
      this.savedOverflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = "hidden"; // no scroll bleed under the sheet
    }
    this.input.focus();
    this.api.opened();
  }

  close() {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    if (this.savedOverflow !== undefined) {
      document.documentElement.style.overflow = this.savedOverflow;
      this.savedOverflow = undefined;
    }
    this.launcher.focus();
  }

  onKey(event) {
    if (this.panel.hidden) return;
    if (event.key === "Escape") { event.preventDefault(); this.close(); return; }
    if (event.key !== "Tab") return;
    const focusable = [...this.panel.querySelectorAll(FOCUSABLE)].filter((n) => !n.closest("[hidden]"));
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = this.root.activeElement;
    if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  }

  reset() {
    this.state.reset();
    this.log.replaceChildren(this.bubble("assistant", this.config.greeting));
    this.notice.hidden = false;
    this.input.focus();
  }

  restore(entry) {
    if (entry.role === "action") { this.log.append(this.card(entry.action, entry)); return; }
    const node = this.bubble(entry.role, entry.text);
    this.log.append(node);
    if (entry.citations?.length) node.append(this.sources(entry.citations));
  }

  sources(citations) {
    const list = element("ol", { class: "sources", "aria-label": "Sources" });
    for (const citation of citations) {
      const href = safeHref(citation.url);
      const item = element("li");
      if (href) {
        const link = element("a", { href, target: "_blank", rel: "noopener noreferrer" },
          citation.title);
        item.append(link);
      } else item.textContent = citation.title;
      list.append(item);
    }
    return list;
  }

  async submit(message = this.input.value.trim(), again = false, requestId = newRequestId()) {
    if (!message || this.busy) return;
    this.busy = true;
    this.send.disabled = true;
    this.notice.hidden = true;
    if (!again) { // a retry sends the message already shown
      this.input.value = "";
      this.log.append(this.bubble("visitor", message));
      this.state.transcript.push({ role: "visitor", text: message });
    }
    const answer = this.bubble("assistant", "");
    const status = element("p", { class: "status typing", "aria-label": "The assistant is typing" });
    answer.setAttribute("aria-busy", "true");
    this.log.append(answer, status);
    this.scroll();
    const turn = { text: "", citations: [], turnId: null, actions: [] };
    try {
      await this.api.ask(
        message, (type, data) => this.onEvent(type, data, turn, answer, status), requestId);
      this.state.transcript.push({ role: "assistant", text: turn.text, citations: turn.citations });
      this.state.transcript.push(...turn.actions);
      if (turn.turnId && turn.text) answer.append(this.feedback(turn.turnId));
    } catch (error) {
      // Sent again as the same message unless its turn ended in this error.
      const retryId = error.ended ? newRequestId() : requestId;
      this.showError(error, () => { answer.remove(); return this.submit(message, true, retryId); });
      if (!turn.text) answer.remove();
    } finally {
      status.remove();
      answer.removeAttribute("aria-busy");
      this.state.save();
      this.busy = false;
      this.send.disabled = false;
      this.scroll();
    }
  }

  onEvent(type, data, turn, answer, status) {
    if (type === "meta") turn.turnId = data.turn_id;
    else if (type === "delta") {
      turn.text += data.text;
      answer.replaceChildren(renderMarkdown(turn.text));
      status.textContent = "";
      status.classList.remove("typing");
    } else if (type === "tool" && data.status === "started") {
      status.classList.remove("typing");
      status.textContent = TOOL_STATUS[data.name] || "Working on it…";
    } else if (type === "citation") {
      turn.citations.push({ title: data.title, url: data.url });
      answer.querySelector(".sources")?.remove();
      answer.append(this.sources(turn.citations));
    } else if (type === "confirmation") {
      const entry = { role: "action", action: data, outcome: null };
      turn.actions.push(entry);
      this.log.append(this.card(data, entry));
    } else if (type === "error") {
      throw new ChatError(data.message, { code: data.code, ended: true });
    }
    this.scroll();
  }

  card(action, entry) {
    const report = action.kind === "issue";
    const card = element("div", { class: "card", role: "group",
      "aria-label": report ? "Send your report" : "Confirm your order" });
    card.append(element("p", {}, action.summary));
    const outcome = element("p", { class: "status", "aria-live": "polite" });
    const actions = element("div", { class: "actions" });
    const labels = [[report ? "Send report" : "Confirm order", "confirm", ""],
      ["Cancel", "cancel", "secondary"]];
    const buttons = labels.map(
      ([label, decision, kind]) => {
        const button = element("button", { type: "button", class: kind }, label);
        button.addEventListener("click",
          () => this.decide(action.action_id, decision, buttons, outcome, entry));
        return button;
      });
    actions.append(...buttons);
    card.append(actions, outcome);
    if (entry.outcome) { // decided before this page was loaded
      outcome.textContent = entry.outcome;
      for (const button of buttons) button.disabled = true;
    }
    return card;
  }

  async decide(actionId, decision, buttons, outcome, entry) {
    for (const button of buttons) button.disabled = true;
    outcome.textContent = "…";
    try {
      let result = await this.api.decide(actionId, decision);
      // Accepted but not yet applied (the service was busy): ask until it is.
      for (let waited = 0; result.status === "processing" && waited < 90; waited += 3) {
        outcome.textContent = "Processing…";
        await new Promise((resolve) => setTimeout(resolve, 3000));
        result = await this.api.status(actionId);
        if (result.status === "pending_confirmation") result.status = "processing";
      }
      outcome.textContent = result.message;
      entry.outcome = result.message;
      this.state.save();
    } catch (error) {
      outcome.textContent = error.message;
      outcome.className = "error";
      if (error.retry) for (const button of buttons) button.disabled = false;
    }
  }

  feedback(turnId) {
    const group = element("div", { class: "feedback", role: "group", "aria-label": "Was this helpful?" });
    group.append(element("span", { "aria-hidden": "true" }, "Helpful?"));
    for (const [rating, text] of [["up", "Yes"], ["down", "No"]]) {
      const button = element("button", { type: "button", "aria-pressed": "false" }, text);
      button.addEventListener("click", async () => {
        for (const b of group.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
        try { await this.api.feedback(turnId, rating); } catch { /* feedback is best effort */ }
      });
      group.append(button);
    }
    return group;
  }

  showError(error, retry) {
    const box = element("div", { class: "error", role: "alert" }, error.message || "Something went wrong.");
    if (error.retry !== false) {
      const entry = { box, retry, done: false };
      const again = element("button", { type: "button", class: "retry" }, "Retry");
      again.addEventListener("click", () => this.resend(entry));
      box.append(" ", again);
      if (!navigator.onLine) this.offlineRetries.push(entry);
    }
    this.log.append(box);
  }

  async resend(entry) {
    if (entry.done || this.busy) return;
    entry.done = true;
    entry.box.remove();
    await entry.retry();
  }

  async resendAll() {
    const waiting = this.offlineRetries.splice(0);
    for (const entry of waiting) await this.resend(entry); // one after another, in order
  }

  scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

export function mount(root, config, launcher, adopt) {
  return new Chat(root, config, launcher, adopt);
}
