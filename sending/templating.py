"""Step templates: a small engine that can read only the listed variables.

`{{ first_name }}` and `{{ first_name|default:"there" }}` are the whole language: no tags, no
other filters, no attribute lookups, so a template can never reach anything but the values it
is given. Anything else (an unknown variable, `{% … %}`, an unclosed `{{`) is an error that
names what is wrong; sequences are checked when they are saved (`check_steps`).
"""

import re
from dataclasses import dataclass

from django.utils.html import escape

from core.errors import InvalidInput

VARIABLES = (
    "first_name",
    "last_name",
    "full_name",
    "title",
    "company",
    "sender_name",
    "sender_first_name",
)
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_EXPRESSION = re.compile(
    r"""^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*
        (?:\|\s*default\s*:\s*(?:"(?P<dq>[^"{}]*)"|'(?P<sq>[^'{}]*)'))?\s*$""",
    re.VERBOSE,
)
# Looks like an HTML body: the step then gets an HTML part beside its text part.
_HTML = re.compile(
    r"<\s*(?:html|body|p|div|br|a|b|i|u|em|strong|span|ul|ol|li|table|h[1-6]|blockquote)\b"
    r"[^>]*>",
    re.IGNORECASE,
)


class TemplateError(ValueError):
    """A template the engine refuses, with the reason."""


@dataclass(frozen=True)
class _Variable:
    name: str
    default: str | None


def _parse(template: str) -> list[str | _Variable]:
    parts: list[str | _Variable] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[position : match.start()])
        expression = _EXPRESSION.match(match.group(1))
        if expression is None:
            raise TemplateError(
                f"Cannot read “{{{{{match.group(1)}}}}}”: write {{{{ name }}}} or "
                f'{{{{ name|default:"text" }}}}.'
            )
        name = expression.group("name")
        if name not in VARIABLES:
            raise TemplateError(f"Unknown variable “{name}”. Known: {', '.join(VARIABLES)}.")
        default = expression.group("dq")
        if default is None:
            default = expression.group("sq")
        parts.append(_Variable(name, default))
        position = match.end()
    rest = template[position:]
    for token, what in (("{{", "an unclosed {{"), ("}}", "a }} without {{")):
        if token in rest or any(token in part for part in parts if isinstance(part, str)):
            raise TemplateError(f"The template has {what}.")
    if "{%" in template or "{#" in template:
        raise TemplateError("Tags ({% … %}) and comments ({# … #}) are not supported.")
    parts.append(rest)
    return parts


def validate(template: str) -> None:
    """Raise TemplateError when `template` cannot be rendered."""
    _parse(template or "")


def render(template: str, context: dict[str, str], *, html: bool = False) -> str:
    """`template` with its variables filled in (HTML-escaped when `html`); an empty value
    takes the variable's default."""
    out = []
    for part in _parse(template or ""):
        if isinstance(part, str):
            out.append(part)
            continue
        value = str(context.get(part.name) or "").strip() or (part.default or "")
        out.append(escape(value) if html else value)
    return "".join(out)


def is_html(body: str) -> bool:
    return bool(_HTML.search(body or ""))


def check_steps(*, steps: list[dict]) -> None:
    """A sequence's steps before they are saved: a 400 on `steps` naming the step and the
    field at fault."""
    for number, step in enumerate(steps, start=1):
        for field in ("subject_template", "body_template"):
            try:
                validate(step.get(field) or "")
            except TemplateError as exc:
                raise InvalidInput(f"Step {number}, {field}: {exc}", field="steps") from None
