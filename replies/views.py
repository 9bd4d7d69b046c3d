"""Dashboard pages of what comes back in (the Inbox and one message), and the public one-click
unsubscribe page, which needs no login."""

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt

from core.dashboard.views import FilteredListView
from core.errors import NotFound
from sending.composition import read_unsubscribe_token
from workspaces.models import Workspace

from . import selectors, services
from .choices import Classification
from .filters import InboundMessageFilterSet
from .models import InboundMessage

ONE_CLICK = "One-Click"


class InboxView(FilteredListView):
    """Every message that came back in, newest first; `?classification=unmatched` for those
    that match nothing we sent."""

    filterset_class = InboundMessageFilterSet
    template_name = "replies/inbox.html"
    results_template_name = "replies/_inbox_results.html"
    title = "Inbox"

    def get_queryset(self):
        return selectors.inbound_messages().select_related("outreach", "person", "mailbox")

    def customize_filter_form(self, form):
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "Sender, subject"})
        for name in ("outreach_id", "person_id"):
            form.fields.pop(name, None)

    def get_context_data(self, **context):
        return {
            **context,
            "classifications": Classification.choices,
            "current": self.request.GET.get("classification", ""),
            "polls": selectors.mailbox_polls(),
        }


def inbound(request: HttpRequest, pk: int) -> HttpResponse:
    """One inbound message: its text, what it was classified as, matched to and caused."""
    message = get_object_or_404(
        InboundMessage.objects.select_related("outreach", "person", "mailbox").defer("raw"),
        pk=pk,
    )
    return render(request, "replies/inbound.html", {"title": message.subject, "message": message})


def inbound_eml(request: HttpRequest, pk: int) -> HttpResponse:
    """An inbound message exactly as it came, as an .eml file."""
    message = get_object_or_404(InboundMessage, pk=pk)
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{message.public_id}.eml"'
    return response


# --- one-click unsubscribe (RFC 8058) ---------------------------------------------------------


def _refused(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "replies/unsubscribe_invalid.html", status=status)


@login_not_required
@csrf_exempt  # a mail program posts here, with no session and no form of ours
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """`GET /u/TOKEN` shows a page whose one button posts; `POST` with
    `List-Unsubscribe=One-Click` opts the person out. A GET never does (link scanners follow
    links); a forged or changed token is refused."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        named = read_unsubscribe_token(token)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _refused(request, 400)
    workspace = Workspace.objects.filter(pk=named["workspace_id"]).first()
    if workspace is None:
        return _refused(request, 404)
    context = {"title": "Unsubscribe", "workspace": workspace}
    if request.method != "POST":
        return render(request, "replies/unsubscribe.html", context)
    if request.POST.get("List-Unsubscribe") != ONE_CLICK:
        context["problem"] = "The request did not say List-Unsubscribe=One-Click."
        return render(request, "replies/unsubscribe.html", context, status=400)
    try:
        services.opt_out_by_token(
            workspace_id=named["workspace_id"],
            person_id=named["person_id"],
            outreach_id=named["outreach_id"],
        )
    except NotFound:
        return _refused(request, 404)
    return render(request, "replies/unsubscribed.html", context)
