from decimal import Decimal

import pytest
from copilot_contracts.tools import CreateOrderArgs
from copilot_orders.config import BUNDLED_CATALOG
from copilot_orders.domain.catalog import OrderRejected, Product, load_catalog, resolve_product
from copilot_orders.domain.drafting import draft_order

BEANS = Product(
    "EO-HB-250",
    "House Blend",
    "coffee",
    "",
    Decimal("14.50"),
    10,
    {"grind": ["whole bean", "espresso"]},
)
BEANS_1K = Product(
    "EO-HB-1K",
    "House Blend",
    "coffee",
    "",
    Decimal("48.00"),
    3,
    {"grind": ["whole bean", "espresso"]},
)
PRESS = Product("EO-FP", "French Press", "equipment", "", Decimal("35.00"), 0, {})
CATALOG = [BEANS, BEANS_1K, PRESS]


def _args(*items: dict[str, object]) -> CreateOrderArgs:
    return CreateOrderArgs.model_validate(
        {"items": list(items), "customer": {"name": "Ada", "email": "ada@example.com"}}
    )


def test_prices_come_from_the_catalog() -> None:
    draft = draft_order(
        CATALOG, _args({"product": "EO-HB-250", "quantity": 3, "grind": "Espresso"})
    )
    [line] = draft.lines
    assert (line.unit_price, line.line_total, line.grind) == (
        Decimal("14.50"),
        Decimal("43.50"),
        "espresso",
    )
    assert draft.total == Decimal("43.50")


def test_name_with_several_sizes_means_the_smallest_pack() -> None:
    assert resolve_product(CATALOG, "house blend") is BEANS
    assert resolve_product(CATALOG, "eo-hb-1k") is BEANS_1K


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"product": "Moon Roast", "quantity": 1}, "unknown_product"),
        ({"product": "French Press", "quantity": 1}, "out_of_stock"),
        ({"product": "EO-HB-1K", "quantity": 4}, "insufficient_stock"),
        ({"product": "EO-HB-250", "quantity": 1, "grind": "turkish"}, "invalid_option"),
    ],
)
def test_orders_that_cannot_be_met_are_rejected(item: dict[str, object], code: str) -> None:
    with pytest.raises(OrderRejected) as rejected:
        draft_order(CATALOG, _args(item))
    assert rejected.value.code == code


def test_stock_counts_across_lines_of_the_same_product() -> None:
    with pytest.raises(OrderRejected, match="Only 3"):
        draft_order(
            CATALOG,
            _args({"product": "EO-HB-1K", "quantity": 2}, {"product": "EO-HB-1K", "quantity": 2}),
        )


def test_bundled_catalog_loads() -> None:
    products = load_catalog(BUNDLED_CATALOG)
    assert len(products) >= 12
    assert len({p.sku for p in products}) == len(products)
    assert any(p.stock == 0 for p in products)
