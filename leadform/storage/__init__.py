"""Storage: the only place with SQL. Knows the domain's records, nothing of HTTP."""

from leadform.storage.database import Database, open_database
from leadform.storage.errors import StorageError
from leadform.storage.leads import ConsentWording, NewLead, StoredLead
from leadform.storage.rate_limits import Attempt, Throttled

__all__ = [
    "Attempt",
    "ConsentWording",
    "Database",
    "NewLead",
    "StorageError",
    "StoredLead",
    "Throttled",
    "open_database",
]
