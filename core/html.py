"""Showing user-supplied HTML safely: the one sanitiser every page uses for HTML bodies.

Outreach bodies come from API clients and imports; an HTML body is reduced to harmless
formatting before it reaches a browser, so a `<script>` or an `onerror=` can never run.
"""

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

# Formatting that mail bodies use; everything else (script, style, iframe, form, …) is dropped.
# Images are dropped too: a remote image in a body would be a tracking pixel.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
# No `style` and no `on*` attribute is ever allowed.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
}
# javascript:, data: and vbscript: links are removed with the attribute.
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str) -> SafeString:
    """Return `html` with only harmless formatting left, marked safe for templates."""
    cleaned = nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)


def render_body(body: str, body_type: str) -> SafeString:
    """An outreach body as HTML: sanitised when it is HTML, escaped with line breaks otherwise."""
    if body_type == "html":
        return sanitize_html(body)
    # Escaped first, so the paragraphs and line breaks are the only markup.
    return mark_safe(linebreaks(escape(body or "")))
