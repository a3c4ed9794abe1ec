"""Structured JSON logs with the current trace id, and personal data redacted."""

import json
import logging
import re
import sys
from datetime import UTC, datetime

from copilot_service_defaults import redaction
from copilot_service_defaults.telemetry import current_trace_id

# Logs are stricter than issue text: any bearer value or labelled key goes, digits or not,
# and so does any long run of digits (a phone number written without spaces).
_BEARER = re.compile(r"(?i)(bearer\s+|api[_-]?key[=:]\s*|token[=:]\s*)[\w.\-]+")
_DIGIT_RUN = re.compile(r"(?<![\w.:/])\+?\d[\d ()-]{7,}\d(?![\w.:/])")


def redact(text: str) -> str:
    redacted = redaction.redact(_BEARER.sub(r"\1[redacted]", text))
    return _DIGIT_RUN.sub("[redacted number]", redacted)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "trace_id": current_trace_id() or None,
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["error_detail"] = redact(str(record.exc_info[1]))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "httpx2", "httpcore2", "openai", "urllib3", "github"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
