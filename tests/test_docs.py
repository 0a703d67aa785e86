"""The rules' citations stay inside the repository: every docs/ path cited exists, nothing
cites the team's design note or a path outside the project."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"docs/[\w./-]+\.md")


def _sources():
    for folder in ("src", "tests"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".toml", ".md") and path != Path(__file__):
                yield path, path.read_text(encoding="utf-8")


def test_cited_docs_exist_and_nothing_cites_outside_the_repository():
    cited = set()
    for path, text in _sources():
        assert "DESIGN.md" not in text, path
        assert "/work/" not in text, path
        cited |= set(CITED.findall(text))
    assert {"docs/assessment.md", "docs/blacklist.md", "docs/draw.md"} <= cited
    missing = sorted(c for c in cited if not (ROOT / c).is_file())
    assert not missing, missing
