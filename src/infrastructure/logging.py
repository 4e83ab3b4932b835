"""Loguru logging: to stderr and to rotated, compressed files under `logs/`.

Every line carries the id of the request it belongs to (`-` outside requests); the standard
library's loggers (uvicorn, gunicorn, SQLAlchemy) are routed through loguru too.
"""

import gzip
import inspect
import logging
import re
import shutil
import sys
import threading
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from loguru import logger
from pydantic import ByteSize, TypeAdapter

from src.config.settings import LogSettings

if TYPE_CHECKING:
    from types import FrameType

    from loguru import Record

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Times in UTC, formatted by `strftime`: loguru's own tokens (`YYYY-MM-DD…`) are formatted
# field by field in Python, which cost more than the rest of writing the line.
LINE_FORMAT = (
    "{time:%Y-%m-%dT%H:%M:%S.%fZ!UTC} | {level: <8} | {extra[request_id]} | "
    "{name}:{function}:{line} - {message}"
)


def _add_request_id(record: "Record") -> None:
    record["extra"].setdefault("request_id", request_id_var.get())


class _InterceptHandler(logging.Handler):
    """Sends standard-library log records to loguru, keeping the caller's location."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame: FrameType | None = inspect.currentframe()
        depth = 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame, depth = frame.f_back, depth + 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


class SizeRotation:
    """Rotate a log file once it passes `limit` bytes, for loguru's `rotation=`.

    Loguru's own size rotation asks the file for its size (a seek and a tell, two system
    calls) before every line. This asks every `check_every` bytes written, and whenever the
    file is new: a file can pass its limit by that much at most, and lines that other worker
    processes append to the same file are counted at the next check.
    """

    def __init__(self, limit: int, *, check_every: int = 64 * 1024) -> None:
        self.limit = limit
        self.check_every = check_every
        self._file: TextIO | None = None
        self._unchecked = 0

    def __call__(self, message: str, file: TextIO) -> bool:
        self._unchecked += len(message)
        if file is self._file and self._unchecked < self.check_every:
            return False
        self._file, self._unchecked = file, 0
        file.seek(0, 2)
        return file.tell() + len(message) > self.limit


def compress_in_background(path: str) -> None:
    """Gzip a rotated log file on a thread of its own, for loguru's `compression=`.

    Loguru compresses in the thread whose line set off the rotation, which in a worker is
    the event loop: a 15 MB file took 0.35 s, a stall for every request in flight. The
    thread is not a daemon, so a stopping worker finishes the file before it exits.
    """
    threading.Thread(target=_gzip, args=(Path(path),), name="log-compression").start()


def _gzip(path: Path) -> None:
    """`path` to `path.gz`; the original is removed only once the copy is whole."""
    partial = path.with_name(path.name + ".gz.partial")
    try:
        with path.open("rb") as source, gzip.open(partial, "wb") as target:
            shutil.copyfileobj(source, target)
        partial.replace(path.with_name(path.name + ".gz"))
        path.unlink()
    except OSError:
        partial.unlink(missing_ok=True)
        logger.opt(exception=True).warning("could not compress {}; it stays as it is", path)


_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*[kmgt]?i?b\s*", re.IGNORECASE)


def _rotation(rotation: str) -> "str | SizeRotation":
    """A size ("20 MB") rotates with `SizeRotation`; anything else ("00:00", "1 week") is
    left to loguru."""
    if _SIZE.fullmatch(rotation) is None:
        return rotation
    return SizeRotation(TypeAdapter(ByteSize).validate_python(rotation))


def configure_logging(settings: LogSettings) -> None:
    """Install the sinks; safe to call more than once (each call replaces the last)."""
    logger.remove()
    logger.configure(patcher=_add_request_id)
    logger.add(
        sys.stderr,
        level=settings.level,
        format=LINE_FORMAT,
        serialize=settings.json_lines,
        backtrace=False,
        diagnose=False,
    )
    if settings.to_file:
        settings.directory.mkdir(parents=True, exist_ok=True)
        logger.add(
            settings.directory / "marketplace.log",
            level=settings.level,
            format=LINE_FORMAT,
            serialize=settings.json_lines,
            rotation=_rotation(settings.rotation),
            retention=settings.retention,
            compression=compress_in_background,
            # No `enqueue`: each worker configures its own sinks, so loguru's queue would not
            # coordinate processes anyway, and pickling every record cost a tenth of a request.
            backtrace=False,
            diagnose=False,  # never print variable values: they may hold secrets
        )
    logging.basicConfig(handlers=[_InterceptHandler()], level=settings.level, force=True)
    # aiosqlite's debug lines repeat every statement with its parameters (password hashes).
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error", "gunicorn.access"):
        logging.getLogger(name).handlers = [_InterceptHandler()]
        logging.getLogger(name).propagate = False
    # Our own middleware writes one access line per request, with its id.
    logging.getLogger("uvicorn.access").disabled = True
