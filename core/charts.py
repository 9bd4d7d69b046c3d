"""Geometry for the dashboard's server-drawn SVG charts; templates only place the shapes."""

from dataclasses import dataclass, field

CHART_WIDTH = 580
LABEL_WIDTH = 170
VALUE_WIDTH = 90
BAR_HEIGHT = 22
BAR_GAP = 10


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
    y: float
    width: float
    css: str = ""
    href: str = ""
    segments: list[Segment] = field(default_factory=list)

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2

    @property
    def value_x(self) -> float:
        """Where the number after the bar starts."""
        return LABEL_WIDTH + self.width + 6


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    legend: list[tuple[str, str]] = field(default_factory=list)
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP

    @property
    def plot_width(self) -> int:
        return self.width - LABEL_WIDTH - VALUE_WIDTH

    @property
    def label_x(self) -> int:
        return LABEL_WIDTH - 8

    @property
    def is_empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def _y(index: int) -> float:
    return BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)


def _short(label: str, limit: int = 21) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(
    title: str,
    rows: list[dict],
    *,
    maximum: float | None = None,
) -> Chart:
    """Horizontal bars. Each row: label, value, and optionally text (shown after the bar),
    css (a class naming the colour) and href (the bar's label links there)."""
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = maximum if maximum is not None else max((r["value"] for r in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        width = plot * row["value"] / top if top else 0
        bars.append(
            Bar(
                label=_short(row["label"]),
                value=row["value"],
                text=row.get("text", str(row["value"])),
                y=_y(index),
                width=round(width, 1),
                css=row.get("css", ""),
                href=row.get("href", ""),
            )
        )
    return Chart(title=title, bars=bars)


def stacked_bar_chart(title: str, rows: list[dict], segments: list[tuple[str, str]]) -> Chart:
    """Horizontal bars split into coloured segments. Each row: label and `parts`, a dict of
    segment key → count; `segments` lists (key, label) in drawing order and is the legend."""
    plot = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max((sum(r["parts"].values()) for r in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        total = sum(row["parts"].values())
        x = float(LABEL_WIDTH)
        parts = []
        for key, label in segments:
            value = row["parts"].get(key, 0)
            if not value:
                continue
            width = plot * value / top
            parts.append(Segment(key=key, label=label, value=value, x=round(x, 1), width=width))
            x += width
        bars.append(
            Bar(
                label=row["label"],
                value=total,
                text=str(total),
                y=_y(index),
                width=round(x - LABEL_WIDTH, 1),
                href=row.get("href", ""),
                segments=parts,
            )
        )
    return Chart(title=title, bars=bars, legend=list(segments))
