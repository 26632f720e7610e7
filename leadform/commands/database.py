"""Opening the database for a command: settings from the environment, one line
on stderr when they are wrong."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from leadform.config import Settings, SettingsError, load_settings
from leadform.storage import Database, StorageError, open_database

T = TypeVar("T")


def fail(message: str, code: int = 1) -> int:
    print(f"leadform: {message}", file=sys.stderr)
    return code


def run_with_database(work: Callable[[Settings, Database], Awaitable[int]]) -> int:
    """Run `work` on an open database; settings or storage problems are one line."""
    try:
        settings = load_settings()
    except SettingsError as problem:
        return fail(str(problem), 2)

    async def main() -> int:
        try:
            db = await open_database(settings.database, settings.busy_timeout, create=False)
        except StorageError as problem:
            return fail(f"LEADFORM_DATABASE: {problem}")
        try:
            return await work(settings, db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except StorageError as problem:
        return fail(str(problem))
