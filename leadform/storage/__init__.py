"""Storage: the only place with SQL. Knows the domain's records, nothing of HTTP."""

from leadform.storage.database import Database, open_database
from leadform.storage.errors import StorageError
from leadform.storage.leads import ConsentWording, NewLead, StoredLead

__all__ = [
    "ConsentWording",
    "Database",
    "NewLead",
    "StorageError",
    "StoredLead",
    "open_database",
]
