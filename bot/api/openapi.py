"""The business API's OpenAPI 3.1 document, served at ``/api/v1/openapi.json`` and read
as a page at ``/api/v1/docs`` (``reference.py``). The customer API's paths and schemas
are in ``openapi_customers.py``; this module merges them in."""

from __future__ import annotations

from typing import Any

from bot.api.campaigns_openapi import campaign_paths, campaign_schemas
from bot.api.catalogue_schema import catalogue_openapi
from bot.api.openapi_customers import SCHEMAS, customer_paths, ok, subscription_paths

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _answers(*codes: int) -> dict[str, Any]:
    meaning = {400: "the request is malformed (the message says which field)",
               401: "no valid bearer token", 403: "the token lacks the scope",
               404: "no such customer (nothing happened)",
               409: "a conflict: the customer cannot be reached now, the value names "
                    "another customer, or the subscription is config.yaml's (the message "
                    "says which)",
               422: "a template or value is wrong, or the Idempotency-Key was used for "
                    "another request"}
    return {str(c): {"description": meaning[c],
                     "content": {"application/json": {"schema": _PROBLEM}}} for c in codes}


def _customer_parameter() -> dict[str, Any]:
    return {"name": "customer_id", "in": "path", "required": True,
            "schema": {"type": "string", "maxLength": 64}}


def document() -> dict[str, Any]:
    """The whole document: the endpoints below, then the customer API's merged in."""
    built = _document()
    catalogue_path, catalogue_schemas = catalogue_openapi()
    built["components"]["schemas"].update({**SCHEMAS, **catalogue_schemas})
    for path, operations in [*customer_paths(_answers, _customer_parameter()).items(),
                             *subscription_paths(_answers).items(), *catalogue_path.items()]:
        built["paths"].setdefault(path, {}).update(operations)
    return built


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Omnicanal business API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Problem": {"type": "object", "required": ["error", "message"],
                            "properties": {"error": {"type": "string"},
                                           "message": {"type": "string"}}},
                "Recipient": {
                    "type": "object", "minProperties": 1, "maxProperties": 1,
                    "additionalProperties": False,
                    "properties": {"customer_id": {"type": "string"},
                                   "phone": {"type": "string", "description": "E.164"},
                                   "email": {"type": "string"},
                                   "external_id": {"type": "string",
                                                   "examples": ["erp:customer:987"]}}},
                "Notification": {
                    "type": "object", "required": ["template", "to"],
                    "additionalProperties": False,
                    "properties": {
                        "template": {"type": "string",
                                     "description": "a key of notifications.templates"},
                        "to": {"$ref": "#/components/schemas/Recipient"},
                        "values": {"type": "object",
                                   "additionalProperties": {"type": ["string", "number"]}},
                        "locale": {"type": "string"}}},
                "Queued": {
                    "type": "object", "required": ["id", "customer_id", "channel", "status"],
                    "properties": {"id": {"type": "string"},
                                   "customer_id": {"type": "string"},
                                   "channel": {"type": "string"},
                                   "status": {"const": "queued"}}},
                **campaign_schemas(),
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {"get": {
                "summary": "This document (no token)", "security": [],
                "responses": {"200": {"description": "the OpenAPI 3.1 document",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
            "/docs": {"get": {
                "summary": "This document as a readable page (no token)", "security": [],
                "responses": {"200": {"description": "the reference page",
                                      "content": {"text/html": {
                                          "schema": {"type": "string"}}}}}}},
            "/docs.css": {"get": {
                "summary": "The reference page's style sheet (no token)", "security": [],
                "responses": {"200": {"description": "CSS", "content": {"text/css": {
                    "schema": {"type": "string"}}}}}}},
            "/notifications": {"post": {
                "summary": "Send a template to one customer on their current channel",
                "description": "Scope notifications:send. The same Idempotency-Key sends "
                               "once and answers the same, however often and concurrently "
                               "it is retried.",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Notification"}}}},
                "responses": {"202": {"description": "queued for sending",
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/Queued"}}}},
                              **_answers(400, 401, 403, 404, 409, 422)}}},
            "/customers/{customer_id}/consents": {"get": {
                "summary": "The customer's consent ledger (scope customers:read)",
                "parameters": [_customer_parameter()],
                "responses": {"200": ok("ConsentLedger", "decisions, newest first"),
                              **_answers(401, 403, 404)}}},
            "/customers/{customer_id}/consents/{purpose}": {"put": {
                "summary": "Record a consent decision (scope customers:write)",
                "parameters": [_customer_parameter(),
                               {"name": "purpose", "in": "path", "required": True,
                                "schema": {"type": "string",
                                           "examples": ["marketing", "notifications"]}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["granted"],
                               "additionalProperties": False,
                               "properties": {"granted": {"type": "boolean"},
                                              "scope": {"type": "string", "default": "all"},
                                              "text": {"type": "string"}}}}}},
                "responses": {"202": ok("ConsentQueued", "queued for the customer's turn"),
                              **_answers(400, 401, 403, 404)}}},
            "/customers/{customer_id}/identifiers": {"post": {
                "summary": "Attach an e-mail or external id (scope customers:write)",
                "parameters": [_customer_parameter()],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "additionalProperties": False,
                               "properties": {
                                   "email": {"type": "string", "maxLength": 254},
                                   "external_id": {
                                       "type": "string", "examples": ["erp:customer:987"],
                                       "description": "<system>:<id>, unique per "
                                                      "system"}}}}}},
                "responses": {"200": ok("Attached", "attached"),
                              **_answers(400, 401, 403, 404, 409)}}},
            "/customers/{customer_id}/export": {"get": {
                "summary": "Everything held about the customer, as one document "
                           "(scope customers:read)",
                "parameters": [_customer_parameter()],
                "responses": {"200": ok("Export", "profile, attached ids, identities, "
                                                  "conversation, history"),
                              **_answers(401, 403, 404)}}},
            "/events/dead-letters": {"get": {
                "summary": "Events no endpoint took before their retries ran out, latest "
                           "first (scope events:manage)",
                "responses": {"200": ok("DeadLetters", "the dead letters"),
                              **_answers(401, 403)}}},
            "/events/dead-letters/replay": {"post": {
                "summary": "Deliver a dead letter again, to its subscription only "
                           "(scope events:manage)",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "additionalProperties": False,
                               "required": ["customer_id", "subscription", "event_id"],
                               "properties": {"customer_id": {"type": "string"},
                                              "subscription": {"type": "string"},
                                              "event_id": {"type": "string"}}}}}},
                "responses": {"202": ok("Queued", "queued for delivery"),
                              **_answers(400, 401, 403, 404)}}},
            "/customers/{customer_id}": {"delete": {
                "summary": "Erase the customer; an audit record names the token "
                           "(scope customers:erase)",
                "parameters": [_customer_parameter()],
                "responses": {"200": ok("Erased", "erased, with counts"),
                              **_answers(401, 403, 404)}}},
            **campaign_paths(),
        },
    }
