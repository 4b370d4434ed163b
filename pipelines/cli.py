"""The ``papertrends`` command: argument parsing, then Dagster (in-process) does the work.

What a command prints is ``pipelines.console``'s; its exit status (the README's table) is
``pipelines.outcome``'s rule, and an error becomes its code in ``main``. Errors are one line;
``--debug`` shows tracebacks and Dagster logs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from pipelines import console, paths
from pipelines import settings as settings_module
from pipelines.errors import PapertrendsError, os_error_line
from pipelines.outcome import (
    EXIT_CLOSED_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    exit_code,
)

# `papertrends ui`: how long dagster dev may take to stop its webserver and daemon on a signal
UI_STOP_SECONDS = 30.0
# A Python warning filter (PYTHONWARNINGS syntax: action:message prefix) for `dagster dev`.
UI_SUPERSEDED_FILTER = "ignore:Function `dev_command` is superseded"


class _Parser(argparse.ArgumentParser):
    """argparse with papertrends' exit code for usage errors (argparse's own 2 is the code of a
    failed quality check here)."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except PapertrendsError as err:
        _fail(args, str(err), err)
    except BrokenPipeError:
        return _closed_pipe()
    except OSError as err:  # a path we read or write: name it and the OS's reason
        _fail(args, os_error_line(err), err)
    except KeyboardInterrupt:
        print("papertrends: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # anything unforeseen still reads as one line
        _fail(args, f"{type(err).__name__}: {_first_line(str(err))}", err)
    return EXIT_FAILED


def _closed_pipe() -> int:
    """The reader of our output went away (``| head``): stop quietly, as Unix tools do. Python
    would complain when it flushes stdout at exit, so point stdout at /dev/null first."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_CLOSED_PIPE


def _fail(args: argparse.Namespace, message: str, err: BaseException) -> None:
    if getattr(args, "debug", False):
        traceback.print_exception(err)
    # one line, even when a wrapped library message (DuckDB, dbt) spans several
    print(f"papertrends: error: {_first_line(message)}", file=sys.stderr)


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else "(no message)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="papertrends",
        description="Turn a folder of 'Daily Papers' dumps into a DuckDB warehouse of ML trends.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--debug", action="store_true", help="show tracebacks and Dagster logs")
        cmd.set_defaults(handler=handler)
        return cmd

    def path_options(cmd: argparse.ArgumentParser, raw: bool = True) -> None:
        if raw:
            cmd.add_argument(
                "--raw-dir",
                help="landing folder, must exist (env PAPERTRENDS_RAW_DIR, default data/raw)",
            )
        cmd.add_argument(
            "--warehouse",
            help="DuckDB file (env PAPERTRENDS_WAREHOUSE, default data/warehouse.duckdb)",
        )

    path_options(
        command(
            "ingest",
            _cmd_ingest,
            "load new or changed dumps into the raw layer (one run over their listing months)",
        )
    )
    path_options(
        command(
            "run",
            _cmd_run,
            "ingest and build everything downstream in one run over the new dumps' listing "
            "months; print a summary",
        )
    )
    path_options(
        command("build", _cmd_build, "build the marts (dbt models and tests) from the raw layer"),
        raw=False,
    )

    path_options(
        command(
            "check",
            _cmd_check,
            "run every Great Expectations suite and dbt test on the warehouse as it is",
        ),
        raw=False,
    )

    report = command(
        "report", _cmd_report, "write the trend report (DIR/index.html) from the marts as they are"
    )
    report.add_argument(
        "--out",
        help="report folder (env PAPERTRENDS_REPORTS_DIR, default <warehouse>-report beside "
        "the warehouse file)",
    )
    path_options(report, raw=False)

    sql = command("sql", _cmd_sql, "run a read-only SQL query on the warehouse, print a table")
    sql.add_argument("query", help="the SQL query")
    sql.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    path_options(sql, raw=False)

    search = command(
        "search",
        _cmd_search,
        "find papers by words of their title and abstract (BM25; title words weigh more)",
    )
    search.add_argument("query", help="words to look for, e.g. 'routing tokens to experts'")
    search.add_argument(
        "--limit", type=int, default=10, help="how many papers to show (default 10)"
    )
    search.add_argument("--topic", help="only papers assigned this topic (marts.topics)")
    search.add_argument(
        "--since",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="only papers listed on or after this date",
    )
    search.add_argument(
        "--csv", action="store_true", help="print CSV (with paper_id) instead of a table"
    )
    path_options(search, raw=False)

    similar = command(
        "similar",
        _cmd_similar,
        "papers like a paper (by its title) or like a pasted text (--text)",
    )
    like = similar.add_mutually_exclusive_group(required=True)
    like.add_argument("title", nargs="?", help="the title of a paper in the warehouse")
    like.add_argument("--text", help="a pasted abstract (or any text) to find papers like")
    similar.add_argument(
        "--limit", type=int, default=10, help="how many papers to show (default 10)"
    )
    similar.add_argument(
        "--csv", action="store_true", help="print CSV (with paper_id) instead of a table"
    )
    path_options(similar, raw=False)

    export = command(
        "export",
        _cmd_export,
        "write the marts (and with --raw the raw layer) as files, with a Frictionless "
        "datapackage.json describing every table and column",
    )
    export.add_argument("--out", required=True, help="folder to write into (created if missing)")
    export.add_argument(
        "--format",
        choices=("parquet", "csv", "jsonl"),
        default="parquet",
        help="file format (default parquet)",
    )
    export.add_argument(
        "--tables",
        type=lambda text: [t.strip() for t in text.split(",") if t.strip()],
        metavar="T,...",
        help="only these tables (marts by name, raw tables as raw.NAME; default every mart)",
    )
    export.add_argument("--raw", action="store_true", help="the raw layer's tables as well")
    path_options(export, raw=False)

    docs = command(
        "docs",
        _cmd_docs,
        "serve the dbt docs, the Data Docs and the trend report on 127.0.0.1, with an index "
        "page linking them (works offline)",
    )
    docs.add_argument(
        "--port", type=int, default=8000, help="web port on 127.0.0.1 (default 8000; 0: any free)"
    )
    path_options(docs, raw=False)

    ui = command("ui", _cmd_ui, "start the Dagster UI and daemon (dagster dev) on this project")
    ui.add_argument("--port", type=int, default=3000, help="web port (default 3000)")
    ui.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    path_options(ui)

    topics = sub.add_parser(
        "topics", help="work on the topic taxonomy", description="Work on the topic taxonomy."
    )
    topics_sub = topics.add_subparsers(dest="topics_command", required=True, metavar="ACTION")
    evaluate = topics_sub.add_parser(
        "evaluate",
        help="measure the topic matcher against hand labels",
        description="Measure marts.paper_topics against hand labels (CSV: title, topics, split): "
        "micro precision, recall and F1 of (paper, topic) pairs, primary-topic accuracy, coverage, "
        "a per-topic table and the worst confusions.",
    )
    evaluate.add_argument(
        "--labels", required=True, help="labels CSV (e.g. tests/labels/topics.csv)"
    )
    evaluate.add_argument(
        "--split",
        help="evaluate one split of the labels only (tune on 'dev'; 'test' is for reporting)",
    )
    evaluate.add_argument("--debug", action="store_true", help="show tracebacks")
    evaluate.set_defaults(handler=_cmd_topics_evaluate, command="topics")
    path_options(evaluate, raw=False)

    synth = command("synth", _cmd_synth, "write realistic synthetic dumps in the real format")
    synth.add_argument("--out", required=True, help="folder to write the dumps into")
    synth.add_argument("--dumps", type=int, required=True, help="how many dumps")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument(
        "--start",
        type=_iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="listing date of the first dump, one dump a day from it (default 2025-01-06)",
    )
    synth.add_argument(
        "--relist-share",
        type=float,
        default=1 / 3,
        help="share of a dump's listings that re-list earlier papers, in [0, 1) (default 0.33)",
    )
    synth.add_argument(
        "--variant-share",
        type=float,
        default=0.05,
        help="share of re-listings whose title is written slightly differently, in [0, 1] "
        "(default 0.05)",
    )
    synth.add_argument(
        "--plant",
        action="append",
        default=[],
        metavar="PHRASE@DUMP:SHARE",
        help="plant a phrase that starts appearing at dump DUMP (0-based) in SHARE of the new "
        "papers of every later dump, e.g. 'spectral routing@20:0.3' (repeatable)",
    )
    demo = command(
        "demo",
        _cmd_demo,
        "run the pipeline on a synthetic sample kept apart from your data (data/demo/)",
    )
    demo.add_argument(
        "--dumps", type=int, default=30, help="dumps in the sample when it is written (default 30)"
    )
    demo.add_argument("--seed", type=int, default=1, help="random seed of the sample (default 1)")
    return parser


def _settings(
    args: argparse.Namespace,
    landing: bool = False,
    reads_warehouse: bool = False,
    writes_warehouse: bool = False,
) -> settings_module.Settings:
    """The settings of this command, resolved once (flags, then the environment, then the
    defaults), with the paths the command needs checked before any heavy import."""
    resolved = settings_module.Settings.resolve(
        {
            "raw_dir": getattr(args, "raw_dir", None),
            "warehouse": getattr(args, "warehouse", None),
            "reports_dir": getattr(args, "out", None) if args.command == "report" else None,
        },
        os.environ,
    )
    if landing:
        paths.require_landing_folder(resolved.raw_dir)
    if reads_warehouse:
        paths.require_warehouse(resolved.warehouse)
    if writes_warehouse:
        paths.require_creatable_file(resolved.warehouse, "warehouse")
    if args.command == "report":
        paths.require_creatable_folder(resolved.reports_dir, "trend report")
    return resolved


def _orchestrate():
    """``pipelines.orchestrate`` (it imports Dagster and the code location, which reads the
    prepared dbt manifest), after preparing that manifest again if a file of the dbt project
    changed since it was."""
    from pipelines.dbt_manifest import ensure_prepared

    ensure_prepared()
    from pipelines import orchestrate

    return orchestrate


def _cmd_ingest(args: argparse.Namespace) -> int:
    resolved = _settings(args, landing=True, writes_warehouse=True)
    orchestrate = _orchestrate()  # imports Dagster: only for commands that need it

    summary = orchestrate.ingest(resolved, debug=args.debug)
    console.print_ingest(summary)
    return exit_code(summary=summary)


def _cmd_run(args: argparse.Namespace) -> int:
    return _run_and_summarise(_settings(args, landing=True, writes_warehouse=True), args.debug)


def _run_and_summarise(resolved: settings_module.Settings, debug: bool) -> int:
    with _validation_worker():
        orchestrate = _orchestrate()
        summary, quality = orchestrate.run_all(resolved, debug=debug)
        console.print_run(summary, quality, resolved.reports_dir / "index.html")
    return exit_code(summary=summary, quality=quality)


def _cmd_build(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    with _validation_worker():
        orchestrate = _orchestrate()
        quality = orchestrate.build(resolved, debug=args.debug)
        console.print_build(quality, resolved.warehouse, resolved.reports_dir / "index.html")
    return exit_code(quality=quality)


def _cmd_check(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    with _validation_worker():
        orchestrate = _orchestrate()
        quality = orchestrate.check(resolved, debug=args.debug)
        console.print_check(
            quality, resolved.quality_dir / "gx/uncommitted/data_docs/local_site/index.html"
        )
    return exit_code(quality=quality)


@contextlib.contextmanager
def _validation_worker() -> Iterator[None]:
    """Start Great Expectations' process before Dagster is imported (its import then runs on
    the other core: ``pipelines.quality.worker``); after the summary is printed, wait for the
    Data Docs pages it still renders."""
    from pipelines.quality import worker

    worker.start_early()
    try:
        yield
    finally:
        for line in worker.close_early():
            print(f"papertrends: warning: {line}", file=sys.stderr)


def _cmd_report(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    orchestrate = _orchestrate()
    console.print_report(orchestrate.report(resolved, debug=args.debug))
    return exit_code()


def _cmd_sql(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    from pipelines.warehouse.query import run_query

    # list, struct and map columns come back as JSON text: CSV has no nested values, and a
    # table cell shows all of a list (polars' own display cuts lists to a few items)
    frame = run_query(resolved.warehouse, args.query, nested_as_json=True)
    if args.csv:
        console.write_in_pieces(frame.write_csv())
    else:
        console.print_frame(frame)
    sys.stdout.flush()  # a closed pipe shows here, inside main's handler, not at exit
    return EXIT_OK


def _cmd_search(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    from pipelines.warehouse.search import COLUMNS, search

    frame = search(
        resolved.warehouse, args.query, limit=args.limit, topic=args.topic, since=args.since
    )
    if args.csv:
        console.write_in_pieces(frame.write_csv())
    elif frame.is_empty():
        print(f"no paper matches {args.query!r}")
    else:
        print(console.paper_lines(frame.select(COLUMNS).rows(named=True)))
    sys.stdout.flush()
    return EXIT_OK


def _cmd_similar(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    from pipelines.warehouse.similar import COLUMNS, similar_to_text, similar_to_title

    if args.text is not None:
        frame = similar_to_text(resolved.warehouse, args.text, limit=args.limit)
        heading, empty = "papers like the text given", "no paper shares a word with the text"
    else:
        current, frame = similar_to_title(resolved.warehouse, args.title, limit=args.limit)
        heading, empty = f"papers like: {current}", f"no paper is like {current!r} yet"
    if args.csv:
        console.write_in_pieces(frame.write_csv())
    elif frame.is_empty():
        print(empty)
    else:
        print(heading)
        print(console.paper_lines(frame.select(COLUMNS).rows(named=True)))
    sys.stdout.flush()
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    from pipelines.warehouse.export import PACKAGE_FILE, export

    out = Path(args.out)
    written = export(resolved.warehouse, out, args.format, tables=args.tables, raw=args.raw)
    for table in written:
        print(f"{table.relation}: {table.rows:,} rows -> {table.path}")
    print(f"{len(written)} tables described in {out / PACKAGE_FILE}")
    return EXIT_OK


def _cmd_docs(args: argparse.Namespace) -> int:
    """Serve the warehouse's docs until Ctrl-C or TERM (exit 0); one line for each set of pages
    not written yet, and an error when there is none at all."""
    resolved = _settings(args, reads_warehouse=True)
    from pipelines import docs
    from pipelines.quality.offline_docs import make_offline, missing_assets
    from pipelines.quality.validate import gx_folder_lock
    from pipelines.warehouse.connection import READER_WAIT_SECONDS

    sets = docs.doc_sets(resolved)
    if not any(d.present for d in sets):
        raise PapertrendsError(
            f"{resolved.warehouse}: no docs yet (dbt docs, Data Docs, trend report): "
            "`papertrends build` writes them"
        )
    for missing in (d for d in sets if not d.present):
        print(f"papertrends docs: {docs.missing_line(missing)}", file=sys.stderr)
    data_docs = next(d for d in sets if d.mount == "data-docs")
    if data_docs.present:
        if missing_assets():
            print(
                "papertrends docs: the Data Docs load their scripts and styles from CDNs (online "
                "only): their npm packages are not installed (`make install` with npm on PATH)",
                file=sys.stderr,
            )
        try:  # a site written before papertrends served its assets (GX's folder lock: a
            # validation, or a validation worker, may be writing pages)
            with gx_folder_lock(resolved.quality_dir, READER_WAIT_SECONDS):
                make_offline(data_docs.folder)
        except (PapertrendsError, OSError) as err:
            print(f"papertrends docs: Data Docs pages not rewritten: {err}", file=sys.stderr)
    handler = docs.make_handler(sets, docs.index_page(sets, resolved.warehouse))
    try:
        server = docs.make_server(args.port, handler)
    except OSError as err:
        raise PapertrendsError(
            f"{docs.HOST}:{args.port}: cannot serve there: {err.strerror} (try --port N)"
        ) from err
    port = server.server_address[1]
    print(
        f"docs of {resolved.warehouse} on http://{docs.HOST}:{port}/ (this machine only); "
        "Ctrl-C stops",
        flush=True,
    )

    def stop(_signum, _frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("papertrends docs: stopped", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    return EXIT_OK


def _cmd_ui(args: argparse.Namespace) -> int:
    import subprocess

    resolved = _settings(args)
    if not resolved.raw_dir_is_default:  # a named landing folder must exist
        paths.require_landing_folder(resolved.raw_dir)
    paths.require_creatable_file(resolved.warehouse, "warehouse")
    settings_module.prepare_dagster_home(resolved)
    if resolved.raw_dir_is_default:  # the default landing folder is created for you
        resolved.raw_dir.mkdir(parents=True, exist_ok=True)
    from pipelines.dbt_manifest import ensure_prepared

    ensure_prepared()  # the code location dagster dev loads reads it
    dagster = Path(sys.executable).parent / "dagster"
    workspace = settings_module.PROJECT_DIR / "workspace.yaml"
    command = [str(dagster), "dev", "-w", str(workspace), "-p", str(args.port), "-h", args.host]
    print(
        f"Dagster UI on http://{args.host}:{args.port} | landing folder {resolved.raw_dir} | "
        f"warehouse {resolved.warehouse} | DAGSTER_HOME {resolved.dagster_home}",
        flush=True,
    )
    # dagster dev runs in its own session: a terminal's Ctrl-C reaches papertrends only, which
    # hands it on once, and what dagster dev leaves behind (code servers, run workers) can be
    # found by its process group. SIGINT is reset to the default in the child: a shell starts
    # `papertrends ui &` with SIGINT ignored, and dagster dev maps SIGTERM to SIGINT's handler.
    # Two start-up warnings papertrends can avoid: dagster dev warns when the folder it starts
    # in holds a dagster.yaml other than DAGSTER_HOME's (the project's template), so it starts in
    # DAGSTER_HOME; and it calls itself superseded by `dg dev`, a CLI this project does not ship.
    # The settings reach the processes dagster dev starts (and the code location they load)
    # through their environment: this one's, with the values resolved here.
    warning_filters = [os.environ.get("PYTHONWARNINGS", ""), UI_SUPERSEDED_FILTER]
    child_env = {
        **os.environ,
        **resolved.environ(),
        "PYTHONWARNINGS": ",".join(f for f in warning_filters if f),
    }
    child = subprocess.Popen(
        command,
        cwd=resolved.dagster_home,
        env=child_env,
        start_new_session=True,
        preexec_fn=_ui_child_setup,
    )
    stop_signals: list[int] = []

    def stop(signum, _frame) -> None:
        stop_signals.append(signum)
        # dagster dev shuts its webserver and daemon down on SIGINT (on TERM too, but only when
        # SIGINT was not ignored at its start)
        _signal_group(child.pid, signal.SIGINT, leader_only=True)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    deadline = None
    try:
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if stop_signals and deadline is None:
                    deadline = time.monotonic() + UI_STOP_SECONDS
                if deadline is not None and time.monotonic() > deadline:
                    _signal_group(child.pid, signal.SIGKILL)  # it did not stop in time
                    code = child.wait()
                    break
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _stop_leftovers(child.pid)
    if stop_signals:
        print("papertrends ui: stopped", file=sys.stderr)
        return EXIT_OK
    # dagster dev's own exit codes are not papertrends' (its 2 would read as failed checks)
    return EXIT_OK if code == 0 else EXIT_FAILED


def _ui_child_setup() -> None:
    """In the forked child before exec: default SIGINT handling, and a SIGTERM should
    papertrends die without stopping it (Linux only: PR_SET_PDEATHSIG)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _signal_group(group: int, signum: int, leader_only: bool = False) -> None:
    try:
        if leader_only:
            os.kill(group, signum)
        else:
            os.killpg(group, signum)
    except ProcessLookupError:
        pass


