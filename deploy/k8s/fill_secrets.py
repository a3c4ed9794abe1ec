"""Write an overlay's secrets.env from its secrets.env.example (`make k8s-secrets`).

Each `<generated>` value becomes a new random one (letters and digits, starting with a
letter, as nats-server wants its passwords), then `${NAME}` references are filled in from
the file's other values. `<required>` values are left for a person to fill in, and listed.
An existing secrets.env is never overwritten: rotating secrets is a deliberate edit
(docs/operations.md, "Rotate secrets").

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


def fill(example: str) -> tuple[str, list[str]]:
    """The example's text with values generated and references resolved, and the names
    still marked <required>."""
    values: dict[str, str] = {}
    lines = example.splitlines()
    for line in lines:
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = new_secret() if value == GENERATED else value

    def resolve(match: re.Match[str]) -> str:
        return values[match.group(1)]

    out, required = [], []
    for line in lines:
        if line and not line.startswith("#") and "=" in line:
            name = line.split("=", 1)[0]
            value = REFERENCE.sub(resolve, values[name])
            if value == REQUIRED:
                required.append(name)
            line = f"{name}={value}"
        out.append(line)
    return "\n".join(out) + "\n", required


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: python3 {argv[0]} deploy/k8s/overlays/<overlay>", file=sys.stderr)
        return 2
    overlay = Path(argv[1])
    target = overlay / "secrets.env"
    if target.exists():
        print(f"{target} exists: left as it is (edit it to change a secret).")
        return 0
    text, required = fill((overlay / "secrets.env.example").read_text())
    target.touch(mode=0o600)
    target.write_text(text)
    print(f"wrote {target}")
    if required:
        print(f"fill in by hand before applying: {', '.join(required)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
