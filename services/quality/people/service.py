"""Quality knows people only by their packages: the concerns and feedback that name one of the packages
packages lists for the person. Erasure empties their free text (who raised them, about which provider and
how severe stays: the risk matrix's evidence)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.intelligence.models import Concern, Feedback
from shared.contracts.packages import PersonErasureDue
from shared.personal import (
    ERASED,
    Person,
    Sections,
    already_erased,
    as_record,
    audit_about,
    erase_from_audit,
    record_erasure,
)

FREE_TEXT = ("summary", "comments")


async def person_record(session: AsyncSession, person: Person) -> Sections:
    concerns = await _naming(session, Concern, person.package_ids)
    feedback = await _naming(session, Feedback, person.package_ids)
    entity_ids = [*(str(each["id"]) for each in concerns), *(str(each["id"]) for each in feedback)]
    return {"concerns": concerns, "feedback": feedback, "audit": await audit_about(session, entity_ids)}


async def _naming(session: AsyncSession, model: type[Concern] | type[Feedback],
                  package_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    rows = await session.scalars(select(model).where(model.package_id.in_(package_ids)).order_by(model.created_at))
    return [as_record(each) for each in rows.all()]


async def erase_person(session: AsyncSession, *, due: PersonErasureDue) -> None:
    """Empties the free text of the concerns and feedback naming the person's packages, once per erasure."""
    if await already_erased(session, due.erasure_id):
        return
    concern_ids = list((await session.scalars(
        update(Concern).where(Concern.package_id.in_(due.package_ids), Concern.summary != ERASED)
        .values(summary=ERASED).returning(Concern.id))).all())
    feedback_ids = list((await session.scalars(
        update(Feedback).where(Feedback.package_id.in_(due.package_ids), Feedback.comments != ERASED)
        .values(comments=ERASED).returning(Feedback.id))).all())
    audit_entries = await erase_from_audit(
        session, entity_ids=[*map(str, concern_ids), *map(str, feedback_ids)], client_ref=due.client_ref,
        marker=due.marker, free_text=FREE_TEXT)
    await record_erasure(session, erasure_id=due.erasure_id, erased={
        "concern_summaries": len(concern_ids), "feedback_comments": len(feedback_ids),
        "audit_entries": audit_entries})
