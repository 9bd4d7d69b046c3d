"""Site-wide pages: the home dashboard and the API docs."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse

from core.charts import bar_chart, stacked_bar_chart
from followups.selectors import followup_due_counts, pending_followups, today_bounds
from outreach.choices import Outcome
from outreach.models import Outreach
from outreach.selectors import (
    REPLY_OUTCOMES,
    outcomes_by_channel,
    pipeline_counts,
    reply_rate,
    reply_rate_by_sequence,
)


def _list_url(**filters: str) -> str:
    return f"{reverse('outreach:list')}?{urlencode(filters)}"


def home(request):
    """Counts and charts over the whole pipeline; a fixed number of aggregate queries."""
    totals = Outreach.objects.aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        replies=Count("id", filter=Q(sent_at__isnull=False, outcome__in=REPLY_OUTCOMES)),
    )
    funnel = bar_chart(
        "Outreaches per pipeline state",
        [
            {"label": label, "value": n, "css": state, "href": _list_url(status=state)}
            for state, label, n in pipeline_counts()
        ],
    )
    outcomes = stacked_bar_chart(
        "Outcomes by channel",
        [
            {"label": label, "parts": parts, "href": _list_url(channel=channel)}
            for channel, label, parts in outcomes_by_channel()
        ],
        # "None" reads as a missing value in a legend: say what it means.
        [(v, "No outcome yet" if v == Outcome.NONE else label) for v, label in Outcome.choices],
    )
    rates = reply_rate_by_sequence()
    reply_rates = bar_chart(
        "Reply rate by sequence",
        [
            {
                "label": row["sequence"].name,
                "value": row["rate"],
                "text": f"{row['rate']:g} % ({row['replies']}/{row['sent']})",
                "href": reverse("outreach:sequence-detail", args=[row["sequence"].pk]),
            }
            for row in rates
        ],
        maximum=100,
    )
    due = followup_due_counts()
    due_chart = bar_chart(
        "Pending follow-ups by due date",
        [
            {"label": "Overdue", "value": due["overdue"], "css": "overdue"},
            {"label": "Due today", "value": due["today"], "css": "today"},
            {"label": "Next 7 days", "value": due["upcoming"], "css": "upcoming"},
        ],
    )
    today_start, tomorrow = today_bounds()
    next_followups = list(pending_followups().filter(due_at__lt=tomorrow).order_by("due_at")[:6])
    return render(
        request,
        "home.html",
        {
            "totals": totals,
            "overall_reply_rate": reply_rate(totals["replies"], totals["sent"]),
            "funnel": funnel,
            "outcomes": outcomes,
            "reply_rates": reply_rates,
            "due": due,
            "due_chart": due_chart,
            "next_followups": next_followups,
            "today_start": today_start,
        },
    )


def api_docs(request):
    """The API reference, rendered offline from the bundled Swagger UI."""
    return render(request, "api/docs.html")
