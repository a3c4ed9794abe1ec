from pydantic import ValidationError


def validation_summary(exc: ValidationError, limit: int = 5) -> str:
    """A short, human-readable account of what is wrong with a message."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:limit]
    )
