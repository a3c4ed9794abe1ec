from pathlib import Path

from copilot_cli import nats_server

from tests.conftest import free_port


def test_starts_a_jetstream_server_when_none_answers(tmp_path: Path) -> None:
    address = nats_server.NatsAddress("127.0.0.1", free_port())
    assert not nats_server.answers(address)
    process = nats_server.start_server(address, tmp_path)
    try:
        assert nats_server.answers(address)
        config = (tmp_path / "nats" / "nats-server.conf").read_text()
        assert "sync_interval: always" in config
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_parses_nats_urls() -> None:
    assert nats_server.NatsAddress.parse("nats://10.0.0.5:4333") == nats_server.NatsAddress(
        "10.0.0.5", 4333
    )
    assert nats_server.NatsAddress.parse("localhost") == nats_server.NatsAddress("localhost", 4222)
