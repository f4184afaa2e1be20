"""History store: plans, their audit records, planned visits and recorded outcomes.

By default one embedded SQLite file (no server, nothing leaves the machine), created
readable and writable by its owner only (0600): a unit's history is small, and one file
is easy to keep private and to back up. A unit that shares a server gives a PostgreSQL
URL instead (``postgresql+psycopg://user@host/db``). Both are reached through SQLAlchemy
Core, so every query is written once; the few differences between the two (id columns,
how migration 2 changes a constraint, how the write lock is taken) are spelled out where
they occur.

:mod:`.location` says where a store is (its password hidden), :mod:`.connection` opens
it, :mod:`.migrations` builds its schema, :mod:`.tables` and :mod:`.records` are its
rows, and :mod:`.store` is :class:`HistoryStore` itself.
"""

from scheduler.history.store.connection import StoreConnection as StoreConnection
from scheduler.history.store.location import SUPPORTED as SUPPORTED
from scheduler.history.store.location import StoreError as StoreError
from scheduler.history.store.location import StoreURL as StoreURL
from scheduler.history.store.location import create_private_file as create_private_file
from scheduler.history.store.location import store_exists as store_exists
from scheduler.history.store.location import store_location as store_location
from scheduler.history.store.migrations import MIGRATIONS as MIGRATIONS
from scheduler.history.store.migrations import Migration as Migration
from scheduler.history.store.records import ImportResult as ImportResult
from scheduler.history.store.records import PlannedVisit as PlannedVisit
from scheduler.history.store.records import StoredOutcome as StoredOutcome
from scheduler.history.store.store import PG_WRITE_LOCK as PG_WRITE_LOCK
from scheduler.history.store.store import HistoryStore as HistoryStore
from scheduler.history.store.store import register_sha256 as register_sha256
