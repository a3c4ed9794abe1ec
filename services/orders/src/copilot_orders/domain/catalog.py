"""The product catalog and how a product reference from a conversation is resolved."""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    description: str
    price: Decimal
    stock: int
    options: dict[str, list[str]] = field(default_factory=dict)


class OrderRejected(Exception):
    """The order cannot be drafted as asked; `code` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def load_catalog(path: Path) -> list[Product]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [
        Product(
            sku=item["sku"],
            name=item["name"],
            category=item["category"],
            description=item["description"],
            price=Decimal(item["price"]),
            stock=int(item["stock"]),
            options={k: list(v) for k, v in item.get("options", {}).items()},
        )
        for item in raw
    ]


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def resolve_product(products: list[Product], reference: str) -> Product:
    """Find a product by SKU, by exact name, or by a name fragment that fits only one."""
    wanted = _normalise(reference)
    for product in products:
        if _normalise(product.sku) == wanted:
            return product
    named = [p for p in products if _normalise(p.name) == wanted]
    if not named:
        named = [p for p in products if wanted and wanted in _normalise(f"{p.name} {p.sku}")]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        # Several sizes of one coffee share a name: the smallest pack is the sensible default.
        names = {p.name for p in named}
        if len(names) == 1:
            return min(named, key=lambda p: p.price)
        choices = ", ".join(f"{p.name} ({p.sku})" for p in named[:6])
        raise OrderRejected("ambiguous_product", f"'{reference}' could be: {choices}.")
    raise OrderRejected(
        "unknown_product", f"No product matches '{reference}'. Use a SKU or a catalog name."
    )
