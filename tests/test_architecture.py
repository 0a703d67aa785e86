"""The layers hold: every import-linter contract in pyproject.toml ([tool.importlinter]) is kept.

An upward import (the domain importing a service, a store imported by a page, click
outside the command line, streamlit outside the dashboard, a cycle between sibling
modules) breaks a contract and fails this test with lint-imports' report.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
