"""Hostile input on every page of the portal (issue 12, finding 6): empty values, 100 kB, NUL characters,
words where numbers belong, unknown choices, huge ids and impossible dates, sent to every field of every form
a page shows and to every query parameter its view declares, each page opened as one role that may use it.
Every answer is a page (a form with its errors), a redirect or a 4xx: never a 500.

What a view reads is watched as well (`Reads`): a key it takes from a post without a field on the page (a
button's `format`, a hidden `layout`) is fuzzed like a field, and a query parameter it reads without declaring
it is a finding of its own, since the sweep would not try it.

The world is the demo partnership (load_demo) with what it lacks added, built once for the module; every request
runs in a savepoint that is rolled back, and the browser's cookies and the cache are put back after it, so each one
meets the same world."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.datastructures import MultiValueDict
from page_forms import PostedForm, field_kinds, post_forms

from partnership import parameters
from partnership.tests.second_factor import VerifiedClient

pytestmark = pytest.mark.django_db

HOSTILE = {
    "empty": "",
    "100 kB": "x" * 100_000,
    "NUL": "a\x00b",
    "a word": "abc",
    "a negative number": "-1",
    "a huge id": "9" * 30,
    "an unknown choice": "no-such-choice",
    "an impossible date": "2019-02-31",
}
HUGE_ID = 2**70


def _routes(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern.callback


def portal_routes() -> list[tuple[str, str, Any]]:
    """Every routed page but the admin's (tests/test_admin_writes.py tries those): route, URL name, view."""
    return [route for route in _routes(get_resolver().url_patterns) if not route[0].startswith("admin/")]


def declared_parameters(name: str, view: Any) -> frozenset[str] | None:
    found = parameters.declared(view)
    return found if found is not None else parameters.OTHERS.get(name)


@pytest.mark.sqlite_too
def test_every_routed_page_declares_its_query_parameters():
    undeclared = [
        f"{route} ({name})" for route, name, view in portal_routes() if declared_parameters(name, view) is None
    ]
    assert undeclared == []


def test_the_declaration_check_catches_a_page_that_declares_nothing():
    def undeclared_view(request: Any) -> None:
        return None

    assert declared_parameters("nowhere", undeclared_view) is None
    assert declared_parameters("nowhere", parameters.query_parameters("q")(undeclared_view)) == {"q"}


# What the views read -------------------------------------------------------------------------------------------


class Reads:
    """The keys read from a request's GET and POST while the sweep runs: `ReadsMiddleware` names the two
    dictionaries of each request, and the sweep's fixture wraps `MultiValueDict`'s lookups to note each key read
    from one of them. Only the keys are kept, by where they were read."""

    sources: dict[int, str] = {}
    keys: set[tuple[str, str]] = set()

    @classmethod
    def start(cls) -> None:
        cls.sources.clear()
        cls.keys.clear()

    @classmethod
    def read(cls, where: str) -> set[str]:
        return {key for source, key in cls.keys if source == where}

    @classmethod
    def note(cls, data: Any, key: Any) -> None:
        source = cls.sources.get(id(data))
        if source is not None and isinstance(key, str):
            cls.keys.add((source, key))


