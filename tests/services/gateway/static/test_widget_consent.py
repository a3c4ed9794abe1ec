"""The widget's consent box, run in Node against a scripted fetch: a change of choice is
applied before anything else is sent, so a question asked right after unticking the box
never goes out under the old choice, and the session (with its prepared orders) is kept."""

import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

HARNESS = """
import { Api } from "./widget-api.mjs";

const calls = [];
let tokens = 0;
globalThis.fetch = async (url, options = {}) => {
  const path = new URL(url).pathname;
  calls.push({ path, auth: options.headers?.Authorization || null,
    body: options.body ? JSON.parse(options.body) : null });
  if (path === "/api/sessions/consent") await new Promise((r) => setTimeout(r, 50));
  if (path.startsWith("/api/sessions")) {
    tokens += 1;
    return Response.json({ token: `token-${tokens}`, expires_at: "2999-01-01T00:00:00Z" });
  }
  return new Response("event: done\\ndata: {}\\n\\n", { status: 200 });
};
const state = { token: null, consent: true, save() {} };
const api = new Api({ api: "http://gateway" }, state);
await api.opened();                  // the widget opens: a session with consent
api.consent(false);                  // the box is unticked, and at once
await api.ask("Hello?", () => {});   // a question is sent
console.log(JSON.stringify({ calls, consent: state.consent }));
"""


def test_a_question_right_after_a_change_of_consent_goes_out_under_the_new_choice(
    tmp_path: Path,
) -> None:
    source = files("copilot_gateway") / "static" / "widget-api.js"
    (tmp_path / "widget-api.mjs").write_text(source.read_text(encoding="utf-8"))
    (tmp_path / "harness.mjs").write_text(HARNESS)
    done = subprocess.run(
        [str(NODE), "harness.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    paths = [call["path"] for call in result["calls"]]
    assert paths == ["/api/sessions", "/api/widget/opened", "/api/sessions/consent", "/api/chat"]
    created, _, changed, asked = result["calls"]
    assert created["body"]["consent"] is True and changed["body"] == {"consent": False}
    assert changed["auth"] == "Bearer token-1"  # the session is kept, not replaced
    assert asked["auth"] == "Bearer token-2", "the question waited for the new choice"
