"""The ``hub`` command: demo, serve, worker, jobs, db, seed, match, report, template, import,
export-schema (``db`` and ``seed`` in hub.cli_db)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hub.cli_db import cmd_db, cmd_seed
from hub.cli_db import say as _say
from hub.gc_tuning import tuned_gc
from hub.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


# -- serve / demo ---------------------------------------------------------------------------
def served_app(settings: Settings | None = None) -> Any:
    """The app as ``hub serve`` makes it (each worker's, from the environment: hub.serve)."""
    from hub.app import create_app
    from hub.db import app_database_url

    settings = settings or Settings.from_env()
    # The app runs as its own role, which may read and write rows but not change the schema.
    return create_app(settings, database_url=app_database_url(settings, start=False))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from hub.app import dev_settings
    from hub.serve import PortInUse, Serving, serve

    host, port = args.host or settings.host, args.port or settings.port
    workers = getattr(args, "workers", 1) or 1
    if workers > 1:  # each worker its own socket on the port, so connections spread evenly
        dev_settings(settings)  # generated secrets written once, before the workers read them
        try:
            return serve(Serving("hub.cli:served_app", host=host, port=port, workers=workers))
        except PortInUse as exc:
            raise SystemExit(f"hub serve: {exc}") from None
    uvicorn.run(served_app(settings), host=host, port=port, log_level="info")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from hub.jobs.cli import check_command, worker_command

    if args.check:
        return check_command(args.alive_file, args.max_age)
    return worker_command(settings, concurrency=args.concurrency, name=args.name,
                          queues=args.queue, metrics_port=args.metrics_port,
                          alive_file=args.alive_file)


def cmd_jobs(args: argparse.Namespace, settings: Settings) -> int:
    from hub.jobs.cli import jobs_command

    return jobs_command(settings, args.action, job_id=args.job_id, limit=args.limit)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    import subprocess

    from hub.db import database_url
    from hub.db.migrate import migrate
    from hub.seed import SeedOptions, is_seeded, seed

    url = database_url(settings, start=True)
    migrate(url, app=settings.app_database_url, log=_say)
    if not is_seeded(url):
        _say("empty database: seeding the demo data set (Henan and Gansu)")
        seed(url, SeedOptions(review_queue=True), settings=settings)
    host, port = args.host or settings.host, args.port or settings.port
    print(f"hub demo: http://{host}:{port}/  (GraphQL at http://{host}:{port}/graphql)", flush=True)
    args.host, args.port = host, port
    # One worker beside the server runs the background jobs (offer expiry, auto-confirm…).
    worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"])
    try:
        return cmd_serve(args, settings)
    finally:
        worker.terminate()  # SIGTERM: running jobs finish (HUB_WORKER_SHUTDOWN_S), then it exits
        try:
            worker.wait(timeout=settings.jobs.shutdown_s + 5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


# -- match ----------------------------------------------------------------------------------
def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    if args.problem:
        from hub.matching.io import run_files

        if args.region or args.commit:
            _say("hub match: --problem solves a file; --region and --commit need the database")
            return 2
        return run_files(Path(args.problem), args.plan or "-")
    if not (args.region and args.from_ and args.to):
        _say("hub match: give --problem FILE, or --region CODE --from DATE --to DATE")
        return 2
    from hub.db import app_database_url
    from hub.services.match_cli import SolverScope, run

    url = app_database_url(settings, start=False)
    scope: SolverScope | None = None
    if args.fanout:  # the parts go to the job queue's workers (docs/matching.md)
        from hub.jobs.fanout import fanned_solver

        scope = lambda db: fanned_solver(url, db)  # noqa: E731
    return run(url, region=args.region, starts=args.from_, ends=args.to, options=args.options,
               plan_path=args.plan, commit=args.commit, ttl_s=settings.dispatch_offer_ttl_s,
               scope=scope)


# -- report (issue 16.7) --------------------------------------------------------------------
def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    if args.kind in ("annual", "mzt061") and not (args.region and args.year):
        _say(f"hub report {args.kind}: give --region CODE --year YEAR")
        return 2
    if args.kind == "recognition" and args.round is None:
        _say("hub report recognition: give --round ID")
        return 2
    from hub.db import app_database_url
    from hub.services.report_cli import run

    return run(app_database_url(settings, start=False), settings, args.kind, region=args.region,
               year=args.year, round_id=args.round, fmt=args.format, out=args.out)


# -- template / import (集体注册) ------------------------------------------------------------
def cmd_template(args: argparse.Namespace, settings: Settings) -> int:
    from hub.services.import_cli import template_command

    return template_command(args.kind, args.file)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from hub.services.import_cli import import_command

    return import_command(settings, args.kind, args.file, args.report, args.all_or_nothing)


def cmd_station_staff(args: argparse.Namespace, settings: Settings) -> int:
    from hub.services.account_cli import station_staff_command

    return station_staff_command(settings, args.phone, args.station)


def cmd_coverage(args: argparse.Namespace, settings: Settings) -> int:
    from hub.services.coverage_cli import import_sites_command

    return import_sites_command(settings, args.file)


# -- export-schema --------------------------------------------------------------------------
def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from hub.schema import schema_sdl

    sys.stdout.buffer.write(schema_sdl().encode("utf-8"))
    sys.stdout.flush()
    return 0


# -- policy ---------------------------------------------------------------------------------
def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    from hub.auth import format_policy
    from hub.auth.actions import format_actions

    print("Who sees which field (rule/what is shown otherwise):\n" + format_policy())
    print("\nWho may do which action:\n" + format_actions())
    return 0


# -- token ----------------------------------------------------------------------------------
def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from hub.app import dev_settings
    from hub.auth import AuthConfigError, issue_token
    from hub.geo.divisions import normalize_code

    try:
        region = normalize_code(args.region) if args.region else None
        token = issue_token(dev_settings(settings), sub=args.sub, role=args.role,
                            region=region, org=args.org, ttl_s=args.ttl_hours * 3600)
    except (AuthConfigError, ValueError) as exc:
        _say(f"hub token: {exc}")
        return 2
    print(token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``hub`` command."""
    parser = argparse.ArgumentParser(
        prog="hub", description="Science & technology volunteer service hub (科技志愿服务)."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="the database: start|stop|status|migrate|reset")
    db.add_argument("action", choices=["start", "stop", "status", "migrate", "reset"])
    db.set_defaults(func=cmd_db)

    seed_p = sub.add_parser("seed", help="load deterministic demo data for Henan and Gansu")
    seed_p.add_argument("--volunteers", type=int, default=20_000)
    seed_p.add_argument("--stations", type=int, default=1_500)
    seed_p.add_argument("--demands", type=int, default=3_000)
    seed_p.add_argument("--random-seed", type=int, default=20231101)
    seed_p.add_argument("--history-days", type=int, default=365,
                        help="days of past service (records, points, reviews) before today; "
                             "0 for none")
    seed_p.add_argument(
        "--replace",
        action="store_true",
        help="delete existing volunteers, stations, demands, teams and their history first",
    )
    seed_p.add_argument("--quiet", action="store_true", help="no progress bar")
    seed_p.set_defaults(func=cmd_seed)

    for name, func, text in (
        ("serve", cmd_serve, "serve the API and console"),
        ("demo", cmd_demo, "start, migrate, seed when empty, serve"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--host", default=None)
        p.add_argument("--port", type=int, default=None)
        p.add_argument("--workers", type=int, default=1,
                       help="processes, each with its own socket on the port (SO_REUSEPORT)")
        p.set_defaults(func=func)

    worker = sub.add_parser("worker", help="run the job queue's jobs (as many workers as you "
                                           "like, on any machines) until SIGTERM")
    worker.add_argument("--concurrency", type=int, default=None,
                        help="jobs run at once (default HUB_WORKER_CONCURRENCY, 4)")
    worker.add_argument("--name", default=None, help="this worker's name in the logs")
    worker.add_argument("--queue", action="append", default=None,
                        help="only this queue's jobs (repeatable; default: every queue)")
    worker.add_argument("--metrics-port", type=int, default=None,
                        help="serve this worker's metrics (Prometheus) on this port")
    worker.add_argument("--alive-file", default=None, help="rewrite this file every 10 s "
                        "while the job queue answers (health checks: --check)")
    worker.add_argument("--check", action="store_true", help="exit 0 when the worker's "
                        "--alive-file was written within --max-age seconds, else 1")
    worker.add_argument("--max-age", type=float, default=60.0, help="see --check")
    worker.set_defaults(func=cmd_worker)

    jobs = sub.add_parser("jobs", help="the job queue's dead letters: failed | retry ID")
    jobs.add_argument("action", choices=["failed", "retry"])
    jobs.add_argument("job_id", type=int, nargs="?", help="the job to retry")
    jobs.add_argument("--limit", type=int, default=100, help="failed jobs listed (1..1000)")
    jobs.set_defaults(func=cmd_jobs)

    match = sub.add_parser("match", help="dispatch volunteers to demands (OR-Tools)")
    match.add_argument("--problem", help="a problem JSON file (no database needed)")
    match.add_argument("--plan", help="where to write the plan JSON")
    match.add_argument("--region", help="division code: dispatch its open demands")
    match.add_argument("--from", dest="from_", help="first day (2026-12-01) or ISO date-time")
    match.add_argument("--to", help="end (exclusive): a day or an ISO date-time")
    match.add_argument("--options", help='matcher options as JSON, e.g. \'{"timeLimitS": 10}\'')
    match.add_argument("--commit", action="store_true", help="offer the plan's assignments")
    match.add_argument("--fanout", action="store_true",
                       help="solve the parts on the job queue's workers (`hub worker`)")
    match.set_defaults(func=cmd_match)

    policy = sub.add_parser("policy", help="print who sees which field and who may do what")
    policy.set_defaults(func=cmd_policy)

    token = sub.add_parser("token", help="issue a signed HS256 token (demo and testing)")
    token.add_argument("--role", required=True,
                       choices=["admin", "dispatcher", "org_admin", "volunteer", "partner"])
    # residents and station staff sign in themselves (docs/sign-in.md)
    token.add_argument("--sub", default="demo-user", help="subject (a volunteer's global ID)")
    token.add_argument("--region", help="division code (dispatchers)")
    token.add_argument("--org", help="organization id or global ID (org admins)")
    token.add_argument("--ttl-hours", type=int, default=12)
    token.set_defaults(func=cmd_token)

    report = sub.add_parser("report", help="reports sent upward: annual (年度总结 .xlsx), "
                                           "mzt061 (MZ/T 061 export), recognition (a list)")
    report.add_argument("kind", choices=["annual", "mzt061", "recognition"])
    report.add_argument("--region", help="division code (annual, mzt061)")
    report.add_argument("--year", type=int, help="the year reported (annual, mzt061)")
    report.add_argument("--round", type=int, help="a published recognition round's id")
    report.add_argument("--format", choices=["xlsx", "json"], default="xlsx",
                        help="mzt061 and recognition: xlsx (default) or json")
    report.add_argument("--out", help="the file to write (default: the report's own name)")
    report.set_defaults(func=cmd_report)

    template = sub.add_parser("template", help="write a collective registration or demand "
                                               ".xlsx template")
    template.add_argument("kind", choices=["volunteers", "organizations", "demands"])
    template.add_argument("file", help="FILE.xlsx")
    template.set_defaults(func=cmd_template)

    imp = sub.add_parser("import", help="import volunteers, teams or demands from .xlsx / .csv")
    imp.add_argument("kind", choices=["volunteers", "organizations", "demands"])
    imp.add_argument("file", help="FILE.xlsx or FILE.csv")
    imp.add_argument("--report", help="write the rejected rows to this .xlsx")
    imp.add_argument("--all-or-nothing", action="store_true",
                     help="load nothing when any row is rejected")
    imp.set_defaults(func=cmd_import)

    staff = sub.add_parser("station-staff",
                           help="make the account of a mobile a station's staff (sign-in)")
    staff.add_argument("phone", help="their mobile")
    staff.add_argument("station", type=int, help="the station's id")
    staff.set_defaults(func=cmd_station_staff)

    coverage = sub.add_parser("coverage", help="station coverage: import-sites FILE.csv "
                                               "(candidate sites for new stations)")
    coverage.add_argument("action", choices=["import-sites"])
    coverage.add_argument("file", help="FILE.csv: kind,name,lon,lat,region_code[,address]")
    coverage.set_defaults(func=cmd_coverage)

    export = sub.add_parser("export-schema", help="print the GraphQL SDL")
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hub`` command."""
    from hub.db.embedded import EmbeddedError
    from hub.db.migrate import MigrationError
    from hub.settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        handler: Handler = args.func
        with tuned_gc(settings.gc_gen0_threshold):  # as the server runs (hub/gc_tuning.py)
            return handler(args, settings)
    except (EmbeddedError, MigrationError, SettingsError) as exc:
        _say(f"hub {args.command}: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