def _stop_leftovers(group: int) -> None:
    """Processes of dagster dev's group still running after it ended (a run worker, a code
    server): TERM, a moment, then KILL."""
    _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    _signal_group(group, signal.SIGKILL)


def _cmd_topics_evaluate(args: argparse.Namespace) -> int:
    resolved = _settings(args, reads_warehouse=True)
    from pipelines.quality.topic_eval import evaluate_warehouse, format_evaluation

    evaluation = evaluate_warehouse(resolved.warehouse, Path(args.labels), split=args.split)
    print(format_evaluation(evaluation))
    return EXIT_OK


def _iso_date(text: str) -> dt.date:
    """An argparse type: a date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _cmd_synth(args: argparse.Namespace) -> int:
    from pipelines.synth.generator import PlantedPhrase, write_dumps

    if args.dumps < 1:
        raise PapertrendsError("--dumps must be at least 1")
    if not 0.0 <= args.relist_share < 1.0:
        raise PapertrendsError("--relist-share must be at least 0 and below 1")
    if not 0.0 <= args.variant_share <= 1.0:
        raise PapertrendsError("--variant-share must be between 0 and 1")
    try:
        plants = [PlantedPhrase.parse(text) for text in args.plant]
    except ValueError as err:
        raise PapertrendsError(str(err)) from err
    paths.require_creatable_folder(Path(args.out), "synthetic dumps")
    start = {"start": args.start} if args.start is not None else {}
    written = write_dumps(
        Path(args.out),
        args.dumps,
        seed=args.seed,
        **start,
        relist_share=args.relist_share,
        variant_share=args.variant_share,
        plants=plants,
    )
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} synthetic dumps ({total / 1e6:.1f} MB) to {args.out}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    """The pipeline on a synthetic sample with its own landing folder and warehouse (never a
    folder the user named, never the default warehouse)."""
    if args.dumps < 1:
        raise PapertrendsError("--dumps must be at least 1")
    resolved = settings_module.Settings.demo(os.environ)
    if not resolved.raw_dir.is_dir() or not any(resolved.raw_dir.iterdir()):
        from pipelines.synth.generator import write_dumps

        paths.require_creatable_folder(resolved.raw_dir, "demo sample")
        written = write_dumps(resolved.raw_dir, args.dumps, seed=args.seed)
        print(f"demo: wrote {len(written)} synthetic dumps to {resolved.raw_dir}")
    print(f"demo: landing folder {resolved.raw_dir}, warehouse {resolved.warehouse}")
    code = _run_and_summarise(resolved, args.debug)
    print(f'query it: papertrends sql --warehouse {resolved.warehouse} "select ..."')
    print(f"read its docs: papertrends docs --warehouse {resolved.warehouse}")
    return code


if __name__ == "__main__":
    sys.exit(main())
