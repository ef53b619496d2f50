"""The action long list: actions, their workflow history, support, working groups, implementation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem, Meeting
from partnership.models import Document, Organisation, Partnership, Person, Pillar, PriorityArea


class FundingOpportunity(models.Model):
    partnership_path = "partnership"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="funding_opportunities")
    provider = models.CharField(_("provider"), max_length=200, help_text=_("e.g. European Investment Bank"))
    programme = models.CharField(_("programme"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    eligible_priority_areas = models.ManyToManyField(
        PriorityArea, verbose_name=_("eligible priority areas"), blank=True, related_name="funding_opportunities"
    )
    url = models.URLField(_("link"), blank=True)

    class Meta:
        ordering = ["deadline", "provider", "programme"]
        verbose_name = _("funding opportunity")
        verbose_name_plural = _("funding opportunities")

    def __str__(self) -> str:
        return f"{self.provider}: {self.programme}"


class Action(models.Model):
    partnership_path = "partnership"

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        LONG_LISTED = "long_listed", _("Long-listed")
        UNDER_DISCUSSION = "under_discussion", _("Under discussion")
        SELECTED = "selected", _("Selected")
        DRAFTING = "drafting", _("Drafting")
        PUBLIC_FEEDBACK = "public_feedback", _("Public feedback")
        ADOPTED = "adopted", _("Adopted")
        IN_IMPLEMENTATION = "in_implementation", _("In implementation")
        COMPLETED = "completed", _("Completed")
        MERGED = "merged", _("Merged")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DROPPED = "dropped", _("Dropped")

    class Level(models.TextChoices):
        EU = "eu", _("EU")
        NATIONAL = "national", _("National")
        REGIONAL = "regional", _("Regional")
        LOCAL = "local", _("Local")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(_("code"), max_length=20, blank=True, help_text=_("Assigned on long-listing, e.g. A-07."))
    title = models.CharField(_("title"), max_length=250)
    # A draft may be saved without these; the submission asks for them (and a constraint holds it).
    problem = models.TextField(_("bottleneck or problem addressed"), blank=True)
    description = models.TextField(_("description"), blank=True)
    priority_area = models.ForeignKey(
        PriorityArea,
        verbose_name=_("priority area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
    )
    pillar = models.ForeignKey(
        Pillar, verbose_name=_("pillar"), on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="proposed_actions",
        help_text=_("The organisation that proposed the action and edits its draft."),
    )
    leader = models.ForeignKey(
        Organisation,
        verbose_name=_("leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_actions",
    )
    contributors = models.ManyToManyField(
        Organisation, verbose_name=_("contributing partners"), blank=True, related_name="contributed_actions"
    )
    origin_meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting of origin"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions_proposed",
    )
    origin_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item of origin"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions_proposed",
    )
    discussed_at = models.ManyToManyField(
        AgendaItem, verbose_name=_("discussed at"), blank=True, related_name="actions_discussed"
    )
    expected_outcome = models.TextField(_("expected outcome and deliverables"), blank=True)
    timeline = models.CharField(_("timeline"), max_length=200, blank=True)
    resources = models.TextField(_("resources and possible funding"), blank=True)
    funding_opportunities = models.ManyToManyField(
        FundingOpportunity, verbose_name=_("funding opportunities"), blank=True, related_name="actions"
    )
    related = models.ManyToManyField("self", verbose_name=_("related actions"), blank=True, symmetrical=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    support_closed = models.BooleanField(_("support round closed"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Written by a PostgreSQL trigger on every insert and text change (actions/search.py); never by Django.
    search_document = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["partnership", "code", "title"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "code"],
                condition=~Q(code=""),
                name="action_unique_code",
                violation_error_message=_("Another action of this partnership already has this code."),
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="action_not_merged_into_itself",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | (Q(priority_area__isnull=False) & ~Q(problem="")),
                name="action_submitted_is_complete",
                violation_error_message=_("A submitted action needs its problem and its priority area."),
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "state", "priority_area"]),
            models.Index(fields=["partnership", "-updated_at"]),
            # The long list's default order, read in order rather than sorted.
            models.Index(fields=["partnership", "code", "title"], name="action_long_list_order"),
            models.Index(fields=["owner", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}" if self.code else self.title

    def get_absolute_url(self) -> str:
        return reverse("actions:detail", kwargs={"pk": self.pk})


class ActionEvent(models.Model):
    """The history of an action: every change, who made it, when, and why."""

    partnership_path = "action__partnership"

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        TRANSITION = "transition", _("State changed")
        MERGED = "merged", _("Merged")
        RECEIVED = "received", _("Received a merged action")
        MILESTONE = "milestone", _("Implementation update")

    # The key in `changes` of an entry about a document, holding the document's id: the history shows
    # the entry only to those who may see the document as it is now (or, once removed, as it last was).
    DOCUMENT_KEY = "document"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["action", "-at"])]

    def __str__(self) -> str:
        return f"{self.action_id} {self.kind} {self.at:%Y-%m-%d}"


class Comment(models.Model):
    partnership_path = "action__partnership"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_comments")
    public_name = models.CharField(_("name"), max_length=100, blank=True)
    public_email = models.EmailField(_("e-mail"), blank=True)
    is_public_feedback = models.BooleanField(default=False)
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.action_id}"

    @property
    def author_name(self) -> str:
        if self.author is not None:
            return self.author.name
        return self.public_name or str(_("Anonymous"))


class Support(models.Model):
    """One organisation's support and priority rating (1 to 5) for an action under discussion."""

    partnership_path = "action__partnership"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="supports")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="action_supports")
    rating = models.PositiveSmallIntegerField(_("priority"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "organisation"], name="support_once_per_organisation")]

    def __str__(self) -> str:
        return f"{self.organisation} rates {self.action_id}: {self.rating}"


class WorkingGroup(models.Model):
    partnership_path = "partnership"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="working_groups")
    name = models.CharField(_("name"), max_length=200)
    session = models.ForeignKey(
        AgendaItem, verbose_name=_("meeting session"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["partnership", "name"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self) -> str:
        return self.name


class GroupOutcome(models.Model):
    """A working group's notes and outcome for one action."""

    partnership_path = "group__partnership"

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not discussed yet")
        KEEP = "keep", _("Keep")
        MERGE = "merge", _("Merge with another")
        REWORK = "rework", _("Rework")
        DROP = "drop", _("Drop")

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="outcomes")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="group_outcomes")
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "action"], name="group_outcome_unique")]

    def __str__(self) -> str:
        return f"{self.group}: {self.action}"


class Milestone(models.Model):
    partnership_path = "action__partnership"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField(_("latest update"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.DONE and self.due_on < timezone.localdate()


class ActionDocument(Document):
    """A file attached to an action (a concept note, a draft of the deliverable)."""

    partnership_path = "action__partnership"

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public, once the action is published")
        MEMBERS = "members", _("Members of the partnership")
        COORDINATORS = "coordinators", _("Coordinators only")

    upload_folder = "actions"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="documents")
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )

    class Meta:
        ordering = ["action", "title", "id"]
        verbose_name = _("action document")
        verbose_name_plural = _("action documents")

    def get_absolute_url(self) -> str:
        return reverse("actions:document", kwargs={"pk": self.pk})
