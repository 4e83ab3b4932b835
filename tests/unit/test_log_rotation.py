"""Log files rotate by size without asking the file its size before every line."""

import gzip
import io
import threading
from pathlib import Path

import pytest
from loguru import logger

from src.config.settings import LogSettings
from src.infrastructure import logging as log_module
from src.infrastructure.logging import (
    SizeRotation,
    _rotation,
    compress_in_background,
    configure_logging,
)


class CountingFile(io.StringIO):
    """A file that counts how often it is asked where its end is."""

    seeks = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.seeks += 1
        return super().seek(offset, whence)


def test_the_file_is_asked_its_size_once_per_check_interval_not_per_line() -> None:
    rotation = SizeRotation(10_000, check_every=1_000)
    file = CountingFile()
    for _ in range(100):  # 5,000 characters
        line = "x" * 49 + "\n"
        assert rotation(line, file) is False
        file.write(line)
    assert 5 <= file.seeks <= 6  # the first line, then every 1,000 characters


def test_it_rotates_once_the_file_passes_its_limit() -> None:
    rotation = SizeRotation(1_000, check_every=100)
    file = CountingFile()
    rotated_at = None
    for _ in range(100):
        line = "x" * 49 + "\n"
        if rotation(line, file):
            rotated_at = file.tell()
            break
        file.write(line)
    assert rotated_at is not None
    assert 1_000 - 50 <= rotated_at <= 1_000 + 100  # past the limit by one interval at most


def test_lines_other_processes_append_are_counted_at_the_next_check() -> None:
    rotation = SizeRotation(1_000, check_every=100)
    file = CountingFile()
    assert rotation("first\n", file) is False
    file.write("y" * 2_000)  # another worker's lines, appended to the same file
    answers = [rotation("z" * 49 + "\n", file) for _ in range(3)]
    assert True in answers[:2]  # within 100 characters of ours


def test_a_new_file_is_measured_at_once() -> None:
    rotation = SizeRotation(1_000, check_every=100_000)
    assert rotation("a\n", CountingFile()) is False
    full = CountingFile("y" * 5_000)
    assert rotation("a\n", full) is True


@pytest.mark.parametrize(
    ("setting", "limit"),
    [("20 MB", 20_000_000), ("10 KiB", 10_240), ("500 b", 500), ("1.5 GB", 1_500_000_000)],
)
def test_a_size_setting_rotates_at_that_many_bytes(setting: str, limit: int) -> None:
    rotation = _rotation(setting)
    assert isinstance(rotation, SizeRotation)
    assert rotation.limit == limit


@pytest.mark.parametrize("setting", ["00:00", "1 week", "daily", "monday at 12:00"])
def test_other_settings_are_left_to_loguru(setting: str) -> None:
    assert _rotation(setting) == setting


def test_loguru_rotates_the_files_at_the_limit(tmp_path: Path) -> None:
    sink = logger.add(
        tmp_path / "app.log", format="{message}", rotation=SizeRotation(2_000, check_every=200)
    )
    try:
        for number in range(200):
            logger.info("line {:04d} {}", number, "x" * 40)
    finally:
        logger.remove(sink)
    files = sorted(tmp_path.glob("app*.log"))
    assert len(files) >= 4
    assert all(file.stat().st_size <= 2_000 + 200 + 50 for file in files)
    lines = [line for file in files for line in file.read_text().splitlines()]
    assert sorted(lines) == sorted(f"line {number:04d} {'x' * 40}" for number in range(200))


def _join_compressions() -> None:
    for thread in threading.enumerate():
        if thread.name == "log-compression":
            thread.join(timeout=10)


def test_a_rotated_file_is_compressed_off_the_writing_thread_then_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rotated = tmp_path / "marketplace.2026-12-01_10-00-00_000000.log"
    text = "".join(f"2026-12-01T10:00:00Z | INFO | line {i}\n" for i in range(20_000))
    rotated.write_text(text)
    compressed_on: list[threading.Thread] = []

    def spy(path: Path) -> None:
        compressed_on.append(threading.current_thread())
        real_gzip(path)

    real_gzip = log_module._gzip
    monkeypatch.setattr(log_module, "_gzip", spy)
    compress_in_background(str(rotated))
    _join_compressions()

    assert compressed_on
    assert compressed_on[0] is not threading.current_thread()
    assert sorted(tmp_path.iterdir()) == [tmp_path / (rotated.name + ".gz")]
    assert gzip.decompress((tmp_path / (rotated.name + ".gz")).read_bytes()).decode() == text


def test_a_file_that_cannot_be_compressed_is_left_as_it_is(tmp_path: Path) -> None:
    missing = tmp_path / "marketplace.gone.log"
    messages: list[str] = []
    sink = logger.add(messages.append, level="WARNING", format="{message}")
    try:
        compress_in_background(str(missing))
        _join_compressions()
    finally:
        logger.remove(sink)
    assert list(tmp_path.iterdir()) == []  # no partial copy left behind
    assert any("could not compress" in message for message in messages)


def test_the_log_sink_rotates_by_size_and_compresses_what_it_rotated(tmp_path: Path) -> None:
    configure_logging(LogSettings(directory=tmp_path, rotation="16 KB"))
    try:
        for i in range(2_000):  # about 200 KB of lines: checked every 64 KiB, so 2 rotations
            logger.info("request {} " + "x" * 40, i)
        _join_compressions()
    finally:
        logger.remove()
    archives = sorted(tmp_path.glob("marketplace.*.log.gz"))
    assert len(archives) >= 2
    assert sorted(tmp_path.glob("marketplace.*.log")) == []  # none left uncompressed
    logged = "".join(gzip.decompress(archive.read_bytes()).decode() for archive in archives)
    logged += (tmp_path / "marketplace.log").read_text()
    assert [f"request {i} " in logged for i in (0, 999, 1_999)] == [True, True, True]
