"""Every write to actions: drafting, the workflow, merging, support, comments, implementation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, IntegerField, Max, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext as _

from actions import workflow
from actions.models import Action, ActionDocument, ActionEvent, Comment, Milestone, Support
from partnership import notification_selectors, notifications, outbox
from partnership.documents import document_file
from partnership.models import AuditLog, Notification, Organisation, Partnership, Person
from partnership.services import Actor, absolute_url, actor_user, audit_record, record_save

State = Action.State
Kind = Notification.Kind

EDITABLE_FIELDS = (
    "title",
    "problem",
    "description",
    "priority_area",
    "pillar",
    "level",
    "expected_outcome",
    "timeline",
    "resources",
)


class StaleEdit(ValidationError):
    """The action changed since the editor opened it; carries the action as it is now."""

    def __init__(self, action: Action) -> None:
        super().__init__(_("Someone else saved this action while you were editing it."))
        self.action = action


def _value(action: Action, field: str) -> Any:
    value = getattr(action, field)
    return str(value) if hasattr(value, "pk") else value


@transaction.atomic
def action_create(
    *, partnership: Partnership, owner: Organisation, by: Actor, submit: bool = False, **fields: Any
) -> Action:
    """A new action, saved as a draft of the proposing organisation (or submitted at once)."""
    contributors = fields.pop("contributors", None)
    action = Action(partnership=partnership, owner=owner, created_by=actor_user(by), state=State.DRAFT, **fields)
    _check_belongs(action)
    action.full_clean()
    action.save()
    if contributors:
        action.contributors.set(contributors)
    ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.CREATED, by=actor_user(by), to_state=State.DRAFT)
    audit_record(by=by, verb="create", instance=action)
    if submit:
        action_transition(action=action, to_state=State.PROPOSED, by=by)
        action.refresh_from_db()
    return action


def submission_check(action: Action) -> None:
    """A draft may lack its problem and priority area; the partnership needs them to read it."""
    errors = {}
    if not action.problem.strip():
        errors["problem"] = _("Describe the bottleneck or problem before submitting.")
    if action.priority_area_id is None:
        errors["priority_area"] = _("Choose a priority area before submitting.")
    if errors:
        raise ValidationError(errors)


def _check_belongs(action: Action) -> None:
    errors = {}
    if action.priority_area and action.priority_area.partnership_id != action.partnership_id:
        errors["priority_area"] = _("Choose a priority area of this partnership.")
    if action.pillar_id and action.pillar and action.pillar.partnership_id != action.partnership_id:
        errors["pillar"] = _("Choose a pillar of this partnership.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_update(*, action: Action, by: Actor, expected_version: int, **fields: Any) -> Action:
    """Save an edit, unless the action changed since `expected_version` was read (no silent overwrite)."""
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.version != expected_version:
        raise StaleEdit(current)
    contributors = fields.pop("contributors", None)
    changes: dict[str, list[Any]] = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not editable here")
        old = _value(current, name)
        setattr(current, name, value)
        new = _value(current, name)
        if old != new:
            changes[name] = [old, new]
    if contributors is not None:
        old_names = sorted(str(org) for org in current.contributors.all())
        new_names = sorted(str(org) for org in contributors)
        if old_names != new_names:
            changes["contributors"] = [old_names, new_names]
            current.contributors.set(contributors)
    if not changes:
        return current
    _check_belongs(current)
    current.full_clean()
    current.version += 1
    current.save()
    ActionEvent.objects.create(action=current, kind=ActionEvent.Kind.EDITED, by=actor_user(by), changes=changes)
    audit_record(by=by, verb="update", instance=current, changes=changes)
    return current


def _shown(value: Any) -> Any:
    """A value as the history shows it: names for related rows, plain values otherwise."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (list, tuple, QuerySet)):
        return sorted(str(item) for item in value)
    return str(value)


