"""A citizen's verification as the bench measures it: the stand-alone verifier in a process of its own.

``python -m traceboard.bench.verify_child MANIFEST REPEAT_UNDER MAX_REPEATS`` reads, parses and
verifies the manifest file with :func:`traceboard.sampling.verify_manifest.verify_file` (what
``python verify_manifest.py MANIFEST`` does), repeated as ``time_median`` repeats a step (while one
run takes under ``REPEAT_UNDER`` seconds, at most ``MAX_REPEATS`` runs), and prints one JSON line:
the median seconds, the verifier's finding (null when the manifest re-computes) and this process's
own peak resident memory (:func:`own_peak_mb`). Nothing but the standard library and the
verifier is imported here, so the peak is the verifier's own, as on a citizen's computer (no
frame, no pandas).
"""

import json
import resource
import statistics
import sys
import time

from traceboard.sampling.verify_manifest import verify_file


def verify_median(path: str, repeat_under: float, max_repeats: int) -> tuple[float, str | None]:
    """Median seconds of ``verify_file(path)`` (repeated as ``time_median`` does) and its finding."""
    started = time.perf_counter()
    problem = verify_file(path)
    times = [time.perf_counter() - started]
    while times[0] < repeat_under and len(times) < max_repeats:
        started = time.perf_counter()
        problem = verify_file(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times), problem


def own_peak_mb() -> float:
    """This process's peak resident memory in MB, its own even in a child of a large process.

    Linux's ``VmHWM`` starts afresh when a program is executed; ``ru_maxrss`` does not: a child
    reports at least what its parent held when it was started (a child of the bench's process
    with a million-enterprise frame, 700 MB whatever it did itself). ``ru_maxrss`` elsewhere.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux and BSD: KiB


def main(argv: list[str]) -> None:
    path, repeat_under, max_repeats = argv[1], float(argv[2]), int(argv[3])
    seconds, problem = verify_median(path, repeat_under, max_repeats)
    found = {"seconds": seconds, "problem": problem, "peak_rss_mb": round(own_peak_mb(), 1)}
    sys.stdout.write(json.dumps(found) + "\n")


if __name__ == "__main__":
    main(sys.argv)
