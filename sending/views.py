"""Dashboard pages for mailboxes: the list with a form to add one, and one mailbox's page to
edit it, send a test and delete it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.dashboard.views import call_service
from core.errors import DomainError
from workspaces.roles import Permission, may

from . import selectors, services
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
    rows = [(mailbox, selectors.sent_in_last_day(mailbox)) for mailbox in selectors.mailboxes()]
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
    return render(
        request,
        "sending/mailbox.html",
        {
            "title": box.name,
            "mailbox": box,
            "form": form,
            "may_manage": may_manage,
            "sent": selectors.sent_in_last_day(box),
            "latest": latest,
        },
    )


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
