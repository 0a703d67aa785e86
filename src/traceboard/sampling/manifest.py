"""The draw manifest (JSON, UTF-8): everything anyone needs to redo a draw (issue 6, part 4).

Fields: ``spec``, ``seed``, ``seed_sha256`` (the commitment), ``list_sha256``
(the list hash published at commit), ``created_at``, ``home_township_recusal``,
``strata`` (``stratum, N, k, ratio, candidates, candidates_sha256, drawn``),
``pools`` (``pool, inspectors, cap``) and ``assignments`` (``uscc, pool,
inspectors, recused``). Verification is :mod:`traceboard.sampling.verify_manifest`
(standard library only, published beside the manifest).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import BinaryIO

from traceboard.i18n import Message
from traceboard.sampling import verify_manifest as verifier
from traceboard.sampling.assign import pool_summaries
from traceboard.sampling.spec import SPEC, Stratum, list_sha256, sha256_hex


class ManifestInvalid(ValueError):
    """A manifest that does not verify: the message names the first stratum or assignment at fault."""


def _ratio(stratum: Stratum) -> float | int:
    value = float(stratum.ratio)
    return int(value) if value.is_integer() else value


def build_manifest(
    seed: str,
    strata: Sequence[Stratum],
    drawn: Sequence[Sequence[str]],
    assignments: Sequence[dict],
    pools: dict[str, Sequence[int]],
    created_at: dt.datetime,
    home_township_recusal: bool = True,
    spec: str = SPEC,
) -> dict:
    """The manifest of a finished draw (a plain dict ready for ``json.dumps``)."""
    return {
        "spec": spec,
        "seed": seed,
        "seed_sha256": sha256_hex(seed),
        "list_sha256": list_sha256([(s.label, s.sha256) for s in strata]),
        "created_at": created_at.isoformat(timespec="seconds"),
        "home_township_recusal": home_township_recusal,
        "strata": [
            {
                "stratum": s.label,
                "N": len(s.candidates),
                "k": s.k,
                "ratio": _ratio(s),
                "candidates": list(s.candidates),
                "candidates_sha256": s.sha256,
                "drawn": list(codes),
            }
            for s, codes in zip(strata, drawn, strict=True)
        ],
        "pools": pool_summaries(pools, assignments),
        "assignments": [dict(a) for a in assignments],
    }


LISTED_PER_LINE = ("strata", "pools", "assignments")


def dump_manifest(manifest: dict) -> bytes:
    """The manifest as UTF-8 JSON bytes (Chinese kept as characters): one line per field, and under
    ``strata``, ``pools`` and ``assignments`` one line per stratum, pool or assignment.

    A stratum's candidate codes stay on its line (the earlier, indented layout gave each code a
    line: a sixth larger at a million, no quicker to parse); ``verify_manifest.py`` reads either
    layout (docs/draw.md). The bytes are those :func:`write_manifest` writes.
    """
    out = io.BytesIO()
    write_manifest(manifest, out)
    return out.getvalue()


def write_manifest(manifest: dict, out: BinaryIO) -> None:
    """Write the manifest's bytes (:func:`dump_manifest`) to ``out`` a line at a time.

    Nothing larger than one line is held besides what ``out`` keeps: joining the lines first, and
    then the fields, held the whole manifest two or three times over (at a million candidates,
    with spec 1's recusals, 55 MB each).
    """

    def one_line(value: object) -> bytes:
        # each piece encoded on its own: one Chinese character would make a joined text of the whole
        # manifest two or four bytes a character in memory (a million codes: hundreds of MB)
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

    out.write(b"{\n")
    for field, (key, value) in enumerate(manifest.items()):
        if field:
            out.write(b",\n")
        if key in LISTED_PER_LINE and isinstance(value, list) and value:
            out.write(one_line(key) + b": [\n")
            for item, element in enumerate(value):
                if item:
                    out.write(b",\n")
                out.write(one_line(element))
            out.write(b"\n]")
        else:
            out.write(one_line(key) + b": " + one_line(value))
    out.write(b"\n}\n")


def check_manifest(data: bytes | str) -> dict:
    """Parse and verify a manifest; return it, or raise :class:`ManifestInvalid` naming the problem."""
    try:
        manifest = verifier.load(data)
    except verifier.Mismatch as exc:
        raise ManifestInvalid(mismatch(str(exc))) from None
    problem = verifier.verify(manifest)
    if problem:
        raise ManifestInvalid(mismatch(problem))
    return manifest


# The stand-alone verifier (published for anyone to run, standard library only) words its findings in
# English; here each is given the catalog sentence of its kind (its English text stays the verifier's).
_MISMATCH_KINDS = (
    ("stratum ", lambda d: Message("refusals.manifest_stratum", detail=d)),
    ("assignment ", lambda d: Message("refusals.manifest_assignment", detail=d)),
    ("pool ", lambda d: Message("refusals.manifest_pool", detail=d)),
    ("spec is ", lambda d: Message("refusals.manifest_spec", detail=d)),
    ("seed_sha256 ", lambda d: Message("refusals.manifest_seed", detail=d)),
    ("list_sha256 ", lambda d: Message("refusals.manifest_list", detail=d)),
)


def mismatch(problem: str) -> Message:
    """The verifier's finding as a ``Message`` of its kind (the file's form, a stratum, an assignment…)."""
    if problem.startswith("the manifest is not") or ": field " in problem:
        return Message("refusals.manifest_format", detail=problem)
    for prefix, said in _MISMATCH_KINDS:
        if problem.startswith(prefix):
            return said(problem)
    return Message("refusals.manifest_other", detail=problem)
