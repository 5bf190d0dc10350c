"""Where a worker's time goes: the 3-step benchmark workflow drained in this
process under pyinstrument (a statistical profiler; `pip install pyinstrument`).

    python bench/profile_drain.py [--runs 2000] [--html out.html]

Creates a backlog of orders (with their events), then profiles `drain()` only.
"""

from __future__ import annotations

import argparse
import sys
import time
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
    args = parser.parse_args()
    common.configure()
    from django.db import transaction
    from pyinstrument import Profiler

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
    profiler = None if args.no_profile else Profiler(interval=0.001)
    started, cpu, main_cpu = time.monotonic(), time.process_time(), time.thread_time()
    if profiler:
        profiler.start()
    report = drain()
    if profiler:
        profiler.stop()
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    main_cpu = time.thread_time() - main_cpu
    print(f"{report.runs_executed} runs in {elapsed:.2f} s: {args.runs / elapsed:.0f} runs/s "
          f"in one process; CPU per run: {cpu / args.runs * 1000:.2f} ms in all (incl. "
          f"the HTTP receiver and step threads), {main_cpu / args.runs * 1000:.2f} ms in the "
          f"worker's main thread (HTTP calls: {receiver.count})")
    if profiler:
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        if args.html:
            Path(args.html).write_text(profiler.output_html())
    receiver.close()


if __name__ == "__main__":
    main()
