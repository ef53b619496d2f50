"""The benchmark's PostgreSQL database, reached directly: created if missing, and the few facts the run and report read.

Every function takes the DATABASE_URL and raises BenchError when PostgreSQL cannot be reached.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql

from bench.common import BenchError, step

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of the URL if it does not exist yet."""
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgres", "pgsql")):
        raise BenchError(f"the benchmark needs PostgreSQL; DATABASE_URL is {parts.scheme}://...")
    name = unquote(parts.path.lstrip("/"))
    connection = connect(url, dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                step(f"create database {name}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def connect(url: str, dbname: str | None = None) -> Any:
    """A psycopg2 connection to the URL's server, to its database unless another is named."""
    parts = urlsplit(url)
    try:
        return psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            dbname=dbname or unquote(parts.path.lstrip("/")),
            connect_timeout=10,
        )
    except psycopg2.OperationalError as error:
        raise BenchError(f"cannot reach PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}") from error


def server_version(database_url: str) -> str:
    """PostgreSQL's version as `SHOW server_version` gives it."""
    connection = connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0])
    finally:
        connection.close()


def directory_counts(database_url: str, slug: str) -> tuple[int, int]:
    """Members of the partnership in all, and partners in Italy (the filtered page)."""
    connection = connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*), count(*) FILTER (WHERE m.role = 'partner' AND o.country = 'IT')
                FROM partnership_membership m
                JOIN partnership_partnership p ON p.id = m.partnership_id
                JOIN partnership_organisation o ON o.id = m.organisation_id
                WHERE p.slug = %s
                """,
                [slug],
            )
            total, italian_partners = cursor.fetchone()
    finally:
        connection.close()
    return int(total), int(italian_partners)


def priority_area_id(database_url: str, slug: str) -> int:
    """The first priority area of a partnership, for the filtered long-list page."""
    connection = connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT a.id FROM partnership_priorityarea a
                JOIN partnership_partnership p ON p.id = a.partnership_id
                WHERE p.slug = %s ORDER BY a.position, a.name LIMIT 1
                """,
                [slug],
            )
            row = cursor.fetchone()
    finally:
        connection.close()
    if row is None:
        raise BenchError(f"the partnership {slug} has no priority area")
    return int(row[0])
