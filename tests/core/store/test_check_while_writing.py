"""`projections check` reads the read models and the log as of one moment, so a writer
committing while it runs never makes it report a mismatch that is not there."""

from __future__ import annotations

import threading

from goalplan.store import open_store
from goalplan.store.projecting import InlineProjections

from .factory import new_events

PLANS = ("plan-a", "plan-b", "plan-c")


def test_check_finds_nothing_while_a_writer_commits(store_url: str) -> None:
    setup = open_store(store_url)
    for plan_id in PLANS:
        setup.append(plan_id, new_events(2), 0)
    setup.close()
    done = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def write() -> None:
        writer = open_store(store_url)
        try:
            versions = dict.fromkeys(PLANS, 2)
            for n in range(60):
                plan_id = PLANS[n % len(PLANS)]
                writer.append(plan_id, new_events(1), versions[plan_id])
                versions[plan_id] += 1
                written.append(n)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            writer.close()
            done.set()

    checker = open_store(store_url)
    assert isinstance(checker, InlineProjections)
    thread = threading.Thread(target=write)
    thread.start()
    checks = 0
    try:
        while not done.is_set() or checks == 0:
            report = checker.check_read_models()
            assert report.mismatches == (), report.mismatches
            checks += 1
    finally:
        thread.join()
        checker.close()
    assert not failures, failures
    assert len(written) == 60 and checks > 1  # the check really ran beside the writer