@transaction.atomic
def action_admin_save(
    *, action: Action, by: Actor, changed: Iterable[str] = (), many: dict[str, tuple[Any, Any]] | None = None
) -> Action:
    """Save an action as the admin's validated form left it, audited. An edit of the `changed` fields
    (the many-to-many ones given in `many` as old and new, saved by the form after) moves the version on
    and enters the history, as an edit on the site does, so an editor who opened the action before gets
    the stale-edit warning instead of overwriting it."""
    changed = list(changed)
    if action.pk is None or not changed:
        record_save(instance=action, by=by)
        return action
    before = Action.objects.select_for_update().get(pk=action.pk)
    action.version = before.version + 1
    record_save(instance=action, by=by)
    many = many or {}
    changes = {
        name: [_shown(many[name][0]), _shown(many[name][1])]
        if name in many
        else [_shown(getattr(before, name)), _shown(getattr(action, name))]
        for name in changed
    }
    ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.EDITED, by=actor_user(by), changes=changes)
    return action


def imported_actions_record(
    *,
    actions: list[Action],
    by: Actor,
    contributors: list[list[Organisation]] | None = None,
    sources: list[str] | None = None,
) -> None:
    """Enter actions an import has just written, each in the state it came in, in their history and the
    audit log, with their contributing partners and the address each was kept at (`contributors` and
    `sources` in the order of `actions`): a few inserts for a whole batch, not a few per action, and no
    mail, as nobody moved them. The history's "created" entry names the state and the source."""
    user = actor_user(by)
    sources = sources or [""] * len(actions)
    Through = Action.contributors.through
    Through.objects.bulk_create(
        [
            Through(action_id=action.pk, organisation_id=organisation.pk)
            for action, organisations in zip(actions, contributors or [], strict=False)
            for organisation in organisations
        ]
    )
    ActionEvent.objects.bulk_create(
        [
            ActionEvent(
                action=action,
                kind=ActionEvent.Kind.CREATED,
                by=user,
                to_state=action.state,
                reason="imported",
                changes={"source": ["", source]} if source else {},
            )
            for action, source in zip(actions, sources, strict=True)
        ]
    )
    label = Action._meta.label_lower
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                actor=user,
                verb="import",
                model=label,
                object_id=str(action.pk),
                object_repr=str(action)[:200],
                changes={"source": source} if source else {},
                partnership_id=action.partnership_id,
            )
            for action, source in zip(actions, sources, strict=True)
        ]
    )


@transaction.atomic
def document_add(*, action: Action, by: Actor, title: str, visibility: str, file: Any) -> ActionDocument:
    if action.state in workflow.ENDED:
        raise ValidationError(
            _("This action is %(state)s: documents cannot be added.") % {"state": action.get_state_display().lower()}
        )
    document = ActionDocument.objects.create(
        action=action, title=title, visibility=visibility, uploaded_by=actor_user(by), **document_file(file)
    )
    _document_event(document, by, {"documents": [None, title], "visibility": [None, visibility]})
    audit_record(by=by, verb="create", instance=document, changes={"title": [None, title]})
    if visibility != ActionDocument.Visibility.COORDINATORS:
        _tell(action=action, kind=Kind.ACTION_DOCUMENT, event=f"document:{document.pk}", by=by)
    return document


def _document_event(document: ActionDocument, by: Actor, changes: dict[str, Any]) -> ActionEvent:
    """An entry in the action's history about a document. The document's id goes with it, so that the
    history shows the entry only to those who may see the document as it is now (or, once it is
    removed, as it last was)."""
    return ActionEvent.objects.create(
        action_id=document.action_id,
        kind=ActionEvent.Kind.EDITED,
        by=actor_user(by),
        changes={**changes, ActionEvent.DOCUMENT_KEY: document.pk},
    )


