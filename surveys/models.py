"""Security-needs surveys: a ministry's survey per country and language, respondents, invitations, answers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from partnership.models import Organisation, Partnership, PriorityArea, StateChange

SURVEY_LANGUAGES = [("en", "English"), ("hr", "Hrvatski"), ("it", "Italiano"), ("fr", "Français"), ("es", "Español")]


class Translatable(models.Model):
    """Texts in the survey's default language, with `translations` = {language: {field: text}}."""

    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        abstract = True

    def text_in(self, field: str, language: str) -> str:
        translated = (self.translations or {}).get(language, {}).get(field)
        return translated or getattr(self, field)


class Survey(Translatable):
    partnership_path = "partnership"

    class Anonymity(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous: answers are cut from the invitation at submission")
        CONFIDENTIAL = "confidential", _("Confidential: linked, but results show only aggregates")
        NAMED = "named", _("Named: answers visible to the owner with the respondent")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        RESULTS_PUBLISHED = "results_published", _("Results published")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="surveys")
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("owner (ministry)"),
        on_delete=models.PROTECT,
        related_name="owned_surveys",
    )
    country = CountryField(_("country"))
    title = models.CharField(_("title"), max_length=250)
    introduction = models.TextField(_("introduction"), blank=True)
    owner_name = models.CharField(
        _("owner's name for respondents"),
        max_length=250,
        blank=True,
        help_text=_("As respondents read it in the invitation and on the survey; left empty: the owner's name."),
    )
    contact_email = models.EmailField(
        _("contact for respondents"),
        blank=True,
        help_text=_("Shown on the survey's first page, for respondents' questions."),
    )
    default_language = models.CharField(_("default language"), max_length=5, choices=SURVEY_LANGUAGES, default="en")
    languages = models.JSONField(_("other languages"), default=list, blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    anonymity = models.CharField(
        _("anonymity"), max_length=15, choices=Anonymity.choices, default=Anonymity.CONFIDENTIAL
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, editable=False)
    family = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="Shared by a survey and its clones, to compare them."
    )
    cloned_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones")
    open_link_enabled = models.BooleanField(_("open link for anyone"), default=False)
    open_link_token = models.CharField(max_length=64, blank=True, editable=False)
    reminder_after_days = models.PositiveSmallIntegerField(_("first reminder after (days)"), default=7)
    reminder_max = models.PositiveSmallIntegerField(
        _("at most reminders"), default=2, validators=[MaxValueValidator(10)]
    )
    reminder_gap_days = models.PositiveSmallIntegerField(_("days between reminders"), default=5)
    erase_after_months = models.PositiveSmallIntegerField(_("erase respondents' data after (months)"), default=6)

    class Meta:
        ordering = ["-opens_at", "title"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["partnership", "state"]), models.Index(fields=["family"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:manage", kwargs={"pk": self.pk})

    @property
    def all_languages(self) -> list[str]:
        return [self.default_language, *[code for code in self.languages if code != self.default_language]]

    def owner_name_in(self, language: str) -> str:
        """The owner's name as respondents of this language read it: translated, given, or the organisation's."""
        return self.text_in("owner_name", language) or self.owner.name

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return (
            self.state == self.State.OPEN
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )


class SurveyTransition(StateChange):
    """A state change of a survey: who, when, why."""

    partnership_path = "survey__partnership"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.from_state} → {self.to_state}"


class Section(Translatable):
    partnership_path = "survey__partnership"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    priority_area = models.ForeignKey(
        PriorityArea, verbose_name=_("priority area"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A section's priority area is one of its survey's partnership, whatever the form offered."""
        if self.priority_area_id and self.survey_id:
            partnerships = Survey.objects.filter(pk=self.survey_id).values("partnership_id")
            if not PriorityArea.objects.filter(pk=self.priority_area_id, partnership_id__in=partnerships).exists():
                raise ValidationError({"priority_area": _("Choose a priority area of the survey's partnership.")})


class Question(Translatable):
    partnership_path = "section__survey__partnership"

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        LIKERT = "likert", _("Likert scale (1–5)")
        MATRIX = "matrix", _("Matrix (rows rated 1–5)")
        RANKING = "ranking", _("Ranking")
        NUMBER = "number", _("Number")
        YES_NO = "yes_no", _("Yes / no")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.MATRIX, Kind.RANKING)

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    identity = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="Shared with the same question in clones."
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    has_other = models.BooleanField(_("offer “other” with a text"), default=False)
    min_value = models.IntegerField(_("minimum"), null=True, blank=True)
    max_value = models.IntegerField(_("maximum"), null=True, blank=True)
    show_if_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if this question"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependants",
    )
    show_if_value = models.CharField(_("has this answer"), max_length=100, blank=True)
    likert_low_label = models.CharField(
        _("label of 1 on the scale"), max_length=100, blank=True, help_text=_("Left empty: “strongly disagree”.")
    )
    likert_high_label = models.CharField(
        _("label of 5 on the scale"), max_length=100, blank=True, help_text=_("Left empty: “strongly agree”.")
    )

    class Meta:
        ordering = ["section__position", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["identity"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=models.F("min_value")),
                name="question_bounds_ordered",
                violation_error_message=_("The maximum must not be below the minimum."),
            )
        ]

    def __str__(self) -> str:
        return self.text


class Choice(Translatable):
    """An option of a choice or ranking question, or a row of a matrix.

    `value` is what answers store: made from the label once when the option is created (`services.question_save`)
    and never regenerated, so a reworded label keeps the answers given to it.
    """

    partnership_path = "question__section__survey__partnership"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    value = models.SlugField(_("value"), max_length=60)
    label = models.CharField(_("label"), max_length=250)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [models.UniqueConstraint(fields=["question", "value"], name="choice_unique_value")]

    def __str__(self) -> str:
        return self.label


class Respondent(models.Model):
    """Someone a ministry asks to answer: no account, a personal link is their only key."""

    partnership_path = "survey__partnership"

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        CITY = "city", _("City")
        REGION = "region", _("Region or county")
        OTHER = "other", _("Other")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    region = models.CharField(_("municipality or region"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.MUNICIPALITY)
    language = models.CharField(_("language"), max_length=5, choices=SURVEY_LANGUAGES, default="en")
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["survey", "name"]
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        constraints = [
            models.UniqueConstraint(
                "survey",
                models.functions.Lower("email"),
                name="respondent_unique_email",
                violation_error_message=_("This e-mail is already on the survey's list."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.region or self.organisation})"


class Invitation(models.Model):
    partnership_path = "survey__partnership"

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        STARTED = "started", _("Started")
        SUBMITTED = "submitted", _("Submitted")
        BOUNCED = "bounced", _("Bounced")
        OPTED_OUT = "opted_out", _("Opted out")
        EXPIRED = "expired", _("Expired")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    respondent = models.OneToOneField(Respondent, on_delete=models.CASCADE, related_name="invitation")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_mail_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["survey", "state", "last_mail_at"])]

    def __str__(self) -> str:
        return f"Invitation of {self.respondent}"


class InvitationToken(models.Model):
    """A personal link's token, as a SHA-256 hash; each mail carries a fresh one, all valid until the survey closes."""

    partnership_path = "invitation__survey__partnership"

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Token of invitation {self.invitation_id}"


class Response(models.Model):
    """One respondent's answers; for an anonymous survey the link to the invitation is cut at submission."""

    partnership_path = "survey__partnership"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    language = models.CharField(max_length=5, default="en")
    region = models.CharField(max_length=200, blank=True)
    respondent_kind = models.CharField(max_length=15, blank=True)
    current_section = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    via_open_link = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["survey", "submitted_at"])]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey_id}"


