"""The campaigns API's part of the OpenAPI document (``bot/api/openapi.py`` merges it):
the request schemas come from the pydantic models themselves, so the document cannot
drift from what the API accepts."""

from __future__ import annotations

from typing import Any

from bot.config.campaigns import CampaignDefinition, EstimateRequest

_REF = "#/components/schemas/{model}"
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_MEANING = {400: "the body is malformed (the message says which field)",
            401: "no valid bearer token", 403: "the token lacks campaigns:manage",
            404: "no such campaign, or no such shipped definition (nothing happened)",
            409: "the campaign's status does not allow it (the message says which it is)",
            422: "nothing would be sent (the segment reaches nobody: the counts say why) "
                 "or a choice names an unknown flow; nothing was created"}


def _answers(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": _MEANING[c],
                     "content": {"application/json": {"schema": _PROBLEM}}} for c in codes}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _one(summary: str, ok: str, *codes: int) -> dict[str, Any]:
    return {"summary": f"{summary} (scope campaigns:manage)",
            "parameters": [{"name": "campaign_id", "in": "path", "required": True,
                            "schema": {"type": "string", "maxLength": 64}}],
            "responses": {"200": {"description": ok}, **_answers(*codes)}}


def campaign_schemas() -> dict[str, Any]:
    """The request bodies' schemas, with the models they are made of."""
    found: dict[str, Any] = {}
    for model in (CampaignDefinition, EstimateRequest):
        schema = model.model_json_schema(ref_template=_REF)
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found


def campaign_paths() -> dict[str, Any]:
    return {
        "/campaigns/estimate": {"post": {
            "summary": "How many a segment reaches now, and how many it would skip and why "
                       "(scope campaigns:manage)",
            "requestBody": _body("EstimateRequest"),
            "responses": {"200": {"description": "matched, audience, skipped by reason"},
                          **_answers(400, 401, 403)}}},
        "/campaigns": {
            "post": {"summary": "Create a campaign; its audience is chosen now "
                                "(scope campaigns:manage)",
                     "requestBody": _body("CampaignDefinition"),
                     "responses": {"201": {"description": "created, with its audience"},
                                   **_answers(400, 401, 403, 422)}},
            "get": {"summary": "The campaigns, newest first (scope campaigns:manage)",
                    "responses": {"200": {"description": "the campaigns"},
                                  **_answers(401, 403)}}},
        "/campaigns/shipped/{name}": {"post": {
            "summary": "Create one of the project's campaigns (campaigns.definitions) "
                       "(scope campaigns:manage)",
            "parameters": [{"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string", "examples": ["spring_sale"]}}],
            "responses": {"201": {"description": "created, with its audience"},
                          **_answers(401, 403, 404, 422)}}},
        "/campaigns/{campaign_id}": {"get": _one("One campaign", "the campaign",
                                                 401, 403, 404)},
        "/campaigns/{campaign_id}/stats": {"get": _one(
            "Audience, sent, delivered, read, replied, clicked, opted out, conversions, "
            "failed and skipped by reason", "the stats", 401, 403, 404)},
        **{f"/campaigns/{{campaign_id}}/{action}": {"post": _one(
            f"{action.capitalize()} the campaign", "its new status", 401, 403, 404, 409)}
           for action in ("pause", "resume", "cancel")},
    }
