from copilot_service_defaults.serving import run_service

from copilot_rag.app import build_app
from copilot_rag.config import RagSettings


def main() -> None:
    run_service(RagSettings, build_app)


if __name__ == "__main__":
    main()
