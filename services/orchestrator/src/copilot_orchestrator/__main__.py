from copilot_service_defaults.serving import run_service

from copilot_orchestrator.app import build_app
from copilot_orchestrator.config import OrchestratorSettings


def main() -> None:
    run_service(OrchestratorSettings, build_app)


if __name__ == "__main__":
    main()
