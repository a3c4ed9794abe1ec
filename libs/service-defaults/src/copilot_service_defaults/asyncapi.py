"""A service's part of the bus's AsyncAPI document, generated from its own routers.

Each service with subscribers has a `bus_document` module: a DESCRIPTION, and
`documented_broker()`, its real routers included in a broker that is never started, built
with dependencies none of its handlers is called with. docs/asyncapi/generate.py
(`make docs`) writes their documents."""

from typing import Any

from faststream.nats import NatsBroker, NatsRouter, NatsUserPassword
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.utils import clear_key

from copilot_service_defaults.settings import ServiceSettings

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1"  # the bus's subjects are versioned at their root: copilot.v1.*
JETSTREAM_EXTENSION = "x-jetstream"


def documented_broker(service: str, *routers: NatsRouter) -> NatsBroker:
    """A broker with `routers` at the default NATS_URL, logging in as `service`."""
    broker = NatsBroker(
        ServiceSettings.model_fields["nats_url"].default,
        description=f"NATS, logged in as the user {service} (deploy/nats/authorization.conf).",
        security=NatsUserPassword(username=service, password=""),
    )
    for router in routers:
        broker.include_router(router)
    return broker


def bus_document(service: str, description: str, broker: NatsBroker) -> dict[str, Any]:
    """The service's AsyncAPI document: what it receives, on which subjects (in which queue
    group, or through which JetStream consumer), with each message's schema from its
    copilot_contracts model."""
    specification = AsyncAPI(
        broker,
        title=f"Coffee Copilot {service} service",
        version=DOCUMENT_VERSION,
        description=description,
        schema_version=ASYNCAPI_VERSION,
    ).to_specification()
    document: dict[str, Any] = specification.to_jsonable()
    for subscriber in broker.subscribers:
        for key in subscriber.schema():
            channel = document["channels"][clear_key(key)]
            if "description" in channel:  # a docstring: one paragraph, without its indents
                channel["description"] = " ".join(channel["description"].split())
            if (consumer := _jetstream_consumer(subscriber)) is not None:
                channel[JETSTREAM_EXTENSION] = consumer
    # Each section in the order of its names: a document is the same however the broker
    # happens to list its subscribers.
    for section in ("channels", "operations"):
        document[section] = dict(sorted(document.get(section, {}).items()))
    components = document["components"]
    for section in ("messages", "schemas"):
        components[section] = dict(sorted(components.get(section, {}).items()))
    return document


def _jetstream_consumer(subscriber: Any) -> dict[str, Any] | None:
    """The stream and durable consumer a subscriber reads through, with the delivery
    settings it declares; None for a core NATS subscriber."""
    stream = getattr(subscriber, "stream", None)
    if stream is None:
        return None
    # The durable's name from its own options: a ConsumerConfig shared by several
    # subscribers holds the name of whichever was declared first.
    config = subscriber.config
    settings = {
        "stream": stream.name,
        "durable": subscriber.extra_options.get("durable"),
        "ackWaitSeconds": config.ack_wait,
        "maxDeliver": config.max_deliver,
        "backoffSeconds": list(config.backoff) if config.backoff else None,
        "maxAckPending": config.max_ack_pending,
    }
    return {name: value for name, value in settings.items() if value is not None}
