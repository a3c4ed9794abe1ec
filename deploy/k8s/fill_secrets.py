"""Write an overlay's secrets.env from its secrets.env.example (`make k8s-secrets`).

Each `<generated>` value becomes a new random one (letters and digits, starting with a
letter, as nats-server wants its passwords), then `${NAME}` references are filled in from
the file's other values. `<required>` values are left for a person to fill in, and listed.
An existing secrets.env keeps every value it has: rotating secrets is a deliberate edit
(docs/operations.md, "Rotate secrets"). Keys the example has and it lacks (a new service's
password, say) are added at its end, made the same way, with references filled in from
the values it already holds.

    python3 deploy/k8s/fill_secrets.py deploy/k8s/overlays/dev
"""

import re
import secrets
import string
import sys
from pathlib import Path

GENERATED = "<generated>"
REQUIRED = "<required>"
ALPHABET = string.ascii_letters + string.digits
REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)\}")


def new_secret(length: int = 40) -> str:
    first = secrets.choice(string.ascii_letters)
    return first + "".join(secrets.choice(ALPHABET) for _ in range(length - 1))


def entries(text: str) -> dict[str, str]:
    """The NAME=value lines of an env file, in order."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
    return found


def fill(example: str, existing: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The example's text with values generated and references resolved, and the names
    still marked <required>. Names in `existing` keep its values (and references to them
    resolve to those)."""
    kept = existing or {}
    values: dict[str, str] = {}
    for name, value in entries(example).items():
        if name in kept:
            values[name] = kept[name]
        else:
            values[name] = new_secret() if value == GENERATED else value

    def resolve(match: re.Match[str]) -> str:
        return values[match.group(1)]

    out, required = [], []
    for line in example.splitlines():
        if line and not line.startswith("#") and "=" in line:
            name = line.split("=", 1)[0]
            value = values[name] if name in kept else REFERENCE.sub(resolve, values[name])
            if value == REQUIRED:
                required.append(name)
            line = f"{name}={value}"
        out.append(line)
    return "\n".join(out) + "\n", required


def missing(example: str, current: str) -> dict[str, str]:
    """What an existing secrets.env lacks of the example's keys, made as `fill` makes them
    (references to the values it has resolve to those), in the example's order."""
    have = entries(current)
    filled, _ = fill(example, have)
    return {name: value for name, value in entries(filled).items() if name not in have}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: python3 {argv[0]} deploy/k8s/overlays/<overlay>", file=sys.stderr)
        return 2
    overlay = Path(argv[1])
    target = overlay / "secrets.env"
    example = (overlay / "secrets.env.example").read_text()
    if target.exists():
        current = target.read_text()
        added = missing(example, current)
        if added:
            separator = "" if not current or current.endswith("\n") else "\n"
            lines = "".join(f"{name}={value}\n" for name, value in added.items())
            with target.open("a") as out:
                out.write(f"{separator}# Added from secrets.env.example:\n{lines}")
            print(f"{target} exists: its values are kept; added {', '.join(added)}")
        else:
            print(f"{target} exists and has every key: left as it is (edit it to change one).")
        merged = {**entries(current), **added}
        required = [name for name, value in merged.items() if value == REQUIRED]
    else:
        text, required = fill(example)
        target.touch(mode=0o600)
        target.write_text(text)
        print(f"wrote {target}")
    if required:
        print(f"fill in by hand before applying: {', '.join(required)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