class Answer(models.Model):
    partnership_path = "response__survey__partnership"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField()
    other_text = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_unique")]
        indexes = [models.Index(fields=["question"])]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"


class NeedLink(models.Model):
    """A need found in the results, linked to the actions that address it."""

    partnership_path = "survey__partnership"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="need_links")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True)
    need = models.CharField(_("need"), max_length=300)
    actions = models.ManyToManyField("actions.Action", verbose_name=_("addressed by"), blank=True)

    class Meta:
        verbose_name = _("need linked to actions")
        verbose_name_plural = _("needs linked to actions")

    def __str__(self) -> str:
        return self.need


class SurveyExport(models.Model):
    """A response export written in the background, with its progress; downloaded only through a permission check.

    Files live under `survey-exports/` in the default storage, never published as media. They are kept until
    a newer export of the same survey and format is done, or for `RETENTION` after they were requested
    (`surveys.exports.exports_purge_expired`), whichever comes first; deleting the row deletes the file.
    """

    partnership_path = "survey__partnership"

    RETENTION = timedelta(days=7)
    # A queued or running export older than this was lost with its worker: a new request starts another.
    STALE_AFTER = timedelta(hours=1)

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"
        SAV = "sav", "SPSS (.sav)"
        DTA = "dta", "Stata (.dta)"

    class Layout(models.TextChoices):
        LABELS = "labels", _("wide, with labels")
        CODES = "codes", _("wide, with codes")
        LONG = "long", _("long, one row per answer")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # CSV and XLSX only (surveys.layouts); SPSS and Stata files are always the codes with their labels.
    layout = models.CharField(_("layout"), max_length=6, choices=Layout.choices, default=Layout.LABELS)
    # Written for a reader who does not hold the rows: regions and types only of groups results would show.
    coarse = models.BooleanField(default=False, editable=False)
    state = models.CharField(_("state"), max_length=7, choices=State.choices, default=State.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="survey-exports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Handed to the broker at; held by a worker until (renewed with its progress): the jobs' lease, see
    # surveys.exports.exports_sweep.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("response export")
        verbose_name_plural = _("response exports")
        indexes = [models.Index(fields=["survey", "format", "state"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Export {self.pk} of survey {self.survey_id} ({self.format}, {self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_done / self.rows_total))

    @property
    def in_progress(self) -> bool:
        under_way = self.state in (self.State.QUEUED, self.State.RUNNING)
        return under_way and self.created_at > timezone.now() - self.STALE_AFTER


@receiver(post_delete, sender=SurveyExport)
def _export_file_delete(sender: type[SurveyExport], instance: SurveyExport, **kwargs: object) -> None:
    """The file goes with its row, once the deletion is committed."""
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name), robust=True)
