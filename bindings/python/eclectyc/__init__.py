"""eclectyc: import-job queue, CSV ingestion, aggregation and monitoring of
energy meter data (libeclectyc), for Python.

    import eclectyc

    with eclectyc.Store("sqlite:///var/lib/eclectyc.db") as store:
        batch_id = store.create_job(filename="readings.csv",
                                    file_path="/srv/imports/readings.csv",
                                    priority="high", tags=["sftp"],
                                    metadata={"site": 7}, max_retries=5)
        report = eclectyc.Worker(store).process(limit=10)
        job = store.get_job(batch_id)
        print(job.status, job.summary["records_imported"])

Every failure raises an :class:`EclectycError` subclass for its status code
(:class:`NotFoundError`, :class:`StateError`, :class:`InvalidError` ...),
carrying the library's message and ``.code``. An exception raised inside a
progress callback stops the operation cleanly and propagates as it is.

A :class:`Store` applies the ``ECLECTYC_*`` configuration the way the
``eclectyc`` command line does (``env_file``, then the process
environment; docs/configuration.md), through the library's own
``ecl_*_options_from_config()``: the store URI (``ECLECTYC_DB`` when
``uri`` is None), log level, storage root, retry policy, alert channels,
and the defaults of every call that leaves a value out (max retries, batch
size, the worker's, the peak window, health thresholds, cleanup's
directory). ``Store(..., config=False)`` opts out: then only the library's
built-in defaults apply.

The SWIG-generated module :mod:`eclectyc.native` underneath takes and
returns JSON text; this package turns it into keyword arguments, native
lists and dicts, and small dataclasses.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import logging
import operator
import os
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import native as _native
from .native import (
    BusyError,
    CancelledError,
    DatabaseError,
    EclectycError,
    ExistsError,
    InvalidError,
    NotFoundError,
    NotSupportedError,
    OutOfMemoryError,
    ParseError,
    SchemaError,
    StateError,
    StorageIOError,
)

__all__ = [
    "Store", "Worker", "Job", "JobAttempt", "IngestReport", "WorkerReport",
    "EclectycError", "InvalidError", "OutOfMemoryError", "NotFoundError", "ExistsError",
    "StateError", "NotSupportedError", "StorageIOError", "BusyError", "SchemaError",
    "DatabaseError", "CancelledError", "ParseError",
    "LOG_DEBUG", "LOG_INFO", "LOG_WARN", "LOG_ERROR", "LOG_NONE",
    "version", "__version__", "profiles", "profile", "detect", "mask_uri",
]

#: The library's version at run time ("MAJOR.MINOR.PATCH").
__version__: str = _native.eclb_version()


def version() -> str:
    """The version of the libeclectyc loaded."""
    return _native.eclb_version()


def mask_uri(uri: str) -> str:
    """``uri`` with its password replaced by ``***`` (the user:password part
    of a URI, ``password=`` parameters): ``postgresql://app:***@db/energy``.
    What the library itself prints; use it to show a store URI anywhere."""
    return _native.eclb_uri_mask(_text(uri, "uri", optional=False))


def profiles(profile_dir: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """The import profiles: built in, and those of ``profile_dir`` (default
    ``$ECLECTYC_PROFILE_DIR``), as dicts ``{name, description, source,
    layout, origin, header_example}``."""
    return _loads(_native.eclb_profiles(_path(profile_dir, "profile_dir", optional=True)))


def profile(name: PathLike, profile_dir: Optional[PathLike] = None) -> Dict[str, Any]:
    """One profile, by name or path, as its JSON decoded."""
    return _loads(_native.eclb_profile_show(_path(name, "name"),
                                            _path(profile_dir, "profile_dir", optional=True)))


def detect(path: PathLike, profile: Optional[PathLike] = None, meter: Optional[str] = None,
           clock: Optional[str] = None, rows: int = 10, month_first: bool = False,
           interval_end: bool = False, profile_dir: Optional[PathLike] = None) -> Dict[str, Any]:
    """How ``path`` would be imported, writing nothing: ``{profile, reason,
    format, column_mapping, readings: [{meter, start_utc, settlement_date,
    period, kwh, estimated}], rows_read, rows_failed, rows_skipped, errors}``.
    Raises :class:`InvalidError` when no profile reads the file (the message
    names the closest) or two match equally."""
    return _loads(_native.eclb_detect(
        _path(path, "path"), _path(profile, "profile", optional=True), _text(meter, "meter"),
        _text(clock, "clock"), _int(rows, "rows"), int(bool(month_first)), int(bool(interval_end)),
        _path(profile_dir, "profile_dir", optional=True)))


# Status codes (eclectyc/errors.h).
ERROR = _native.ERROR
EINVALID = _native.EINVALID
ENOMEM = _native.ENOMEM
ENOTFOUND = _native.ENOTFOUND
EEXISTS = _native.EEXISTS
ESTATE = _native.ESTATE
ENOTSUPPORTED = _native.ENOTSUPPORTED
EIO = _native.EIO
EBUSY = _native.EBUSY
ESCHEMA = _native.ESCHEMA
EDB = _native.EDB
ECANCELLED = _native.ECANCELLED
EPARSE = ParseError.code

# Log levels, as the log callback receives them.
LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_NONE = 0, 1, 2, 3, 4
_LOG_LEVELS = {"debug": LOG_DEBUG, "info": LOG_INFO, "warn": LOG_WARN, "warning": LOG_WARN,
               "error": LOG_ERROR, "none": LOG_NONE}
_TO_LOGGING = {LOG_DEBUG: logging.DEBUG, LOG_INFO: logging.INFO, LOG_WARN: logging.WARNING,
               LOG_ERROR: logging.ERROR}

ProgressCallback = Callable[[int, int, int, int], Any]
LogCallback = Callable[[int, str], Any]
PathLike = Union[str, "os.PathLike[str]"]
DateLike = Union[str, _dt.date]


# ---- argument checks: a wrong type is a TypeError here, before any C ----------

def _text(value: Any, name: str, optional: bool = True) -> Optional[str]:
    if value is None and optional:
        return None
    if isinstance(value, str):
        if "\0" in value:
            raise ValueError(f"{name} must not contain NUL characters")
        return value
    raise TypeError(f"{name} must be a str{' or None' if optional else ''}, "
                    f"not {type(value).__name__}")


def _path(value: Any, name: str, optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return _text(path, name, optional)
    raise TypeError(f"{name} must be a str or os.PathLike, not {type(value).__name__}")


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None


def _seconds(value: Any, name: str) -> int:
    if isinstance(value, _dt.timedelta):
        return int(value.total_seconds())
    return _int(value, name)


def _date(value: Any, name: str) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a date or 'YYYY-MM-DD', not a datetime")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return _text(value, name)


#: An argument left out: the store's default (configured, else the library's).
_DEFAULT = _native.ECLB_DEFAULT


def _or_default(value: Any, name: str) -> int:
    return _DEFAULT if value is None else _int(value, name)


def _log_level(value: Any) -> int:
    if value is None:
        return -1   # ECLECTYC_LOG_LEVEL, else the library's (warn)
    if isinstance(value, str):
        try:
            return _LOG_LEVELS[value.lower()]
        except KeyError:
            raise ValueError(f"unknown log level {value!r} (debug, info, warn, error, none)") \
                from None
    return _int(value, "log_level")


def _callback(value: Any, name: str) -> Any:
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be callable or None, not {type(value).__name__}")
    return value


def _loads(text: Optional[str]) -> Any:
    return None if text is None else json.loads(text)


def _instant(value: Any) -> Optional[_dt.datetime]:
    """'YYYY-MM-DD HH:MM:SS' (UTC) as an aware datetime."""
    if not isinstance(value, str):
        return value
    try:
        return _dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        return value  # type: ignore[return-value]


# ---- records ----------------------------------------------------------------

_JOB_TIMES = ("queued_at", "started_at", "completed_at", "retry_at", "alert_sent_at",
              "heartbeat_at", "file_mtime")


@dataclasses.dataclass(frozen=True)
class Job:
    """One import job, as ``ecl_job_to_json`` describes it (the reference's
    row, plus what a correct queue needs). Instants are aware UTC datetimes;
    ``summary`` and ``metadata`` are dicts, ``tags`` a list."""
    id: int
    batch_id: str
    user_id: Optional[int]
    filename: Optional[str]
    file_path: Optional[str]
    import_type: str
    status: str
    dry_run: bool
    total_rows: Optional[int]
    processed_rows: int
    imported_rows: int
    failed_rows: int
    queued_at: Optional[_dt.datetime]
    started_at: Optional[_dt.datetime]
    completed_at: Optional[_dt.datetime]
    error_message: Optional[str]
    summary: Optional[Dict[str, Any]]
    retry_count: int
    max_retries: int
    retry_at: Optional[_dt.datetime]
    last_error: Optional[str]
    notes: Optional[str]
    priority: str
    tags: List[str]
    metadata: Dict[str, Any]
    alert_sent: bool
    alert_sent_at: Optional[_dt.datetime]
    worker_id: Optional[str]
    heartbeat_at: Optional[_dt.datetime]
    cancel_requested: bool
    checkpoint: int
    file_sha256: Optional[str]
    error_class: Optional[str]
    progress_percent: float
    #: The import profile, meter and clock the job's file is read with (None: detected / the file's).
    import_profile: Optional[str] = None
    import_meter: Optional[str] = None
    import_clock: Optional[str] = None
    #: The identity of the job's file recorded before its first row was read
    #: (None until then): size in bytes, modification time, inode.
    file_size: Optional[int] = None
    file_mtime: Optional[_dt.datetime] = None
    file_inode: Optional[int] = None
    #: Fields a newer library adds, until this class names them.
    extra: Dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> "Job":
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values: Dict[str, Any] = {name: row.get(name) for name in names}
        for name in _JOB_TIMES:
            values[name] = _instant(values[name])
        values["tags"] = list(values["tags"] or [])
        values["metadata"] = dict(values["metadata"] or {})
        values["dry_run"] = bool(values["dry_run"])
        values["alert_sent"] = bool(values["alert_sent"])
        values["cancel_requested"] = bool(values["cancel_requested"])
        values["progress_percent"] = float(values["progress_percent"] or 0.0)
        extra = {k: v for k, v in row.items() if k not in names}
        return cls(extra=extra, **values)

    @property
    def finished(self) -> bool:
        """True once the job is completed, failed or cancelled."""
        return self.status in ("completed", "failed", "cancelled")

    def as_dict(self) -> Dict[str, Any]:
        """The fields as a plain dict (instants stay datetimes)."""
        d = dataclasses.asdict(self)
        d.update(d.pop("extra"))
        return d


_ATTEMPT_TIMES = ("started_at", "ended_at")


@dataclasses.dataclass(frozen=True)
class JobAttempt:
    """One time a job ran (``ecl_job_attempt``): from the claim until it left
    ``processing``. ``outcome`` is the status it became — "completed",
    "failed", "cancelled", or "queued" when it was requeued (a retried
    transient failure, a job handed back, a stuck job recovered) — and
    "processing" while it runs (then ``ended_at`` is None). The error and
    the row counters are the job's when the attempt ended. Instants are
    aware UTC datetimes."""
    attempt: int
    worker_id: Optional[str]
    started_at: Optional[_dt.datetime]
    ended_at: Optional[_dt.datetime]
    outcome: str
    error_message: Optional[str]
    error_class: Optional[str]
    processed_rows: int
    imported_rows: int
    failed_rows: int
    #: Fields a newer library adds, until this class names them.
    extra: Dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> "JobAttempt":
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values: Dict[str, Any] = {name: row.get(name) for name in names}
        for name in _ATTEMPT_TIMES:
            values[name] = _instant(values[name])
        extra = {k: v for k, v in row.items() if k not in names}
        return cls(extra=extra, **values)

    @property
    def running(self) -> bool:
        """True while the attempt runs (no end yet)."""
        return self.ended_at is None

    def as_dict(self) -> Dict[str, Any]:
        """The fields as a plain dict (instants stay datetimes)."""
        d = dataclasses.asdict(self)
        d.update(d.pop("extra"))
        return d


@dataclasses.dataclass(frozen=True)
class IngestReport:
    """What an import did. ``summary`` is the reference's summary dict
    (``records_processed``, ``errors`` as "Row N: ..." texts, ``meta`` ...)."""
    batch_id: str
    format: str
    dry_run: bool
    successful: bool
    records_processed: int
    records_imported: int
    records_failed: int
    values_processed: int
    inserted: int
    updated: int
    unchanged: int
    meters_created: int
    negative_values: int
    error_count: int
    summary: Dict[str, Any]
    profile: str = "generic"
    records_skipped: int = 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "IngestReport":
        names = [f.name for f in dataclasses.fields(cls)]
        values = {name: d.get(name) for name in names}
        values["summary"] = dict(values["summary"] or {})
        return cls(**values)

    @property
    def errors(self) -> List[str]:
        """The row errors ("Row N: ..."), at most 50."""
        return list(self.summary.get("errors", []))


@dataclasses.dataclass(frozen=True)
class WorkerReport:
    """What one Worker.process() call did, in jobs."""
    claimed: int = 0
    completed: int = 0
    failed: int = 0
    requeued: int = 0
    cancelled: int = 0
    released: int = 0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "WorkerReport":
        return cls(**{f.name: int(d.get(f.name, 0)) for f in dataclasses.fields(cls)})


# ---- the store ----------------------------------------------------------------

def _store_uri(uri: Any) -> str:
    if isinstance(uri, os.PathLike):
        return "sqlite://" + os.path.abspath(os.fspath(uri))
    return _text(uri, "uri", optional=False)  # type: ignore[return-value]


def _log_adapter(log: Any) -> Optional[Callable[[int, str], None]]:
    if log is None:
        return None
    if isinstance(log, logging.Logger):
        logger = log

        def to_logger(level: int, message: str) -> None:
            logger.log(_TO_LOGGING.get(level, logging.ERROR), "%s", message)
        return to_logger
    return _callback(log, "log")


class Store:
    """An open store (the import queue, readings and aggregations).

    ``uri`` is ``sqlite:///abs/path.db``, ``sqlite://relative.db``,
    ``sqlite::memory:`` or ``postgresql://...``; an ``os.PathLike`` is taken
    as an SQLite file; None takes ``ECLECTYC_DB``. The store is migrated on
    open unless ``migrate`` is False. ``log`` receives the library's log
    lines at ``log_level`` and above: a callable ``(level: int, message:
    str)`` or a :class:`logging.Logger`; by default they go to stderr.
    ``log_level`` None takes ``ECLECTYC_LOG_LEVEL`` (default ``warn``).

    ``config`` (default True) applies the ``ECLECTYC_*`` configuration as
    the command line does: ``env_file`` (a ``.env`` file, like
    ``eclectyc --env-file``), then the process environment, which wins.
    A bad value raises :class:`InvalidError` naming the key. With
    ``config=False`` nothing is read from the environment and the
    library's defaults apply. :meth:`settings` shows what was applied.

    Use it as a context manager, or call :meth:`close`; after closing, every
    call raises :class:`InvalidError`.
    """

    def __init__(self, uri: Union[str, "os.PathLike[str]", None] = None, *, migrate: bool = True,
                 log: Union[LogCallback, logging.Logger, None] = None,
                 log_level: Union[int, str, None] = None, config: bool = True,
                 env_file: Optional[PathLike] = None) -> None:
        self._depth = 0             # calls in progress (callbacks may re-enter)
        self._close_pending = False
        self._native = _native.Store(None if uri is None else _store_uri(uri), int(bool(migrate)),
                                     _log_adapter(log), _log_level(log_level),
                                     int(bool(config)), _path(env_file, "env_file", optional=True))
        self._uri: str = self._native.uri()

    # -- lifetime ------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent). Workers on this store fail from
        then on. Called from a callback (or a signal handler) while a call on
        this store runs, it takes effect when that call returns: the running
        import never loses its connection under it."""
        if self._depth > 0:
            self._close_pending = True
        else:
            self._native.close()

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a native call on this store; a close() requested meanwhile
        (from a callback) is carried out when the outermost call returns."""
        self._depth += 1
        try:
            return fn(*args)
        finally:
            self._depth -= 1
            if self._depth == 0 and self._close_pending:
                self._close_pending = False
                self._native.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"<eclectyc.Store {self.masked_uri!r} {state}>"

    @property
    def uri(self) -> str:
        """The URI the store was opened with (password included: print
        :attr:`masked_uri` instead)."""
        return self._uri

    @property
    def masked_uri(self) -> str:
        """The URI with its password replaced by ``***``
        (``postgresql://user:***@host/db``), for messages and logs."""
        return mask_uri(self._uri)

    @property
    def is_open(self) -> bool:
        """False once :meth:`close` was called."""
        return bool(self._native.is_open())

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return not self.is_open

    @property
    def backend(self) -> Optional[str]:
        """The backend's name ("sqlite", "postgresql"), None when closed."""
        return self._native.backend()

    def settings(self) -> Dict[str, Any]:
        """What this store's calls use when a value is left out, as the
        library read it from the configuration (or its defaults with
        ``config=False``): ``{configured, uri (masked), log_level,
        busy_timeout_ms, retry_base_seconds, retry_cap_seconds,
        retry_jitter_percent, storage_root, max_retries, batch_size,
        worker_poll_ms, aggregate_after_import, peak_start, peak_end,
        stuck_minutes, failure_rate_warning, failure_rate_critical,
        backlog_threshold, cleanup_days, cleanup_storage_dir, alert_email,
        alert_slack, alert_cooldown_seconds}``."""
        return _loads(self._call(self._native.settings))

    # -- schema --------------------------------------------------------------

    def migrate(self) -> None:
        """Apply pending schema migrations."""
        self._call(self._native.migrate)

    def schema(self) -> Dict[str, Any]:
        """``{"current": n, "expected": n, "problems": [...]}``; changes nothing."""
        return _loads(self._call(self._native.schema))

    # -- jobs ----------------------------------------------------------------

    def create_job(self, filename: Optional[str] = None,
                   file_path: Optional[PathLike] = None, import_type: Optional[str] = None,
                   user_id: Optional[int] = None, dry_run: bool = False,
                   notes: Optional[str] = None, priority: Optional[str] = None,
                   tags: Optional[Sequence[str]] = None,
                   metadata: Optional[Mapping[str, Any]] = None,
                   max_retries: Optional[int] = None, *, profile: Optional[PathLike] = None,
                   meter: Optional[str] = None, clock: Optional[str] = None) -> str:
        """Queue an import of ``file_path`` and return its batch id (a UUID v4).

        The parameters are the reference's ``createJob``: ``filename`` is the
        name to show (default: the path's last component), ``import_type``
        "hh" (default), "daily", or "sites" once the store has a handler for
        it (:meth:`set_job_handler`), ``priority`` "low", "normal" (default),
        "high" or "critical" (claimed first), ``tags`` a list of strings, ``metadata`` a JSON-able dict,
        ``max_retries`` the retries after a failure (attempts = max_retries
        + 1; None: ``ECLECTYC_MAX_RETRIES``, else the library's 3). ``profile``
        names the import profile to read the file with (a name from
        :func:`profiles`, or a path to a profile file; None: detected),
        ``meter`` the one meter of a file with no meter column, ``clock``
        "london" or "utc" to override the profile's.
        """
        if isinstance(tags, (str, bytes)) or (tags is not None and not isinstance(tags, Sequence)
                                              and not isinstance(tags, (set, frozenset))):
            raise TypeError(f"tags must be a list of str, not {type(tags).__name__}")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise TypeError(f"metadata must be a dict, not {type(metadata).__name__}")
        tags_json = json.dumps([_text(t, "a tag", optional=False) for t in tags]) if tags else None
        metadata_json = json.dumps(dict(metadata)) if metadata else None
        return self._call(
            self._native.create_job,
            _text(filename, "filename"), _path(file_path, "file_path", optional=True),
            _text(import_type, "import_type"), 0 if user_id is None else _int(user_id, "user_id"),
            int(bool(dry_run)), _text(notes, "notes"), _text(priority, "priority"),
            tags_json, metadata_json, _or_default(max_retries, "max_retries"),
            _path(profile, "profile", optional=True), _text(meter, "meter"), _text(clock, "clock"))

    def get_job(self, batch_id: str) -> Job:
        """The job with this batch id (:class:`NotFoundError` when there is none)."""
        text = self._call(self._native.get_job, _text(batch_id, "batch_id", False))
        return Job.from_dict(_loads(text))

    def list_jobs(self, status: Optional[str] = None, limit: Optional[int] = None,
                  priority: Optional[str] = None) -> List[Job]:
        """Jobs, newest first; ``status`` ("queued" ...) and ``priority``
        ("low", "normal", "high", "critical") filter (None: any), ``limit=0`` lists all
        (None: the library's default, 20)."""
        rows = _loads(self._call(self._native.list_jobs, _text(status, "status"),
                                 _or_default(limit, "limit"), _text(priority, "priority")))
        return [Job.from_dict(row) for row in rows]

    def job_counts(self) -> Dict[str, int]:
        """How many jobs are in each status, exactly, in one read:
        ``{"queued", "processing", "completed", "failed", "cancelled",
        "total"}`` (queued includes the jobs waiting for a retry)."""
        return _loads(self._call(self._native.job_counts))

    def job_attempts(self, batch_id: str) -> List[JobAttempt]:
        """Each time the job ran, oldest first (empty for a job that never
        ran); :class:`NotFoundError` for an unknown batch id."""
        rows = _loads(self._call(self._native.job_attempts, _text(batch_id, "batch_id", False)))
        return [JobAttempt.from_dict(row) for row in rows]

    def retry_job(self, batch_id: str, delay: Union[int, _dt.timedelta] = 0) -> None:
        """Requeue a failed job, runnable ``delay`` seconds from now."""
        self._call(self._native.retry_job, _text(batch_id, "batch_id", False),
                   _seconds(delay, "delay"))

    def cancel_job(self, batch_id: str) -> None:
        """Cancel a queued or processing job (:class:`StateError` otherwise)."""
        self._call(self._native.cancel_job, _text(batch_id, "batch_id", False))

    def set_job_handler(self, import_type: str,
                        handler: Optional[Callable[[Job], Optional[Mapping[str, Any]]]]) -> None:
        """Run jobs of ``import_type`` ("sites": the types the library does
        not import itself) with ``handler``, or with None stop running them.
        With a handler, :meth:`create_job` takes jobs of that type and this
        store's workers claim and run them; without one, creating such a job
        raises :class:`InvalidError` naming the type, and this store's
        workers leave them queued for a process that has the handler. A new
        handler replaces the old; :meth:`close` drops them all.

        ``handler(job)`` gets the claimed :class:`Job` (status "processing")
        and returns None or a mapping with any of ``processed``,
        ``imported``, ``failed`` (ints), ``total`` (int or None) and
        ``summary`` (a dict or None): the job is completed with them. To fail
        it, raise; ``str(exc)`` becomes its error_message:
        :class:`InvalidError`, :class:`ParseError`, :class:`NotFoundError`
        and ``ValueError`` fail it for good (bad input);
        :class:`CancelledError` hands it back (no retry spent) and stops the
        worker; any other ``Exception`` is retried with backoff while
        retries are left. Those never propagate from the worker. A
        ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``,
        ``SystemExit``) hands the job back, stops the worker and propagates
        from :meth:`Worker.process`. A handler that refers to this store
        keeps it open until :meth:`close` (a cycle through the C side the
        garbage collector cannot see).
        """
        type_name = _text(import_type, "import_type", optional=False)
        native = None if handler is None else _job_handler(str(type_name),
                                                           _callback(handler, "handler"))
        self._call(self._native.set_job_handler, type_name, native)

    # -- a host's own loop: claim, heartbeat, progress, finish ---------------
    #
    # For a host that runs jobs itself instead of with a Worker. Every call
    # but claim_job is one conditional transition of a processing job held
    # by ``worker_id``: a job that is not processing (cancelled meanwhile,
    # requeued by stuck-job recovery) or is held by another worker raises
    # StateError, naming the status or holder found; an unknown batch id
    # NotFoundError.

    def claim_job(self, worker_id: str) -> Optional[Job]:
        """Claim the next runnable job for ``worker_id`` atomically (no
        other caller, in any process, gets it); None when none is due."""
        text = self._call(self._native.claim_job, _text(worker_id, "worker_id", False))
        return None if text is None else Job.from_dict(_loads(text))

    def heartbeat(self, batch_id: str, worker_id: str) -> None:
        """Record that ``worker_id`` is still running the job (stuck-job
        detection goes by the last heartbeat)."""
        self._call(self._native.heartbeat, _text(batch_id, "batch_id", False),
                   _text(worker_id, "worker_id", False))

    def update_progress(self, batch_id: str, worker_id: str, processed: int, imported: int,
                        failed: int, total: Optional[int] = None,
                        checkpoint: Optional[int] = None) -> None:
        """Store the running job's counters (also a heartbeat). ``total``
        None keeps it unknown; ``checkpoint`` (rows durably committed) None
        means ``processed``."""
        self._call(self._native.update_progress, _text(batch_id, "batch_id", False),
                   _text(worker_id, "worker_id", False), _int(processed, "processed"),
                   _int(imported, "imported"), _int(failed, "failed"),
                   -1 if total is None else _int(total, "total"),
                   -1 if checkpoint is None else _int(checkpoint, "checkpoint"))

    def complete_job(self, batch_id: str, worker_id: str,
                     summary: Optional[Mapping[str, Any]] = None,
                     processed: Optional[int] = None, imported: int = 0, failed: int = 0,
                     total: Optional[int] = None) -> None:
        """Finish the job as completed with its summary (a dict) and final
        counters (``processed`` None: keep the last progress)."""
        if summary is not None and not isinstance(summary, Mapping):
            raise TypeError(f"summary must be a dict, not {type(summary).__name__}")
        self._call(self._native.complete_job, _text(batch_id, "batch_id", False),
                   _text(worker_id, "worker_id", False),
                   None if summary is None else json.dumps(dict(summary)),
                   -1 if processed is None else _int(processed, "processed"),
                   _int(imported, "imported"), _int(failed, "failed"),
                   -1 if total is None else _int(total, "total"))

    def fail_job(self, batch_id: str, worker_id: str, message: str,
                 permanent: bool = False) -> str:
        """Record a failed attempt; returns the job's new status: "queued"
        (transient, retries left: requeued after the backoff, a retry spent)
        or "failed" (permanent, or no retries left)."""
        return self._call(self._native.fail_job, _text(batch_id, "batch_id", False),
                          _text(worker_id, "worker_id", False),
                          _text(message, "message", False), int(bool(permanent)))

    def release_job(self, batch_id: str, worker_id: str) -> None:
        """Hand the job back to the queue without spending a retry (a clean
        shutdown); it resumes from its checkpoint."""
        self._call(self._native.release_job, _text(batch_id, "batch_id", False),
                   _text(worker_id, "worker_id", False))

    # -- for hosts that address and alert on jobs themselves -------------------

    def claim_batch(self, batch_id: str, worker_id: str) -> Optional[Job]:
        """Claim that one job for ``worker_id`` atomically, as claim_job()
        claims the next: None when it is not claimable now (not queued, a
        retry not yet due, claimed meanwhile); NotFoundError when absent."""
        text = self._call(self._native.claim_batch, _text(batch_id, "batch_id", False),
                          _text(worker_id, "worker_id", False))
        return None if text is None else Job.from_dict(_loads(text))

    def get_job_by_id(self, id: int) -> Job:
        """The job with this numeric id (import_jobs.id); NotFoundError when
        there is none, InvalidError for an id below 1."""
        return Job.from_dict(_loads(self._call(self._native.get_job_by_id, _int(id, "id"))))

    def delete_job(self, batch_id: str) -> None:
        """Delete one job and its attempts (StateError while it is
        processing). Its readings stay; its file is left to cleanup()."""
        self._call(self._native.delete_job, _text(batch_id, "batch_id", False))

    def mark_alert_sent(self, batch_id: str) -> None:
        """Record that a failed job's alert went out, once: StateError when
        it is not failed or was marked already."""
        self._call(self._native.mark_alert_sent, _text(batch_id, "batch_id", False))

    def list_alert_pending(self, limit: int = 10) -> List[Job]:
        """Failed jobs whose alert has not gone out, the longest failed first."""
        rows = _loads(self._call(self._native.list_alert_pending, _int(limit, "limit")))
        return [Job.from_dict(row) for row in rows]

    def host_user(self, id: int) -> Optional[Dict[str, Any]]:
        """The host application's user ``id`` (a job's ``user_id``) from the
        ``users`` table it keeps in the store's database (the PHP
        application's MySQL database, adopted in place): ``{"id", "name",
        "email"}``, None for a NULL column. None when no row has that id, or
        when the store has no such table to read (SQLite and PostgreSQL
        never do). InvalidError for an id below 1."""
        text = self._call(self._native.host_user, _int(id, "id"))
        return None if text is None else _loads(text)

    # -- ingestion, aggregation, quality, monitoring, cleanup -----------------

    def ingest(self, path: PathLike, import_type: Optional[str] = None, dry_run: bool = False, *,
               unknown_meters: Optional[str] = None, negatives: Optional[str] = None,
               overwrite_actual: bool = False, month_first: bool = False,
               interval_end: bool = False, batch_size: int = 0,
               progress: Optional[ProgressCallback] = None, profile: Optional[PathLike] = None,
               meter: Optional[str] = None, clock: Optional[str] = None) -> IngestReport:
        """Import a CSV file now, without a job.

        ``unknown_meters`` is "create" (default), "reject-row" or
        "reject-file", ``negatives`` "accept" (default) or "reject";
        ``batch_size`` 0 takes ``ECLECTYC_BATCH_SIZE`` (else 5000).

        ``progress(processed, total, imported, failed)`` is called between
        batches; a truthy return stops the import (:class:`CancelledError`),
        and an exception it raises stops it and propagates. Batches committed
        before the stop stay.
        """
        text = self._call(
            self._native.ingest,
            _path(path, "path"), _text(import_type, "import_type"), int(bool(dry_run)),
            _text(unknown_meters, "unknown_meters"), _text(negatives, "negatives"),
            int(bool(overwrite_actual)), int(bool(month_first)), int(bool(interval_end)),
            _int(batch_size, "batch_size"), _callback(progress, "progress"),
            _path(profile, "profile", optional=True), _text(meter, "meter"), _text(clock, "clock"))
        return IngestReport.from_dict(_loads(text))

    def aggregate(self, range: str = "daily", date: Optional[DateLike] = None,
                  until: Optional[DateLike] = None) -> Dict[str, Any]:
        """Compute one range ("daily", "weekly", "monthly", "annual") for the
        period holding ``date`` (default yesterday, Europe/London), or every
        period up to ``until``. Returns the run's report."""
        return _loads(self._call(self._native.aggregate, _text(range, "range"),
                                 _date(date, "date"), _date(until, "until")))

    def quality(self, date: Optional[DateLike] = None, mpan: Optional[str] = None,
                record: bool = True) -> Dict[str, Any]:
        """Check one day's readings (default yesterday); ``record`` stores the
        issues found."""
        return _loads(self._call(self._native.quality, _date(date, "date"),
                                 _text(mpan, "mpan"), int(bool(record))))

    def health(self, stuck_minutes: Optional[int] = None,
               backlog_threshold: Optional[int] = None, handle_stuck: bool = False,
               send_alerts: bool = False, window_hours: Optional[int] = None) -> Dict[str, Any]:
        """``{"status", "metrics", "alerts", ...}``; None thresholds (and
        ``window_hours``, the span of the metrics, failure rate and retry
        statistics) take the defaults."""
        return _loads(self._call(
            self._native.health,
            0 if stuck_minutes is None else _int(stuck_minutes, "stuck_minutes"),
            0 if backlog_threshold is None else _int(backlog_threshold, "backlog_threshold"),
            int(bool(handle_stuck)), int(bool(send_alerts)),
            0 if window_hours is None else _int(window_hours, "window_hours")))

    def cleanup(self, days: Optional[int] = None, dry_run: bool = False,
                storage_dir: Optional[PathLike] = None, files: bool = True) -> Dict[str, Any]:
        """Delete finished jobs older than ``days`` (None: the library's 30)
        and, unless ``files`` is False, orphaned files under ``storage_dir``
        (None: ``ECLECTYC_STORAGE_DIR`` as ``eclectyc cleanup`` takes it, or
        no file cleanup with ``config=False``); with ``dry_run``, only list
        them."""
        return _loads(self._call(self._native.cleanup, _or_default(days, "days"), int(bool(dry_run)),
                                 _path(storage_dir, "storage_dir", optional=True),
                                 int(bool(files))))

    def executions(self, limit: int = 50) -> List[Dict[str, Any]]:
        """The latest aggregation runs (scheduler_executions), newest first."""
        return _loads(self._call(self._native.executions, _int(limit, "limit")))

    # -- alerting ------------------------------------------------------------

    def configure_alerting(self, env_file: Optional[PathLike] = None) -> None:
        """Set up the alert channels from a .env file (or None) and the environment."""
        self._call(self._native.configure_alerting,
                   _path(env_file, "env_file", optional=True))

    def send_alert(self, type: str, severity: str, subject: str, body: str,
                   key: Optional[str] = None) -> Dict[str, Any]:
        """Send an alert through the configured channels; returns each
        channel's outcome."""
        return _loads(self._call(
            self._native.alert_send,
            _text(type, "type", False), _text(severity, "severity", False),
            _text(subject, "subject", False), _text(body, "body", False), _text(key, "key")))


# ---- job handlers --------------------------------------------------------------

_REPORT_KEYS = ("processed", "imported", "failed", "total", "summary")


def _handler_report(type_name: str, report: Any) -> Dict[str, Any]:
    """A handler's return value as the report the C side reads; a wrong one
    raises InvalidError (the job fails for good, naming the fault)."""
    if report is None:
        return {}
    if not isinstance(report, Mapping):
        raise InvalidError(f"the {type_name} handler must return None or a mapping with "
                           f"{', '.join(_REPORT_KEYS)}, not {type(report).__name__}")
    for key, value in report.items():
        if key not in _REPORT_KEYS:
            raise InvalidError(f"the {type_name} handler returned an unknown key {key!r} "
                               f"({', '.join(_REPORT_KEYS)})")
        if key == "summary":
            fine = value is None or isinstance(value, Mapping)
        else:
            fine = (value is None and key == "total") or (isinstance(value, int)
                                                          and not isinstance(value, bool))
        if not fine:
            raise InvalidError(f"the {type_name} handler's {key!r} must be "
                               f"{'a dict or None' if key == 'summary' else 'an int'}, "
                               f"not {type(value).__name__}")
    out = dict(report)
    if out.get("summary") is not None:
        out["summary"] = dict(out["summary"])
    return out


def _handler_failure(exc: Exception) -> str:
    """The failure report of what a handler raised: the code picks
    permanent or transient (binding.h)."""
    if isinstance(exc, EclectycError):
        code = getattr(exc, "code", ERROR)
    elif isinstance(exc, ValueError):
        code = EINVALID
    else:
        code = ERROR
    return json.dumps({"error": code, "message": str(exc) or type(exc).__name__})


def _job_handler(type_name: str, handler: Callable[[Job], Any]) -> Callable[[str], str]:
    """The native callable for ``handler``: the job's JSON text in, its
    report as JSON text out. Only a BaseException that is not an Exception
    escapes (the C side hands the job back and lets it propagate)."""
    def run(job_json: str) -> str:
        try:
            report = _handler_report(type_name, handler(Job.from_dict(json.loads(job_json))))
            try:
                return json.dumps(report)
            except (TypeError, ValueError) as exc:
                raise InvalidError(f"the {type_name} handler's report cannot be stored as "
                                   f"JSON: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - every failure is the job's
            return _handler_failure(exc)
    return run


# ---- workers ------------------------------------------------------------------

class Worker:
    """Claims due jobs from a store and imports them.

    ``progress(processed, total, imported, failed)`` is called between
    batches of each import; a truthy return or an exception stops the worker:
    the job in hand goes back to the queue at its checkpoint (no retry spent)
    and the exception, if any, propagates from :meth:`process`.

    The worker takes the store's configured options (``ECLECTYC_BATCH_SIZE``,
    ``ECLECTYC_AGGREGATE_AFTER_IMPORT`` unless ``aggregate_after_import`` is
    given, the peak window).

    A stopped worker (:meth:`stop`, or its callback) stays stopped; create a
    new one to go on.
    """

    def __init__(self, store: Store, worker_id: Optional[str] = None,
                 aggregate_after_import: Optional[bool] = None,
                 progress: Optional[ProgressCallback] = None) -> None:
        if not isinstance(store, Store):
            raise TypeError(f"store must be an eclectyc.Store, not {type(store).__name__}")
        self._store = store
        self._stopped = False
        self._native = _native.Worker(store._native, _text(worker_id, "worker_id"),
                                      _DEFAULT if aggregate_after_import is None
                                      else int(bool(aggregate_after_import)),
                                      _callback(progress, "progress"))

    @property
    def id(self) -> str:
        """The id recorded on the jobs it claims (default hostname:pid)."""
        return self._native.id()

    @property
    def store(self) -> Store:
        return self._store

    @property
    def stopped(self) -> bool:
        """True once stop() was called or an import was stopped by the callback."""
        return self._stopped

    def process(self, limit: int = 10) -> WorkerReport:
        """Claim and process up to ``limit`` (>= 1) due jobs, one after another."""
        text = self._store._call(self._native.process, _int(limit, "limit"))
        report = WorkerReport.from_dict(_loads(text))
        if report.released:
            self._stopped = True
        return report

    def stop(self) -> None:
        """Ask the worker to stop: safe from a signal handler or a callback;
        the import in hand stops at its next batch and is handed back."""
        self._stopped = True
        self._native.stop()

    def run(self, poll_interval: float = 5.0, limit: int = 10,
            on_report: Optional[Callable[[WorkerReport], Any]] = None) -> WorkerReport:
        """Process jobs until :meth:`stop`, sleeping ``poll_interval`` seconds
        while the queue is empty. Returns the totals."""
        totals = WorkerReport()
        while not self._stopped:
            report = self.process(limit)
            totals = WorkerReport(*(a + b for a, b in zip(dataclasses.astuple(totals),
                                                          dataclasses.astuple(report))))
            if on_report is not None:
                on_report(report)
            if report.claimed == 0:
                deadline = time.monotonic() + poll_interval
                while not self._stopped and time.monotonic() < deadline:
                    time.sleep(min(0.1, poll_interval))
        return totals

    def __repr__(self) -> str:
        return f"<eclectyc.Worker {self.id!r} on {self._store.masked_uri!r}>"
