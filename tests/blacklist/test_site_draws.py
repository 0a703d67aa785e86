"""抽查公示 on the public site: a draw's commitment is public from the moment it is committed; after
the reveal, its manifest and the stand-alone verifier, which redoes the draw from the site alone."""

import hashlib
import re
import subprocess
import sys

from traceboard.cli.main import main
from traceboard.services.public import build_site

SEED = "公开掷骰 3-1-6-6"


def test_commitment_then_manifest_and_verifier_on_the_site(demo_engine, tmp_path):
    digest = hashlib.sha256(SEED.encode()).hexdigest()
    commit = ["draw", "commit", "--ratio", "0.05", "--seed-sha256", digest, "--as", "demo-office"]
    assert main(commit) == 0
    site = build_site(demo_engine)
    page = site["draws.html"].decode()
    assert "抽取 1" in page and digest in page and "尚未抽取" in page
    assert SEED not in page and not any(name.startswith("draws/") for name in site)
    (listed,) = re.findall(r"<code>([0-9a-f]{64})</code>", page.replace(f"<code>{digest}</code>", ""))

    assert (
        main(
            ["draw", "reveal", "1", "--seed", SEED, "--out", str(tmp_path / "m.json"), "--as", "demo-office"]
        )
        == 0
    )
    site = build_site(demo_engine)
    page = site["draws.html"].decode()
    assert SEED in page and digest in page and listed in page
    assert site["draws/manifest-1.json"] == (tmp_path / "m.json").read_bytes()
    assert f'"list_sha256": "{listed}"' in site["draws/manifest-1.json"].decode(), "the committed list"
    # anyone holding the two published files redoes the draw, with nothing but Python
    for name in ("draws/manifest-1.json", "draws/verify_manifest.py"):
        (tmp_path / name.split("/")[1]).write_bytes(site[name])
    done = subprocess.run(
        [sys.executable, "-I", "verify_manifest.py", "manifest-1.json"], cwd=tmp_path, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    howto = site["draw-howto.html"].decode()
    assert "python3 verify_manifest.py" in howto and "seed_sha256" in howto
    for html in (page, howto):
        assert not re.search(r'(src|href)="(https?:)?//', html), "nothing loads from another host"
