"""The customer API's part of the OpenAPI document (``openapi.py`` merges it): the paths
of ``customers.py`` and ``subscriptions.py`` and the schemas of what they answer, as
``customer_views.py`` builds it."""

from __future__ import annotations

from typing import Any

from bot.api.pages import DEFAULT_LIMIT, MAX_LIMIT


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _page(name: str, item: str, *, of_customer: bool) -> dict[str, Any]:
    properties = {name: _array(ref(item)), "next_cursor": {
        **_nullable("string"), "description": "pass it back as ?cursor= for the next "
                                              "page; null on the last"}}
    if of_customer:
        properties["customer_id"] = {"type": "string"}
    return _object(list(properties), properties)


PROFILE = _object(
    ["name", "phone", "phone_verified", "username", "email", "email_verified", "locale"],
    {"name": _nullable("string"), "phone": {**_nullable("string"), "description": "E.164"},
     "phone_verified": {"type": "boolean"}, "username": _nullable("string"),
     "email": _nullable("string"), "email_verified": {"type": "boolean"},
     "locale": _nullable("string")})

SCHEMAS: dict[str, Any] = {
    "Profile": PROFILE,
    "ConsentDecision": _object(["purpose", "scope", "granted", "at"], {
        "purpose": {"type": "string"}, "scope": {"type": "string"},
        "granted": {"type": "boolean"}, "at": {"type": "number"},
        "source": _nullable("string")}),
    "Identity": _object(["channel", "account", "user_id", "last_wrote_at"], {
        "channel": {"type": "string"}, "account": {"type": "string"},
        "user_id": {"type": "string"}, "last_wrote_at": _nullable("number")}),
    "Customer": _object(
        ["customer_id", "profile", "tags", "consents", "identities", "emails",
         "external_ids", "mode"],
        {"customer_id": {"type": "string"}, "profile": ref("Profile"),
         "tags": _array({"type": "string"}), "consents": _array(ref("ConsentDecision")),
         "identities": _array(ref("Identity")), "emails": _array({"type": "string"}),
         "external_ids": _array({"type": "string"}),
         "mode": {"enum": ["bot", "queued", "human"]}}),
    "CustomerSummary": _object(["customer_id", "name", "tags", "mode", "last_active_at"], {
        "customer_id": {"type": "string"}, "name": _nullable("string"),
        "tags": _array({"type": "string"}), "mode": {"enum": ["bot", "queued", "human"]},
        "last_active_at": _nullable("number")}),
    "CustomerPage": _page("customers", "CustomerSummary", of_customer=False),
    "IdentityPage": _page("identities", "Identity", of_customer=True),
    "Message": _object(["at", "direction", "channel", "text", "author"], {
        "at": {"type": "number"}, "direction": {"enum": ["in", "out"]},
        "channel": _nullable("string"), "text": _nullable("string"),
        "author": {**_nullable("string"), "description": "the operator who wrote it"}}),
    "Transcript": _page("messages", "Message", of_customer=True),
    "ProfileEdit": {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "description": "an empty string or null clears a field",
        "properties": {
            "name": {**_nullable("string"), "maxLength": 200},
            "email": {**_nullable("string"), "maxLength": 200},
            "phone": {**_nullable("string"), "description": "with its country code"},
            "locale": {**_nullable("string"), "examples": ["es", "en-GB"]},
            "tags": {**_array({"type": "string", "maxLength": 40}), "maxItems": 30}}},
    "Subscription": _object(["id", "url", "types", "batch", "source", "created_at",
                             "created_by"], {
        "id": {"type": "string"}, "url": {"type": "string"},
        "types": _array({"type": "string"}), "batch": {"type": "integer"},
        "source": {"enum": ["api", "config"]},
        "created_at": _nullable("number"), "created_by": _nullable("string")}),
    "SubscriptionPage": _page("subscriptions", "Subscription", of_customer=False),
    "NewSubscription": {
        "type": "object", "required": ["url", "secret"], "additionalProperties": False,
        "properties": {
            "url": {"type": "string", "description": "http:// or https://"},
            "secret": {"type": "string", "minLength": 16, "writeOnly": True,
                       "description": "the HMAC key the requests are signed with"},
            "types": {**_array({"type": "string"}), "minItems": 1,
                      "description": 'event types; ["*"] (the default) is every type'},
            "batch": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1,
                      "description": "events per request: 1 posts each event alone; more "
                                     'posts up to that many of a customer\'s waiting '
                                     'events together, as {"events": [...]}'}}},
    "ConsentLedger": _object(["customer_id", "consents"], {
        "customer_id": {"type": "string"},
        "consents": _array(_object(["purpose", "granted", "at", "channel", "scope"], {
            "purpose": {"type": "string"}, "granted": {"type": "boolean"},
            "at": {"type": "number"}, "channel": {"type": "string"},
            "scope": {"type": "string"}, "source": {"type": "string"},
            "text": {"type": "string"}}))}),
    "ConsentQueued": _object(["customer_id", "key", "granted", "status"], {
        "customer_id": {"type": "string"}, "key": {"type": "string"},
        "granted": {"type": "boolean"}, "status": {"const": "queued"}}),
    "Attached": _object(["customer_id", "attached"], {
        "customer_id": {"type": "string"},
        "attached": {"type": "integer", "description": "how many were attached"}}),
    "Export": _object(["format", "customer_id", "exported_at", "profile", "attached",
                       "identities", "conversation", "history"], {
        "format": {"type": "integer"}, "customer_id": {"type": "string"},
        "exported_at": {"type": "number"}, "profile": {"type": "object"},
        "attached": {"type": "object"}, "identities": _array({"type": "object"}),
        "conversation": {"type": "object"}, "history": _array({"type": "object"})}),
    "Erased": _object(["customer_id", "erased"], {
        "customer_id": {"type": "string"},
        "erased": {"type": "object", "description": "counts of what went"}}),
    "DeadLetters": _object(["dead_letters"], {"dead_letters": _array(_object(
        ["customer_id", "subscription", "event_id", "error", "attempts", "died_at"], {
            "customer_id": {"type": "string"}, "subscription": {"type": "string"},
            "event_id": {"type": "string"}, "error": {"type": "string"},
            "attempts": {"type": "integer"}, "died_at": {"type": "number"}}))}),
    "Queued": _object(["status"], {"status": {"const": "queued"}}),
    "EditQueued": _object(["customer_id", "changes", "status"], {
        "customer_id": {"type": "string"}, "changes": {"type": "object"},
        "status": {"const": "queued"}}),
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


