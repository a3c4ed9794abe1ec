import socket

import pytest
from copilot_cli.services import ServiceGroup, port_taken

from tests.conftest import free_port


def test_refuses_to_start_on_ports_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_taken(port)
        group = ServiceGroup(env={}, ports={"gateway": port})
        with pytest.raises(RuntimeError, match="already in use"):
            group.start_all()
    assert group.processes == {}
    assert not port_taken(free_port())
