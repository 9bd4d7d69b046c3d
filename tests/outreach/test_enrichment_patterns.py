"""Email pattern inference: folding names, learning a domain's pattern, spelling a new address."""

import pytest

from outreach.enrichment.patterns import PATTERNS, fold, guess_address, learn

MIN = 0.35


@pytest.mark.parametrize(
    ("name", "drop", "keep", "expand"),
    [
        ("José", "jose", "jose", "jose"),
        ("  Zoë ", "zoe", "zoe", "zoe"),
        ("François", "francois", "francois", "francois"),
        ("Jean-Pierre", "jeanpierre", "jean-pierre", "jeanpierre"),
        ("Anne–Marie", "annemarie", "anne-marie", "annemarie"),  # en dash
        ("Müller", "muller", "muller", "mueller"),
        ("Schröder-Köhler", "schroderkohler", "schroder-kohler", "schroederkoehler"),
        ("Straße", "strasse", "strasse", "strasse"),
        ("Øyvind", "oyvind", "oyvind", "oyvind"),
        ("Łukasz", "lukasz", "lukasz", "lukasz"),
        ("O'Neil", "oneil", "oneil", "oneil"),
        ("van der Berg", "vanderberg", "vanderberg", "vanderberg"),
        ("St. John", "stjohn", "stjohn", "stjohn"),
        ("Ngô Bảo Châu", "ngobaochau", "ngobaochau", "ngobaochau"),
        ("李", "", "", ""),  # no Latin spelling: nothing to write
        ("", "", "", ""),
    ],
)
def test_fold_names_to_mailbox_spelling(name, drop, keep, expand):
    assert fold(name) == drop
    assert fold(name, hyphens="keep") == keep
    assert fold(name, umlauts="expand") == expand


def test_every_pattern_renders_a_known_name():
    rendered = {p.name: p.render("jane", "doe") for p in PATTERNS}
    assert rendered == {
        "first.last": "jane.doe",
        "flast": "jdoe",
        "firstlast": "janedoe",
        "first": "jane",
        "f.last": "j.doe",
        "first_last": "jane_doe",
        "firstl": "janed",
        "lastf": "doej",
        "last.first": "doe.jane",
        "first.l": "jane.d",
        "lastfirst": "doejane",
        "last": "doe",
        "first-last": "jane-doe",
    }


@pytest.mark.parametrize(
    ("colleagues", "pattern", "address"),
    [
        ([("Jane", "Doe", "jane.doe@acme.com")], "first.last", "maria.lopez@acme.com"),
        ([("Jane", "Doe", "jdoe@acme.com")], "flast", "mlopez@acme.com"),
        ([("Jane", "Doe", "janedoe@acme.com")], "firstlast", "marialopez@acme.com"),
        ([("Jane", "Doe", "jane_doe@acme.com")], "first_last", "maria_lopez@acme.com"),
        ([("Jane", "Doe", "jane@acme.com")], "first", "maria@acme.com"),
        ([("Jane", "Doe", "doej@acme.com")], "lastf", "lopezm@acme.com"),
        ([("Jane", "Doe", "j.doe@acme.com")], "f.last", "m.lopez@acme.com"),
        ([("Jane", "Doe", "doe.jane@acme.com")], "last.first", "lopez.maria@acme.com"),
        ([("Jane", "Doe", "Jane.Doe+news@ACME.com")], "first.last", "maria.lopez@acme.com"),
    ],
)
def test_one_colleague_teaches_the_pattern_with_half_confidence(colleagues, pattern, address):
    guess = guess_address("María", "López", learn("acme.com", colleagues), min_confidence=MIN)
    assert (guess.pattern, guess.address, guess.confidence) == (pattern, address, 0.5)
    assert (guess.colleagues, guess.following) == (1, 1)


def test_confidence_grows_with_the_colleagues_who_follow_the_pattern():
    names = [("Ann", "Bell"), ("Carl", "Dunn"), ("Eve", "Ford"), ("Gus", "Hale")]
    confidences = []
    for count in range(1, 5):
        colleagues = [(f, last, f"{f}.{last}@acme.com".lower()) for f, last in names[:count]]
        guess = guess_address("Ivy", "Jones", learn("acme.com", colleagues), min_confidence=MIN)
        assert guess.address == "ivy.jones@acme.com"
        confidences.append(guess.confidence)
    assert confidences == [0.5, 0.67, 0.75, 0.8]


