"""tqdm progress bars for the import commands (on stderr, so reports on stdout stay clean)."""

from pathlib import Path

from tqdm import tqdm


def count_lines(*paths: Path) -> int:
    """Lines in the files, counted by newline bytes (fast enough for a progress bar's total)."""
    total = 0
    for path in paths:
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                total += block.count(b"\n")
    return total


class Bars:
    """One bar per phase ("check", then "apply"), created on first use."""

    def __init__(self, totals: dict[str, int | None], *, disable: bool):
        self.totals = totals
        self.disable = disable
        self.bars: dict[str, tqdm] = {}

    def __call__(self, phase: str, rows: int) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            for other in self.bars.values():
                other.close()
            bar = self.bars[phase] = tqdm(
                total=self.totals.get(phase), desc=phase, unit="row", disable=self.disable, mininterval=0.5
            )
        bar.update(rows)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
