import pytest

from traceboard.files.site_writer import SiteWriteError, write_site


def test_writes_files_replaces_old_alert_pages_and_keeps_other_files(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"one", "alerts/1.html": b"a1", "alerts/2.html": b"a2"}, out)
    (out / "CNAME").write_text("keep me")
    written = write_site({"index.html": "二".encode(), "alerts/2.html": b"a2"}, out)
    assert written == [out / "alerts/2.html", out / "index.html"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "CNAME",
        "alerts/2.html",
        "index.html",
    ]
    assert (out / "index.html").read_text(encoding="utf-8") == "二"


def test_an_unwritable_target_is_one_clear_error_and_nothing_changes(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SiteWriteError, match="cannot write the site into"):
        write_site({"index.html": b"x"}, blocker)
    assert blocker.read_text() == "x"


def test_a_failure_while_staging_leaves_the_old_site(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"old"}, out)
    with pytest.raises(SiteWriteError, match="cannot write the site file"):
        write_site(
            {"index.html": b"new", "alerts": b"clashes with alerts/1.html", "alerts/1.html": b"x"}, out
        )
    assert (out / "index.html").read_bytes() == b"old"
    assert [p.name for p in out.iterdir()] == ["index.html"], "no staging directory is left behind"
