"""Sub-commands of `leadform`. Each module has `register(subparsers)`, which adds a
parser whose `run` default takes the parsed arguments and returns an exit code."""

from types import ModuleType

from leadform.commands import (
    backup,
    config,
    database_copy,
    erase,
    export,
    i18n,
    notifications,
    purge,
    restore,
    secret,
    serve,
    staff,
    subject_export,
    tokens,
)

COMMANDS: tuple[ModuleType, ...] = (
    serve,
    i18n,
    notifications,
    staff,
    tokens,
    export,
    erase,
    subject_export,
    purge,
    backup,
    restore,
    database_copy,
    config,
    secret,
)