@transaction.atomic
def document_update(*, document: ActionDocument, by: Actor, title: str, visibility: str, file: Any = None) -> None:
    """Rename a document, change who sees it or replace its file (the old file goes after the commit)."""
    old_title, old_visibility, old_file = document.title, document.visibility, document.file
    changes: dict[str, Any] = {}
    if title != old_title:
        changes["documents"] = [old_title, title]
    if visibility != old_visibility:
        changes["visibility"] = [old_visibility, visibility]
    document.title, document.visibility = title, visibility
    if file is not None and file is not old_file:
        for name, value in document_file(file).items():
            setattr(document, name, value)
        changes["file"] = [old_file.name.rsplit("/", 1)[-1], getattr(file, "name", "")]
        transaction.on_commit(lambda: old_file.storage.delete(old_file.name))
    if not changes:
        return
    document.save()
    _document_event(
        document, by, {"documents": [old_title, title], **changes, "visibility": [old_visibility, visibility]}
    )
    audit_record(by=by, verb="update", instance=document, changes=changes)
    coordinators_only = ActionDocument.Visibility.COORDINATORS
    if old_visibility == coordinators_only and visibility != coordinators_only:
        # Opened to more than the coordinators: told as of an upload (once per document).
        _tell(action=document.action, kind=Kind.ACTION_DOCUMENT, event=f"document:{document.pk}", by=by)


@transaction.atomic
def document_remove(*, document: ActionDocument, by: Actor) -> None:
    """Delete the record and its file (after the commit, so a rollback keeps both); the history keeps the title."""
    title, file = document.title, document.file
    _document_event(document, by, {"documents": [title, None], "visibility": [document.visibility, None]})
    audit_record(by=by, verb="delete", instance=document, changes={"title": [title, None]})
    document.delete()
    transaction.on_commit(lambda: file.delete(save=False))


def _next_code(partnership: Partnership) -> str:
    """The next free code A-NN of a partnership (numbers never reused)."""
    coded = Action.objects.filter(partnership=partnership, code__regex=r"^A-[0-9]+$")
    highest = coded.annotate(number=Cast(Substr("code", 3), output_field=IntegerField())).aggregate(Max("number"))
    number = (highest["number__max"] or 0) + 1
    return f"A-{number:02d}"


