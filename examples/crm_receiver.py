"""A CRM's side of Omnicanal's event webhooks, in one file: an aiohttp service that
verifies each request's signature, drops redeliveries by event id, and mirrors customers
(and completed return requests) into SQLite.

    CRM_WEBHOOK_SECRET=... python examples/crm_receiver.py --db crm.sqlite --port 8099

and in the bot's config.yaml:

    events:
      subscriptions:
        - url: http://127.0.0.1:8099/omnicanal/events
          secret: ${CRM_WEBHOOK_SECRET}

It imports nothing from Omnicanal: the signature check below is the whole algorithm
(docs/events.md). Delivery is at least once, so the event id is recorded in the same
SQLite transaction as the change it makes: a redelivered event changes nothing twice.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from aiohttp import web

#: Requests signed longer ago than this are refused (a replayed capture).
TOLERANCE_SECONDS = 300

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, type TEXT, received_at REAL);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, name TEXT, email TEXT, phone TEXT, locale TEXT,
    tags TEXT, consents TEXT, merged_into TEXT, updated_at REAL);
CREATE TABLE IF NOT EXISTS completions (
    event_id TEXT PRIMARY KEY, customer_id TEXT, flow TEXT, slots TEXT, at REAL);
"""


def verified(secret: str, body: bytes, header: str, now: float | None = None) -> bool:
    """``Omnicanal-Signature: t=<ts>,v1=<hex>``: hex is HMAC-SHA256(secret, "<ts>." + body)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def apply(db: sqlite3.Connection, event: dict[str, Any]) -> bool:
    """Mirror one event; False when it was applied before (a redelivery)."""
    with db:  # one transaction: the id and the change it makes, or neither
        try:
            db.execute("INSERT INTO events VALUES (?, ?, ?)",
                       (event["id"], event["type"], time.time()))
        except sqlite3.IntegrityError:
            return False
        kind, customer, data = event["type"], event["customer_id"], event["data"]
        if kind in ("customer.created", "customer.updated", "customer.merged"):
            upsert(db, customer, data["profile"], event["time"])
        if kind == "customer.merged":
            db.execute("UPDATE customers SET merged_into = ? WHERE id = ?",
                       (customer, data["source"]))
        elif kind == "flow.completed":
            db.execute("INSERT INTO completions VALUES (?, ?, ?, ?, ?)",
                       (event["id"], customer, data["flow"], json.dumps(data["slots"]),
                        event["time"]))
        return True


def upsert(db: sqlite3.Connection, customer: str, profile: dict[str, Any],
           at: float) -> None:
    db.execute(
        "INSERT INTO customers (id, name, email, phone, locale, tags, consents, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " email = excluded.email, phone = excluded.phone, locale = excluded.locale,"
        " tags = excluded.tags, consents = excluded.consents, updated_at = excluded.updated_at",
        (customer, profile.get("name"), profile.get("email"), profile.get("phone"),
         profile.get("locale"), json.dumps(profile.get("tags", [])),
         json.dumps(profile.get("consents", {})), at))


def make_app(db_path: Path, secret: str) -> web.Application:
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA)

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        if not verified(secret, body, request.headers.get("Omnicanal-Signature", "")):
            return web.Response(status=400, text="bad signature")
        apply(db, json.loads(body))
        return web.Response(status=204)  # a duplicate is a success too: it is stored

    async def close(app: web.Application) -> None:
        db.close()

    app = web.Application()
    app.router.add_post("/omnicanal/events", receive)
    app.on_cleanup.append(close)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("crm.sqlite"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    secret = os.environ.get("CRM_WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("set CRM_WEBHOOK_SECRET to the subscription's secret")
    web.run_app(make_app(args.db, secret), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
