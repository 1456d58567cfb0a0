"""``run_batch``: score every job on a local process pool or a Dask cluster, store each call as it lands.

Nothing is lost and nothing is duplicated: each call is written in one transaction keyed by
its call id, a call already stored with the same content hash, rules version and result key
(every option that changes a result and the model's files, see :mod:`.keys`) is skipped, and a
bad file is stored as ``failed`` with its error. A run that stops on an error is recorded as
``failed``, never ``finished``. A worker that dies (crash,
out of memory) takes only its own file down: the calls that were in flight with it are
retried one at a time, and the one that kills a worker again is recorded as failed.
"""

from __future__ import annotations

import collections
import os
import socket
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .. import __version__
from ..errors import ConfigError, QAError
from ..pipeline import PipelineOptions
from ..store import Store, call_rows, failure_row, utcnow
from .discover import Discovery, Job, Missing
from .keys import result_key
from .worker import cpu_count, host_cores, init_worker, score_job, warm

WORKER_MEMORY_GB = 1.8  # peak resident memory of one worker: 1.2 GB stereo (bench_batch.py), 1.8 GB with mono diarization (bench_diarize.py)


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch.

    Attributes
    ----------
    workers : worker processes on this machine (``None``: what the machine can take).
    scheduler : a Dask scheduler address (``tcp://host:8786``); ``None`` runs the local pool.
    rescore : score again calls already stored with the same audio, rules and model.
    store_sensitive : store unmasked transcripts and quotes (masked by default).
    queue_per_worker : calls handed to each worker ahead of time.
    """

    workers: int | None = None
    scheduler: str | None = None
    rescore: bool = False
    store_sensitive: bool = False
    queue_per_worker: int = 2


@dataclass
class BatchSummary:
    run_id: int = 0
    found: int = 0
    scored: int = 0
    skipped: int = 0
    failed: int = 0
    flagged: int = 0
    fatal: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0
    workers: int = 0
    where: str = "local"
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # call id, path, error
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def done(self) -> int:
        return self.scored + self.skipped + self.failed

    @property
    def x_realtime(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class Event:
    """Progress: one call ``scored``, ``failed`` or ``skipped`` (``info`` holds score/error/audio seconds)."""

    kind: str
    call_id: str
    rel: str
    summary: BatchSummary
    info: dict[str, Any] = field(default_factory=dict)


def default_workers() -> int:
    """One single-threaded worker per core, capped by available memory.

    Measured on 2 cores (bench/bench_batch.py): 2 workers × 1 thread run at 25× real time,
    1 worker × 2 threads at 16×: the model's second thread helps little, a second process a lot.
    """
    import psutil

    mem_gb = psutil.virtual_memory().available / 2**30
    return max(1, min(cpu_count(), int(mem_gb // WORKER_MEMORY_GB)))


def _mark_dead_runs(store: Store) -> None:
    """Runs on this host whose process is gone (killed) are marked ``killed``, not left ``running``."""
    import psutil

    for run_id, opts in store.running_runs(socket.gethostname()).items():
        pid = opts.get("pid")
        if pid and not psutil.pid_exists(int(pid)):
            store.update_run(run_id, status="killed")


class _Pool:
    """A local process pool that can be rebuilt after a worker dies, or a Dask client's executor."""

    def __init__(self, options: BatchOptions, pipeline: PipelineOptions, with_model: bool = True) -> None:
        self.options, self.pipeline, self.with_model = options, pipeline, with_model
        self.client = None
        if options.scheduler:
            self._connect()
        else:
            self.workers = options.workers or default_workers()
            if pipeline.asr.threads == 0:  # the model gets the cores divided by the workers
                self.pipeline = replace(pipeline, asr=replace(pipeline.asr, threads=max(1, cpu_count() // self.workers)))
            self._start_local()

    def _connect(self) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency
            raise ConfigError("--scheduler needs the 'distributed' package: pip install distributed") from None
        try:
            self.client = Client(self.options.scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {self.options.scheduler} ({exc}); "
                              "start it with `dask scheduler` and check host/port") from None
        self.workers = max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))
        if self.pipeline.asr.threads == 0:
            # Dask pins OMP_NUM_THREADS=1 in its workers; give the model the host's cores ÷ its worker processes
            hosts = list(self.client.run(host_cores).values())
            if hosts:
                per_host = collections.Counter(h for h, _ in hosts)
                threads = max(1, min(cores // per_host[h] for h, cores in hosts))
                self.pipeline = replace(self.pipeline, asr=replace(self.pipeline.asr, threads=threads))
        self.executor = self.client.get_executor(pure=False)
        self.where = f"dask {self.options.scheduler}"

    def _start_local(self) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.executor = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"), initializer=init_worker,
                                            initargs=(self.pipeline, os.getpid(), self.with_model))
        self.where = "local"

    def submit(self, job: Job) -> Future:
        pipeline = self.pipeline
        if job.meta.get("agent_channel", pipeline.agent_channel) != pipeline.agent_channel:
            pipeline = replace(pipeline, agent_channel=job.meta["agent_channel"])  # the manifest's, for this call
        return self.executor.submit(score_job, job.call_id, job.path, pipeline, self.options.store_sensitive,
                                    _direction(job.meta))

    def warm_up(self) -> None:
        """Load the model once before the night starts, so a missing model fails at once, not per call."""
        try:
            if self.client is not None:
                self.client.run(warm, self.pipeline, self.with_model)
            else:
                self.executor.submit(warm, self.pipeline, self.with_model).result()
        except QAError:
            raise
        except BrokenProcessPool:
            raise ConfigError("worker processes could not start; check memory and --workers") from None

    def restart(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)  # broken: its processes are gone, this is quick
        self._start_local()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.executor.shutdown(wait=False)  # dask's executor: no cancel_futures; wait=False cancels the rest
            finally:
                self.client.close()
            return
        # wait=True joins the pool's manager thread now; with wait=False it races the interpreter's exit hook,
        # which then prints "OSError: [Errno 9] Bad file descriptor" with a traceback after the summary.
        self.executor.shutdown(wait=True, cancel_futures=True)


def run_batch(discovery: Discovery, store: Store, pipeline: PipelineOptions | None = None,
              options: BatchOptions | None = None, *, source: str = "",
              on_event: Callable[[Event], None] | None = None) -> BatchSummary:
    """Score every job of ``discovery`` into ``store``; return the counts.

    Raises ``KeyboardInterrupt`` after recording the run as ``interrupted`` (what was stored stays).
    """
    from ..rules import load_rules
    from ..transcript_io import is_transcript

    pipeline = pipeline or PipelineOptions()
    options = options or BatchOptions()
    t0 = time.perf_counter()
    rules = load_rules(pipeline.rules_dir)
    has_audio = any(not is_transcript(j.path) for j in discovery.jobs)
    # what a stored result depends on besides its file and the rules: recordings and transcripts differ
    keys = {True: result_key(pipeline) if has_audio else None, False: result_key(pipeline, audio=False)}

    def key_of(path: str, meta: dict | None = None) -> str | None:
        side = (meta or {}).get("agent_channel")
        if path and side and side != pipeline.agent_channel and not is_transcript(path):
            return result_key(replace(pipeline, agent_channel=side))  # the manifest's side for this call
        return keys[not is_transcript(path)] if path else None

    summary = BatchSummary(found=len(discovery.jobs) + len(discovery.missing), warnings=list(discovery.warnings))
    _mark_dead_runs(store)
    states = store.call_states()
    run_options = {"pid": os.getpid(), "rescore": options.rescore, "store_sensitive": options.store_sensitive}
    summary.run_id = run_id = store.start_run(
        source=source, host=socket.gethostname(), qa_version=__version__, rules_version=rules.version,
        model_key=keys[True] or keys[False], scheduler=options.scheduler,
        options=run_options, n_found=summary.found)
    emit = on_event or (lambda e: None)

    def fail(job: Job | Missing, kind: str, error: str) -> None:
        """Store the call as failed, with its metadata and error; count and report it."""
        store.save_call(failure_row(job.call_id, job.path, kind=kind, error=error, size=job.size, meta=job.meta,
                                    run_id=run_id, model_key=key_of(job.path, job.meta), rules_version=rules.version))
        summary.failed += 1
        summary.failures.append((job.call_id, job.rel, error))
        emit(Event("failed", job.call_id, job.rel, summary, {"error": error, "kind": kind}))

    def record_missing() -> None:
        kept = 0
        for m in discovery.missing:
            state = states.get(m.call_id)
            if state and state[0] == "scored":  # scored on an earlier night, its file since gone: keep the result
                kept += 1
                summary.skipped += 1
                emit(Event("skipped", m.call_id, m.path, summary))
                continue
            fail(m, m.kind, m.reason)
        if kept:
            summary.warnings.append(f"{kept} call(s) have no readable recording under the folder (not there, or a "
                                    "broken link) but were scored before; their stored results are kept")

    def pending_jobs():
        for job in discovery.jobs:
            state = states.get(job.call_id)
            unchanged = state and state[2:] == (rules.version, key_of(job.path, job.meta))
            if unchanged and state[0] == "scored" and not options.rescore:
                try:
                    if job.sha256() == state[1]:
                        summary.skipped += 1
                        emit(Event("skipped", job.call_id, job.rel, summary))
                        continue
                except OSError:
                    pass  # unreadable now: let the worker report it
            yield job

    def store_result(job: Job, res: dict) -> None:
        if not res["ok"]:
            fail(job, res["kind"], res["error"])
            return
        report = res["report"]
        row, children = call_rows(report, path=job.path, size=job.size, sha256=res.get("sha256"), meta=job.meta,
                                  run_id=run_id, model_key=key_of(job.path, job.meta), processing_s=res.get("seconds"))
        store.save_call(row, children)
        summary.scored += 1
        summary.audio_s += float(report.get("duration_s") or 0.0)
        summary.flagged += bool(row["flagged"])
        summary.fatal += bool(row["fatal"])
        emit(Event("scored", job.call_id, job.rel, summary,
                   {"score": row["score"], "flagged": row["flagged"], "audio_s": row["duration_s"],
                    "seconds": res.get("seconds")}))

    status, pool = "finished", None
    try:
        record_missing()
        pool = _Pool(options, pipeline, with_model=has_audio)
        summary.workers, summary.where = pool.workers, pool.where
        store.update_run(run_id, workers=pool.workers, options={**run_options, "threads": pool.pipeline.asr.threads})
        pool.warm_up()
        jobs = pending_jobs()
        inflight: dict[Future, Job] = {}
        suspects: collections.deque[Job] = collections.deque()
        deaths: collections.Counter[str] = collections.Counter()  # worker deaths each call was in flight for
        exhausted = False
        while True:
            # a call being retried runs alone, up to its end: the last one too, not beside new calls
            retrying = suspects or any(deaths[j.call_id] for j in inflight.values())
            limit = 1 if retrying else pool.workers * options.queue_per_worker
            while len(inflight) < limit:
                job = suspects.popleft() if suspects else (None if exhausted else next(jobs, None))
                if job is None:
                    exhausted = exhausted or not suspects
                    break
                inflight[pool.submit(job)] = job
            if not inflight:
                break
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken: list[Job] = []
            for fut in done:
                job = inflight.pop(fut)
                try:
                    store_result(job, fut.result())
                except (BrokenProcessPool, CancelledError):
                    broken.append(job)
                except QAError:
                    raise
                except Exception as exc:  # noqa: BLE001 - e.g. dask's KilledWorker: this file, not the night
                    fail(job, type(exc).__name__,
                         f"{job.path}: the worker scoring this file died ({type(exc).__name__}: {exc})")
            if broken:
                for fut, job in list(inflight.items()):  # the rest of the pool went down with it
                    if fut.done() and not fut.cancelled() and fut.exception() is None:
                        store_result(job, fut.result())
                    else:
                        broken.append(job)
                inflight.clear()
                deaths.update(j.call_id for j in broken)
                if len(broken) == 1 and deaths[broken[0].call_id] > 1:  # killed a worker again, alone
                    j = broken[0]
                    fail(j, "WorkerCrash", f"{j.path}: the worker process died while scoring "
                         "this file (a crash in a decoder, or out of memory); the batch went on")
                else:
                    suspects.extend(broken)  # retried one at a time to find the one that kills workers
                pool.restart()
    except KeyboardInterrupt:
        status = "interrupted"
        summary.interrupted = True
        raise
    except BaseException as exc:  # the night stopped (a full disk, the database gone, a bug): not finished
        status = "failed"
        error = (str(exc).splitlines() or [""])[0] or type(exc).__name__
        run_options = {**run_options, "error": f"{type(exc).__name__}: {error}"}
        raise
    finally:
        try:
            if pool is not None:
                pool.close()
        finally:  # the run's row is closed even if shutting the pool down fails
            summary.wall_s = time.perf_counter() - t0
            try:
                store.update_run(run_id, status=status, finished_at=utcnow(), n_scored=summary.scored,
                                 n_skipped=summary.skipped, n_failed=summary.failed, n_flagged=summary.flagged,
                                 audio_s=summary.audio_s, wall_s=summary.wall_s,
                                 options={**run_options, "threads": (pool.pipeline if pool else pipeline).asr.threads})
            except QAError:
                if status == "finished":
                    raise
                # the store failed with the run (a full disk): the error on its way up says why; the next run
                # finds this one still 'running' with its process gone and marks it 'killed'
    return summary


def _direction(meta: dict | None) -> str | None:
    """The manifest's direction for the rules (``call: {direction: …}``); anything else counts as none."""
    d = (meta or {}).get("direction")
    return d if d in ("inbound", "outbound") else None
