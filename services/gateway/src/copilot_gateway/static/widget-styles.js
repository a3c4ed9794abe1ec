/* The chat panel's styles, scoped to its Shadow DOM: host pages cannot reach them. */
export const STYLES = `
:host { all: initial; }
* { box-sizing: border-box; }
.panel { position: fixed; bottom: 20px; right: 20px; width: 380px; max-width: calc(100vw - 24px);
  height: min(600px, calc(100vh - 40px)); display: flex; flex-direction: column;
  background: #fff; color: #1f1510; border-radius: 14px; overflow: hidden;
  box-shadow: 0 12px 40px rgba(0,0,0,.28); font: 15px/1.45 system-ui, -apple-system, sans-serif; }
.panel[data-position="left"] { right: auto; left: 20px; }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; gap: 8px; padding: 12px 14px;
  background: var(--cc-brand); color: #fff; }
header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
header button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.6);
  border-radius: 6px; padding: 4px 8px; font: inherit; font-size: 13px; cursor: pointer; }
.notice { margin: 0; padding: 10px 14px; background: #f6efe6; font-size: 13px; color: #4a3628; }
.notice label { display: flex; gap: 6px; margin-top: 6px; align-items: flex-start; }
.log { flex: 1; overflow-y: auto; padding: 12px 14px; overscroll-behavior: contain; }
.message { margin: 0 0 12px; }
.visitor { margin-left: 15%; padding: 8px 11px; border-radius: 12px 12px 2px 12px;
  background: var(--cc-brand); color: #fff; white-space: pre-wrap; }
.assistant { margin-right: 6%; padding: 8px 11px; border-radius: 12px 12px 12px 2px;
  background: #f1ebe4; }
.assistant p { margin: 0 0 6px; } .assistant ul, .assistant ol { margin: 0 0 6px; padding-left: 20px; }
.assistant code { background: #e6ddd2; padding: 0 3px; border-radius: 3px; }
.assistant a, .sources a { color: #5a2f12; }
.status { font-size: 13px; color: #5c4738; margin: 4px 0; }
.typing::after { content: "…"; }
.sources { font-size: 13px; margin: 6px 0 0; padding-left: 18px; }
.card { border: 1px solid #cdb9a6; border-radius: 10px; padding: 10px; margin: 8px 0; background: #fff; }
.card .actions, .feedback { display: flex; gap: 8px; margin-top: 8px; }
.card button, .retry, form button { border: 0; border-radius: 8px; padding: 7px 12px; font: inherit;
  cursor: pointer; background: var(--cc-brand); color: #fff; }
.card button.secondary, .feedback button { background: #fff; color: #3b2417; border: 1px solid #8a6d58; }
.feedback { align-items: center; font-size: 13px; color: #5c4738; }
.feedback button { padding: 2px 8px; border-radius: 6px; font-size: 13px; cursor: pointer; }
.feedback button[aria-pressed="true"] { background: #3b2417; color: #fff; }
.error { color: #9b1c0c; font-size: 14px; margin: 6px 0; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e2d6ca; }
form label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 10px;
  border: 1px solid #8a6d58; border-radius: 8px; font: inherit; color: inherit; }
button:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid #c27c0e; outline-offset: 2px; }
button:disabled { opacity: .6; cursor: default; }
@media (max-width: 480px) {
  .panel, .panel[data-position="left"] { inset: 0; width: 100vw; max-width: none; height: 100%;
    border-radius: 0; }
}
@media (prefers-reduced-motion: no-preference) { .panel { animation: rise .18s ease-out; } }
@keyframes rise { from { transform: translateY(12px); opacity: 0; } }
`;
