from copilot_service_defaults.serving import run_service

from copilot_orders.app import build_app
from copilot_orders.config import OrdersSettings


def main() -> None:
    run_service(OrdersSettings, build_app)


if __name__ == "__main__":
    main()
