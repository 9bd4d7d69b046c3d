"""JSON responses encoded by orjson.

The bytes are the ones DRF's JSONRenderer writes for what the API returns (compact UTF-8, UTC
datetimes ending in Z, U+2028/U+2029 escaped), written by a compiled encoder: on a large page
the pure-Python encoder was a noticeable part of the request. What orjson refuses (integers past
64 bits, keys that are not strings) and pretty-printed output go through DRF's renderer, and types
neither knows are the same TypeError they were. One difference: NaN and infinity, which are not
JSON, are written as null where DRF raised (no field of the API holds a float).
"""

import orjson
from rest_framework import renderers

# Valid JSON, but line terminators in JavaScript: DRF escapes them, so the bytes do not change.
_JS_LINE_TERMINATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if data is None or indent is not None or not self.compact or self.ensure_ascii:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            encoded = orjson.dumps(
                data, default=self.encoder_class().default, option=orjson.OPT_UTC_Z
            )
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _JS_LINE_TERMINATORS:
            encoded = encoded.replace(raw, escaped)
        return encoded
