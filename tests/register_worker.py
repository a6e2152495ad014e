"""Child process for the register's concurrency and crash tests (run by tests/test_register.py).

    register_worker.py advance TARGET CASE STAGE DATE ACTOR   read the case, print READY, wait for a
                                                              line on stdin, then advance it with the
                                                              version read (optimistic locking)
    register_worker.py batch TARGET STAGE DATE ATOMIC FID...  advance cases in one batch, printing
                                                              "DONE n" after each and sleeping, so the
                                                              parent can SIGKILL it mid-batch
"""
from __future__ import annotations

import sys
import time

from liangwei.liangwei_plugin.register import ConflictError, Register
from liangwei.liangwei_plugin.register.workflow import Workflow

# as in tests/conftest.py: these concurrency tests advance cases without an on-site check
Workflow.needs_verification = lambda self, case, target: False


def main(argv: list[str]) -> int:
    mode, target = argv[1], argv[2]
    reg = Register(target)
    if mode == "advance":
        case_ref, stage, date, actor = argv[3], argv[4], argv[5], argv[6]
        case = reg.get_case(case_ref)
        print("READY", flush=True)
        sys.stdin.readline()
        try:
            reg.advance(case["fid"], stage, date, actor, f"{actor} 处置", expected_version=case["version"])
        except ConflictError as exc:
            print(f"CONFLICT {exc}", flush=True)
            return 3
        print("OK", flush=True)
        return 0
    if mode == "batch":
        stage, date, atomic = argv[3], argv[4], argv[5] == "1"
        fids = [int(f) for f in argv[6:]]

        def after_each(i: int) -> None:
            print(f"DONE {i + 1}", flush=True)
            time.sleep(0.3)

        reg.advance_many(fids, stage, date, "批处理", "批量推进", atomic=atomic, after_each=after_each)
        print("FINISHED", flush=True)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