PAGING = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                     "default": DEFAULT_LIMIT}, "items per page"),
    _query("cursor", {"type": "string"}, "the previous page's next_cursor"),
]


def ok(schema: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema)}}}


def subscription_paths(answers: Any) -> dict[str, Any]:
    """The webhook subscriptions' paths (``subscriptions.py``)."""
    return {
        "/events/subscriptions": {
            "get": {"summary": "Every webhook subscription, config.yaml's too; secrets are "
                               "never shown (scope events:manage)",
                    "parameters": PAGING,
                    "responses": {"200": ok("SubscriptionPage", "the subscriptions"),
                                  **answers(400, 401, 403)}},
            "post": {"summary": "Subscribe an endpoint: it receives the events committed "
                                "from now on (scope events:manage)",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": ref("NewSubscription")}}},
                     "responses": {"201": ok("Subscription", "subscribed"),
                                   **answers(400, 401, 403, 409)}}},
        "/events/subscriptions/{subscription_id}": {"delete": {
            "summary": "Unsubscribe an endpoint made through the API (scope events:manage)",
            "parameters": [{"name": "subscription_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "deleted", "content": {
                "application/json": {"schema": {"type": "object"}}}},
                          **answers(401, 403, 404, 409)}}},
    }


def customer_paths(answers: Any, customer: dict[str, Any]) -> dict[str, Any]:
    """The customer API's paths; ``answers(*codes)`` are the problem answers,
    ``customer`` the path's customer parameter."""
    lookups = [
        _query("phone", {"type": "string"}, "E.164, a number a platform vouched for"),
        _query("email", {"type": "string"}, "attached, or an e-mail channel's sender"),
        _query("tag", {"type": "string"}, "customers with the tag, latest active first"),
        _query("external_id", {"type": "string"}, "e.g. erp:customer:987")]
    return {
        "/customers": {"get": {
            "summary": "Find customers by exactly one of phone, email, tag or external_id "
                       "(scope customers:read)",
            "parameters": [*lookups, *PAGING],
            "responses": {"200": ok("CustomerPage", "the customers found"),
                          **answers(400, 401, 403)}}},
        "/customers/{customer_id}": {
            "get": {"summary": "The customer's profile, tags, consent summary, identities "
                               "and attached ids (scope customers:read)",
                    "parameters": [customer],
                    "responses": {"200": ok("Customer", "the customer"),
                                  **answers(401, 403, 404)}},
            "patch": {"summary": "Change profile fields and tags, in the customer's own "
                                 "turn: emits customer.updated (scope customers:write)",
                      "parameters": [customer],
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": ref("ProfileEdit")}}},
                      "responses": {"202": ok("EditQueued", "queued for the customer's "
                                                             "turn"),
                                    **answers(400, 401, 403, 404)}}},
        "/customers/{customer_id}/identities": {"get": {
            "summary": "The customer's identities on every channel (scope customers:read)",
            "parameters": [customer, *PAGING],
            "responses": {"200": ok("IdentityPage", "identities, by key"),
                          **answers(400, 401, 403, 404)}}},
        "/customers/{customer_id}/transcript": {"get": {
            "summary": "The messages of every channel, oldest first, each with its channel "
                       "(scope conversations:read)",
            "parameters": [customer, *PAGING],
            "responses": {"200": ok("Transcript", "messages"),
                          **answers(400, 401, 403, 404)}}},
    }