@transaction.atomic
def action_transition(*, action: Action, to_state: str, by: Actor, reason: str = "") -> Action:
    """Move an action along its workflow, if allowed from where it is; recorded and notified."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if to_state == State.MERGED:
        raise ValidationError(_("Use merge to merge an action into another."))
    if to_state not in workflow.TRANSITIONS[action.state]:
        raise ValidationError(
            _("An action cannot go from “%(from)s” to “%(to)s”.")
            % {"from": action.get_state_display(), "to": dict(State.choices).get(to_state, to_state)}
        )
    if to_state in workflow.NEEDS_REASON and not reason.strip():
        raise ValidationError({"reason": _("Give a reason; the proposers will read it.")})
    if action.state == State.DRAFT and to_state == State.PROPOSED:
        submission_check(action)
    from_state = action.state
    action.state = to_state
    fields = ["state", "updated_at"]
    if to_state == State.LONG_LISTED and not action.code:
        # Two coordinators long-listing at once must not both take the same next number.
        partnership = Partnership.objects.select_for_update().get(pk=action.partnership_id)
        action.code = _next_code(partnership)
        fields.append("code")
    if to_state == State.UNDER_DISCUSSION:
        action.support_closed = False
        fields.append("support_closed")
    action.save(update_fields=fields)
    event = ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.TRANSITION,
        by=actor_user(by),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    audit_record(by=by, verb="transition", instance=action, changes={"state": [from_state, to_state], "reason": reason})
    if from_state != State.DRAFT:
        _notify(action=action, event=event)
        _tell(action=action, kind=Kind.ACTION_STATE, event=f"event:{event.pk}", by=by)
    elif to_state == State.PROPOSED:
        _tell_coordinators(action=action, kind=Kind.ACTION_SUBMITTED, event=f"event:{event.pk}", by=by)
    return action


@transaction.atomic
def action_merge(*, source: Action, target: Action, by: Actor, reason: str = "") -> Action:
    """Merge a duplicate into another action: its comments, supporters, contributors and documents move
    to the target."""
    source = Action.objects.select_for_update().get(pk=source.pk)
    target = Action.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise ValidationError(_("An action cannot be merged into itself."))
    if source.partnership_id != target.partnership_id:
        raise ValidationError(_("Only actions of the same partnership can be merged."))
    if source.state in workflow.CLOSED or source.state == State.DRAFT:
        raise ValidationError(
            _("This action is %(state)s and cannot be merged.") % {"state": source.get_state_display()}
        )
    if target.state in workflow.CLOSED or target.state == State.DRAFT:
        raise ValidationError(
            _("%(target)s is %(state)s: merge into an open action instead.")
            % {"target": target, "state": target.get_state_display().lower()}
        )
    Comment.objects.filter(action=source).update(action=target)
    ActionDocument.objects.filter(action=source).update(action=target)
    existing = set(Support.objects.filter(action=target).values_list("organisation_id", flat=True))
    Support.objects.filter(action=source).exclude(organisation_id__in=existing).update(action=target)
    Support.objects.filter(action=source).delete()
    contributors = set(source.contributors.values_list("pk", flat=True)) | {source.owner_id}
    if source.leader_id:
        contributors.add(source.leader_id)
    if target.leader_id is not None:
        contributors.discard(target.leader_id)
    target.contributors.add(*contributors)
    target.related.add(*source.related.exclude(pk=target.pk))
    target.discussed_at.add(*source.discussed_at.all())
    from_state = source.state
    source.state = State.MERGED
    source.merged_into = target
    source.save(update_fields=["state", "merged_into", "updated_at"])
    target.version += 1
    target.save(update_fields=["version", "updated_at"])
    event = ActionEvent.objects.create(
        action=source,
        kind=ActionEvent.Kind.MERGED,
        by=actor_user(by),
        from_state=from_state,
        to_state=State.MERGED,
        reason=reason,
        changes={"merged_into": [None, str(target)]},
    )
    ActionEvent.objects.create(
        action=target,
        kind=ActionEvent.Kind.RECEIVED,
        by=actor_user(by),
        reason=reason,
        changes={"merged_from": [None, str(source)]},
    )
    audit_record(by=by, verb="merge", instance=source, changes={"merged_into": [None, target.pk], "reason": reason})
    _notify(action=source, event=event)
    _tell(action=source, kind=Kind.ACTION_STATE, event=f"event:{event.pk}", by=by)
    return target


@transaction.atomic
def comment_add(*, action: Action, author: Person, body: str) -> Comment:
    if action.state == State.DRAFT:
        raise ValidationError(_("Submit the action before commenting on it."))
    if action.state == State.MERGED:
        raise ValidationError(
            _("This action was merged into %(target)s: comment there.") % {"target": action.merged_into}
        )
    if action.state in (State.WITHDRAWN, State.DROPPED):
        raise ValidationError(_("This action is closed to comments."))
    comment = Comment(action=action, author=author, body=body.strip())
    comment.full_clean()
    comment.save()
    _tell(action=action, kind=Kind.ACTION_COMMENT, event=f"comment:{comment.pk}", by=author.user)
    return comment


@transaction.atomic
def public_feedback_add(*, action: Action, name: str, email: str, body: str) -> Comment:
    """A comment from the public during the consultation of a drafted action."""
    if action.state != State.PUBLIC_FEEDBACK:
        raise ValidationError(_("The public consultation on this action is closed."))
    comment = Comment(
        action=action, public_name=name.strip(), public_email=email.strip(), body=body.strip(), is_public_feedback=True
    )
    comment.full_clean()
    comment.save()
    _tell_coordinators(action=action, kind=Kind.ACTION_FEEDBACK, event=f"comment:{comment.pk}", by=None)
    return comment


@transaction.atomic
def support_set(*, action: Action, organisation: Organisation, rating: int, by: Actor) -> Support:
    """An organisation supports an action under discussion with a priority from 1 to 5; changeable until closed."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.state != State.UNDER_DISCUSSION or action.support_closed:
        raise ValidationError(
            _("Support can be given only while the action is under discussion and the round is open.")
        )
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate the priority from 1 to 5.")})
    support, _created = Support.objects.update_or_create(
        action=action, organisation=organisation, defaults={"rating": rating, "by": actor_user(by)}
    )
    _tell(action=action, kind=Kind.ACTION_RATING, event=f"support:{support.pk}:{rating}", by=by)
    return support


