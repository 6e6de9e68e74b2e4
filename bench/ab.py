"""A/B: castra-tail as it is against another checkout, run alternately on the same stream.

    python bench/ab.py --base ../castra-tail-old [--runs 3] [--lines 1000000] [--vms 400]
    git worktree add /tmp/before HEAD~1 && python bench/ab.py --base /tmp/before

Each mode runs ``--runs`` times per side, the sides alternating so that the
machine's drift falls on both; it prints the best wall time, the CPU time of
that run (user + system) and the peak RSS. Figures, never assertions.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODES = [
    ["--summary-only", "-j", "1"],
    ["--summary-only"],
    ["--format", "ndjson", "--type", "message"],
    ["--color", "always", "--no-summary"],
    ["--format", "json", "-j", "1"],
]


def measure(checkout: Path, args: list[str], stream: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one run from ``checkout``."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name]
            + [sys.executable, "-m", "castra_tail", *args, str(stream)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # PYTHONSAFEPATH: ``-m`` would put the working directory first on the path, and
            # from inside a checkout both sides would run that checkout.
            env={**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": str(checkout)},
            check=False,
        )
        wall, user, system, rss = out.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, type=Path, help="the checkout to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--vms", type=int, default=0, help="distinct VMs (bench/gen.py)")
    parser.add_argument("--stream", type=Path, help="a stream of your own instead")
    args = parser.parse_args()
    stream = args.stream
    if stream is None:
        stream = HERE / "data" / f"ab-{args.lines}-{args.vms}.ndjson"
        if not stream.exists():
            stream.parent.mkdir(exist_ok=True)
            gen = [sys.executable, str(HERE / "gen.py"), str(args.lines), "1"]
            with stream.open("w") as out:
                subprocess.run(gen + ([str(args.vms)] if args.vms else []), stdout=out, check=True)
    sides = {"base": args.base.resolve(), "this": ROOT}
    print(f"{stream.name}: best of {args.runs}, alternating; wall s / CPU s / peak MiB")
    for mode in MODES:
        best: dict[str, tuple[float, float, int]] = {}
        for _ in range(args.runs):
            for side, checkout in sides.items():
                figures = measure(checkout, mode, stream)
                if side not in best or figures[0] < best[side][0]:
                    best[side] = figures
        cells = [f"{side} {w:6.2f} {c:6.2f} {r / 1024:6.1f}" for side, (w, c, r) in best.items()]
        ratio = best["base"][0] / best["this"][0]
        print(f"  {' '.join(mode):<32} {'   '.join(cells)}   ×{ratio:.2f}")


if __name__ == "__main__":
    main()
