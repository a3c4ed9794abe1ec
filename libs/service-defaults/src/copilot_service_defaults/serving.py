"""Run a service's ASGI app under uvicorn with the host and port from its settings."""

from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn

from copilot_service_defaults.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def serve(app: Any, host: str, port: int) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    uvicorn.Server(config).run()


def run_service(settings_type: type[SettingsT], build_app: Callable[[SettingsT], Any]) -> None:
    """Entry point of every service: read settings (failing fast), build the app, serve it."""
    settings = settings_type()
    serve(build_app(settings), settings.host, settings.port)
