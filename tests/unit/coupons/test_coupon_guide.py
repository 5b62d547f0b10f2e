"""The worked example of docs/coupons.md runs and prints what the guide says it prints."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "coupons.md"


@pytest.mark.rule("CPN-11")
def test_the_guide_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.S)
    assert example is not None
    script = tmp_path / "example.py"
    script.write_text(example.group(1), encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "{'available': 0, 'locked': 0, 'used': 1, 'expired': 0, 'voided': 0}"
    assert printed[1] == "1 20.00 CNY 128.00 CNY 128.00 CNY"