def test_conflicting_patterns_the_majority_wins_with_lower_confidence():
    colleagues = [
        ("Ann", "Bell", "ann.bell@acme.com"),
        ("Carl", "Dunn", "carl.dunn@acme.com"),
        ("Eve", "Ford", "eve.ford@acme.com"),
        ("Gus", "Hale", "ghale@acme.com"),
        ("Ida", "Kerr", "ikerr@acme.com"),
    ]
    learnt = learn("acme.com", colleagues)
    guess = guess_address("Ivy", "Jones", learnt, min_confidence=MIN)
    assert (guess.pattern, guess.address) == ("first.last", "ivy.jones@acme.com")
    assert (guess.following, guess.colleagues, guess.confidence) == (3, 5, 0.5)


def test_an_even_split_is_too_uncertain_to_guess():
    learnt = learn(
        "acme.com",
        [("Ann", "Bell", "ann.bell@acme.com"), ("Carl", "Dunn", "cdunn@acme.com")],
    )
    guess = guess_address("Ivy", "Jones", learnt, min_confidence=MIN)
    assert guess.address == ""
    assert guess.code == "uncertain_pattern"
    assert guess.reason == (
        "The address pattern at acme.com is too uncertain (first.last 1, flast 1 of 2 "
        "colleague(s); confidence 0.33 < 0.35)."
    )


def test_colleagues_whose_address_follows_no_pattern_lower_the_confidence():
    learnt = learn(
        "acme.com",
        [
            ("Ann", "Bell", "ann.bell@acme.com"),
            ("Carl", "Dunn", "carl.dunn@acme.com"),
            ("Eve", "Ford", "sales@acme.com"),
            ("Gus", "Hale", "gh1987@acme.com"),
        ],
    )
    guess = guess_address("Ivy", "Jones", learnt, min_confidence=MIN)
    assert (guess.address, guess.following, guess.colleagues) == ("ivy.jones@acme.com", 2, 4)
    assert guess.confidence == 0.4


def test_only_addresses_at_the_domain_are_evidence():
    learnt = learn(
        "acme.com",
        [
            ("Ann", "Bell", "ann.bell@gmail.com"),
            ("Carl", "Dunn", "carl.dunn@sub.acme.com"),
            ("Eve", "Ford", "eford@acme.com"),
        ],
    )
    assert learnt.colleagues == 1
    assert guess_address("Ivy", "Jones", learnt, min_confidence=MIN).address == "ijones@acme.com"


def test_no_colleagues_means_no_guess():
    guess = guess_address("Ivy", "Jones", learn("acme.com", []), min_confidence=MIN)
    assert guess.address == ""
    assert guess.code == "no_colleagues"
    assert guess.reason == (
        "No colleague at acme.com has a known address to learn the pattern from."
    )


def test_no_recognisable_pattern_means_no_guess():
    learnt = learn("acme.com", [("Ann", "Bell", "info@acme.com")])
    guess = guess_address("Ivy", "Jones", learnt, min_confidence=MIN)
    assert (guess.address, guess.code) == ("", "no_pattern")
    assert guess.reason == (
        "None of the 1 known address(es) at acme.com follows a recognisable name pattern."
    )


def test_hyphens_follow_the_colleagues_habit():
    keep = learn(
        "acme.fr",
        [
            ("Anne-Marie", "Dupont", "anne-marie.dupont@acme.fr"),
            ("Luc", "Petit", "luc.petit@acme.fr"),
        ],
    )
    drop = learn(
        "acme.fr",
        [
            ("Anne-Marie", "Dupont", "annemarie.dupont@acme.fr"),
            ("Luc", "Petit", "luc.petit@acme.fr"),
        ],
    )
    assert keep.hyphen_votes == {"keep": 1}
    assert drop.hyphen_votes == {"drop": 1}
    kept = guess_address("Jean-Pierre", "Lefèvre-Roy", keep, min_confidence=MIN)
    dropped = guess_address("Jean-Pierre", "Lefèvre-Roy", drop, min_confidence=MIN)
    assert kept.address == "jean-pierre.lefevre-roy@acme.fr"
    assert dropped.address == "jeanpierre.lefevreroy@acme.fr"
    assert kept.confidence == dropped.confidence == 0.67
    assert kept.assumed == dropped.assumed == ()


