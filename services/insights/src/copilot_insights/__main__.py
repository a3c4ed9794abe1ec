from copilot_service_defaults.serving import run_service

from copilot_insights.app import build_app
from copilot_insights.config import InsightsSettings


def main() -> None:
    run_service(InsightsSettings, build_app)


if __name__ == "__main__":
    main()
