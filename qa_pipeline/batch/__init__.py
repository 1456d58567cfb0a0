"""The nightly batch: find recordings, score them in parallel, store every call."""

from .discover import Discovery, Job, discover
from .runner import BatchOptions, BatchSummary, Event, default_workers, run_batch

__all__ = ["BatchOptions", "BatchSummary", "Discovery", "Event", "Job", "default_workers", "discover", "run_batch"]
