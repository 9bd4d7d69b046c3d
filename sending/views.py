"""Dashboard pages for mailboxes: the list with a form to add one, one mailbox's page to edit
it, send a test, see its forecast and delete it; the outbox (the next 24 hours, and the
uncertain messages a person decides about); an outreach's mailbox."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.charts import bar_chart
from core.dashboard.pagination import paginate
from core.dashboard.views import call_service
from core.errors import DomainError
from outreach.choices import RUNNING_STATES, PipelineState
from outreach.forms import OutreachMailboxForm
from outreach.models import Outreach
from outreach.services.outreaches import outreach_update
from workspaces.roles import Permission, may

from . import engine, schedule, selectors, services
from .forms import MailboxForm
from .models import Mailbox, Message


def _may_manage(user, mailbox: Mailbox | None = None) -> bool:
    if not may(user, Permission.WRITE):
        return False
    return mailbox is None or mailbox.owner_id == user.pk or may(user, Permission.CONFIGURE)


def mailboxes(request: HttpRequest) -> HttpResponse:
    """The workspace's mailboxes, and a form to add one."""
    form = MailboxForm(
        request.POST or None, may_choose_owner=may(request.user, Permission.CONFIGURE)
    )
    if request.method == "POST" and form.is_valid():
        made = call_service(
            form,
            services.mailbox_create,
            actor=request.user,
            **form.values(changed_only=False),
        )
        if made is not None:
            messages.success(request, f"Mailbox “{made.name}” added. Send a test to check it.")
            return redirect("sending:mailbox", pk=made.pk)
    rows = list(selectors.mailboxes_with_sent())
    for row in rows:
        row.window_words = selectors.window_in_words(row)
    return render(
        request,
        "sending/mailboxes.html",
        {
            "title": "Mailboxes",
            "rows": rows,
            "form": form,
            "may_add": _may_manage(request.user),
        },
    )


def mailbox(request: HttpRequest, pk: int) -> HttpResponse:
    """One mailbox: its settings, its test, its latest messages."""
    box = get_object_or_404(selectors.mailboxes(), pk=pk)
    may_manage = _may_manage(request.user, box)
    initial = {name: getattr(box, name) for name in services.MAILBOX_FIELDS}
    initial["owner"] = box.owner_id
    form = MailboxForm(
        request.POST or None,
        initial=initial,
        editing=True,
        may_choose_owner=may(request.user, Permission.CONFIGURE),
    )
    if request.method == "POST" and form.is_valid():
        changes = form.values(changed_only=True)
        saved = call_service(
            form, services.mailbox_update, mailbox=box, actor=request.user, **changes
        )
        if saved is not None:
            messages.success(request, "Saved.")
            return redirect("sending:mailbox", pk=box.pk)
    latest = box.messages.defer("raw").order_by("-id")[:20]
    forecast = schedule.mailbox_forecast(box)
    return render(
        request,
        "sending/mailbox.html",
        {
            "title": box.name,
            "mailbox": box,
            "form": form,
            "may_manage": may_manage,
            "sent": forecast["sent_last_24h"],
            "window_words": selectors.window_in_words(box),
            "forecast": forecast,
            "by_day": _by_day_chart(forecast, box),
            "latest": latest,
        },
    )


def _by_day_chart(forecast: dict, box: Mailbox):
    """The forecast's messages per day as bars, a full bar being the daily limit."""
    if not forecast["by_day"]:
        return None
    return bar_chart(
        "Messages per day",
        [{"label": f"{day['date']:%a %d %b}", "value": day["count"]} for day in forecast["by_day"]],
        maximum=max(box.daily_limit, *(day["count"] for day in forecast["by_day"])),
    )


@require_POST
def mailbox_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a paused mailbox active again (it forgets why it was paused)."""
    box = get_object_or_404(Mailbox, pk=pk)
    try:
        services.mailbox_update(mailbox=box, actor=request.user, active=True)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{box.name}” is active again: its queue goes out.")
    return redirect("sending:mailbox", pk=box.pk)


@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    box = get_object_or_404(Mailbox, pk=pk)
    try:
        sent = services.mailbox_send_test(mailbox=box, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if sent.delivered:
            messages.success(
                request, f"Test sent to {sent.message.to}. The server said: {sent.answer}"
            )
        else:
            messages.success(
                request,
                f"Test message built and stored as {sent.message.public_id}. "
                "A local mailbox sends nothing: nothing left this machine.",
            )
    return redirect("sending:mailbox", pk=box.pk)


@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    box = get_object_or_404(Mailbox, pk=pk)
    try:
        services.mailbox_delete(mailbox=box, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sending:mailbox", pk=box.pk)
    messages.success(request, f"Deleted the mailbox “{box.name}”. Its messages are kept.")
    return redirect("sending:mailboxes")


def message_eml(request: HttpRequest, pk: int) -> HttpResponse:
    """A message exactly as it was sent, as an .eml file."""
    message = get_object_or_404(Message, pk=pk)
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{message.public_id}.eml"'
    return response


# --- the outbox -------------------------------------------------------------------------------


def outbox(request: HttpRequest) -> HttpResponse:
    """The next 24 hours: the steps due on every mailbox and what each waits for, each
    mailbox's forecast, and the uncertain messages a person must decide about."""
    now = timezone.now()
    page = paginate(request, selectors.outbox_outreaches(now=now), default_per=50)
    return render(
        request,
        "sending/outbox.html",
        {
            "title": "Outbox",
            "page": page,
            "rows": selectors.outbox_rows(list(page.items), now=now),
            "forecasts": selectors.forecasts(now=now),
            "uncertain": list(selectors.uncertain_messages()),
            "now": now,
        },
    )


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@require_POST
def message_mark_sent(request: HttpRequest, pk: int) -> HttpResponse:
    """A person says the uncertain message did leave: it counts as sent, the sequence goes on."""
    message = get_object_or_404(Message, pk=pk)
    try:
        engine.message_mark_sent(message=message, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{message.public_id} is marked sent; it will not be sent again.")
    return _back(request, "sending:outbox")


@require_POST
def message_send_again(request: HttpRequest, pk: int) -> HttpResponse:
    """A person says the uncertain message did not leave: it goes out again, as the limits
    allow."""
    message = get_object_or_404(Message, pk=pk)
    try:
        engine.message_send_again(message=message, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{message.public_id} will be sent again to {message.to} as soon as its mailbox may.",
        )
    return _back(request, "sending:outbox")


# --- an outreach's mailbox --------------------------------------------------------------------


@require_POST
def outreach_mailbox(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the mailbox an outreach's sequence sends through (not once it is finished)."""
    outreach = get_object_or_404(Outreach, pk=pk)
    if outreach.current_state == PipelineState.FINISHED:
        messages.error(request, "The sequence is finished: nothing more is sent, from any mailbox.")
        return redirect("outreach:detail", outreach.pk)
    form = OutreachMailboxForm(request.POST, initial={"mailbox": outreach.mailbox_id})
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("outreach:detail", outreach.pk)
    if not form.has_changed():
        messages.info(request, "Nothing changed.")
        return redirect("outreach:detail", outreach.pk)
    mailbox = form.cleaned_data["mailbox"]
    if mailbox is None and outreach.current_state in RUNNING_STATES:
        messages.error(request, "A running sequence needs a mailbox to send from: choose one.")
        return redirect("outreach:detail", outreach.pk)
    try:
        outreach_update(outreach=outreach, actor=request.user, mailbox=mailbox)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"It sends through {mailbox.name} now." if mailbox else "It has no mailbox now.",
        )
    return redirect("outreach:detail", outreach.pk)
