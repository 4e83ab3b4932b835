"""Catalog benchmark: our endpoints against bare ceilings, on the same data and machine.

    python -m tests.benchmarks.bench_catalog                    # 100,000 products, SQLite
    python -m tests.benchmarks.bench_catalog --postgres-url postgresql+asyncpg://postgres@127.0.0.1/test

Seeds a catalog (through `seed.demo`), then drives real servers with wrk (Debian's `wrk`):
our app under one uvicorn worker pinned to one core (wrk on the other), beside the ceiling
routes of `tests/benchmarks/ceilings.py` served the same way, then our app under gunicorn
with two workers. Every figure is the median of `--runs` rounds, and each round drives every
endpoint in turn, ours and the ceilings alternating. With `--postgres-url` it also seeds
`--postgres-products` products into a fresh PostgreSQL database and compares the first page
of the listing with page 2,000 of the same walk. With `--baseline REV` an earlier commit of
the app, checked out into a temporary git worktree, serves the same SQLite database beside ours
(one core each in turn, in the same rounds), so a change's cost is read against what it changed.
"""

import argparse
import itertools
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy import make_url

from src.config.settings import PROJECT_ROOT
from tests.image_files import image_file

API = "/api/v1"
PORT = 8310
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 2xx/3xx, and connection errors
    timeouts: int  # requests wrk gave up on after 2 s


