"""Writing the public site's files to a directory, all of them or none."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


class SiteWriteError(OSError):
    """The output directory cannot be written (one-line message)."""


def write_site(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write ``files`` (relative path → bytes) into ``out_dir``; return the written paths.

    The files are written into a temporary sibling directory first and moved
    into place only when all are written, so a failure leaves ``out_dir`` as
    it was. Files of earlier runs that are not part of ``files`` are removed
    only from the site's own sub-folder ``alerts/`` (an alert page that no
    longer exists) — nothing else in ``out_dir`` is touched.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out_dir))
    except OSError as exc:
        raise SiteWriteError(f"cannot write the site into {out_dir}: {exc.strerror or exc}") from None
    try:
        _stage(files, staging)
        if (out_dir / "alerts").is_dir():
            shutil.rmtree(out_dir / "alerts")
        for name in sorted(files):
            final = out_dir / name
            final.parent.mkdir(parents=True, exist_ok=True)
            (staging / name).replace(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in sorted(files)]


def _stage(files: dict[str, bytes], staging: Path) -> None:
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    except OSError as exc:
        raise SiteWriteError(f"cannot write the site file {exc.filename}: {exc.strerror or exc}") from None