@transaction.atomic
def support_round_close(*, actions: Any, by: Actor) -> int:
    """Close the support round: ratings can no longer change."""
    ids = [action.pk for action in actions]
    count = Action.objects.filter(pk__in=ids, support_closed=False).update(support_closed=True)
    for action in Action.objects.filter(pk__in=ids):
        audit_record(by=by, verb="close_support", instance=action)
    return count


@transaction.atomic
def action_assign_leader(*, action: Action, leader: Organisation | None, by: Actor) -> Action:
    old = action.leader
    action.leader = leader
    action.save(update_fields=["leader", "updated_at"])
    ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.EDITED,
        by=actor_user(by),
        changes={"leader": [str(old or ""), str(leader or "")]},
    )
    return action


@transaction.atomic
def progress_update(*, action: Action, by: Actor, progress: int, milestones: dict[int, tuple[str, str]]) -> Action:
    """The leader reports progress: overall percentage and each milestone's status and note."""
    if action.state not in workflow.PROGRESS_REPORTED:
        raise ValidationError(_("Progress is reported once the action is adopted."))
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
    changes: dict[str, list[Any]] = {}
    if progress != action.progress:
        changes["progress"] = [action.progress, progress]
        action.progress = progress
        action.save(update_fields=["progress", "updated_at"])
    for milestone in Milestone.objects.filter(action=action, pk__in=list(milestones)):
        status, note = milestones[milestone.pk]
        if (milestone.status, milestone.note) != (status, note):
            old_status = str(milestone.get_status_display())
            milestone.status, milestone.note = status, note
            milestone.full_clean()
            milestone.save()
            changes[f"milestone {milestone.title}"] = [old_status, str(milestone.get_status_display())]
    if changes:
        ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.MILESTONE, by=actor_user(by), changes=changes)
    return action


def _recipients(action: Action) -> list[Person]:
    """The contact persons of the proposer, the leader and the contributors in the partnership; all the
    people of an organisation that has named no contact there."""
    organisation_ids = {action.owner_id, *action.contributors.values_list("pk", flat=True)}
    if action.leader_id:
        organisation_ids.add(action.leader_id)
    contacts = list(
        Person.objects.filter(
            contact_for__partnership=action.partnership,
            contact_for__organisation_id__in=organisation_ids,
            erased_at__isnull=True,
        ).annotate(contact_of=F("contact_for__organisation_id"))
    )
    people: dict[int, Person] = {person.pk: person for person in contacts}
    without_contacts = organisation_ids - {person.contact_of for person in contacts}
    for person in Person.objects.filter(organisation_id__in=without_contacts, erased_at__isnull=True):
        people[person.pk] = person
    return sorted(people.values(), key=lambda person: person.pk)


def _notify(*, action: Action, event: ActionEvent) -> None:
    for person in _recipients(action):
        outbox.message_queue(
            key=f"action:{action.pk}:event:{event.pk}:{person.pk}",
            to_email=person.email,
            template="actions/email/state_changed",
            language=person.language,
            context={
                "action": action,
                "event": event,
                "person": person,
                "from_label": State(event.from_state).label if event.from_state else "",
                "to_label": State(event.to_state).label if event.to_state else "",
                "action_url": absolute_url(action.get_absolute_url()),
            },
            partnership_id=action.partnership_id,
        )


def _tell(*, action: Action, kind: str, event: str, by: Actor) -> None:
    """Notify who proposed, leads or contributes to the action, and who follows it, each if they may see it."""
    organisations = [action.owner_id, action.leader_id, *action.contributors.values_list("pk", flat=True)]
    users = [*notifications.users_of_organisations(organisations), *notification_selectors.followers_of(action)]
    notifications.notify(
        kind=kind,
        about=action,
        partnership_id=action.partnership_id,
        users=users,
        event=f"action:{action.pk}:{event}",
        by=actor_user(by),
    )


def _tell_coordinators(*, action: Action, kind: str, event: str, by: Actor) -> None:
    notifications.notify(
        kind=kind,
        about=action,
        partnership_id=action.partnership_id,
        users=notifications.coordinators_of(action.partnership_id),
        event=f"action:{action.pk}:{event}",
        by=actor_user(by),
    )


def code_is_valid(code: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{1,3}-[0-9]{1,4}", code))
