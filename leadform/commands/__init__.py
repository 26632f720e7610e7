"""Sub-commands of `leadform`. Each module has `register(subparsers)`, which adds a
parser whose `run` default takes the parsed arguments and returns an exit code."""

from types import ModuleType

from leadform.commands import (
    backup,
    config,
    export,
    i18n,
    notifications,
    restore,
    secret,
    serve,
    staff,
    tokens,
)

COMMANDS: tuple[ModuleType, ...] = (
    serve,
    i18n,
    notifications,
    staff,
    tokens,
    export,
    backup,
    restore,
    config,
    secret,
)
