# Type hints for the eclectyc package (PEP 561: see py.typed).
import datetime
import logging
import os
from typing import Any, Callable, ClassVar, Dict, List, Mapping, Optional, Sequence, Union

from . import native as native

__version__: str
__all__: List[str]

def version() -> str: ...
def mask_uri(uri: str) -> str: ...
def profiles(profile_dir: Optional[PathLike] = ...) -> List[Dict[str, Any]]: ...
def profile(name: PathLike, profile_dir: Optional[PathLike] = ...) -> Dict[str, Any]: ...
def detect(path: PathLike, profile: Optional[PathLike] = ..., meter: Optional[str] = ...,
           clock: Optional[str] = ..., rows: int = ..., month_first: bool = ...,
           interval_end: bool = ..., profile_dir: Optional[PathLike] = ...) -> Dict[str, Any]: ...

# ---- errors -------------------------------------------------------------------

class EclectycError(Exception):
    """A libeclectyc call failed; `code` is its ECL_E* status code."""
    code: int

class InvalidError(EclectycError): ...
class OutOfMemoryError(EclectycError): ...
class NotFoundError(EclectycError): ...
class ExistsError(EclectycError): ...
class StateError(EclectycError): ...
class NotSupportedError(EclectycError): ...
class StorageIOError(EclectycError): ...
class BusyError(EclectycError): ...
class SchemaError(EclectycError): ...
class DatabaseError(EclectycError): ...
class CancelledError(EclectycError): ...
class ParseError(EclectycError): ...

ERROR: int
EINVALID: int
ENOMEM: int
ENOTFOUND: int
EEXISTS: int
ESTATE: int
ENOTSUPPORTED: int
EIO: int
EBUSY: int
ESCHEMA: int
EDB: int
ECANCELLED: int
EPARSE: int

LOG_DEBUG: int
LOG_INFO: int
LOG_WARN: int
LOG_ERROR: int
LOG_NONE: int

# (processed, total, imported, failed) -> truthy to stop
ProgressCallback = Callable[[int, int, int, int], Any]
# (level, message)
LogCallback = Callable[[int, str], Any]
# (job) -> None or {"processed", "imported", "failed", "total", "summary"}
JobHandler = Callable[[Job], Optional[Mapping[str, Any]]]
PathLike = Union[str, os.PathLike[str]]
DateLike = Union[str, datetime.date]

# ---- records -------------------------------------------------------------------

class Job:
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
    queued_at: Optional[datetime.datetime]
    started_at: Optional[datetime.datetime]
    completed_at: Optional[datetime.datetime]
    error_message: Optional[str]
    summary: Optional[Dict[str, Any]]
    retry_count: int
    max_retries: int
    retry_at: Optional[datetime.datetime]
    last_error: Optional[str]
    notes: Optional[str]
    priority: str
    tags: List[str]
    metadata: Dict[str, Any]
    alert_sent: bool
    alert_sent_at: Optional[datetime.datetime]
    worker_id: Optional[str]
    heartbeat_at: Optional[datetime.datetime]
    cancel_requested: bool
    checkpoint: int
    file_sha256: Optional[str]
    error_class: Optional[str]
    progress_percent: float
    import_profile: Optional[str]
    import_meter: Optional[str]
    import_clock: Optional[str]
    file_size: Optional[int]
    file_mtime: Optional[datetime.datetime]
    file_inode: Optional[int]
    extra: Dict[str, Any]
    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Job: ...
    @property
    def finished(self) -> bool: ...
    def as_dict(self) -> Dict[str, Any]: ...

class JobAttempt:
    attempt: int
    worker_id: Optional[str]
    started_at: Optional[datetime.datetime]
    ended_at: Optional[datetime.datetime]
    outcome: str
    error_message: Optional[str]
    error_class: Optional[str]
    processed_rows: int
    imported_rows: int
    failed_rows: int
    extra: Dict[str, Any]
    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> JobAttempt: ...
    @property
    def running(self) -> bool: ...
    def as_dict(self) -> Dict[str, Any]: ...

class IngestReport:
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
    profile: str
    records_skipped: int
    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IngestReport: ...
    @property
    def errors(self) -> List[str]: ...

class WorkerReport:
    claimed: int
    completed: int
    failed: int
    requeued: int
    cancelled: int
    released: int
    def __init__(self, claimed: int = ..., completed: int = ..., failed: int = ...,
                 requeued: int = ..., cancelled: int = ..., released: int = ...) -> None: ...
    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WorkerReport: ...

# ---- handles -------------------------------------------------------------------

