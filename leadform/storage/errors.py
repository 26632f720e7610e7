"""The one error the storage layer lets out."""


class StorageError(RuntimeError):
    """The database could not do what was asked (locked, read-only, disk full...)."""
