"""Great Expectations in a process of its own, started before it is needed.

Importing GX takes 3-4 s of one core, and rendering a validation's Data Docs pages about 1.5 s;
in a one-dump run both sat on the run's critical path (the in-process executor does one thing
at a time). A ``ValidationWorker`` is a child Python process that imports GX as soon as it is
started, on the machine's other core, while the parent imports Dagster and ingests; it then
validates on request (``validate``: the same ``pipelines.quality.validate`` code, its outcome
sent back as plain data) and renders the Data Docs pages *after* it has answered, while the
parent goes on with dbt or the report. Requests are served one at a time, in order, so the
pages of one validation are written before the next one starts; ``close`` waits for the last.

The worker reads the warehouse only inside ``validate`` (under the warehouse's writer lock,
read-only, its connections closed before it answers), so DuckDB's one-writer rule holds as
before. ``papertrends run`` starts one before it imports Dagster (``start_early``); a run that
needs the checks takes that one, or starts its own (``QualityFolder``'s set-up).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import Any

from pipelines.errors import PapertrendsError

# How long ``close`` waits for the worker to finish the pages it is rendering.
CLOSE_WAIT_SECONDS = 120.0


class ValidationWorkerFailed(PapertrendsError):
    """The validation worker stopped before it answered (killed, out of memory)."""


class ValidationWorker:
    """A child process with Great Expectations imported, validating on request."""

    def __init__(self) -> None:
        parent, child = Pipe()
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p),
        }
        self._conn: Connection = parent
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        try:
            self._process = subprocess.Popen(
                # -P: not the working directory first on sys.path (a folder named like a
                # package there would be imported instead)
                [sys.executable, "-P", "-m", "pipelines.quality.worker", str(child.fileno())],
                pass_fds=[child.fileno()],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # the outcome comes back through the pipe; what it says on stderr is read only
                # to say why it stopped (a file: a pipe nobody reads would block it when full)
                stderr=self._stderr,
            )
        except BaseException:
            parent.close()
            self._stderr.close()
            raise
        finally:
            child.close()
        self.used = False
        # a request sent and not answered (the run was interrupted while waiting): the worker
        # is then stopped rather than reused or waited for
        self._in_flight = False

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        return self._process.poll() is None

    @property
    def reusable(self) -> bool:
        """Running, and not in the middle of a request nobody waits for any more."""
        return self.running() and not self._in_flight

    def validate(self, **kwargs: Any):
        """``pipelines.quality.validate.validate(**kwargs)`` in the worker; the Data Docs pages
        of this validation are rendered after the answer (``close`` waits for them)."""
        self.used = True
        self._in_flight = True
        try:
            self._conn.send(kwargs)
            ok, value = self._conn.recv()
            self._in_flight = False
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            try:  # its pipe closed: it is exiting, or has
                code = self._process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                code = None
            last = self._last_error_line()
            raise ValidationWorkerFailed(
                "the Great Expectations worker stopped before it answered"
                + (f" (exit code {code})" if code is not None else "")
                + (f": {last}" if last else "")
            ) from None
        if not ok:
            raise value
        return value

    def _last_error_line(self) -> str:
        """The last line the worker wrote on stderr (a traceback's last line is its error)."""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - 4096))
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1].strip() if lines else ""

    def close(self) -> list[str]:
        """Let the worker finish the pages it renders and exit; returns a line per rendering
        that failed. A worker that never validated is stopped at once (it may still be
        importing GX)."""
        errors: list[str] = []
        try:
            if self._process.poll() is not None:
                return errors
            if not self.used or self._in_flight:
                # still importing GX, or busy with an abandoned request: nothing to wait for
                self._process.kill()
                self._process.wait()
                return errors
            try:
                self._conn.send(None)
                if self._conn.poll(CLOSE_WAIT_SECONDS):
                    errors = self._conn.recv()
                self._process.wait(timeout=CLOSE_WAIT_SECONDS)
            except (EOFError, OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
            return [str(line) for line in errors] if isinstance(errors, list) else []
        finally:
            self._conn.close()
            self._stderr.close()


_early: ValidationWorker | None = None


def start_early() -> None:
    """Start a worker now, for the next run that validates in this process to take."""
    global _early
    if _early is None:
        _early = ValidationWorker()


def take_early() -> ValidationWorker | None:
    """The worker ``start_early`` started, if any (once): its caller closes it."""
    global _early
    worker, _early = _early, None
    return worker


def hand_back_early(worker: ValidationWorker) -> list[str]:
    """Give a taken early worker back when the run ends, for the process's next run; one that
    cannot be reused (stopped, or interrupted mid-request) is closed instead (its lines)."""
    global _early
    if worker.reusable:
        _early = worker
        return []
    return worker.close()


def close_early() -> list[str]:
    """Close the worker started early, once the runs that used it are over (it may still be
    rendering Data Docs pages); returns a line per rendering that failed."""
    worker = take_early()
    return worker.close() if worker is not None else []


def _serve(conn: Connection) -> None:
    """The worker's loop: import GX, then validate each request, answer, render its pages."""
    import warnings

    warnings.filterwarnings("ignore")
    from pipelines.quality import validate as validation

    validation.import_gx()  # what this process is for: the import, before any request
    docs_errors: list[str] = []
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the parent went away
            return
        if request is None:
            conn.send(docs_errors)
            return
        try:
            result, build_docs = validation.validate_then_docs(**request)
        except Exception as err:  # noqa: BLE001 - sent back to be raised in the parent
            _send_error(conn, err)
            continue
        conn.send((True, result))
        try:
            build_docs()
        except Exception as err:  # noqa: BLE001 - the outcome is sent: the parent logs this
            docs_errors.append(f"Data Docs not rendered: {type(err).__name__}: {err}")


def _send_error(conn: Connection, err: Exception) -> None:
    """Our own errors (one line for the user) go back as they are; anything else as its type
    and message (another library's exception may not unpickle in the parent, and unpickling a
    GX one would import GX there)."""
    if not isinstance(err, PapertrendsError):
        err = RuntimeError(f"{type(err).__name__}: {err}")
    try:
        conn.send((False, err))
    except Exception:  # noqa: BLE001 - one that does not pickle: its line instead
        conn.send((False, RuntimeError(f"{type(err).__name__}: {err}")))


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the parent reports it
    with contextlib.suppress(KeyboardInterrupt):
        _serve(Connection(int(sys.argv[1])))
