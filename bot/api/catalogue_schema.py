"""The catalogue's part of the OpenAPI document (``PUT /catalogue``), its schemas made
from the same pydantic models that validate a push, so the document cannot drift from
what is accepted."""

from __future__ import annotations

from typing import Any

from bot.catalogue.model import Catalogue


def catalogue_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """The path and the schemas this module adds to the OpenAPI document."""
    schema = Catalogue.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = schema.pop("$defs", {})
    schemas["Catalogue"] = schema
    error = {"content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Problem"}}}}
    path = {"/catalogue": {"put": {
        "summary": "Replace the catalogue, whole (scope catalogue:write; catalogue.source "
                   "api)",
        "description": "Validated whole: one bad product refuses the document (422, "
                       "naming the product and the field) and the catalogue held stays. "
                       "Every channel and process reads the new one from the next message.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Catalogue"}}}},
        "responses": {
            "200": {"description": "held now", "content": {"application/json": {"schema": {
                "type": "object", "required": ["version", "changed", "products"],
                "properties": {"version": {"type": "integer"},
                               "changed": {"type": "boolean"},
                               "products": {"type": "integer"}}}}}},
            "401": {"description": "no valid bearer token", **error},
            "403": {"description": "the token lacks the scope", **error},
            "409": {"description": "catalogue.source is not api", **error},
            "413": {"description": "the document is over catalogue.max_bytes (refused by "
                                   "the server before it is read)"},
            "422": {"description": "the catalogue is invalid (the message says which "
                                   "product and field); nothing changed", **error}}}}}
    return path, schemas
