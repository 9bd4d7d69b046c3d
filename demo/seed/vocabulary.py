"""The demo data's vocabulary: names, titles, message texts, and the weights its draws are
skewed by. Data only; `builder` draws from it."""

from contacts.choices import PersonStatus, Strength
from jobs.choices import JobStage
from outreach.choices import (
    OUTREACH_TYPE_CHANNEL,
    Channel,
    Context,
    DeliveryStatus,
    Direction,
    Outcome,
    PipelineState,
    SkipRepliers,
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella William Mia Benjamin Charlotte Lucas "
    "Amelia Henry Harper Theodore Evelyn Jack Abigail Levi Emily Alexander Ella Jackson Elizabeth "
    "Mateo Camila Daniel Luna Michael Sofia Mason Avery Sebastian Mila Ethan Aria Logan Scarlett "
    "Owen Penelope Samuel Layla Jacob Chloe Asher Victoria Aiden Madison John Eleanor Joseph Grace "
    "Wyatt Nora David Riley Leo Zoey Luke Hannah Julian Hazel Hudson Lily Grayson Ellie Matthew "
    "Violet Ezra Lillian Gabriel Zoe Carter Stella Isaac Aurora Jayden Natalie Luca Emilia Anthony "
    "Everly Dylan Leah Lincoln Aubrey Thomas Willow Maverick Addison Elias Lucy Josiah Audrey "
    "Priya Arjun Wei Mei Hiroshi Yuki Fatima Omar Aisha Mohammed Sven Ingrid Pierre Amelie Jorge "
    "Lucia Tomasz Agnieszka Kwame Ama Dmitri Anastasia"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Schmidt Muller Rossi Dubois Kowalski Nakamura "
    "Tanaka Chen Wang Singh Sharma Okafor Mensah Ivanov Larsen Novak"
)
COMPANY_WORDS = _words(
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell Wonka "
    "Aperture Massive Dynamic Oscorp Pied Piper Gringotts Monarch Blue Sun Nakatomi Virtucon "
    "Northwind Contoso Fabrikam Tailspin Litware Adatum Proseware Lucerne Wingtip Woodgrove "
    "Alpine Coho Fourth Coffee Humongous Margie Trey Bluefin Redwood Cobalt Quantum Vertex "
    "Summit Harbor Beacon Cascade Meridian Nimbus Pioneer Polaris Sterling Tidal Zenith Orbit "
    "Granite Horizon Keystone Lumen Nova Pinnacle Atlas Aurora Sable Cedar Falcon Ember Juniper"
)
COMPANY_KINDS = _words(
    "Labs Systems Analytics Software Robotics Health Logistics Capital Media Energy Cloud Data "
    "Security Networks Bio Works Studio Partners"
)
COMPANY_SUFFIXES = ("", "", "", " Inc", " LLC", " Ltd", " GmbH", " Group")
TLDS = (".com", ".com", ".com", ".io", ".co", ".net", ".ai", ".dev")
TITLES = (
    "CEO",
    "CTO",
    "VP Engineering",
    "Head of Sales",
    "Engineering Manager",
    "Recruiter",
    "Talent Acquisition Lead",
    "Product Manager",
    "Staff Engineer",
    "Founder",
    "Head of Marketing",
    "Director of Operations",
    "Account Executive",
    "HR Business Partner",
    "Software Engineer",
)
JOB_TITLES = (
    "Backend Engineer",
    "Senior Python Developer",
    "Staff Software Engineer",
    "Data Engineer",
    "Engineering Manager",
    "Site Reliability Engineer",
    "Full-Stack Developer",
    "Platform Engineer",
    "Machine Learning Engineer",
    "Developer Advocate",
)
TAG_NAMES = (
    "priority",
    "warm-intro",
    "conference",
    "webinar",
    "inbound",
    "cold",
    "newsletter",
    "partner",
    "referral",
    "enterprise",
    "smb",
    "hiring",
)
SEQUENCE_AUDIENCES = (
    "SaaS founders",
    "Engineering leaders",
    "Recruiters",
    "Fintech CTOs",
    "Healthcare ops",
    "Agency owners",
    "E-commerce heads",
    "Hiring managers",
    "Startup CEOs",
    "Data teams",
    "Security leads",
    "Product managers",
    "Sales VPs",
    "Marketing directors",
    "Logistics buyers",
    "DevOps teams",
    "Open-source maintainers",
    "Conference speakers",
    "Alumni",
    "Past customers",
)
SEQUENCE_STYLES = (
    "cold intro",
    "warm intro",
    "event follow-up",
    "re-engagement",
    "referral ask",
    "job application",
    "product demo",
    "case study",
    "check-in",
    "break-up",
)
# Sequence step templates, in the template language sequences use (sending.templating).
STEP_SUBJECTS = (
    "Quick question, {{ first_name }}",
    "Idea for {{ company }}",
    "{{ company }} + us?",
    "Following up",
    "Worth a chat?",
    "Closing the loop",
)
STEP_BODIES = (
    "Hi {{ first_name }},\n\nI noticed {{ company }} is growing its team. Open to a short call?",
    "Hi {{ first_name }},\n\nFloating this back up in case it got buried.",
    "Hi {{ first_name }},\n\nOne last note from me; happy to reconnect whenever suits.",
    "Hi {{ first_name }},\n\nWould a 15-minute call next week work?",
)
SUBJECTS = (
    "Quick question about {company}",
    "Intro: {first} <> {company}",
    "Re: the {title} role",
    "Coffee next week?",
    "Following up on my note",
    "Ideas for {company}'s team",
)
BODY_LINES = (
    "I saw your post about scaling the team and thought of a few ideas.",
    "A mutual friend suggested I reach out.",
    "We helped a similar team cut onboarding time in half.",
    "I'd love to hear how you approach hiring for this role.",
    "Would you be open to a short call this week?",
)
MESSAGE_TYPES = (("intro", 50), ("follow_up", 30), ("referral", 10), ("check_in", 10))
FAILURE_REASONS = (
    "SMTP 550: mailbox unavailable",
    "Rate limited by the provider",
    "Profile no longer exists",
    "Message rejected as spam",
)
ENRICHMENT_FAILURES = (
    "no email address found for the person",
    "the company has no domain to infer an address from",
    "phone number is not valid for its region",
    "no LinkedIn profile found",
)
PHONE_AREAS = ("212", "305", "312", "415", "512", "617", "646", "702", "718", "917", "206", "303")
EMAIL_PATTERNS = ("{f}.{l}", "{f}{l}", "{i}{l}", "{f}", "{f}_{l}")

