"""documents.toml is checked when it is loaded: unknown placeholders, braces, deadlines, required keys."""
from __future__ import annotations

import pytest

from liangwei.liangwei_plugin.documents import config as cfg_mod  # noqa: E402
from liangwei.liangwei_plugin.documents.config import DocumentConfigError, load_config  # noqa: E402


def _override(tmp_path, text: str) -> str:
    p = tmp_path / "县局文书.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_shipped_documents_toml_passes():
    cfg_mod._load.cache_clear()
    config = load_config(None)
    assert config["notice"]["facts"].startswith("经查")
    cfg_mod.validate(config)  # again, explicitly


def test_unknown_placeholder_refused_with_the_key(tmp_path):
    path = _override(tmp_path, '[notice]\nfacts = "经查：{you}于{qsx}在{locaton}占地。"\n')
    with pytest.raises(DocumentConfigError) as exc:
        load_config(path)
    msg = str(exc.value)
    assert "[notice] facts" in msg and "{locaton}" in msg and path in msg
    assert "{location}" in msg  # the names that may be used are listed


def test_negative_deadline_refused_with_the_key(tmp_path):
    path = _override(tmp_path, '[deadlines]\n"没收" = -5\n')
    with pytest.raises(DocumentConfigError) as exc:
        load_config(path)
    msg = str(exc.value)
    assert "[deadlines] 没收" in msg and "-5" in msg and path in msg


@pytest.mark.parametrize("text, expected", [
    ('[deadlines]\ndefault = 7.5\n', "[deadlines] default"),
    ('[deadlines]\ndefault = "30"\n', "[deadlines] default"),
    ('[referral]\nreply_days = -1\n', "[referral] reply_days"),
    ('[notice]\norder = "依据{penalty_basis的规定"\n', "[notice] order"),
    ('[report]\nintro = "监测编号为}{patch_id}"\n', "[report] intro"),
    ('[referral]\nfacts = "一、{}"\n', "[referral] facts"),
    ('[numbering.notice]\npattern = "{short}〔{yaer}〕第{n:03d}号"\n', "[numbering.notice] pattern"),
    ('[report]\ntail_note = "注：{rows}{patch_id}"\n', "[report] tail_note"),
    ('notice = "x"\n', "notice"),
])
def test_bad_values_refused(tmp_path, text, expected):
    with pytest.raises(DocumentConfigError) as exc:
        load_config(_override(tmp_path, text))
    assert expected in str(exc.value)


def test_missing_required_key_refused():
    config = load_config(None)
    del config["notice"]["facts"]
    with pytest.raises(DocumentConfigError, match=r"\[notice\] facts 缺失"):
        cfg_mod.validate(config)


def test_valid_override_loads(tmp_path):
    path = _override(tmp_path, '[deadlines]\n"没收" = 0\n[notice]\nfacts = "经查：{you}在{location}。"\n'
                               '[numbering.notice]\npattern = "{short}〔{year}〕{n:04d}号"\n')
    assert load_config(path)["deadlines"]["没收"] == 0
