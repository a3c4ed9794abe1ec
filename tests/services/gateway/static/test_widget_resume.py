"""The widget's API client, run in Node against a scripted fetch: an answer whose stream is
cut after it began is resumed after the last event received, and the visitor sees every
event once; a stream cut before the turn began is not resumed, and says so."""

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

const sse = (...events) => events.map(([type, data, id]) =>
  `event: ${type}\\n${id ? `id: ${id}\\n` : ""}data: ${JSON.stringify(data)}\\n\\n`).join("");
const cutAfter = (text) => {
  let sent = false; // the text arrives, then the connection drops
  return new Response(new ReadableStream({
    pull(controller) {
      if (sent) controller.error(new TypeError("network error"));
      else controller.enqueue(new TextEncoder().encode(text));
      sent = true;
    },
  }), { status: 200 });
};
const calls = [];
const script = JSON.parse(process.argv[2]);
globalThis.fetch = async (url, options = {}) => {
  const lastEventId = options.headers?.["Last-Event-ID"];
  calls.push({ url, method: options.method || "GET", lastEventId });
  const step = script.shift();
  if (step === "offline") throw new TypeError("fetch failed");
  if (step === "session") return Response.json({ token: "t", expires_at: "2999-01-01T00:00:00Z" });
  if (step.cut) return cutAfter(sse(...step.cut));
  return new Response(sse(...step.events), { status: 200 });
};
const state = { token: null, save() {} };
const seen = [];
let outcome = "finished";
try {
  const api = new Api({ api: "http://gateway" }, state);
  await api.ask("Hello?", (type, data) => seen.push([type, data]));
} catch (error) {
  outcome = error.message;
}
console.log(JSON.stringify({ outcome, seen, calls }));
"""
META = ["meta", {"conversation_id": "c" * 32, "turn_id": "t" * 32, "trace_id": "x"}]


def _run(tmp_path: Path, script: list[object]) -> dict[str, object]:
    source = files("copilot_gateway") / "static" / "widget-api.js"
    (tmp_path / "widget-api.mjs").write_text(source.read_text(encoding="utf-8"))
    (tmp_path / "harness.mjs").write_text(HARNESS)
    done = subprocess.run(
        [str(NODE), "harness.mjs", json.dumps(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_cut_answer_is_resumed_after_the_last_event_received(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        [
            "session",
            {"cut": [META, ["delta", {"text": "Keep "}, "1"]]},
            "offline",  # the gateway is still restarting
            {"events": [["delta", {"text": "them airtight."}, "2"], ["done", {"usage": {}}, "3"]]},
        ],
    )
    assert result["outcome"] == "finished"
    assert [type_ for type_, _ in result["seen"]] == ["meta", "delta", "delta", "done"]  # type: ignore[union-attr]
    resumes = [c for c in result["calls"] if "/turns/" in c["url"]]  # type: ignore[union-attr]
    assert [c["url"] for c in resumes] == [f"http://gateway/api/chat/turns/{'t' * 32}/events"] * 2
    assert [c["lastEventId"] for c in resumes] == ["1", "1"]


def test_a_stream_cut_before_the_turn_began_is_not_resumed(tmp_path: Path) -> None:
    result = _run(tmp_path, ["session", {"cut": []}])
    assert result["outcome"] == "The answer was cut off. Please try again."
    assert not [c for c in result["calls"] if "/turns/" in c["url"]]  # type: ignore[union-attr]