# Weighted choices: (value, weight). Skewed the way a real desk is.
CHANNELS = (
    (Channel.EMAIL.value, 60),
    (Channel.LINKEDIN.value, 25),
    (Channel.PHONE.value, 8),
    (Channel.FACEBOOK.value, 4),
    (Channel.OTHER.value, 3),
)
TYPES_BY_CHANNEL = {
    channel.value: tuple((t.value, 1) for t, c in OUTREACH_TYPE_CHANNEL.items() if c == channel)
    for channel in Channel
}
PIPELINE_STATES = (
    (PipelineState.NEW.value, 35),
    (PipelineState.ENRICHMENT.value, 3),
    (PipelineState.READY.value, 25),
    (PipelineState.NOT_AVAILABLE.value, 10),
    (PipelineState.STARTING.value, 7),
    (PipelineState.WAITING.value, 20),
)
# The transitions that lead from `new` to each state, in order (named, so the history rows
# take their source and target from the model's transition table).
PIPELINE_PATHS = {
    PipelineState.NEW.value: (),
    PipelineState.ENRICHMENT.value: ("start_enrichment",),
    PipelineState.READY.value: ("start_enrichment", "complete_enrichment"),
    PipelineState.NOT_AVAILABLE.value: ("start_enrichment", "fail_enrichment"),
    PipelineState.STARTING.value: ("start_enrichment", "complete_enrichment", "start"),
    PipelineState.WAITING.value: ("start_enrichment", "complete_enrichment", "start", "wait"),
}
# Moves the system makes (the enrichment worker, the sender); the others carry the user.
SYSTEM_TRANSITIONS = {"complete_enrichment", "fail_enrichment", "wait", "perform", "fail"}
_PENDING, _RUNNING, _PERFORMED, _FAILED, _ABORTED, _CANCELED = (
    DeliveryStatus.PENDING.value,
    DeliveryStatus.RUNNING.value,
    DeliveryStatus.PERFORMED.value,
    DeliveryStatus.FAILED.value,
    DeliveryStatus.ABORTED.value,
    DeliveryStatus.CANCELED.value,
)
# `performed` drawn for a state that was never started becomes `pending` after the draws
# (demo.seed.outreaches._made_possible).
DELIVERY_BY_STATE = {
    PipelineState.NEW.value: ((_PENDING, 80), (_PERFORMED, 15), (_CANCELED, 5)),
    PipelineState.ENRICHMENT.value: ((_PENDING, 1),),
    PipelineState.READY.value: ((_PENDING, 85), (_CANCELED, 5), (_ABORTED, 5), (_PERFORMED, 5)),
    PipelineState.NOT_AVAILABLE.value: ((_PENDING, 70), (_CANCELED, 30)),
    PipelineState.STARTING.value: ((_PENDING, 30), (_RUNNING, 60), (_FAILED, 10)),
    PipelineState.WAITING.value: ((_PERFORMED, 85), (_FAILED, 5), (_ABORTED, 10)),
}
DELIVERY_PATHS = {
    _PENDING: (),
    _RUNNING: ("run",),
    _PERFORMED: ("run", "perform"),
    _FAILED: ("run", "fail"),
    _ABORTED: ("abort",),
    _CANCELED: ("cancel",),
}
OUTCOMES = (
    (Outcome.NONE.value, 35),
    (Outcome.NO_RESPONSE.value, 30),
    (Outcome.REPLIED.value, 14),
    (Outcome.POSITIVE.value, 7),
    (Outcome.NEGATIVE.value, 7),
    (Outcome.BOUNCED.value, 5),
    (Outcome.UNSUBSCRIBED.value, 2),
)
CONTEXTS = tuple((c.value, 1) for c in Context if c != Context.JOB_OPPORTUNITY)
SKIP_REPLIERS = (
    (SkipRepliers.NONE.value, 70),
    (SkipRepliers.GLOBAL.value, 20),
    (SkipRepliers.TAG_ONLY.value, 10),
)
DIRECTIONS = (
    (Direction.OUTGOING.value, 90),
    (Direction.INCOMING.value, 7),
    (Direction.ACCEPTED.value, 3),
)
PERSON_STATUSES = (
    (PersonStatus.NEW.value, 45),
    (PersonStatus.CONTACTED.value, 35),
    (PersonStatus.REPLIED.value, 8),
    (PersonStatus.INTERESTED.value, 5),
    (PersonStatus.NOT_INTERESTED.value, 5),
    (PersonStatus.DO_NOT_CONTACT.value, 2),
)
STRENGTHS = ((Strength.WEAK.value, 60), (Strength.MEDIUM.value, 30), (Strength.STRONG.value, 10))
JOB_STAGES = (
    (JobStage.APPLIED.value, 35),
    (JobStage.HR.value, 20),
    (JobStage.TECH.value, 15),
    (JobStage.OFFER.value, 5),
    (JobStage.REJECTED.value, 15),
    (JobStage.DORMANT.value, 10),
)