class ReadsMiddleware:
    """The first middleware while the sweep runs: names the request's GET and POST for `Reads`."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        Reads.sources[id(request.GET)] = "GET"
        if request.method == "POST":
            Reads.sources[id(request.POST)] = "POST"
        return self.get_response(request)


def _watch_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("__getitem__", "get", "getlist", "__contains__"):
        original = getattr(MultiValueDict, name)

        def watched(self: Any, key: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            Reads.note(self, key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(MultiValueDict, name, watched)


# The world and the roles -----------------------------------------------------------------------------------


@dataclass
class World:
    clients: dict[str, Client]
    kwargs: dict[str, dict[str, Any]]
    media_root: str = ""
    cache: dict[str, Any] = field(default_factory=dict)  # each request starts from it: see `warm_cache`


def _world() -> World:
    """The demo partnership, plus what its pages need that the demo lacks: a draft survey to build, documents,
    tokens for the personal links and a calendar feed, an action in public feedback, a browser answering."""
    from actions import services as action_services
    from actions.models import Action
    from actions.tests.factories import ActionFactory
    from meetings import services as meeting_services
    from meetings.models import Meeting, MeetingDocument, Registration, TravelPolicy, TravelRequest
    from partnership.models import Partnership
    from partnership.tokens import token_hash
    from surveys.models import Invitation, InvitationToken, Question, Survey, SurveyExport
    from surveys.tests.factories import QuestionFactory, SectionFactory, SurveyFactory, question_with_choices

    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    users = {user.username: user for user in get_user_model().objects.all()}
    partner, coordinator, ministry = users["partner"], users["coordinator"], users["ministry"]
    security = Partnership.objects.get(slug="security")
    meeting = Meeting.objects.get(partnership=security, state=Meeting.State.REGISTRATION_OPEN)
    document = MeetingDocument.objects.create(
        meeting=meeting,
        title="Agenda",
        kind=MeetingDocument.Kind.AGENDA,
        visibility="public",
        file=SimpleUploadedFile("agenda.txt", b"The agenda"),
    )
    invited = Registration.objects.filter(meeting=meeting, person__user__isnull=True).first()
    assert invited is not None
    Registration.objects.filter(pk=invited.pk).update(token_hash=token_hash("meeting-link"))
    feed_token = meeting_services.calendar_feed_create(person=partner.person, by=partner)
    TravelPolicy.objects.update_or_create(
        meeting=meeting, defaults={"offered": True, "roles": ["partner"], "cap_eur": 500}
    )
    travelling = meeting_services.registration_for_member(meeting=meeting, person=partner.person, by=partner)
    Registration.objects.filter(pk=travelling.pk).update(state=Registration.State.REGISTERED)
    ticket_token = meeting_services.ticket_token(registration=travelling)
    travel = TravelRequest.objects.create(
        registration=travelling, travelling_from="Helsinki", arrival=meeting.days[0], departure=meeting.days[-1]
    )

    draft = Action.objects.get(state=Action.State.DRAFT, owner=partner.person.organisation)
    discussed = Action.objects.filter(state=Action.State.UNDER_DISCUSSION, owner=partner.person.organisation)[0]
    implemented = Action.objects.filter(state=Action.State.IN_IMPLEMENTATION, leader=coordinator.person.organisation)[0]
    feedback = ActionFactory.create(
        partnership=security, state=Action.State.PUBLIC_FEEDBACK, owner=coordinator.person.organisation
    )
    action_document = action_services.document_add(
        action=discussed, by=partner, title="Notes", visibility="members", file=SimpleUploadedFile("n.txt", b"Notes")
    )

    survey = Survey.objects.get(owner=ministry.person.organisation, state=Survey.State.OPEN)
    Survey.objects.filter(pk=survey.pk).update(open_link_enabled=True, open_link_token=token_hash("open-link"))
    building = SurveyFactory.create(partnership=security, owner=ministry.person.organisation, title="Draft survey")
    section = SectionFactory.create(survey=building, position=0)
    question = question_with_choices(section, Question.Kind.RANKING, ["parks", "squares"], position=0)
    QuestionFactory.create(section=section, position=1, kind=Question.Kind.LONG_TEXT)
    asked = Question.objects.filter(section__survey=survey).order_by("pk")[0]
    invitation = Invitation.objects.filter(survey=survey, state__in=["sent", "opened"]).first()
    assert invitation is not None
    InvitationToken.objects.create(invitation=invitation, token_hash=token_hash("survey-link"))
    export = SurveyExport.objects.create(survey=survey, requested_by=ministry, format=SurveyExport.Format.CSV)

    clients = {"visitor": Client(raise_request_exception=False)}
    for role, user in (("partner", partner), ("coordinator", coordinator), ("ministry", ministry)):
        clients[role] = VerifiedClient(raise_request_exception=False)
        clients[role].force_login(user)
    respondent = Client(raise_request_exception=False)
    respondent.post(reverse("surveys:open_link", kwargs={"token": "open-link"}), {"website": ""})
    respondent.post(reverse("surveys:answer", args=[survey.pk]), {"language": survey.default_language})
    clients["respondent"] = respondent
    cache.clear()

    s, m = {"slug": "security"}, {"pk": meeting.pk}
    kwargs = {
        "home": ("visitor", {}),
        "partnership_detail": ("partner", s),
        "directory": ("partner", s),
        "organisation_detail": ("partner", {"pk": partner.person.organisation_id}),
        "profile": ("partner", {}),
        "profile_data": ("partner", {}),
        "privacy": ("visitor", {}),
        "accessibility": ("visitor", {}),
        "health": ("visitor", {}),
        "ping": ("visitor", {}),
        "password_reset": ("visitor", {}),
        "notifications": ("partner", {}),
        "notification_preferences": ("partner", {}),
        "announcement_new": ("coordinator", s),
        "notification_unsubscribe": ("visitor", {"token": "not-a-real-token"}),
        "login": ("visitor", {}),
        "logout": ("partner", {}),
        "password_change": ("partner", {}),
        "password_change_done": ("partner", {}),
        "password_reset_done": ("visitor", {}),
        "password_reset_complete": ("visitor", {}),
        "password_reset_confirm": ("visitor", {"uidb64": "MQ", "token": "set-password"}),
        "set_language": ("partner", {}),
        "two_factor": ("coordinator", {}),
        "two_factor_totp": ("coordinator", {}),
        "two_factor_verify": ("coordinator", {}),
        "two_factor_codes": ("coordinator", {}),
        "two_factor_passkey": ("coordinator", {}),
        "otp_webauthn:credential-registration-begin": ("coordinator", {}),
        "otp_webauthn:credential-registration-complete": ("coordinator", {}),
        "otp_webauthn:credential-authentication-begin": ("coordinator", {}),
        "otp_webauthn:credential-authentication-complete": ("coordinator", {}),
        "otp_webauthn:js-i18n-catalog": ("coordinator", {}),
        "meetings:list": ("partner", {}),
        "meetings:managed": ("coordinator", {}),
        "meetings:announce": ("coordinator", m),
        "meetings:detail": ("partner", m),
        "meetings:ics": ("partner", m),
        "meetings:register": ("partner", m),
        "meetings:manage": ("coordinator", m),
        "meetings:invite": ("coordinator", m),
        "meetings:reschedule": ("coordinator", m),
        "meetings:cancel": ("coordinator", m),
        "meetings:minutes": ("coordinator", m),
        "meetings:document_upload": ("coordinator", m),
        "meetings:check_in": ("coordinator", m),
        "meetings:check_in_scan": ("coordinator", m),
        "meetings:ticket": ("coordinator", {"token": ticket_token}),
        "meetings:participants": ("coordinator", m),
        "meetings:write": ("coordinator", m),
        "meetings:follow": ("partner", m),
        "meetings:travel": ("partner", m),
        "meetings:travel_list": ("coordinator", m),
        "meetings:travel_export": ("coordinator", m),
        "meetings:travel_detail": ("coordinator", {"pk": meeting.pk, "travel_pk": travel.pk}),
        "meetings:document": ("partner", {"pk": document.pk}),
        "meetings:personal_link": ("visitor", {"token": "meeting-link"}),
        "meetings:calendar_feeds": ("partner", {}),
        "meetings:feed": ("visitor", {"token": feed_token}),
        "actions:long_list": ("partner", s),
        "actions:create": ("partner", s),
        "actions:ranking": ("coordinator", s),
        "actions:plan": ("visitor", s),
        "actions:export": ("coordinator", {**s, "fmt": "xlsx"}),
        "actions:open_data": ("visitor", {**s, "fmt": "json"}),
        "actions:detail": ("partner", {"pk": discussed.pk}),
        "actions:edit": ("partner", {"pk": draft.pk}),
        "actions:submit": ("partner", {"pk": draft.pk}),
        "actions:withdraw": ("partner", {"pk": discussed.pk}),
        "actions:comment": ("partner", {"pk": discussed.pk}),
        "actions:support": ("partner", {"pk": discussed.pk}),
        "actions:feedback": ("visitor", {"pk": feedback.pk}),
        "actions:transition": ("coordinator", {"pk": discussed.pk}),
        "actions:merge": ("coordinator", {"pk": discussed.pk}),
        "actions:progress": ("coordinator", {"pk": implemented.pk}),
        "actions:document_upload": ("partner", {"pk": discussed.pk}),
        "actions:follow": ("partner", {"pk": discussed.pk}),
        "actions:document": ("partner", {"pk": action_document.pk}),
        "actions:document_delete": ("partner", {"pk": action_document.pk}),
        "surveys:list": ("ministry", {}),
        "surveys:manage": ("ministry", {"pk": survey.pk}),
        "surveys:deadline": ("ministry", {"pk": survey.pk}),
        "surveys:transition": ("ministry", {"pk": survey.pk, "to_state": "closed"}),
        "surveys:upload": ("ministry", {"pk": survey.pk}),
        "surveys:respondent_add": ("ministry", {"pk": survey.pk}),
        "surveys:preview": ("ministry", {"pk": survey.pk}),
        "surveys:build": ("ministry", {"pk": building.pk}),
        "surveys:build_texts": ("ministry", {"pk": building.pk}),
        "surveys:section_add": ("ministry", {"pk": building.pk}),
        "surveys:section_edit": ("ministry", {"pk": building.pk, "section_id": section.pk}),
        "surveys:section_delete": ("ministry", {"pk": building.pk, "part_id": section.pk}),
        "surveys:question_add": ("ministry", {"pk": building.pk}),
        "surveys:question_edit": ("ministry", {"pk": building.pk, "question_id": question.pk}),
        "surveys:question_delete": ("ministry", {"pk": building.pk, "part_id": question.pk}),
        "surveys:results": ("ministry", {"pk": survey.pk}),
        "surveys:compare": ("ministry", {"pk": survey.pk}),
        "surveys:result_chart": ("ministry", {"pk": survey.pk, "question_id": asked.pk, "fmt": "svg"}),
        "surveys:export": ("ministry", {"pk": survey.pk}),
        "surveys:export_xlsx": ("ministry", {"pk": survey.pk}),
        "surveys:export_layout": ("ministry", {"pk": survey.pk, "layout": "codes", "fmt": "csv"}),
        "surveys:exports": ("ministry", {"pk": survey.pk}),
        "surveys:export_download": ("ministry", {"pk": survey.pk, "export_id": export.pk}),
        "surveys:codebook": ("ministry", {"pk": survey.pk}),
        "surveys:answer": ("respondent", {"pk": survey.pk}),
        "surveys:section": ("respondent", {"pk": survey.pk, "number": 1}),
        "surveys:review": ("respondent", {"pk": survey.pk}),
        "surveys:thanks": ("respondent", {"pk": survey.pk}),
        "surveys:download_copy": ("respondent", {"pk": survey.pk}),
        "surveys:personal_link": ("visitor", {"token": "survey-link"}),
        "surveys:open_link": ("visitor", {"token": "open-link"}),
        "surveys:opt_out": ("visitor", {"token": "survey-link"}),
    }
    return World(clients=clients, kwargs={name: {"role": role, "kwargs": kw} for name, (role, kw) in kwargs.items()})


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world, built once for the module's sweeps in a transaction rolled back at the module's end: each test's
    own transaction (pytest-django's) and each request's savepoint are nested inside it."""
    from partnership.celery import app

    media = str(tmp_path_factory.mktemp("media"))
    # The test client builds its middleware once, at its first request: ReadsMiddleware is in it from the start.
    middleware = [f"{__name__}.ReadsMiddleware", *django_settings.MIDDLEWARE]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, MIDDLEWARE=middleware),
        transaction.atomic(),
    ):
        eager, app.conf.task_always_eager = app.conf.task_always_eager, True  # as conftest has it in each test
        try:
            built = _world()
        finally:
            app.conf.task_always_eager = eager
        built.media_root, built.cache = media, warm_cache(built)
        yield built
        transaction.set_rollback(True)


