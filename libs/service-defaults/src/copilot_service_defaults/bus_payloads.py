"""What a bus handler takes, as the bus's AsyncAPI document shows it."""

from typing import Any

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema


class DocumentedAs:
    """A handler's body, `Annotated[Any, DocumentedAs(Model), Field(title="Model")]`:
    documented with `Model`'s schema, while any body at all reaches the handler.

    The handler validates the body itself, so that it can answer a request it cannot read
    with an error, or drop an event it cannot read with a warning; a body typed as `Model`
    would fail in FastStream before the handler, and the caller would wait for nothing.
    FastStream's subscribers take no schema option: their payload schema is their body's
    type. It names that schema after the field's title, hence the `Field(title=...)`."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.any_schema()

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The model's own schema, inline; the models it refers to stay in the definitions.
        return handler.resolve_ref_schema(handler(self.model.__pydantic_core_schema__))
