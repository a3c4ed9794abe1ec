"""PostgreSQL for the tests: the one on 127.0.0.1:5432 (trust auth, database `test`) when it
answers, and a fresh database of a test's own, dropped afterwards."""

import asyncio
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

POSTGRES = ("127.0.0.1", 5432)


def postgres_answers() -> bool:
    try:
        with socket.create_connection(POSTGRES, timeout=1):
            return True
    except OSError:
        return False


async def as_postgres(sql: str, database: str = "test") -> list[asyncpg.Record]:
    connection = await asyncpg.connect(
        host=POSTGRES[0], port=POSTGRES[1], user="postgres", database=database
    )
    try:
        return list(await connection.fetch(sql))
    finally:
        await connection.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"copilot_{secrets.token_hex(4)}"
    asyncio.run(as_postgres(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        asyncio.run(as_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
