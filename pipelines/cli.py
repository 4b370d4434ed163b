"""The ``papertrends`` command: argument parsing, then Dagster (in-process) does the work.

Exit status: 0 all input loaded (and, for ``check``/``run``/``build``, every check passed); 2 a
data quality check failed (Great Expectations suite or dbt test); 3 finished but some files or
records were rejected (see ``raw.rejects``); 1 failed. Errors are one line; ``--debug`` shows tracebacks and Dagster logs.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from pipelines import settings as settings_module
from pipelines.errors import PapertrendsError

EXIT_OK, EXIT_FAILED, EXIT_CHECKS, EXIT_REJECTS = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except PapertrendsError as err:
        _fail(args, str(err), err)
    except KeyboardInterrupt:
        print("papertrends: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except Exception as err:  # anything unforeseen still reads as one line
        _fail(args, f"{type(err).__name__}: {_first_line(str(err))}", err)
    return EXIT_FAILED


def _fail(args: argparse.Namespace, message: str, err: BaseException) -> None:
    if getattr(args, "debug", False):
        traceback.print_exception(err)
    # one line, even when a wrapped library message (DuckDB, dbt) spans several
    print(f"papertrends: error: {_first_line(message)}", file=sys.stderr)


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else "(no message)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="papertrends",
        description="Turn a folder of 'Daily Papers' dumps into a DuckDB warehouse of ML trends.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--debug", action="store_true", help="show tracebacks and Dagster logs")
        cmd.set_defaults(handler=handler)
        return cmd

    def paths(cmd: argparse.ArgumentParser, raw: bool = True) -> None:
        if raw:
            cmd.add_argument(
                "--raw-dir", help="landing folder (env PAPERTRENDS_RAW_DIR, default data/raw)"
            )
        cmd.add_argument(
            "--warehouse",
            help="DuckDB file (env PAPERTRENDS_WAREHOUSE, default data/warehouse.duckdb)",
        )

    paths(command("ingest", _cmd_ingest, "load new or changed dumps into the raw layer"))
    paths(command("run", _cmd_run, "ingest, then build everything downstream; print a summary"))
    paths(
        command("build", _cmd_build, "build the marts (dbt models and tests) from the raw layer"),
        raw=False,
    )

    paths(
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
        "--out", help="report folder (env PAPERTRENDS_REPORTS_DIR, default data/reports)"
    )
    paths(report, raw=False)

    sql = command("sql", _cmd_sql, "run a read-only SQL query on the warehouse, print a table")
    sql.add_argument("query", help="the SQL query")
    sql.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    paths(sql, raw=False)

    ui = command("ui", _cmd_ui, "start the Dagster UI and daemon (dagster dev) on this project")
    ui.add_argument("--port", type=int, default=3000, help="web port (default 3000)")
    ui.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    paths(ui)

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
    paths(evaluate, raw=False)

    synth = command("synth", _cmd_synth, "write realistic synthetic dumps in the real format")
    synth.add_argument("--out", required=True, help="folder to write the dumps into")
    synth.add_argument("--dumps", type=int, required=True, help="how many dumps")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
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
    return parser


def _settings(args: argparse.Namespace) -> settings_module.Settings:
    """Resolve paths from flags/env and export them so the Dagster definitions see the same."""
    resolved = settings_module.load_settings(
        raw_dir=getattr(args, "raw_dir", None),
        warehouse=getattr(args, "warehouse", None),
        reports_dir=getattr(args, "out", None) if args.command == "report" else None,
    )
    os.environ[settings_module.RAW_DIR_ENV] = str(resolved.raw_dir)
    os.environ[settings_module.REPORTS_DIR_ENV] = str(resolved.reports_dir)
    os.environ[settings_module.WAREHOUSE_ENV] = str(resolved.warehouse)
    os.environ[settings_module.DAGSTER_HOME_ENV] = str(resolved.dagster_home)
    return resolved


def _cmd_ingest(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines import orchestrate  # imports Dagster: only for commands that need it

    summary = orchestrate.ingest(resolved, debug=args.debug)
    print(summary.line())
    return EXIT_OK if summary.clean else EXIT_REJECTS


def _cmd_run(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines import orchestrate

    summary, quality = orchestrate.run_all(resolved, debug=args.debug)
    print(summary.line())
    print(quality.line())
    if not quality.blocked:
        print(f"trend report: {resolved.reports_dir / 'index.html'}")
    if not summary.clean:
        print("some files or records were rejected: see raw.rejects", file=sys.stderr)
    if not quality.passed:
        return EXIT_CHECKS
    return EXIT_OK if summary.clean else EXIT_REJECTS


def _cmd_build(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines import orchestrate

    quality = orchestrate.build(resolved, debug=args.debug)
    if quality.blocked:
        print(f"marts NOT rebuilt in {resolved.warehouse}: a blocking check failed")
    else:
        print(
            f"marts built in {resolved.warehouse}; "
            f"trend report {resolved.reports_dir / 'index.html'}"
        )
    print(quality.line())
    return EXIT_OK if quality.passed else EXIT_CHECKS


def _cmd_check(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines import orchestrate

    quality = orchestrate.check(resolved, debug=args.debug)
    for line in quality.failure_lines():
        print(line)
    print(quality.line(hint=False))
    print(f"Data Docs: {resolved.quality_dir / 'gx/uncommitted/data_docs/local_site/index.html'}")
    return EXIT_OK if quality.passed else EXIT_CHECKS


def _cmd_report(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines import orchestrate

    page = orchestrate.report(resolved, debug=args.debug)
    print(f"trend report written to {page}")
    return EXIT_OK


def _cmd_sql(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines.warehouse.query import run_query

    frame = run_query(resolved.warehouse, args.query)
    if args.csv:
        sys.stdout.write(frame.write_csv())
    else:
        import polars as pl

        with pl.Config(
            tbl_rows=200, tbl_cols=50, fmt_str_lengths=80, tbl_hide_dataframe_shape=True
        ):
            print(frame)
        print(f"({frame.height} row{'s' if frame.height != 1 else ''})")
    return EXIT_OK


def _cmd_ui(args: argparse.Namespace) -> int:
    import subprocess

    resolved = _settings(args)
    settings_module.prepare_dagster_home(resolved)
    resolved.raw_dir.mkdir(parents=True, exist_ok=True)
    dagster = Path(sys.executable).parent / "dagster"
    workspace = settings_module.PROJECT_DIR / "workspace.yaml"
    command = [str(dagster), "dev", "-w", str(workspace), "-p", str(args.port), "-h", args.host]
    print(
        f"Dagster UI on http://{args.host}:{args.port} | landing folder {resolved.raw_dir} | "
        f"warehouse {resolved.warehouse} | DAGSTER_HOME {resolved.dagster_home}",
        flush=True,
    )
    try:
        return subprocess.call(command, cwd=settings_module.PROJECT_DIR)
    except KeyboardInterrupt:
        return EXIT_OK


def _cmd_topics_evaluate(args: argparse.Namespace) -> int:
    resolved = _settings(args)
    from pipelines.quality.topic_eval import evaluate_warehouse, format_evaluation

    evaluation = evaluate_warehouse(resolved.warehouse, Path(args.labels), split=args.split)
    print(format_evaluation(evaluation))
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from pipelines.dumps.synth import PlantedPhrase, write_dumps

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
    paths = write_dumps(
        Path(args.out),
        args.dumps,
        seed=args.seed,
        relist_share=args.relist_share,
        variant_share=args.variant_share,
        plants=plants,
    )
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} synthetic dumps ({total / 1e6:.1f} MB) to {args.out}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
