"""Storage: the only place with SQL. Knows the domain's records, nothing of HTTP."""

from leadform.storage.database import Database
from leadform.storage.engines import check_database, open_database
from leadform.storage.errors import StorageError

__all__ = ["Database", "StorageError", "check_database", "open_database"]