def parse_wrk(output: str) -> Figures:
    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {percentile}% latency in wrk output:\n{output}")
        return float(match[1]) * UNITS[match[2]]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise ValueError(f"no request rate in wrk output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(errors[1]) if errors else 0
    failed += sum(int(group) for group in socket.groups()[:3]) if socket else 0
    timeouts = int(socket[4]) if socket else 0
    return Figures(float(rate[1]), latency("50"), latency("99"), failed, timeouts)


def run_wrk(
    url: str, *, duration: int, connections: int, cpu: str | None, script: str | None = None
) -> Figures:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", script]
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return parse_wrk(output)


def median_of(runs: int, url: str, **options: object) -> Figures:
    return _median([run_wrk(url, **options) for _ in range(runs)])  # type: ignore[arg-type]


def _median(results: list[Figures]) -> Figures:
    return Figures(
        statistics.median(result.requests_per_second for result in results),
        statistics.median(result.p50_ms for result in results),
        statistics.median(result.p99_ms for result in results),
        sum(result.errors for result in results),
        sum(result.timeouts for result in results),
    )


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited during start-up: {process.args!r}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start: {process.args!r}")


def peak_memory_mib(pid: int) -> float:
    """The highest resident memory of a process so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@contextmanager
def server(
    command: list[str],
    environment: dict[str, str],
    ready_path: str,
    *,
    stderr: Path | None = None,
    port: int = PORT,
    root: Path = PROJECT_ROOT,
) -> Iterator[int]:
    """A server process, up and ready; its standard error goes to `stderr` when given. It
    imports the app from `root` (`python -m` puts its working directory first on the path)."""
    error_file = stderr.open("wb") if stderr is not None else None
    process = subprocess.Popen(
        command, cwd=root, env=environment,
        stdout=subprocess.DEVNULL, stderr=error_file or subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}{ready_path}", process)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        if error_file is not None:
            error_file.close()


def uvicorn(app: str, port: int = PORT) -> list[str]:
    return ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", app, "--port", str(port),
            "--no-access-log"]  # fmt: skip


def gunicorn(workers: int, app: str = "src.main:app") -> list[str]:
    return [sys.executable, "-m", "gunicorn", app, "-k", "uvicorn_worker.UvicornWorker",
            "-w", str(workers), "-b", f"127.0.0.1:{PORT}"]  # fmt: skip


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """An earlier commit of this repository, in a temporary git worktree."""
    with tempfile.TemporaryDirectory(prefix="marketplace-baseline-") as directory:
        tree = Path(directory) / "tree"
        git = ["git", "-C", str(PROJECT_ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", str(tree), revision], check=True,
                       capture_output=True)  # fmt: skip
        try:
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=True, capture_output=True)


def prepare(environment: dict[str, str], products: int) -> float:
    """Migrate and seed the database; returns the seconds seeding took."""
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True,
    )  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "seed.demo", "--products", str(products)],
        cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _walked_to(
    client: httpx.Client, pages: int, **params: str
) -> tuple[dict[str, object], str, int]:
    """The first page of a listing, and the cursor of its page `pages` (or of its last page,
    if it has fewer) with that page's number."""
    first = client.get(f"{API}/products", params={"limit": 20, **params}).json()
    cursor, reached = first["nextCursor"], 2
    while reached < pages:
        page = client.get(f"{API}/products", params={"limit": 20, "cursor": cursor, **params})
        if page.json()["nextCursor"] is None:
            break
        cursor, reached = page.json()["nextCursor"], reached + 1
    return first, cursor, reached


def listing_targets(base: str, pages: int, products: int) -> dict[str, str]:
    """Paths for one product, the first page, page `pages` of the walk, searches, and the
    first and page `pages` of the listing by rating (seed.demo rates some products)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        first, cursor, _ = _walked_to(client, pages)
        _, rated, _ = _walked_to(client, pages, sort="-rating")
        _, searched, reached = _walked_to(client, pages, q=COMMON_WORD)
    return {
        "GET /products/{id}": f"{API}/products/{first['items'][0]['id']}",  # type: ignore[index]
        "GET /products?limit=20 (page 1)": f"{API}/products?limit=20",
        f"GET /products?limit=20 (page {pages})": f"{API}/products?limit=20&cursor={cursor}",
        **search_targets(reached, products, searched),
        "GET /products?sort=-rating (page 1)": f"{API}/products?limit=20&sort=-rating",
        f"GET /products?sort=-rating (page {pages})": (
            f"{API}/products?limit=20&sort=-rating&cursor={rated}"
        ),
    }


# seed.demo titles products "<Adjective> <noun> <number>": a noun is in one title of nine, a
# number of a third of the catalog in one title alone (it starts no longer number).
COMMON_WORD = "lamp"
RARE = "GET /products?q=<a rare word>&limit=20"
COMMON = f"GET /products?q={COMMON_WORD}&limit=20 (page 1)"
COMMON_DEEP = f"GET /products?q={COMMON_WORD}&limit=20 (page "  # and its number


def search_targets(page: int, products: int, cursor: str) -> dict[str, str]:
    """A search for a word one product holds, and the first and `page` of a walk of a word
    many hold (both by relevance, the default with `q`)."""
    return {
        RARE: f"{API}/products?q={products // 3}&limit=20",
        COMMON: f"{API}/products?q={COMMON_WORD}&limit=20",
        f"{COMMON_DEEP}{page})": f"{API}/products?q={COMMON_WORD}&limit=20&cursor={cursor}",
    }


def print_search_costs(ours: dict[str, Figures]) -> None:
    """Searches against the first page without `q`, and a search's deep page against its first."""
    plain = ours["GET /products?limit=20 (page 1)"]
    searches = [(RARE, "q, a rare word", ">= 0.8x"),
                (COMMON, f"q={COMMON_WORD}, a common word", ">= 0.5x")]  # fmt: skip
    for name, label, target in searches:
        print(f"  {label + ' / first page':<44} {ratio(ours[name], plain):>7}   target {target}")
    # The walk stops at the word's last page if it has fewer than --pages.
    (name,) = [name for name in ours if name.startswith(COMMON_DEEP)]
    page = name.removeprefix(COMMON_DEEP).rstrip(")")
    cost = ours[COMMON].requests_per_second / ours[name].requests_per_second
    print(f"  {f'q page {page} cost / its first page cost':<44} {cost:>6.2f}x   target <= 1.2x")


RICH_CATEGORY = "bench-rich"


def rich_targets(base: str, count: int = 20) -> dict[str, str]:
    """`count` products as a storefront shows them at their richest: 3 options and 24
    variants each (4 sizes × 3 colours × 2 fits) and 5 pictures, listed by a seller of the
    benchmark's own."""
    with httpx.Client(base_url=base, timeout=30) as client:
        email = f"bench-{uuid4().hex[:8]}@example.com"
        account = {"email": email, "password": "benchmark-password", "fullName": "Bench",
                   "role": "seller"}  # fmt: skip
        client.post(f"{API}/auth/register", json=account).raise_for_status()
        login = client.post(
            f"{API}/auth/login", json={"email": email, "password": account["password"]}
        )
        headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        options = {"Size": ["S", "M", "L", "XL"], "Colour": ["Red", "Navy", "White"],
                   "Fit": ["Slim", "Regular"]}  # fmt: skip
        ids = []
        for index in range(count):
            combinations = [
                dict(zip(options, values, strict=True))
                for values in itertools.product(*options.values())
            ]
            body = {
                "title": f"Shirt {index}", "category": RICH_CATEGORY,
                "description": "A shirt in every size, colour and fit.",
                "options": [{"name": name, "values": values} for name, values in options.items()],
                "variants": [
                    {"sku": f"SH{index}-{n}", "options": chosen, "price": 2000 + n, "stock": n}
                    for n, chosen in enumerate(combinations)
                ],
            }  # fmt: skip
            created = client.post(f"{API}/products", headers=headers, json=body)
            created.raise_for_status()
            ids.append(created.json()["id"])
            for colour in ("red", "navy", "white", "grey", "black"):
                picture = {"file": ("shirt.png", image_file(colour=colour), "image/png")}
                client.post(
                    f"{API}/products/{ids[-1]}/images", headers=headers, files=picture
                ).raise_for_status()
    return {
        "GET /products/{id}, 24 variants, 5 images": f"{API}/products/{ids[0]}",
        "GET /products?limit=20, 24 variants, 5 images each": (
            f"{API}/products?limit=20&category={RICH_CATEGORY}"
        ),
    }


PLAIN_CATEGORY_PAGE = "GET /products?category=…&limit=20, plain"


def measure_rich(
    base: str, targets: dict[str, str], options: dict[str, object], runs: int
) -> dict[str, Figures]:
    """Rich products against plain ones, after the other figures (new products would take the
    first page of the newest-first listing): a product by id, and a category's first page,
    of the seeded plain products and of the rich ones (the same statement for both)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        category = client.get(f"{API}/categories").json()["items"][0]["name"]
    plain = {
        "GET /products/{id}": targets["GET /products/{id}"],
        PLAIN_CATEGORY_PAGE: f"{API}/products?limit=20&category={category}",
    }
    figures = measure(at(PORT, plain | rich_targets(base)), options, runs)
    report("Rich products (3 options, 24 variants, 5 images) against plain ones", figures)
    return figures


def print_rich_costs(figures: dict[str, Figures]) -> None:
    """Products at their richest against plain ones."""
    pairs = [
        ("GET /products/{id}, 24 variants, 5 images", "GET /products/{id}", ">= 0.8x"),
        ("GET /products?limit=20, 24 variants, 5 images each", PLAIN_CATEGORY_PAGE, ">= 0.7x"),
    ]
    for rich, plain, target in pairs:
        label = f"{rich.split(',')[0]} rich / plain"
        print(f"  {label:<44} {ratio(figures[rich], figures[plain]):>7}   target {target}")


def only(targets: dict[str, str], arguments: argparse.Namespace) -> dict[str, str]:
    """The targets to measure: with `--search-only`, the first page and the searches; with
    `--rich-only`, none (the rich products are measured on their own)."""
    if arguments.rich_only:
        return {}
    if not arguments.search_only:
        return targets
    plain_first = "GET /products?limit=20 (page 1)"
    return {name: path for name, path in targets.items() if "q=" in name or name == plain_first}


def measure(urls: dict[str, str], options: dict[str, object], runs: int) -> dict[str, Figures]:
    """Each URL's medians over `runs` rounds. Every round drives each URL in turn, so that the
    machine drifting over the minutes of a run (other tenants, clocks) weighs on all alike."""
    results: dict[str, list[Figures]] = {name: [] for name in urls}
    for _ in range(runs):
        for name, url in urls.items():
            results[name].append(run_wrk(url, **options))  # type: ignore[arg-type]
    return {name: _median(values) for name, values in results.items()}


def at(port: int, paths: dict[str, str]) -> dict[str, str]:
    return {name: f"http://127.0.0.1:{port}{path}" for name, path in paths.items()}


def report(title: str, figures: dict[str, Figures], memory: str = "") -> None:
    print(f"\n{title}{memory}")
    header = f"{'endpoint':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(f"  {header} {'timeouts':>9}")
    for name, value in figures.items():
        print(
            f"  {name:<44} {value.requests_per_second:>9.0f} {value.p50_ms:>8.1f}"
            f" {value.p99_ms:>8.1f} {value.errors:>7} {value.timeouts:>9}"
        )


def ratio(ours: Figures, ceiling: Figures) -> str:
    return f"{ours.requests_per_second / ceiling.requests_per_second:.2f}x"


def print_depth_cost(pages: int, first: Figures, deep: Figures) -> None:
    cost = first.requests_per_second / deep.requests_per_second
    print(f"  {f'page {pages} cost / first page cost':<44} {cost:>6.2f}x   target <= 1.2x")


def print_rating_costs(pages: int, ours: dict[str, Figures]) -> None:
    """The listing by rating against the newest-first one, and its deep page against its first."""
    newest, rated = (
        ours["GET /products?limit=20 (page 1)"],
        ours["GET /products?sort=-rating (page 1)"],
    )
    deep = ours[f"GET /products?sort=-rating (page {pages})"]
    print(
        f"  {'-rating page 1 / -createdAt page 1':<44} {ratio(rated, newest):>7}   target >= 0.9x"
    )
    print_depth_cost(pages, rated, deep)


def print_ceiling_ratios(by_id: Figures, first_page: Figures, ceilings: dict[str, Figures]) -> None:
    """Ours against the ceilings: the same reads with less of the stack."""
    print("\nRatios (ours / ceiling)")
    lines = [
        ("GET /products/{id} / raw aiosqlite", by_id, "raw aiosqlite /raw/{id}", ""),
        ("GET /products/{id} / plain AsyncSession", by_id, "plain AsyncSession /session/{id}",
         ">= 1.2x"),
        ("GET /products/{id} / Core, one connection", by_id,
         "Core, one AsyncConnection /core/{id}", ">= 0.9x"),
        ("first page / plain keyset page", first_page, "plain keyset page of 20 /keyset",
         ">= 1.2x"),
    ]  # fmt: skip
    for label, value, ceiling, target in lines:
        print(
            f"  {label:<44} {ratio(value, ceilings[ceiling]):>7}   {target and 'target ' + target}"
        )


def sqlite_suite(arguments: argparse.Namespace, workdir: Path) -> None:
    environment = os.environ | {
        "DATABASE__URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "LOG__DIRECTORY": str(workdir / "logs"),
        "LOG__LEVEL": arguments.log_level,
        # One load generator is one client: let it through, but keep counting it.
        "RATE_LIMIT__DEFAULT_LIMIT": "100000000/minute",
    }
    seconds = prepare(environment, arguments.products)
    print(f"seeded {arguments.products:,} products on SQLite in {seconds:.1f} s")
    options = {"duration": arguments.duration, "connections": arguments.connections, "cpu": "1"}

    # Ours and the ceilings serve side by side on the same core, one of them loaded at a time,
    # and their runs alternate: every ratio compares runs minutes apart at most.
    ceilings_port, baseline_port = PORT + 1, PORT + 2
    with ExitStack() as stack:
        pid = stack.enter_context(server(uvicorn("src.main:app"), environment, "/health"))
        stack.enter_context(
            server(uvicorn("tests.benchmarks.ceilings:app", ceilings_port), environment,
                   "/keyset", port=ceilings_port)
        )  # fmt: skip
        targets = listing_targets(f"http://127.0.0.1:{PORT}", arguments.pages, arguments.products)
        product_id = targets["GET /products/{id}"].rsplit("/", 1)[1]
        baseline_targets = {
            f"{arguments.baseline}: {name}": targets[name] for name in list(targets)[:2]
        }
        ceiling_targets = {
            "raw aiosqlite /raw/{id}": f"/raw/{product_id}",
            "plain AsyncSession /session/{id}": f"/session/{product_id}",
            "Core, one AsyncConnection /core/{id}": f"/core/{product_id}",
            "plain keyset page of 20 /keyset": "/keyset",
        }
        if arguments.search_only or arguments.rich_only:
            ceiling_targets = {}
        urls = at(PORT, only(targets, arguments)) | at(ceilings_port, ceiling_targets)
        if arguments.baseline:
            tree = stack.enter_context(checkout(arguments.baseline))
            stack.enter_context(
                server(uvicorn("src.main:app", baseline_port), environment, "/health",
                       port=baseline_port, root=tree)
            )  # fmt: skip
            urls |= at(baseline_port, baseline_targets)
        figures = measure(urls, options, arguments.runs)
        memory = f" — peak worker memory {peak_memory_mib(pid):.0f} MiB"
        rich = {}
        if not (arguments.no_rich or arguments.search_only):
            rich = measure_rich(f"http://127.0.0.1:{PORT}", targets, options, arguments.runs)
    if arguments.rich_only:
        print_rich_costs(rich)
        return
    ours = {name: figures[name] for name in only(targets, arguments)}
    ceilings = {name: figures[name] for name in ceiling_targets}
    report("Our app, one uvicorn worker, SQLite", ours, memory)
    if arguments.search_only:
        print("\nRatios")
        print_search_costs(ours)
        return
    report("Ceilings, one uvicorn worker, same database", ceilings)
    if arguments.baseline:
        report(f"The app at {arguments.baseline}, one uvicorn worker, same database",
               {name: figures[name] for name in baseline_targets})  # fmt: skip

    by_id, first_page = ours["GET /products/{id}"], ours["GET /products?limit=20 (page 1)"]
    deep = ours[f"GET /products?limit=20 (page {arguments.pages})"]
    print_ceiling_ratios(by_id, first_page, ceilings)
    print_depth_cost(arguments.pages, first_page, deep)
    print_rating_costs(arguments.pages, ours)
    print_search_costs(ours)
    if rich:
        print_rich_costs(rich)
    for name in baseline_targets if arguments.baseline else ():
        now = ours[name.split(": ", 1)[1]]
        print(f"  {name.split(': ', 1)[1] + ' / baseline':<44} {ratio(now, figures[name]):>7}")

    with server(gunicorn(2), environment, "/health") as pid:
        two_workers = measure(
            at(PORT, {name: targets[name] for name in list(targets)[:2]}),
            options | {"cpu": None},
            arguments.runs,
        )
        peaks = [peak_memory_mib(child) for child in children(pid)]
        memory = f" — peak worker memory {max(peaks, default=float('nan')):.0f} MiB"
    report("Our app, gunicorn with 2 workers, SQLite (wrk unpinned)", two_workers, memory)


def postgres_suite(arguments: argparse.Namespace, workdir: Path) -> None:
    import asyncio  # noqa: PLC0415 - only this suite needs it

    from sqlalchemy import text  # noqa: PLC0415
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    name = f"marketplace_bench_{uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(arguments.postgres_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(arguments.postgres_url).set(database=name).render_as_string(hide_password=False)
    environment = os.environ | {
        "DATABASE__URL": url,
        "LOG__DIRECTORY": str(workdir / "logs"),
        "LOG__LEVEL": arguments.log_level,
        "RATE_LIMIT__DEFAULT_LIMIT": "100000000/minute",
    }
    try:
        seconds = prepare(environment, arguments.postgres_products)
        print(f"\nseeded {arguments.postgres_products:,} products on PostgreSQL in {seconds:.1f} s")
        options = {"duration": arguments.duration, "connections": arguments.connections, "cpu": "1"}
        with server(uvicorn("src.main:app"), environment, "/health"):
            targets = listing_targets(
                f"http://127.0.0.1:{PORT}", arguments.pages, arguments.postgres_products
            )
            figures = measure(at(PORT, only(targets, arguments)), options, arguments.runs)
            rich = {}
            if not (arguments.no_rich or arguments.search_only):
                rich = measure_rich(f"http://127.0.0.1:{PORT}", targets, options, arguments.runs)
        if arguments.rich_only:
            print_rich_costs(rich)
            return
        report("Our app, one uvicorn worker, PostgreSQL", figures)
        if arguments.search_only:
            print("\nRatios")
            print_search_costs(figures)
            return
        first = figures["GET /products?limit=20 (page 1)"]
        print_depth_cost(
            arguments.pages, first, figures[f"GET /products?limit=20 (page {arguments.pages})"]
        )
        print_rating_costs(arguments.pages, figures)
        if rich:
            print_rich_costs(rich)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=2_000, help="the deep page to measure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--postgres-products", type=int, default=1_000_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--no-rich", action="store_true", help="leave out products with options and variants"
    )
    parser.add_argument(
        "--baseline", default="", help="a commit whose app serves the SQLite database beside ours"
    )
    parser.add_argument(
        "--search-only", action="store_true", help="only the first page and the searches"
    )
    parser.add_argument(
        "--rich-only", action="store_true", help="only products with variants and images"
    )
    parser.add_argument(
        "--workdir", default="", help="keep the SQLite database here (seeding it is idempotent)"
    )
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="marketplace-bench-") as directory:
        workdir = Path(arguments.workdir or directory)
        workdir.mkdir(parents=True, exist_ok=True)
        if not arguments.skip_sqlite:
            sqlite_suite(arguments, workdir)
        if arguments.postgres_url:
            postgres_suite(arguments, workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