def test_a_hyphen_no_colleague_shows_is_dropped_and_lowers_the_confidence():
    learnt = learn("acme.fr", [("Luc", "Petit", "luc.petit@acme.fr")])
    guess = guess_address("Jean-Pierre", "Roy", learnt, min_confidence=MIN)
    assert guess.address == "jeanpierre.roy@acme.fr"
    assert guess.assumed == ("hyphens",)
    assert guess.confidence == 0.4  # 0.5 × 0.8


def test_an_initial_does_not_reveal_the_hyphen_habit():
    learnt = learn(
        "acme.fr",
        [("Anne-Marie", "Dupont", "adupont@acme.fr"), ("Luc", "Petit", "lpetit@acme.fr")],
    )
    assert learnt.hyphen_votes == {}
    assert guess_address("Jean-Pierre", "Roy", learnt, min_confidence=MIN).address == (
        "jroy@acme.fr"
    )


def test_umlauts_follow_the_colleagues_habit():
    learnt = learn(
        "firma.de",
        [
            ("Jürgen", "Groß", "juergen.gross@firma.de"),
            ("Anna", "Schmidt", "anna.schmidt@firma.de"),
        ],
    )
    guess = guess_address("Björn", "Müller", learnt, min_confidence=MIN)
    assert guess.address == "bjoern.mueller@firma.de"
    assert guess.assumed == ()


def test_accents_are_stripped_when_spelling_the_address():
    learnt = learn("acme.es", [("Ana", "Ruiz", "ana.ruiz@acme.es")])
    guess = guess_address("José Ángel", "Núñez", learnt, min_confidence=MIN)
    assert guess.address == "joseangel.nunez@acme.es"


def test_a_pattern_needing_a_last_name_cannot_spell_a_first_name_alone():
    learnt = learn("acme.com", [("Ann", "Bell", "ann.bell@acme.com")])
    guess = guess_address("Cher", "", learnt, min_confidence=MIN)
    assert (guess.address, guess.code) == ("", "name_missing")
    assert guess.reason == (
        "The first.last pattern at acme.com needs a last name written in Latin letters."
    )


def test_a_name_without_latin_letters_cannot_be_spelt():
    learnt = learn("acme.cn", [("Ann", "Bell", "ann.bell@acme.cn")])
    guess = guess_address("伟", "李", learnt, min_confidence=MIN)
    assert guess.code == "name_missing"
    assert "needs a first name and a last name written in Latin letters" in guess.reason


def test_the_first_name_pattern_works_without_a_last_name():
    learnt = learn("tiny.io", [("Ann", "Bell", "ann@tiny.io"), ("Bo", "", "bo@tiny.io")])
    assert guess_address("Cher", "", learnt, min_confidence=MIN).address == "cher@tiny.io"


def test_a_colleague_read_again_is_not_learnt_again():
    """Each chunk reads its domains' colleagues again; their evidence is remembered, and the
    domain learns the same from it."""
    from outreach.enrichment import patterns

    colleagues = [
        ("Jean-Pierre", "Müller", "jean-pierre.mueller@acme.test"),
        ("Ann", "Lee", "ann.lee@acme.test"),
        ("Bo", "Kim", "bkim@acme.test"),
        ("李", "", "li@acme.test"),  # nothing writable: no evidence
    ]
    patterns._evidence.cache_clear()
    first = learn("acme.test", colleagues)
    assert patterns._evidence.cache_info().misses == 4
    again = learn("acme.test", colleagues)
    assert patterns._evidence.cache_info().hits == 4
    assert again == first
    assert first.colleagues == 3
    assert first.following == {"first.last": 2, "flast": 1}
    assert first.hyphen_votes == {"keep": 1}
    assert first.umlaut_votes == {"expand": 1}
    # Colleagues showing the same thing share one answer.
    ann = patterns._evidence("Ann", "Lee", "ann.lee")
    assert patterns._evidence("Eve", "Ray", "eve.ray") is ann
