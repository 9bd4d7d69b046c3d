"""Email address patterns: learn how a company spells addresses, and spell one for a new name.

Colleagues with known addresses at a domain are the evidence. Each colleague's local part is
compared with every pattern (`first.last`, `flast`, …) written from their name; the pattern most
colleagues follow wins, with a confidence of `following / (colleagues + 1)`: one colleague gives
0.5, four out of four give 0.8, a 1–1 split gives 0.33. Names are folded to ASCII first
(`José` → `jose`); how the company writes hyphens (`jean-pierre` or `jeanpierre`) and German
umlauts (`müller` or `mueller`) is learnt from the colleagues whose names have them.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import product

# Letters that Unicode decomposition leaves alone, written the way mailbox names spell them.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)
# German addresses often expand umlauts (Müller → mueller); others drop the dots (muller).
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue"})

HYPHEN_STYLES = ("drop", "keep")  # first is the default when no colleague shows the habit
UMLAUT_STYLES = ("plain", "expand")

_ALLOWED = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True)
class Pattern:
    """A local part written from a name: `{first}`, `{last}`, initials `{f}` and `{l}`."""

    name: str
    template: str

    @cached_property
    def needs_first(self) -> bool:
        return "{first}" in self.template or "{f}" in self.template

    @cached_property
    def needs_last(self) -> bool:
        return "{last}" in self.template or "{l}" in self.template

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset((self.name,))

    def render(self, first: str, last: str) -> str:
        return self.template.format(first=first, last=last, f=first[:1], l=last[:1])


# In order of how common they are; the order breaks ties between equally followed patterns.
PATTERNS: tuple[Pattern, ...] = (
    Pattern("first.last", "{first}.{last}"),
    Pattern("flast", "{f}{last}"),
    Pattern("firstlast", "{first}{last}"),
    Pattern("first", "{first}"),
    Pattern("f.last", "{f}.{last}"),
    Pattern("first_last", "{first}_{last}"),
    Pattern("firstl", "{first}{l}"),
    Pattern("lastf", "{last}{f}"),
    Pattern("last.first", "{last}.{first}"),
    Pattern("first.l", "{first}.{l}"),
    Pattern("lastfirst", "{last}{first}"),
    Pattern("last", "{last}"),
    Pattern("first-last", "{first}-{last}"),
)
PATTERN_NAMES = tuple(p.name for p in PATTERNS)
_BY_NAME = {p.name: p for p in PATTERNS}


@lru_cache(maxsize=4096)
def fold(name: str, *, hyphens: str = "drop", umlauts: str = "plain") -> str:
    """A name part as a mailbox would spell it: ASCII, lower case, no spaces or apostrophes.

    `hyphens` is "keep" or "drop"; `umlauts` is "plain" (ü → u) or "expand" (ü → ue).
    Returns "" when nothing writable is left (a name in a non-Latin script).
    """
    text = unicodedata.normalize("NFC", name.strip())
    if umlauts == "expand":
        text = text.translate(_UMLAUTS)
    text = text.translate(_SPECIAL_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[\s'’`.]+", "", text)  # "van der Berg", "O'Neil", "St. John"
    text = re.sub(r"[‐‑–—_-]+", "-" if hyphens == "keep" else "", text).strip("-")
    return text if _ALLOWED.match(text) else ""


@dataclass(frozen=True)
class Spellings:
    """The ways one name can be written, by (hyphen style, umlaut style)."""

    first: dict[tuple[str, str], str]
    last: dict[tuple[str, str], str]

    @classmethod
    @lru_cache(maxsize=4096)  # names repeat across colleagues and chunks
    def of(cls, first_name: str, last_name: str) -> "Spellings":
        styles = list(product(HYPHEN_STYLES, UMLAUT_STYLES))
        return cls(
            first={s: fold(first_name, hyphens=s[0], umlauts=s[1]) for s in styles},
            last={s: fold(last_name, hyphens=s[0], umlauts=s[1]) for s in styles},
        )

    @cached_property
    def variants(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """Each distinct (first, last) spelling, with the styles that write it: most names
        are spelt the same in every style."""
        variants: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for style in self.first:
            variants.setdefault((self.first[style], self.last[style]), []).append(style)
        return variants

    def distinguishes(self, dimension: int) -> bool:
        """Whether the style on this dimension (0 hyphens, 1 umlauts) changes the spelling."""
        base = (HYPHEN_STYLES[0], UMLAUT_STYLES[0])
        other = ("keep", UMLAUT_STYLES[0]) if dimension == 0 else (HYPHEN_STYLES[0], "expand")
        return (self.first[base], self.last[base]) != (self.first[other], self.last[other])


def local_part(address: str) -> str:
    """The mailbox name, lower-cased, without a `+tag`."""
    local = address.rsplit("@", 1)[0].lower()
    return local.split("+", 1)[0]


def _render(pattern: Pattern, first: str, last: str) -> str | None:
    if (pattern.needs_first and not first) or (pattern.needs_last and not last):
        return None
    return pattern.render(first, last)


@lru_cache(maxsize=8192)  # names repeat across colleagues, domains and chunks
def _spelt_by(first: str, last: str) -> dict[str, frozenset[str]]:
    """Every local part the patterns write from this spelling, with the patterns writing it."""
    parts = {"first": first, "last": last, "f": first[:1], "l": last[:1]}
    spelt: dict[str, frozenset[str]] = {}
    for pattern in PATTERNS:
        if (pattern.needs_first and not first) or (pattern.needs_last and not last):
            continue
        local = pattern.template.format_map(parts)
        # The pattern's own set, shared, unless another pattern writes the same local part.
        spelt[local] = spelt[local] | pattern.names if local in spelt else pattern.names
    return spelt


@dataclass(frozen=True)
class Evidence:
    """What one colleague's address shows: the patterns it follows and the spelling habits
    (hyphens, umlauts) it votes for, None where it shows none."""

    patterns: frozenset[str]
    hyphens: str | None
    umlauts: str | None


# Every chunk that needs a domain reads its colleagues again: their evidence is remembered, and
# the few distinct answers are shared by all the colleagues who give them.
_EVIDENCE_KINDS: dict[Evidence, Evidence] = {}


@lru_cache(maxsize=65536)
def _evidence(first_name: str, last_name: str, local: str) -> Evidence | None:
    """None when nothing of the name can be written in a mailbox (not evidence at all)."""
    spellings = Spellings.of(first_name, last_name)
    if not any(spellings.first.values()) and not any(spellings.last.values()):
        return None
    matched: set[str] = set()
    styles_seen: set[tuple[str, str]] = set()
    for (first, last), styles in spellings.variants.items():
        if names := _spelt_by(first, last).get(local):
            matched.update(names)
            styles_seen.update(styles)
    # Only an address that one style spells and the other does not shows the habit.
    hyphens = {s[0] for s in styles_seen}
    umlauts = {s[1] for s in styles_seen}
    evidence = Evidence(
        patterns=frozenset(matched),
        hyphens=hyphens.pop() if len(hyphens) == 1 and spellings.distinguishes(0) else None,
        umlauts=umlauts.pop() if len(umlauts) == 1 and spellings.distinguishes(1) else None,
    )
    return _EVIDENCE_KINDS.setdefault(evidence, evidence)


@dataclass
class DomainPattern:
    """What the colleagues at one domain show: the winning pattern and the spelling habits."""

    domain: str
    colleagues: int = 0
    following: Counter = field(default_factory=Counter)  # pattern name → colleagues matching
    hyphen_votes: Counter = field(default_factory=Counter)
    umlaut_votes: Counter = field(default_factory=Counter)

    def add(self, first_name: str, last_name: str, address: str) -> None:
        """Learn from one colleague's name and address (at this domain)."""
        evidence = _evidence(first_name, last_name, local_part(address))
        if evidence is None:
            return
        self.colleagues += 1
        self.following.update(evidence.patterns)
        if evidence.hyphens is not None:
            self.hyphen_votes[evidence.hyphens] += 1
        if evidence.umlauts is not None:
            self.umlaut_votes[evidence.umlauts] += 1

    def best(self) -> tuple[str, int] | None:
        """The most followed pattern and how many colleagues follow it (ties: the commoner)."""
        if not self.following:
            return None
        name = max(self.following, key=lambda n: (self.following[n], -PATTERN_NAMES.index(n)))
        return name, self.following[name]

    def confidence(self, following: int) -> float:
        return round(following / (self.colleagues + 1), 2)

    def habit(self, votes: Counter, styles: tuple[str, ...]) -> str | None:
        """The style most colleagues show, or None when none of them shows one."""
        if not votes:
            return None
        return max(styles, key=lambda s: (votes[s], -styles.index(s)))


