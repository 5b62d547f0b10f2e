"""The worked example of docs/giftcards.md runs and prints what the guide says it prints."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "giftcards.md"


@pytest.mark.rule("GC-12")
@pytest.mark.rule("GC-8")
def test_the_guide_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.S)
    promised = re.search(r"It prints:\n\n```text\n(.*?)```", text, re.S)
    assert example is not None
    assert promised is not None
    script = tmp_path / "example.py"
    script.write_text(example.group(1), encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")
    printed = capsys.readouterr().out.splitlines()
    assert printed == promised.group(1).splitlines()
