"""Benchmark: the public directory pages at 100,000 organisations, on SQLite or PostgreSQL.

Runs alone: ``.venv/bin/python bench/directory.py [--rows N] [--repeat R]
[--postgres URL] [--keep PATH]``.

1. Generates N organisations with ``bench/import_organisations.py``'s generator and
   loads them with the real ``corridor import organisations`` command (search
   documents and all) into an empty database: a SQLite file in a temporary folder,
   or, with ``--postgres postgres://user@host:port/any``, a database named
   ``corridor_perf_bench`` on that server (created, then dropped at the end).
2. Times the real views through ``django.test.Client`` (URL routing, middleware,
   forms, queries, templates): the directory without filters, page 2, the last page,
   text searches in English, Chinese and Urdu, country + kind + sector filters,
   a zone page, the zone tree, the home page. Each page is requested once to warm up,
   then R times; p50 and p95 in ms, and the number of SQL queries the page makes
   (cold/warm: with an empty cache, then with the counts cached).
   Pages whose facet counts are cached are also timed with the cache emptied before
   every request ("cold"), which is what a visitor sees after a write or a timeout.
3. Times a baseline in the same run: the bare SQL of the directory's first page
   (``SELECT … WHERE is_active ORDER BY name, id LIMIT 25``); the ratio page/baseline
   is the cost of everything else (counting, facets, rendering).

Target (issue 2): directory pages at p95 <= ~150 ms at 100,000 organisations.
``--keep PATH`` keeps the SQLite file at PATH (or the PostgreSQL database) and
reuses it on the next run, to iterate without importing again.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BENCH_DB = "corridor_perf_bench"
TARGET_MS = 150


def _server_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


def _admin_execute(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_server_url(url, "postgres"), autocommit=True) as connection:
        for sql in statements:
            connection.execute(sql)


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["CORRIDOR_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "corridor.settings"
    # The test client's host; DEBUG stays as the environment has it.
    hosts = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["ALLOWED_HOSTS"] = hosts + ",testserver"
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    # Measured as production runs: no SQL log, no template debug information.
    settings.DEBUG = False


def populate(folder: Path, rows: int, seed: int) -> None:
    import import_organisations as generator
    from django.core.management import call_command

    from corridor.registry.models import Organisation

    if Organisation.objects.exists():
        print(f"reusing the kept database: {Organisation.objects.count():,} organisations")
        return
    csv_path = folder / "organisations.csv"
    started = time.perf_counter()
    generator.generate(csv_path, rows, seed)
    generator.load_zones(folder)
    out = io.StringIO()
    call_command("import", "organisations", str(csv_path), "--no-progress", stdout=out)
    print(
        f"generated and imported {Organisation.objects.count():,} organisations "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _analyse() -> None:
    # PostgreSQL's autovacuum would do this soon after a bulk load; SQLite keeps no
    # statistics unless told to, so it is measured as a deployment would run it.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(fn, repeat: int, before=None) -> list[float]:
    fn()  # warm-up: compiled templates, jieba's dictionary, the database's page cache
    times = []
    for _n in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def cases() -> list[tuple[str, str, bool]]:
    """(label, path, whether the page shows facet counts) for each page timed."""
    from django.conf import settings

    from corridor.registry.models import Organisation, Zone

    active = Organisation.objects.filter(is_active=True).count()
    last = max(1, -(-active // settings.CORRIDOR_PAGE_SIZE))
    zone = (
        Zone.objects.filter(children__isnull=False).order_by("pk").first() or Zone.objects.first()
    )
    return [
        ("directory, no filters", "/en/organisations/", True),
        ("directory, page 2", "/en/organisations/?page=2", True),
        (f"directory, last page ({last:,})", f"/en/organisations/?page={last}", True),
        ("search English 'robot'", "/en/organisations/?q=robot", True),
        ("search Chinese '机器人'", "/zh-hans/organisations/?q=机器人", True),
        ("search Urdu 'روبوٹکس'", "/ur/organisations/?q=روبوٹکس", True),
        (
            "Chinese search + country + sector",
            "/zh-hans/organisations/?q=机器人&country=CN&sector=robotics",
            True,
        ),
        (
            "country + kind + sector",
            "/en/organisations/?country=CN&kind=enterprise&sector=ai",
            True,
        ),
        ("zone filter (zone + its parks)", f"/en/organisations/?zone={zone.slug}", True),
        (f"zone page ({zone.slug})", f"/en/zones/{zone.slug}/", False),
        ("zone tree", "/en/zones/", False),
        ("home", "/en/", False),
    ]


def baseline(repeat: int) -> list[float]:
    """The bare SQL of the first page: what any list page has to pay at least."""
    from django.db import connection

    sql = (
        "SELECT id, slug, kind, name, name_en, name_zh_hans, name_ur, country, city, "
        "zone_id, description, description_language FROM registry_organisation "
        "WHERE is_active ORDER BY name, id LIMIT 25"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return _time(run, repeat)


def measure(repeat: int) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from corridor.registry.models import Organisation

    client = Client()
    base = baseline(repeat)
    base_p50 = statistics.median(base)
    print(
        f"\n{connection.vendor}: {Organisation.objects.count():,} organisations "
        f"({Organisation.objects.filter(is_active=True).count():,} active), "
        f"{repeat} requests per page, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"baseline: bare SELECT of the first page (LIMIT 25): "
        f"p50 {base_p50:.2f} ms, p95 {_percentile(base, 0.95):.2f} ms\n"
    )
    header = f"{'page':<42} {'p50':>7} {'p95':>7} {'cold p50':>9} {'cold p95':>9} {'queries':^8} {'p50/base':>9}"
    print(header)
    print("-" * len(header))
    worst = worst_warm = 0.0
    for label, path, faceted in cases():

        def get(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        def queries_made(before=None) -> int:
            made: list[str] = []

            def count(execute, sql, params, many, context):
                made.append(sql)
                return execute(sql, params, many, context)

            if before:
                before()
            with connection.execute_wrapper(count):
                get()
            return len(made)

        cold_queries = queries_made(cache.clear)
        warm_queries = queries_made()
        times = _time(get, repeat)
        cold = _time(get, repeat, before=cache.clear) if faceted else times
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        cold_p50, cold_p95 = statistics.median(cold), _percentile(cold, 0.95)
        if path.startswith(("/en/organisations", "/zh-hans/organisations", "/ur/organisations")):
            worst = max(worst, cold_p95)
            worst_warm = max(worst_warm, p95)
        print(
            f"{label:<42} {p50:>7.1f} {p95:>7.1f} {cold_p50:>9.1f} {cold_p95:>9.1f} "
            f"{cold_queries:>4}/{warm_queries:<3} {p50 / base_p50:>8.0f}x"
        )
    print()
    for label, value in (("counts cached", worst_warm), ("cold cache", worst)):
        verdict = "met" if value <= TARGET_MS else "NOT met"
        print(
            f"worst directory p95 ({label}): {value:.1f} ms; "
            f"target p95 <= {TARGET_MS} ms: {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help=f"a PostgreSQL server URL; the benchmark creates and drops {BENCH_DB} there",
    )
    parser.add_argument(
        "--keep",
        metavar="PATH",
        help="keep (and reuse) the SQLite file at PATH, or the PostgreSQL database",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="corridor-bench-directory-") as tmp:
        folder = Path(tmp)
        if args.postgres:
            if not args.keep:
                _admin_execute(args.postgres, f"DROP DATABASE IF EXISTS {BENCH_DB}")
            try:
                _admin_execute(args.postgres, f"CREATE DATABASE {BENCH_DB}")
            except Exception as error:  # noqa: BLE001 - kept from an earlier run with --keep
                if "already exists" not in str(error):
                    raise
            database_url = _server_url(args.postgres, BENCH_DB)
        else:
            path = Path(args.keep).resolve() if args.keep else folder / "bench.sqlite3"
            database_url = f"sqlite:///{path}"
        try:
            setup_django(database_url, folder)
            populate(folder, args.rows, args.seed)
            _analyse()
            measure(args.repeat)
        finally:
            if args.postgres and not args.keep:
                from django.db import connections

                connections.close_all()
                _admin_execute(args.postgres, f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
