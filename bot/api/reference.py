"""The API's reference page, ``GET /api/v1/docs``: the OpenAPI document rendered as plain
HTML by our own code, so it needs no CDN, no script and no outside font (the pages'
Content-Security-Policy allows none of them anyway) and can never disagree with the
document: it is built from the same ``document()`` on every request.

Each operation shows its method, path, scope (in its summary), parameters, request body
and answers; each schema a table of its properties, linked from wherever it is used.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bot.web.types import WebRequest, WebResponse

_CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}section{margin:1.5rem 0}
.op{border-left:4px solid #4a7;padding-left:.8rem}code,.m{font-family:ui-monospace,monospace}
.m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f6f6}nav a{margin-right:.8rem}"""

_METHODS = ("get", "post", "put", "patch", "delete")


def shown(schema: Any) -> str:
    """A schema as a few words of HTML: ``string or null``, ``array of <Customer>``."""
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
    if "const" in schema:
        return f"<code>{escape(repr(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    kinds = schema.get("type", "any")
    words = " or ".join(escape(str(k)) for k in (kinds if isinstance(kinds, list) else [kinds]))
    if "items" in schema:
        words += " of " + shown(schema["items"])
    return words


def _properties(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code>{' (required)' if name in required else ''}"
        f"</td><td>{shown(prop)}</td><td>{escape(str(prop.get('description', '')))}</td></tr>"
        for name, prop in schema.get("properties", {}).items())
    return (f"<table><tr><th>field</th><th>type</th><th>meaning</th></tr>{rows}</table>"
            if rows else f"<p>{shown(schema)}</p>")


def _body_schema(holder: dict[str, Any]) -> Any:
    return holder.get("content", {}).get("application/json", {}).get("schema")


def _operation(method: str, path: str, operation: dict[str, Any]) -> str:
    parts = [f'<section class="op"><h3><span class="m">{method}</span>'
             f"<code>{escape(path)}</code></h3><p>{escape(operation.get('summary', ''))}</p>"]
    if operation.get("description"):
        parts.append(f"<p>{escape(operation['description'])}</p>")
    parameters = operation.get("parameters", [])
    if parameters:
        rows = "".join(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}"
            f"{', required' if p.get('required') else ''}</td><td>{shown(p.get('schema'))}"
            f"</td><td>{escape(str(p.get('description', '')))}</td></tr>" for p in parameters)
        parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th>"
                     f"</tr>{rows}</table>")
    body = operation.get("requestBody")
    if body is not None:
        parts.append(f"<p>Body (JSON): {shown(_body_schema(body))}</p>")
    rows = "".join(
        f"<tr><td>{escape(code)}</td><td>{escape(answer.get('description', ''))}</td>"
        f"<td>{shown(_body_schema(answer)) if _body_schema(answer) else ''}</td></tr>"
        for code, answer in operation.get("responses", {}).items())
    parts.append(f"<table><tr><th>answer</th><th>when</th><th>body</th></tr>{rows}</table>")
    return "".join(parts) + "</section>"


def page(document: dict[str, Any]) -> str:
    """The whole reference page of ``document``."""
    info = document.get("info", {})
    title = escape(f"{info.get('title', 'API')} (version {info.get('version', '?')})")
    base = escape(document.get("servers", [{}])[0].get("url", ""))
    operations = [_operation(method, base + path, item[method])
                  for path, item in sorted(document.get("paths", {}).items())
                  for method in _METHODS if method in item]
    schemas = [f'<section id="schema-{escape(name)}"><h3>{escape(name)}</h3>'
               f"{_properties(schema)}</section>"
               for name, schema in sorted(document.get("components", {})
                                          .get("schemas", {}).items())]
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}'
            f'</title><link rel="stylesheet" href="{base}/docs.css"></head><body>'
            f"<h1>{title}</h1><p>Send <code>Authorization: Bearer &lt;token&gt;</code> with "
            "a token from <code>api.tokens</code> in config.yaml; each operation names the "
            f'scope it needs. The machine-readable document is <a href="{base}/openapi.json">'
            f'openapi.json</a>.</p><nav><a href="#operations">Operations</a>'
            f'<a href="#schemas">Schemas</a></nav><h2 id="operations">Operations</h2>'
            f'{"".join(operations)}<h2 id="schemas">Schemas</h2>{"".join(schemas)}'
            "</body></html>")


async def reference_page(request: WebRequest, document: dict[str, Any]) -> WebResponse:
    return WebResponse(status=200, body=page(document), content_type="text/html")


async def reference_css(request: WebRequest) -> WebResponse:
    return WebResponse(status=200, body=_CSS, content_type="text/css",
                       headers={"Cache-Control": "max-age=3600"})
