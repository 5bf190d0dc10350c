"""Where a worker's time goes: the 3-step benchmark workflow drained in this
process under pyinstrument (a statistical profiler; `pip install pyinstrument`).

    python bench/profile_drain.py [--runs 2000] [--html out.html]
    python bench/profile_drain.py --no-profile           # CPU per run only
    python bench/profile_drain.py --no-profile --count   # and statements/commits per run
    python bench/profile_drain.py --cprofile drain.prof  # cProfile (every call) instead

Creates a backlog of orders (with their events), then profiles `drain()` only.
`--count` counts the SQL statements of every thread of this process by kind
(and the most frequent ones), and the commits of the worker's own code by where
they come from, per run.
"""

from __future__ import annotations

import argparse
import collections
import sys
import threading
import time
import traceback
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--html", default=None, help="also write an HTML report here")
    parser.add_argument("--no-profile", action="store_true",
                        help="only time the drain (wall and CPU time of this process)")
    parser.add_argument("--count", action="store_true",
                        help="count SQL statements and commits per run")
    parser.add_argument("--cprofile", default=None, metavar="FILE",
                        help="profile with cProfile instead (deterministic, every call): "
                             "print the top functions by own and cumulative time and "
                             "write the stats to FILE (for pstats/snakeviz)")
    args = parser.parse_args()
    common.configure()
    from django.db import transaction

    from config.demo.models import Customer, Order
    from workflows_app.execution.queue import drain
    from workflows_app.services import save_definition

    common.reset_data()
    receiver = common.Receiver()
    customer = Customer.objects.create(name="Bench", email="bench@example.com")
    save_definition(common.three_step_workflow(receiver.url), activate=True)
    for index in range(args.runs):
        with transaction.atomic():
            Order.objects.create(number=f"P-{index:06d}", customer=customer,
                                 total_amount=Decimal("100.00") + index)
    counter = QueryCounter() if args.count else None
    commits_before = common.pg_commits()
    profiler = None
    cprofiler = None
    if args.cprofile:
        import cProfile

        cprofiler = cProfile.Profile()
    elif not args.no_profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
    started, cpu, main_cpu = time.monotonic(), time.process_time(), time.thread_time()
    if profiler:
        profiler.start()
    if cprofiler:
        cprofiler.enable()
    report = drain()
    if cprofiler:
        cprofiler.disable()
    if profiler:
        profiler.stop()
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    main_cpu = time.thread_time() - main_cpu
    print(f"{report.runs_executed} runs in {elapsed:.2f} s: {args.runs / elapsed:.0f} runs/s "
          f"in one process; CPU per run: {cpu / args.runs * 1000:.2f} ms in all (incl. "
          f"the HTTP receiver and step threads), {main_cpu / args.runs * 1000:.2f} ms in the "
          f"worker's main thread (HTTP calls: {receiver.count})")
    commits_after = common.pg_commits()
    if commits_before is not None and commits_after is not None:
        print(f"PostgreSQL commits per run: {(commits_after - commits_before) / args.runs:.3f}")
    if counter:
        counter.report(args.runs)
    if cprofiler:
        import pstats

        cprofiler.dump_stats(args.cprofile)
        stats = pstats.Stats(cprofiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
    if profiler:
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        if args.html:
            Path(args.html).write_text(profiler.output_html())
    receiver.close()


class QueryCounter:
    """Counts the SQL statements run on every database connection of this process
    (by thread and kind) and the commits made by the app's code (by call site)."""

    def __init__(self) -> None:
        from django.db import connections
        from django.db.backends.base.base import BaseDatabaseWrapper
        from django.db.backends.signals import connection_created

        self.statements: collections.Counter[tuple[str, str]] = collections.Counter()
        self.commits: collections.Counter[str] = collections.Counter()
        self.texts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        connection_created.connect(self._install, weak=False)
        for connection in connections.all():
            connection.close()  # reopened, with the wrapper
        original = BaseDatabaseWrapper.commit
        counter = self

        def commit(wrapper: BaseDatabaseWrapper) -> None:
            frames = traceback.extract_stack(limit=14)[:-1]
            where = " < ".join(frame.name for frame in reversed(frames)
                               if "workflows_app" in frame.filename)[:120]
            with counter.lock:
                counter.commits[where or "(elsewhere)"] += 1
            original(wrapper)

        BaseDatabaseWrapper.commit = commit  # type: ignore[method-assign]

    def _install(self, sender: object, connection: object, **kwargs: object) -> None:
        connection.execute_wrappers.append(self._count)  # type: ignore[attr-defined]

    def _count(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        thread = threading.current_thread().name.split("_")[0]
        kind = sql.split(None, 1)[0].upper() + (" (executemany)" if many else "")
        with self.lock:
            self.statements[(thread, kind)] += 1
            self.texts[f"{thread}: {' '.join(sql.split())[:110]}"] += 1
        return execute(sql, params, many, context)

    def report(self, runs: int) -> None:
        print("SQL statements per run (executemany counts once), by thread:")
        for (thread, kind), count in self.statements.most_common():
            print(f"  {count / runs:7.3f}  {thread:22} {kind}")
        print("most frequent statements per run (first 110 characters):")
        for text, count in self.texts.most_common(12):
            print(f"  {count / runs:7.3f}  {text}")
        print("commits per run, by where the app's code made them:")
        for where, count in self.commits.most_common(8):
            print(f"  {count / runs:7.3f}  {where}")


if __name__ == "__main__":
    main()
