"""`{% inbound_messages outreach=… person=… as list %}`: what came back in for an outreach or
a person, for the include on their pages (templates/replies/_inbound_list.html)."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def inbound_messages(outreach=None, person=None):
    """The newest inbound messages matched to the outreach (else the person)."""
    return selectors.inbound_for(
        outreach_id=getattr(outreach, "pk", None), person_id=getattr(person, "pk", None)
    )
