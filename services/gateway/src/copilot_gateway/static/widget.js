/* Coffee Copilot loader: <script src="https://HOST/widget.js" data-site-key="…" async>.
   Adds the launcher in a Shadow DOM; the chat itself (widget-app.js) loads on first open. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__coffeeCopilot) return;
  window.__coffeeCopilot = true;
  const data = script.dataset;
  const config = {
    api: new URL(script.src, location.href).origin,
    siteKey: data.siteKey || "",
    title: data.title || "Ask our coffee assistant",
    greeting: data.greeting || "Hi! Ask me about our coffee, brewing, orders or shipping.",
    // Only a hex colour: the value lands in CSS, where anything else could inject rules.
    color: /^#[0-9a-f]{3,8}$/i.test(data.brandColor || "") ? data.brandColor : "#3b2417",
    position: data.position === "left" ? "left" : "right",
    // A signed-in user, vouched for by the host site's server (identity verification).
    identity: data.userId && data.userHash && data.userIssuedAt
      ? { user_id: data.userId, user_hash: data.userHash, issued_at: Number(data.userIssuedAt) }
      : null,
  };
  const host = document.createElement("coffee-copilot");
  host.style.cssText = "all: initial; position: fixed; z-index: 2147483000; bottom: 0;"
    + `${config.position}: 0;`;
  const root = host.attachShadow({ mode: "open" });
  const adopt = (css) => {
    // Constructed style sheets pass a host page's strict CSP; a <style> needs 'unsafe-inline'.
    if ("adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } else {
      const style = document.createElement("style");
      style.textContent = css;
      root.append(style);
    }
  };
  adopt(`
    :host { --cc-brand: ${config.color}; }
    .launcher { all: initial; box-sizing: border-box; position: fixed; bottom: 20px;
      ${config.position}: 20px; width: 56px; height: 56px; border-radius: 50%;
      background: var(--cc-brand); color: #fff; cursor: pointer; display: grid;
      place-items: center; box-shadow: 0 4px 14px rgba(0,0,0,.3);
      font: 600 24px/1 system-ui, sans-serif; }
    .launcher:focus-visible { outline: 3px solid #ffbf47; outline-offset: 3px; }
    .launcher[aria-expanded="true"] { display: none; }
    @media (prefers-reduced-motion: no-preference) {
      .launcher { transition: transform .15s; } .launcher:hover { transform: scale(1.06); } }`);
  const launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.setAttribute("aria-label", config.title);
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.textContent = "☕";
  root.append(launcher);
  let app = null;
  let loading = null;
  launcher.addEventListener("click", async () => {
    if (!app) {
      loading = loading || import(`${config.api}/widget-app.js`);
      try {
        const module = await loading;
        app = app || module.mount(root, config, launcher, adopt);
      } catch (error) {
        loading = null;
        launcher.setAttribute("aria-label", "The chat could not load; try again");
        return;
      }
    }
    app.open();
  });
  const attach = () => document.body.appendChild(host);
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();
