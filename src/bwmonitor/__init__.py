"""bwmonitor: a reproducible Monitor Brede Welvaart pipeline on CBS StatLine data.

    import bwmonitor as bw
    m = bw.Monitor()
    m.fetch()
    m.compare(["zuidoost"])

See docs/api.md. Importing this package is cheap: polars, cbsodata and the publishing
libraries are imported by the methods that use them.
"""

from bwmonitor.api import DEFAULT_BENCHMARKS, Monitor
from bwmonitor.core.errors import (
    BwmonitorError,
    CatalogInvalid,
    CbsTableChanged,
    CbsTableNotFound,
    CbsUnavailable,
    DeadlineReached,
    FetchFailed,
    InvalidInput,
    LockHeld,
    StaleTables,
    StoreError,
    TemporaryFailure,
)
from bwmonitor.core.settings import Settings
from bwmonitor.fetch.report import FetchReport, FetchStarted, TableOutcome

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BENCHMARKS",
    "BwmonitorError",
    "CatalogInvalid",
    "CbsTableChanged",
    "CbsTableNotFound",
    "CbsUnavailable",
    "DeadlineReached",
    "FetchFailed",
    "FetchReport",
    "FetchStarted",
    "InvalidInput",
    "LockHeld",
    "Monitor",
    "Settings",
    "StaleTables",
    "StoreError",
    "TableOutcome",
    "TemporaryFailure",
    "__version__",
]