@dataclass(frozen=True)
class Guess:
    """An inferred address, or why there is none (`address` empty, `reason` and `code` set)."""

    address: str = ""
    confidence: float = 0.0
    pattern: str = ""
    colleagues: int = 0
    following: int = 0
    assumed: tuple[str, ...] = ()  # spelling habits taken by default, for lack of evidence
    reason: str = ""
    code: str = ""


# A name whose spelling the colleagues never showed (hyphen or umlaut) is less certain.
UNSEEN_HABIT_FACTOR = 0.8


def learn(domain: str, colleagues: Iterable[tuple[str, str, str]]) -> DomainPattern:
    """Learn a domain's pattern from (first name, last name, address) of colleagues."""
    result = DomainPattern(domain=domain)
    suffix = "@" + domain
    for first_name, last_name, address in colleagues:
        if address.lower().endswith(suffix):
            result.add(first_name, last_name, address)
    return result


def guess_address(
    first_name: str, last_name: str, learnt: DomainPattern, *, min_confidence: float
) -> Guess:
    """Spell an address for this name at the learnt domain, or say why not."""
    domain = learnt.domain
    if learnt.colleagues == 0:
        return Guess(
            reason=f"No colleague at {domain} has a known address to learn the pattern from.",
            code="no_colleagues",
        )
    best = learnt.best()
    if best is None:
        return Guess(
            reason=(
                f"None of the {learnt.colleagues} known address(es) at {domain} follows a "
                "recognisable name pattern."
            ),
            code="no_pattern",
            colleagues=learnt.colleagues,
        )
    name, following = best
    confidence = learnt.confidence(following)
    spellings = Spellings.of(first_name, last_name)
    assumed: list[str] = []
    hyphens = learnt.habit(learnt.hyphen_votes, HYPHEN_STYLES)
    umlauts = learnt.habit(learnt.umlaut_votes, UMLAUT_STYLES)
    if spellings.distinguishes(0) and hyphens is None:
        assumed.append("hyphens")
    if spellings.distinguishes(1) and umlauts is None:
        assumed.append("umlauts")
    style = (hyphens or HYPHEN_STYLES[0], umlauts or UMLAUT_STYLES[0])
    confidence = round(confidence * UNSEEN_HABIT_FACTOR ** len(assumed), 2)
    evidence = {"colleagues": learnt.colleagues, "following": following, "pattern": name}
    if confidence < min_confidence:
        split = ", ".join(f"{n} {c}" for n, c in learnt.following.most_common(3))
        return Guess(
            reason=(
                f"The address pattern at {domain} is too uncertain ({split} of "
                f"{learnt.colleagues} colleague(s); confidence {confidence} < {min_confidence})."
            ),
            code="uncertain_pattern",
            confidence=confidence,
            **evidence,
        )
    pattern = _BY_NAME[name]
    first, last = spellings.first[style], spellings.last[style]
    local = _render(pattern, first, last)
    if not local:
        needs = [
            part
            for part, known, needed in (
                ("first name", first, pattern.needs_first),
                ("last name", last, pattern.needs_last),
            )
            if needed and not known
        ]
        return Guess(
            reason=(
                f"The {name} pattern at {domain} needs a {' and a '.join(needs)} "
                "written in Latin letters."
            ),
            code="name_missing",
            confidence=confidence,
            **evidence,
        )
    return Guess(
        address=f"{local}@{domain}", confidence=confidence, assumed=tuple(assumed), **evidence
    )
