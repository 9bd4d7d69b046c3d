"""What the builders share: one seeded Random, weighted picks, moments in the past, and the
drafts of the companies and people that outreaches are drawn for."""

import datetime
import random
from bisect import bisect
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

DAY = datetime.timedelta(days=1)


class Picker:
    """Draws from weighted values with one random() and a bisect (fast in the hot loop)."""

    def __init__(self, rng: random.Random, weighted: Seq[tuple[Any, float]]):
        self.rng = rng
        self.values = [value for value, _ in weighted]
        self.cumulative = list(accumulate(weight for _, weight in weighted))
        self.total = self.cumulative[-1]

    def __call__(self) -> Any:
        return self.values[bisect(self.cumulative, self.rng.random() * self.total)]


def skewed_index(rng: random.Random, size: int, power: float = 1.6) -> int:
    """An index in [0, size) where low indices are drawn more often (a few big accounts)."""
    return min(size - 1, int(size * rng.random() ** power))


class Drawing:
    """Draws from one seeded Random, with timestamps relative to `now`."""

    def __init__(self, rng: random.Random, now: datetime.datetime):
        self.rng = rng
        self.now = now

    def pick(self, weighted: Seq[tuple[Any, float]]) -> Picker:
        return Picker(self.rng, weighted)

    def ago(self, max_days: float, power: float = 2.0) -> datetime.datetime:
        """A moment in the past, recent moments more likely."""
        return self.now - datetime.timedelta(days=max_days * self.rng.random() ** power)


@dataclass
class CompanyDraft:
    """A company as the people and outreaches drawn for it need it."""

    pk: int
    name: str
    domain: str
    owner_id: int | None
    pattern: str
    job_ids: list[int] = field(default_factory=list)


@dataclass
class PersonDraft:
    """A person as the outreaches drawn for them need it."""

    pk: int
    first: str
    last: str
    company: CompanyDraft | None
    email: str
    title: str
    strength: str

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"
