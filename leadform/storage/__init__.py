"""Storage: the only place with SQL. Knows the domain's records, nothing of HTTP."""

from leadform.storage.database import Database, open_database
from leadform.storage.errors import StorageError

__all__ = ["Database", "StorageError", "open_database"]
