"""Numbers for the dashboard's bar charts. Each bar is a row of HTML (its label and value read
at the page's font size at any width) with an SVG bar whose lengths are given here as percentages
of the track, so templates only place the shapes."""

from dataclasses import dataclass, field


@dataclass
class Segment:
    key: str
    label: str
    value: int
    x: float
    width: float


@dataclass
class Bar:
    label: str
    value: float
    text: str
    width: float
    css: str = ""
    href: str = ""
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def _percent(value: float, top: float) -> float:
    return round(100 * value / top, 2) if top else 0.0


def bar_chart(
    title: str,
    rows: list[dict],
    *,
    maximum: float | None = None,
) -> Chart:
    """Horizontal bars. Each row: label, value, and optionally text (shown after the bar),
    css (a class naming the colour) and href (the bar's label links there)."""
    top = maximum if maximum is not None else max((r["value"] for r in rows), default=0)
    bars = [
        Bar(
            label=row["label"],
            value=row["value"],
            text=row.get("text", str(row["value"])),
            width=_percent(row["value"], top),
            css=row.get("css", ""),
            href=row.get("href", ""),
        )
        for row in rows
    ]
    return Chart(title=title, bars=bars)


def stacked_bar_chart(title: str, rows: list[dict], segments: list[tuple[str, str]]) -> Chart:
    """Horizontal bars split into coloured segments. Each row: label and `parts`, a dict of
    segment key → count; `segments` lists (key, label) in drawing order and is the legend."""
    top = max((sum(r["parts"].values()) for r in rows), default=0)
    bars = []
    for row in rows:
        total = sum(row["parts"].values())
        x = 0.0
        parts = []
        for key, label in segments:
            value = row["parts"].get(key, 0)
            if not value:
                continue
            width = _percent(value, top)
            parts.append(Segment(key=key, label=label, value=value, x=round(x, 2), width=width))
            x += width
        bars.append(
            Bar(
                label=row["label"],
                value=total,
                text=str(total),
                width=_percent(total, top),
                href=row.get("href", ""),
                segments=parts,
            )
        )
    return Chart(title=title, bars=bars, legend=list(segments))
