"""The README's two commands are the ones CI runs, and install the versions CI tested."""

import re
import tomllib
from importlib.metadata import version

from src.config.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
SET_UP = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -c constraints.txt -e '.[dev]'"
)
GATE_END = " && pytest"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _shell_lines(markdown: str) -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```", markdown, flags=re.DOTALL | re.MULTILINE)
    return [line for block in blocks for line in block.splitlines()]


def _readme_commands() -> list[str]:
    return [line for line in _shell_lines(README.read_text()) if line.startswith(SET_UP)]


def _pins() -> dict[str, str]:
    lines = (PROJECT_ROOT / "constraints.txt").read_text().splitlines()
    pairs = (line.split("==", 1) for line in lines if line and not line.startswith("#"))
    return {_normalized(name): pinned for name, pinned in pairs}


def _declared_dependencies() -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = (re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r) for r in requirements)
    return [match[0] for match in names if match]


def test_the_readme_sets_up_and_serves_and_runs_the_gate_on_the_constraints() -> None:
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert [c for c in commands if c.endswith(" && uvicorn src.main:app")], commands
    assert [c for c in commands if c.endswith(GATE_END)], commands


def test_ci_runs_exactly_the_readme_test_command() -> None:
    gate = next(c for c in _readme_commands() if c.endswith(GATE_END))
    assert gate in (PROJECT_ROOT / ".ci" / "run").read_text().splitlines()


def test_the_constraints_pin_the_installed_version_of_every_declared_dependency() -> None:
    pins = _pins()
    for name in _declared_dependencies():
        assert _normalized(name) in pins, f"constraints.txt has no {name}; refresh it (README)"
        assert version(name) == pins[_normalized(name)], (
            f"{name} {version(name)} is installed but constraints.txt pins "
            f"{pins[_normalized(name)]}: refresh it (README) or reinstall with it"
        )


def test_the_readme_stays_a_five_minute_read() -> None:
    assert len(README.read_bytes()) < 12_000