class Store:
    def __init__(self, uri: Union[str, os.PathLike[str], None] = ..., *, migrate: bool = ...,
                 log: Union[LogCallback, logging.Logger, None] = ...,
                 log_level: Union[int, str, None] = ..., config: bool = ...,
                 env_file: Optional[PathLike] = ...) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: Any) -> None: ...
    @property
    def uri(self) -> str: ...
    @property
    def masked_uri(self) -> str: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def backend(self) -> Optional[str]: ...
    def migrate(self) -> None: ...
    def settings(self) -> Dict[str, Any]: ...
    def schema(self) -> Dict[str, Any]: ...
    def create_job(self, filename: Optional[str] = ..., file_path: Optional[PathLike] = ...,
                   import_type: Optional[str] = ..., user_id: Optional[int] = ..., dry_run: bool = ...,
                   notes: Optional[str] = ..., priority: Optional[str] = ...,
                   tags: Optional[Sequence[str]] = ...,
                   metadata: Optional[Mapping[str, Any]] = ...,
                   max_retries: Optional[int] = ..., *, profile: Optional[PathLike] = ...,
                   meter: Optional[str] = ..., clock: Optional[str] = ...) -> str: ...
    def get_job(self, batch_id: str) -> Job: ...
    def list_jobs(self, status: Optional[str] = ..., limit: Optional[int] = ...,
                  priority: Optional[str] = ...) -> List[Job]: ...
    def job_counts(self) -> Dict[str, int]: ...
    def job_attempts(self, batch_id: str) -> List[JobAttempt]: ...
    def retry_job(self, batch_id: str, delay: Union[int, datetime.timedelta] = ...) -> None: ...
    def cancel_job(self, batch_id: str) -> None: ...
    def set_job_handler(self, import_type: str,
                        handler: Optional[JobHandler]) -> None: ...
    def claim_job(self, worker_id: str) -> Optional[Job]: ...
    def heartbeat(self, batch_id: str, worker_id: str) -> None: ...
    def update_progress(self, batch_id: str, worker_id: str, processed: int, imported: int,
                        failed: int, total: Optional[int] = ...,
                        checkpoint: Optional[int] = ...) -> None: ...
    def complete_job(self, batch_id: str, worker_id: str,
                     summary: Optional[Mapping[str, Any]] = ...,
                     processed: Optional[int] = ..., imported: int = ..., failed: int = ...,
                     total: Optional[int] = ...) -> None: ...
    def fail_job(self, batch_id: str, worker_id: str, message: str,
                 permanent: bool = ...) -> str: ...
    def release_job(self, batch_id: str, worker_id: str) -> None: ...
    def claim_batch(self, batch_id: str, worker_id: str) -> Optional[Job]: ...
    def get_job_by_id(self, id: int) -> Job: ...
    def delete_job(self, batch_id: str) -> None: ...
    def mark_alert_sent(self, batch_id: str) -> None: ...
    def list_alert_pending(self, limit: int = ...) -> List[Job]: ...
    def host_user(self, id: int) -> Optional[Dict[str, Any]]: ...
    def ingest(self, path: PathLike, import_type: Optional[str] = ..., dry_run: bool = ..., *,
               unknown_meters: Optional[str] = ..., negatives: Optional[str] = ..., overwrite_actual: bool = ...,
               month_first: bool = ..., interval_end: bool = ..., batch_size: int = ...,
               progress: Optional[ProgressCallback] = ..., profile: Optional[PathLike] = ...,
               meter: Optional[str] = ..., clock: Optional[str] = ...) -> IngestReport: ...
    def aggregate(self, range: str = ..., date: Optional[DateLike] = ...,
                  until: Optional[DateLike] = ...) -> Dict[str, Any]: ...
    def quality(self, date: Optional[DateLike] = ..., mpan: Optional[str] = ...,
                record: bool = ...) -> Dict[str, Any]: ...
    def health(self, stuck_minutes: Optional[int] = ..., backlog_threshold: Optional[int] = ...,
               handle_stuck: bool = ..., send_alerts: bool = ...,
               window_hours: Optional[int] = ...) -> Dict[str, Any]: ...
    def cleanup(self, days: Optional[int] = ..., dry_run: bool = ...,
                storage_dir: Optional[PathLike] = ..., files: bool = ...) -> Dict[str, Any]: ...
    def executions(self, limit: int = ...) -> List[Dict[str, Any]]: ...
    def configure_alerting(self, env_file: Optional[PathLike] = ...) -> None: ...
    def send_alert(self, type: str, severity: str, subject: str, body: str,
                   key: Optional[str] = ...) -> Dict[str, Any]: ...

class Worker:
    def __init__(self, store: Store, worker_id: Optional[str] = ...,
                 aggregate_after_import: Optional[bool] = ...,
                 progress: Optional[ProgressCallback] = ...) -> None: ...
    @property
    def id(self) -> str: ...
    @property
    def store(self) -> Store: ...
    @property
    def stopped(self) -> bool: ...
    def process(self, limit: int = ...) -> WorkerReport: ...
    def stop(self) -> None: ...
    def run(self, poll_interval: float = ..., limit: int = ...,
            on_report: Optional[Callable[[WorkerReport], Any]] = ...) -> WorkerReport: ...
