"""Marshmallow schemas: they validate requests, shape responses and make the OpenAPI
document (flask-smorest), so the three cannot drift apart."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from school.accounts.models import Category
from school.catalog.models import EventFormat, EventKind

MAX_ID = 2**31 - 1  # PostgreSQL integer ids end here: larger ones are refused up front


def Id(strict: bool = False, **kw) -> f.Integer:
    """An id: from 1 to 2^31-1 (strict: a JSON number, not a numeric string)."""
    return f.Integer(strict=strict, validate=v.Range(1, MAX_ID), **kw)


class Schema(ma.Schema):
    class Meta:
        ordered = True


class Problem(Schema):
    """RFC 9457 problem details."""

    type = f.String(required=True)
    title = f.String(required=True)
    status = f.Integer(required=True)
    detail = f.String(required=True)
    code = f.String(required=True, metadata={"description": "Stable error code"})
    instance = f.String()
    field = f.String()
    errors = f.Raw(metadata={"description": "Field errors, or each broken rule"})


class Localized(Schema):
    ru = f.String(allow_none=True)
    kk = f.String(allow_none=True)
    en = f.String(allow_none=True)


class Program(Schema):
    id = f.Integer(required=True)
    code = f.String(required=True)
    title = f.Nested(Localized, required=True)
    description = f.Nested(Localized, required=True)
    academic_hours = f.Integer(required=True)
    completion_threshold = f.Integer(required=True)
    audience = f.List(f.String(), required=True, metadata={
        "description": "Participant categories; empty: everyone"})
    active = f.Boolean(required=True)


class ProgramList(Schema):
    items = f.List(f.Nested(Program), required=True)


class Session(Schema):
    id = f.Integer(required=True)
    starts_at = f.AwareDateTime(required=True)
    ends_at = f.AwareDateTime(required=True)
    topic = f.Nested(Localized, required=True)
    academic_hours = f.Integer(required=True)


class Event(Schema):
    id = f.Integer(required=True)
    program_id = f.Integer(required=True)
    program_code = f.String(required=True)
    title = f.Nested(Localized, required=True)
    kind = f.String(required=True, validate=v.OneOf([k.value for k in EventKind]))
    format = f.String(required=True, validate=v.OneOf([x.value for x in EventFormat]))
    status = f.String(required=True)
    approval_mode = f.String(required=True)
    region_code = f.String(allow_none=True, required=True)
    city = f.Nested(Localized, required=True)
    venue = f.String(allow_none=True, required=True)
    online_link = f.String(allow_none=True, required=True, metadata={
        "description": "Only for participants and staff of the event"})
    starts_on = f.Date(required=True)
    ends_on = f.Date(required=True)
    capacity = f.Integer(required=True)
    seats_left = f.Integer(required=True)
    enrol_opens_at = f.AwareDateTime(allow_none=True, required=True)
    enrol_closes_at = f.AwareDateTime(allow_none=True, required=True)
    sessions = f.List(f.Nested(Session), required=True)
    url = f.String(required=True)


class EventPage(Schema):
    items = f.List(f.Nested(Event), required=True)
    next_cursor = f.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page"})


class Paging(Schema):
    cursor = f.String(validate=v.Length(max=200))
    limit = f.Integer(load_default=50, validate=v.Range(1, 200))


class EventFilters(Paging):
    region = f.String(validate=v.Regexp(r"^(\d{1,9}|KZ-\d\d|national)$"),
                      metadata={"description": "Region id, ISO 3166-2:KZ code or `national`"})
    kind = f.String(validate=v.OneOf([k.value for k in EventKind]))
    format = f.String(validate=v.OneOf([x.value for x in EventFormat]))
    category = f.String(validate=v.OneOf([c.value for c in Category]))
    month = f.String(validate=v.Regexp(r"^(20\d\d|21\d\d)-(0[1-9]|1[0-2])$"),
                     metadata={"description": "YYYY-MM"})
    q = f.String(validate=v.Length(max=100))


class Person(Schema):
    id = f.Integer(required=True)
    full_name = f.String(required=True)


class Enrolment(Schema):
    id = f.Integer(required=True)
    event_id = f.Integer(required=True)
    person = f.Nested(Person, required=True)
    status = f.String(required=True)
    waitlist_position = f.Integer(allow_none=True, required=True)
    created_at = f.AwareDateTime(required=True)
    confirmed_at = f.AwareDateTime(allow_none=True, required=True)
    cancelled_at = f.AwareDateTime(allow_none=True, required=True)
    completed_at = f.AwareDateTime(allow_none=True, required=True)
    region_code = f.String(allow_none=True, required=True)
    union_id = f.Integer(allow_none=True, required=True)
    branch_id = f.Integer(allow_none=True, required=True)
    category = f.String(allow_none=True, required=True)


class EnrolmentPage(Schema):
    items = f.List(f.Nested(Enrolment), required=True)
    next_cursor = f.String(allow_none=True, required=True)


class EnrolmentFilters(Paging):
    event_id = Id()
    person_id = Id()


class EnrolmentCreate(Schema):
    event_id = Id(strict=True, required=True)
    person_id = Id(strict=True,
                   metadata={"description": "Whom to enrol; omitted: the token's owner"})


class CancelRequest(Schema):
    reason = f.String(validate=v.Length(max=500), load_default=None, allow_none=True)


class CancelResult(Schema):
    enrolment = f.Nested(Enrolment, required=True)
    promoted = f.List(f.Integer(), required=True, metadata={
        "description": "Enrolments promoted from the waiting list into the freed seat"})


class Mark(Schema):
    enrolment_id = f.Integer(required=True)
    session_id = f.Integer(required=True)
    status = f.String(required=True)
    source = f.String(required=True)
    marked_at = f.AwareDateTime(required=True)


class MarkList(Schema):
    items = f.List(f.Nested(Mark), required=True)


class EventQuery(Schema):
    event_id = Id(required=True)


class Certificate(Schema):
    number = f.String(required=True)
    enrolment_id = f.Integer(required=True)
    holder_name = f.String(required=True)
    status = f.String(required=True)
    issued_at = f.AwareDateTime(required=True)
    revoked_at = f.AwareDateTime(allow_none=True, required=True)
    replaced_by = f.String(allow_none=True, required=True)
    sha256 = f.String(required=True)
    verify_url = f.String(required=True)


class CertificateList(Schema):
    items = f.List(f.Nested(Certificate), required=True)


class CertificateFilters(Schema):
    event_id = Id()
    person_id = Id()


class Verification(Schema):
    """What the public verification page shows, nothing more."""

    status = f.String(required=True, validate=v.OneOf(["valid", "revoked", "replaced"]))
    number = f.String(required=True)
    holder_name = f.String(required=True)
    program = f.String(required=True)
    event_title = f.String(required=True)
    dates = f.String(required=True)
    hours = f.Raw(required=True)
    issued_at = f.AwareDateTime(required=True)
    revoked_at = f.AwareDateTime(allow_none=True, required=True)
    replaced_by = f.String(allow_none=True, required=True)


class VerifyQuery(Schema):
    number = f.String(required=True, validate=v.Length(1, 40))
    surname = f.String(required=True, validate=v.Length(1, 100))


class ReportQuery(Schema):
    """The filters of /reports/yearly."""

    year = f.Integer(required=True, validate=v.Range(2000, 2199))
    union_id = Id()
    branch_id = Id()
    program_id = Id()
    kind = f.String(validate=v.OneOf([k.value for k in EventKind]))
    format = f.String(validate=v.OneOf([x.value for x in EventFormat]))


class ReportRow(Schema):
    year = f.Integer(required=True)
    region_code = f.String(allow_none=True, required=True)
    region = f.String(allow_none=True, required=True)
    category = f.String(allow_none=True, required=True)
    participations = f.Integer(required=True)
    people = f.Integer(required=True)


class Report(Schema):
    items = f.List(f.Nested(ReportRow), required=True)


class Org(Schema):
    id = f.Integer(required=True)
    name = f.Nested(Localized, required=True)


class BranchNode(Schema):
    id = f.Integer(required=True)
    name = f.Nested(Localized, required=True)
    kind = f.String(required=True)
    region_code = f.String(required=True)
    parent_id = f.Integer(allow_none=True, required=True)
    organisations = f.List(f.Nested(Org), required=True)


class UnionNode(Schema):
    id = f.Integer(required=True)
    code = f.String(required=True)
    name = f.Nested(Localized, required=True)
    branches = f.List(f.Nested(BranchNode), required=True)


class OrgTree(Schema):
    items = f.List(f.Nested(UnionNode), required=True)


class OrgQuery(Schema):
    union_id = Id()


class Me(Schema):
    token = f.String(required=True, metadata={"description": "The token's name"})
    scopes = f.List(f.String(), required=True)
    expires_at = f.AwareDateTime(required=True)
    person = f.Nested(Person, required=True)
    roles = f.List(f.String(), required=True)