def warm_cache(world: World) -> dict[str, Any]:
    """What the world's pages keep in the cache (each browser's session, the bell's count), noted as each role
    opens the home page. Each request starts from this rather than from an empty cache, where every page would
    count the bell's notifications again (a third of a request's time) and read its session from the database."""
    written: dict[str, Any] = {}
    backend = type(caches["default"])
    original = backend.set

    def noted(self: Any, key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        written[key] = value
        return original(self, key, value, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backend, "set", noted)
        for browser in world.clients.values():
            cookies = copy.deepcopy(browser.cookies)
            with transaction.atomic():
                browser.get(reverse("home"))
                transaction.set_rollback(True)
            browser.cookies = cookies
    return written


# The sweep -------------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    world: World
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    errors: list[BaseException] = field(default_factory=list)
    unseen: set[str] = field(default_factory=set)  # "path key": read from a post without a field on the page

    def send(self, role: str, method: str, path: str, data: Any = None, what: str = "") -> Any:
        browser = self.world.clients[role]
        cookies = copy.deepcopy(browser.cookies)
        # The last request's rate limits would answer 429 before the input is read, and a session it changed
        # would outlive its rolled-back savepoint.
        cache.clear()
        cache.set_many(self.world.cache)
        self.errors.clear()
        Reads.start()
        self.requests += 1
        try:
            with transaction.atomic():
                response = browser.get(path, data) if method == "GET" else browser.post(path, data or {})
                transaction.set_rollback(True)
        finally:
            browser.cookies = cookies
        if response.status_code >= 500:
            cause = f": {self.errors[0]!r}"[:300] if self.errors else ""
            self.problems.append(f"{method} {path} as {role} with {what or 'nothing'} -> {response.status_code}{cause}")
        return response


@pytest.fixture
def sweep(world: World, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sweep]:
    settings.MEDIA_ROOT = world.media_root
    found = Sweep(world=world)
    _watch_reads(monkeypatch)

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        import sys

        found.errors.append(sys.exc_info()[1] or RuntimeError("unknown"))

    got_request_exception.connect(record)
    yield found
    got_request_exception.disconnect(record)


def _target(path: str) -> str | None:
    """The URL name a form posts to, or None for a page outside the portal's own (the admin's)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return None if match.route.startswith("admin/") else match.view_name


# Each field alone gets the values that reach past a form's own checks (a service, a lookup, a conversion);
# all fields at once get every value, which each field's own validation answers independently. Plain fields
# (`field_kinds`) get fewer alone: a text field takes a word or a number as text like any other, passed on as it
# is, so it gets what its form must refuse (the NUL a database cannot store, 100 kB its column may not hold) and
# one change a person would make, a word if shown empty or else emptied, which may carry the form to its service;
# a checkbox reads every value but the empty one as ticked, so it gets the two.
ONE_FIELD = {
    "": ("empty", "NUL", "a word", "a negative number", "a huge id"),
    "text": ("NUL", "100 kB"),
    "checkbox": ("empty", "NUL"),
}
# A formset's counts keep their shown values when every field is hostile, so that its rows are read with every
# value; the counts get theirs alone (a huge count has Django build the 2,000 forms it allows, seconds each time).
FORMSET_COUNT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")
FORMSET_ROW = re.compile(r"-([1-9]\d*)-")


def _files(form: PostedForm) -> dict[str, Any]:
    return {name: SimpleUploadedFile("notes.txt", b"Meeting notes", "text/plain") for name in form.files}


def _fuzz_form(sweep: Sweep, role: str, form: PostedForm) -> None:
    base = {**form.fields}
    variants = [dict(form.buttons[:1])] + [{name: value} for name, value in form.buttons[1:]]
    sent: set[frozenset[tuple[str, tuple[str, ...]]]] = set()

    def post(data: dict[str, Any], what: str) -> None:
        """Post what the view would receive only once: a field shown empty posts as one emptied does, and a form's
        only field alone as every field."""
        received = frozenset((key, tuple(v) if isinstance(v, list) else (v,)) for key, v in data.items())
        if received not in sent:
            sent.add(received)
            sweep.send(role, "POST", form.action, {**data, **_files(form)}, what)

    read: set[str] = set()
    for button in variants:
        post({**base, **button}, f"the form as shown, {button}")
        read |= Reads.read("POST")
    # A formset's later rows are read as its first one is; keys the view reads without a field on the page
    # (a key a script would send) are tried as fields are.
    shown = [*form.fields, *(name for name, _v in form.buttons)]
    unseen = sorted(read - {*shown, *form.files, "csrfmiddlewaretoken"})
    names = [name for name in [*shown, *unseen] if not FORMSET_ROW.search(name)]
    sweep.unseen.update(f"{form.action} {name}" for name in unseen)
    for name in names:
        kind = form.kinds.get(name, "")
        changed = ("a word" if not "".join(base[name]) else "empty",) if kind == "text" else ()
        for label in (*ONE_FIELD[kind], *changed):
            post({**base, **variants[0], name: HOSTILE[label]}, f"{name}={label}")
    counts = {name: shown for name, shown in base.items() if FORMSET_COUNT.search(name)}
    for label, value in HOSTILE.items():
        post({**dict.fromkeys(base, value), **counts, **variants[0]}, f"every field={label}")
    sweep.send(role, "POST", form.action, {}, "an empty post")


def _sweep_app(sweep: Sweep, namespace: str) -> None:
    routes = [
        (name, view)
        for _route, name, view in portal_routes()
        if name.partition(":")[0] == namespace or (namespace == "" and ":" not in name)
    ]
    assert routes
    missing = [name for name, _view in routes if name not in sweep.world.kwargs]
    assert missing == [], "every page needs a role and the ids it opens in _world()"
    forms: dict[str, list[tuple[str, PostedForm]]] = {}
    for name, view in routes:
        role, kwargs = sweep.world.kwargs[name]["role"], sweep.world.kwargs[name]["kwargs"]
        path = reverse(name, kwargs=kwargs)
        page = sweep.send(role, "GET", path)
        undeclared = Reads.read("GET") - (declared_parameters(name, view) or frozenset())
        if undeclared:
            sweep.problems.append(f"GET {path} ({name}) reads undeclared query parameters {sorted(undeclared)}")
        if page.get("Content-Type", "").startswith("text/html") and not getattr(page, "streaming", False):
            for form in post_forms(path, page.content.decode(), field_kinds(page)):
                target = _target(form.action)
                if target is not None:
                    forms.setdefault(target, []).append((role, form))
        for parameter in sorted(declared_parameters(name, view) or ()):
            for label, value in HOSTILE.items():
                sweep.send(role, "GET", path, {parameter: value}, f"?{parameter}={label}")
        for key, value in kwargs.items():
            if isinstance(value, int):
                sweep.send(role, "GET", reverse(name, kwargs={**kwargs, key: HUGE_ID}), what=f"{key}={HUGE_ID}")
    for name, _view in routes:
        role, kwargs = sweep.world.kwargs[name]["role"], sweep.world.kwargs[name]["kwargs"]
        shown = forms.get(name, [])
        # One form of each shape: the rows of a list (one form per invitation, per registration) post alike.
        shape = {
            (f.action, tuple(sorted(f.fields)), tuple(sorted(n for n, _v in f.buttons))): (by, f) for by, f in shown
        }
        unique = shape
        if not unique:
            path = reverse(name, kwargs=kwargs)
            sweep.send(role, "POST", path, {}, "an empty post")
            read = Reads.read("POST")
            sweep.send(role, "POST", path, {"x": HOSTILE["100 kB"]}, "an unknown field")
            sweep.unseen.update(f"{path} {key}" for key in read)
            for key in sorted(read):
                for label in ONE_FIELD[""]:
                    sweep.send(role, "POST", path, {key: HOSTILE[label]}, f"{key}={label}, read without a field")
            continue
        for by, form in unique.values():
            _fuzz_form(sweep, by, form)


# Keys that views are known to read from a post without a field on the page that the sweep finds.
READ_WITHOUT_A_FIELD = {"meetings": "revoke", "surveys": "layout"}


@pytest.mark.parametrize(
    "namespace", ["", pytest.param("meetings", marks=pytest.mark.sqlite_too), "actions", "surveys"]
)
def test_no_page_answers_hostile_input_with_a_server_error(sweep, namespace):
    _sweep_app(sweep, namespace)
    assert not sweep.problems, "\n".join(sweep.problems)
    assert sweep.requests > 100
    if namespace in READ_WITHOUT_A_FIELD:  # the watch on what views read works
        assert any(entry.endswith(f" {READ_WITHOUT_A_FIELD[namespace]}") for entry in sweep.unseen), sweep.unseen
