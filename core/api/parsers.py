import json

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from core.validation import unstorable_text


class SafeJSONParser(JSONParser):
    """JSONParser that also answers 400 instead of 500 for absurdly nested documents and for
    text no field can hold (a NUL character, an unpaired surrogate such as "\\ud800": PostgreSQL
    refuses the first, and neither can be written back as UTF-8). Checked once here, so every
    field of every endpoint, and every message that quotes the input, is safe."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
        except json.JSONDecodeError as exc:  # pragma: no cover - JSONParser already maps these
            raise ParseError(f"JSON parse error - {exc}") from exc
        errors: dict = {}
        try:
            for path, problem in unstorable_text(document):
                _nest(errors, path or ("non_field_errors",), problem)
        except RecursionError as exc:  # parsed, but deeper than the walk can follow
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
        if errors:
            raise ValidationError(errors)
        return document


def _nest(errors: dict, path: tuple, problem: str) -> None:
    """errors[a][b] = [problem] for the path (a, b); list positions are named as `[2]` keys."""
    keys = [key if isinstance(key, str) else f"[{key}]" for key in path]
    for key in keys[:-1]:
        node = errors.setdefault(key, {})
        if not isinstance(node, dict):
            return
        errors = node
    errors.setdefault(keys[-1], [problem])
