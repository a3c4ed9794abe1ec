from copilot_service_defaults.serving import run_service

from copilot_github.app import build_app
from copilot_github.config import GithubSettings


def main() -> None:
    run_service(GithubSettings, build_app)


if __name__ == "__main__":
    main()
