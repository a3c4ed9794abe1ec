from copilot_service_defaults.serving import run_service

from copilot_gateway.app import build_app
from copilot_gateway.config import GatewaySettings


def main() -> None:
    run_service(GatewaySettings, build_app)


if __name__ == "__main__":
    main()
