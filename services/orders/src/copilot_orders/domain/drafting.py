"""Turn what the visitor asked for into priced order lines; prices come from the catalog."""

from dataclasses import dataclass
from decimal import Decimal

from copilot_contracts.tools import CreateOrderArgs, OrderLine

from copilot_orders.domain.catalog import OrderRejected, Product, resolve_product

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderDraft:
    lines: list[OrderLine]
    total: Decimal


def _check_grind(product: Product, grind: str | None) -> str | None:
    if grind is None:
        return None
    choices = product.options.get("grind", [])
    for choice in choices:
        if choice.lower() == grind.strip().lower():
            return choice
    if not choices:
        return None  # a grind asked for alongside equipment or a gift card means nothing
    raise OrderRejected(
        "invalid_option",
        f"Grind '{grind}' is not offered for {product.name}: {', '.join(choices)}.",
    )


def draft_order(products: list[Product], args: CreateOrderArgs) -> OrderDraft:
    lines: list[OrderLine] = []
    wanted: dict[str, int] = {}
    for item in args.items:
        product = resolve_product(products, item.product)
        grind = _check_grind(product, item.grind)
        wanted[product.sku] = wanted.get(product.sku, 0) + item.quantity
        if product.stock <= 0:
            raise OrderRejected("out_of_stock", f"{product.name} is sold out at the moment.")
        if wanted[product.sku] > product.stock:
            raise OrderRejected(
                "insufficient_stock", f"Only {product.stock} of {product.name} are in stock."
            )
        unit = product.price.quantize(CENT)
        lines.append(
            OrderLine(
                sku=product.sku,
                name=product.name,
                quantity=item.quantity,
                grind=grind,
                unit_price=unit,
                line_total=(unit * item.quantity).quantize(CENT),
            )
        )
    return OrderDraft(lines=lines, total=sum((line.line_total for line in lines), Decimal("0.00")))
