"""Scratch databases of the bench and the load test (no Django needed: the load test has none)."""

from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg


def create_postgres_database(url: str, name: str | None = None) -> str:
    """Create database `name` (default: the one `url` names) on the PostgreSQL server of `url`
    when the server does not have it yet, and return its URL."""
    config = dj_database_url.parse(url)
    name = name or config["NAME"]
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
