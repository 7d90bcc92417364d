"""The business API under ``/api/v1``: bearer tokens with scopes (``auth``), the
endpoints (``app``) and their OpenAPI document (``openapi``). docs/reaching.md."""
