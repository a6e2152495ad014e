"""The bad-input battery (tests/bad_input_battery.py): one test per case, each refused with a clear Chinese
message, corrected with a warning or processed unchanged, and none losing or falsifying anything.  The
counts are written to tests/artifacts/bad_input_battery.txt (and quoted in the README)."""
from __future__ import annotations

import pytest

import bad_input_battery as battery

OUTCOMES: dict[str, battery.Outcome] = {}


@pytest.fixture(scope="module", autouse=True)
def _report(artifacts_dir):
    yield
    counts = battery.summary(OUTCOMES)
    lines = [f"{case.id}\t{OUTCOMES[case.id].kind}\t{'ok' if OUTCOMES[case.id].ok else 'FAIL'}"
             f"\t{case.xfail or '; '.join(OUTCOMES[case.id].problems)}"
             for case in battery.CASES if case.id in OUTCOMES]
    lines.append(f"{len(OUTCOMES)} cases: {counts['refused']} refused with a clear message, {counts['corrected']} "
                 f"corrected with a warning, {counts['unchanged']} processed unchanged, {counts['crash']} crashed; "
                 f"{counts['failed']} failed, {counts['xfail']} known failures (xfail)")
    (artifacts_dir / "bad_input_battery.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _param(case: battery.Case):
    marks = [pytest.mark.xfail(reason=case.xfail, strict=False)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in battery.CASES])
def test_bad_input(case: battery.Case, liangwei_provider, tmp_path):
    outcome = battery.run_case(case, tmp_path / "case")
    OUTCOMES[case.id] = outcome
    assert outcome.ok, f"{case.id} ({case.klass}): {outcome.kind}: {'; '.join(outcome.problems)}\n{outcome.message}"


def test_battery_is_large_enough():
    assert len(battery.CASES) >= 100
    assert len({c.id for c in battery.CASES}) == len(battery.CASES)
