"""Demo surveys: the Croatian security-needs survey (Croatian and English) and a partly answered Italian clone."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from actions.models import Action
from partnership.models import Organisation, Partnership
from surveys import services
from surveys.models import Answer, Choice, Invitation, NeedLink, Question, Respondent, Response, Section, Survey

# section title (en, hr), questions: (kind, en text, hr text, required, choices [(value, en, hr)])
STRUCTURE: list[tuple[tuple[str, str], str, list[tuple[str, str, str, bool, list[tuple[str, str, str]]]]]] = [
    (
        ("Urban planning and design", "Urbanističko planiranje i oblikovanje"),
        "Urban planning and design",
        [
            (
                "likert",
                "Safety is considered when public spaces are planned in our municipality.",
                "Sigurnost se uzima u obzir pri planiranju javnih prostora u našoj općini.",
                True,
                [],
            ),
            (
                "multiple",
                "Which public spaces most need safety improvements?",
                "Koji javni prostori najviše trebaju poboljšanje sigurnosti?",
                True,
                [
                    ("squares", "Squares", "Trgovi"),
                    ("parks", "Parks", "Parkovi"),
                    ("transport", "Public transport stops", "Stajališta javnog prijevoza"),
                    ("schools", "Surroundings of schools", "Okolica škola"),
                    ("waterfront", "Waterfronts", "Obale"),
                ],
            ),
            (
                "yes_no",
                "Do your planners have guidance on security by design?",
                "Imaju li vaši planeri smjernice o sigurnosti kroz oblikovanje?",
                True,
                [],
            ),
        ],
    ),
    (
        ("Technology for smart and secure cities", "Tehnologija za pametne i sigurne gradove"),
        "Technology for smart and secure cities",
        [
            (
                "single",
                "Does your municipality use video surveillance in public spaces?",
                "Koristi li vaša općina videonadzor u javnim prostorima?",
                True,
                [("none", "No", "Ne"), ("some", "In a few places", "Na nekoliko mjesta"), ("wide", "Widely", "Široko")],
            ),
            (
                "matrix",
                "How important are these technologies for your municipality?",
                "Koliko su ove tehnologije važne za vašu općinu?",
                False,
                [
                    ("lighting", "Smart lighting", "Pametna rasvjeta"),
                    ("cameras", "Cameras", "Kamere"),
                    ("apps", "Citizen reporting apps", "Aplikacije za prijave građana"),
                ],
            ),
        ],
    ),
    (
        ("Managing security and sharing public space", "Upravljanje sigurnošću i dijeljenje javnog prostora"),
        "Managing security and sharing public space",
        [
            (
                "ranking",
                "Rank these needs from the most to the least important.",
                "Poredajte ove potrebe od najvažnije do najmanje važne.",
                True,
                [
                    ("training", "Training of local staff", "Obuka lokalnog osoblja"),
                    ("funding", "Funding", "Financiranje"),
                    ("cooperation", "Cooperation with the police", "Suradnja s policijom"),
                ],
            ),
            (
                "number",
                "How many staff work on security in your municipality?",
                "Koliko djelatnika radi na sigurnosti u vašoj općini?",
                False,
                [],
            ),
            ("long_text", "What would help your municipality most?", "Što bi vašoj općini najviše pomoglo?", False, []),
        ],
    ),
]
# The demo's Croatian towns, each in its county (županija), so that the results' region filter means something.
MUNICIPALITIES = {
    "Zagreb": "City of Zagreb",
    "Split": "Split-Dalmatia",
    "Rijeka": "Primorje-Gorski Kotar",
    "Osijek": "Osijek-Baranja",
    "Zadar": "Zadar",
    "Pula": "Istria",
    "Slavonski Brod": "Brod-Posavina",
    "Karlovac": "Karlovac",
    "Varaždin": "Varaždin",
    "Šibenik": "Šibenik-Knin",
    "Sisak": "Sisak-Moslavina",
    "Velika Gorica": "Zagreb County",
    "Vinkovci": "Vukovar-Srijem",
    "Vukovar": "Vukovar-Srijem",
    "Dubrovnik": "Dubrovnik-Neretva",
    "Bjelovar": "Bjelovar-Bilogora",
    "Koprivnica": "Koprivnica-Križevci",
    "Požega": "Požega-Slavonia",
    "Đakovo": "Osijek-Baranja",
    "Čakovec": "Međimurje",
    "Virovitica": "Virovitica-Podravina",
    "Samobor": "Zagreb County",
    "Zaprešić": "Zagreb County",
    "Vrbovec": "Zagreb County",
    "Sveti Ivan Zelina": "Zagreb County",
    "Poreč": "Istria",
    "Rovinj": "Istria",
    "Makarska": "Split-Dalmatia",
    "Sinj": "Split-Dalmatia",
    "Knin": "Šibenik-Knin",
    "Gospić": "Lika-Senj",
    "Krapina": "Krapina-Zagorje",
    "Ogulin": "Karlovac",
    "Nova Gradiška": "Brod-Posavina",
    "Kutina": "Sisak-Moslavina",
    "Metković": "Dubrovnik-Neretva",
    "Omiš": "Split-Dalmatia",
    "Labin": "Istria",
    "Krk": "Primorje-Gorski Kotar",
    "Trogir": "Split-Dalmatia",
}
# The Italian clone's towns, each in its region (all Tuscan: the clone is Tuscany's).
COMUNI = {
    "Firenze": "Toscana",
    "Prato": "Toscana",
    "Pisa": "Toscana",
    "Livorno": "Toscana",
    "Arezzo": "Toscana",
    "Siena": "Toscana",
    "Lucca": "Toscana",
    "Pistoia": "Toscana",
    "Grosseto": "Toscana",
    "Massa": "Toscana",
    "Carrara": "Toscana",
    "Empoli": "Toscana",
}
TEXTS = [
    "More training for municipal wardens.",
    "Funding for lighting in parks.",
    "Guidance from the ministry on CCTV.",
    "A regional network of safety officers.",
]


def _answer(question: Question, rng: random.Random) -> Any:
    values = [c.value for c in question.choices.all()]
    match question.kind:
        case "likert":
            return rng.randint(2, 5)
        case "multiple":
            return rng.sample(values, rng.randint(1, 3))
        case "yes_no":
            return rng.random() < 0.4
        case "single":
            return rng.choice(values)
        case "matrix":
            return {value: rng.randint(1, 5) for value in values}
        case "ranking":
            return rng.sample(values, len(values))
        case "number":
            return rng.randint(0, 12)
        case _:
            return rng.choice(TEXTS)


def _ascii(name: str) -> str:
    return name.lower().replace(" ", "-").translate(str.maketrans("čćđšž", "ccdsz"))


def _build(survey: Survey, partnership: Partnership, *, italian: bool = False) -> None:
    areas = {area.name: area for area in partnership.priority_areas.all()}
    for position, ((title_en, title_hr), area, questions) in enumerate(STRUCTURE):
        section = Section.objects.create(
            survey=survey,
            position=position,
            title=title_en,
            priority_area=areas.get(area),
            translations={"hr": {"title": title_hr}},
        )
        for q_position, (kind, text_en, text_hr, required, choices) in enumerate(questions):
            question = Question.objects.create(
                section=section,
                position=q_position,
                kind=kind,
                text=text_en,
                required=required,
                translations={"hr": {"text": text_hr}},
            )
            for c_position, (value, label_en, label_hr) in enumerate(choices):
                Choice.objects.create(
                    question=question,
                    position=c_position,
                    value=value,
                    label=label_en,
                    translations={"hr": {"label": label_hr}},
                )


# The owners as their respondents read them (the invitation names them), and whom respondents may ask.
CROATIAN_OWNER = ("hr", "Ministarstvo prostornoga uređenja, graditeljstva i državne imovine", "ankete@mpgi.example")
ITALIAN_OWNER = ("it", "Regione Toscana", "sicurezza.urbana@toscana.example")


@transaction.atomic
def load_surveys(records: dict[str, Any]) -> dict[str, Survey]:
    security: Partnership = records["security"]
    orgs: dict[str, Organisation] = records["organisations"]
    croatian = Survey.objects.filter(partnership=security, country="HR").first()
    if croatian is None:
        croatian = Survey.objects.create(
            partnership=security,
            owner=orgs["MGIPU"],
            country="HR",
            title="Survey of local security needs in public spaces",
            introduction=(
                "The Ministry asks local authorities about their security needs "
                "in the partnership's three priority areas."
            ),
            default_language="hr",
            languages=["en"],
            anonymity=Survey.Anonymity.CONFIDENTIAL,
            translations={
                "hr": {
                    "title": "Upitnik o lokalnim sigurnosnim potrebama u javnim prostorima",
                    "introduction": (
                        "Ministarstvo pita lokalne vlasti o njihovim sigurnosnim potrebama "
                        "u tri prioritetna područja partnerstva."
                    ),
                }
            },
        )
        _build(croatian, security)
        croatian = services.survey_transition(survey=croatian, to_state=Survey.State.OPEN, by=None)
        croatian.closes_at = timezone.now() + dt.timedelta(days=60)
        croatian.save(update_fields=["closes_at"])
        _owner_for_respondents(croatian, *CROATIAN_OWNER)
        for name, county in MUNICIPALITIES.items():
            Respondent.objects.create(
                survey=croatian,
                name=f"Sigurnosni koordinator, Grad {name}",
                email=f"sigurnost@{_ascii(name)}.example",
                organisation=f"Grad {name}",
                region=county,
                kind=Respondent.Kind.CITY,
                language="hr",
            )
        services.invitations_send(survey=croatian, by=None)
        _answer_some(croatian, 30, seed=7)
    italian = Survey.objects.filter(partnership=security, country="IT").first()
    if italian is None:
        italian = services.survey_clone(
            survey=croatian,
            by=None,
            title="Indagine sui bisogni di sicurezza locali",
            country="IT",
            owner=orgs["Tuscany"],
            default_language="it",
        )
        italian = services.survey_transition(survey=italian, to_state=Survey.State.OPEN, by=None)
        _owner_for_respondents(italian, *ITALIAN_OWNER)
        for name, region in COMUNI.items():
            Respondent.objects.create(
                survey=italian,
                name=f"Ufficio sicurezza {name}",
                email=f"sicurezza@{name.lower()}.example",
                organisation=f"Comune di {name}",
                region=region,
                kind=Respondent.Kind.CITY,
                language="it",
            )
        services.invitations_send(survey=italian, by=None)
        _answer_some(italian, 7, seed=11)
    _place(croatian, MUNICIPALITIES, "hr")
    _place(italian, COMUNI, "it")
    _owner_for_respondents(croatian, *CROATIAN_OWNER)
    _owner_for_respondents(italian, *ITALIAN_OWNER)
    _link_needs(croatian)
    return {"croatian": croatian, "italian": italian}


def _place(survey: Survey, towns: dict[str, str], language: str) -> None:
    """Each demo respondent in its town's region and the survey's language, their responses too: a demo loaded
    before the towns had their real regions (Bjelovar in the City of Zagreb) is put right on the next load."""
    for name, region in towns.items():
        organisation = f"Grad {name}" if language == "hr" else f"Comune di {name}"
        respondents = Respondent.objects.filter(survey=survey, organisation=organisation)
        respondents.exclude(region=region, language=language).update(region=region, language=language)
        misplaced = Response.objects.filter(survey=survey, invitation__respondent__in=respondents)
        misplaced.exclude(region=region).exclude(region="").update(region=region)


def _owner_for_respondents(survey: Survey, language: str, name: str, email: str) -> None:
    """The owner's name as the survey's respondents read it, and whom they may ask."""
    translations = {code: dict(texts) for code, texts in (survey.translations or {}).items()}
    translations.setdefault(language, {})["owner_name"] = name
    if translations != survey.translations or survey.contact_email != email:
        survey.translations = translations
        survey.contact_email = email
        survey.save(update_fields=["translations", "contact_email"])


# need, the question that shows it, the actions of the demo long list that address it
NEEDS = [
    (
        "Planners lack guidance on security by design",
        "Do your planners have guidance on security by design?",
        ["Security by design guidance for public spaces"],
    ),
    (
        "Local staff need training",
        "Rank these needs from the most to the least important.",
        ["Capacity-building for local security practitioners"],
    ),
]


def _link_needs(survey: Survey) -> None:
    """Needs the coordinators found in the Croatian results, linked to the actions that address them."""
    for need, question_text, titles in NEEDS:
        link, _created = NeedLink.objects.get_or_create(
            survey=survey,
            need=need,
            defaults={"question": Question.objects.filter(section__survey=survey, text=question_text).first()},
        )
        link.actions.add(*Action.objects.filter(partnership=survey.partnership, title__in=titles))


def _answer_some(survey: Survey, count: int, *, seed: int) -> None:
    rng = random.Random(seed)
    questions = list(Question.objects.filter(section__survey=survey).prefetch_related("choices"))
    for invitation in Invitation.objects.filter(survey=survey).select_related("respondent").order_by("pk")[:count]:
        response = services.response_start(
            survey=survey, invitation=invitation, language=invitation.respondent.language
        )
        Answer.objects.bulk_create([Answer(response=response, question=q, value=_answer(q, rng)) for q in questions])
        response.current_section = 3
        response.save(update_fields=["current_section"])
        services.response_submit(response=response)
