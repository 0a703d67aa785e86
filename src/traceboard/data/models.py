"""The record: every table of traceboard, in SQLAlchemy 2 declarative style.

One module on purpose: the schema is read as a whole, and Alembic
compares the migrated database against exactly this metadata.

Conventions:
- surrogate integer keys; natural keys (credit code, unit code, certificate
  number, username) are unique columns;
- dates are `Date` (calendar facts), moments are timezone-aware `DateTime`;
- controlled vocabularies are short strings checked by CHECK constraints, so
  the same values are readable in SQL, exports and the audit log;
- nothing that records a decision is ever deleted: state changes are rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNIT_KINDS = ("department", "subdistrict", "town", "township", "zone")
TOWNSHIP_KINDS = ("subdistrict", "town", "township", "zone")
RISK_CLASSES = ("A", "B", "C", "D")
TRACE_EVENT_KINDS = ("adopted", "dropped", "connected", "disconnected")
ROLES = ("leader", "office", "inspector", "publicity", "admin")
INSPECTION_RESULTS = (
    "no_problem",  # 未发现问题
    "rectification_ordered",  # 发现问题已责令改正
    "obstruction",  # 不配合检查情节严重
    "no_traceability",  # 未按规定建立追溯体系
    "false_trace_info",  # 追溯信息不真实
    "quality_failure",  # 产品质量不合格
    "unreachable",  # 通过登记的住所（经营场所）无法联系
)
BLACKLIST_STATES = (
    "proposed",
    "notified",
    "listed",
    "published",
    "expired",
    "repaired",
    "revoked",
    "rejected",
)
ALERT_STATES = ("draft", "approved", "published", "withdrawn")
MILESTONE_KINDS = ("plan_submitted", "platform_built", "platform_interconnected")
DUTY_BASES = ("plan", "office")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: DateTime(timezone=True),
    }


# --- organisation -----------------------------------------------------------


class Unit(Base):
    """A department of the leading group or a township-level unit (or zone)."""

    __tablename__ = "unit"
    __table_args__ = (CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(50))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    is_office: Mapped[bool] = mapped_column(Boolean, default=False)
    map_row: Mapped[int | None] = mapped_column(Integer)
    map_col: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Sector(Base):
    """One of the plan's six sectors of important products."""

    __tablename__ = "sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    subcategories: Mapped[list[Subcategory]] = relationship(back_populates="sector")


class SectorLead(Base):
    """A lead department of a sector (a sector may have several)."""

    __tablename__ = "sector_lead"

    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)


class Subcategory(Base):
    """A product sub-category of a sector, e.g. 肉类 under 食用农产品."""

    __tablename__ = "subcategory"
    __table_args__ = (UniqueConstraint("sector_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"))
    name: Mapped[str] = mapped_column(String(50))
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    special_rules: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    sector: Mapped[Sector] = relationship(back_populates="subcategories")


class Duty(Base):
    """A duty the plan gives member departments (工作职责), quoting the plan sentence it comes from.

    ``plan_part`` is the plan's part (三, 四, 五); ``basis`` says whether the plan names who
    carries it (``plan``) or the office assigned it (``office``, explained in ``note``).
    """

    __tablename__ = "duty"
    __table_args__ = (CheckConstraint(_in("basis", DUTY_BASES), name="basis"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    plan_part: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class DutyDepartment(Base):
    """A member department that carries a duty."""

    __tablename__ = "duty_department"

    duty_id: Mapped[int] = mapped_column(ForeignKey("duty.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)


# --- the register -----------------------------------------------------------


class Enterprise(Base):
    """An enterprise of the register, identified by its unified social credit code."""

    __tablename__ = "enterprise"
    __table_args__ = (
        CheckConstraint("risk_class IS NULL OR " + _in("risk_class", RISK_CLASSES), name="risk"),
        Index("ix_enterprise_township_sector", "township_id", "sector_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    township_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"))
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("subcategory.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    operating_status: Mapped[str] = mapped_column(String(16), default="在营")
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    risk_class: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TraceEvent(Base):
    """A dated change of an enterprise's traceability: adopted, dropped, connected...

    Adoption at any past date is the state after the last adoption/drop event
    on or before that date; likewise connection.
    """

    __tablename__ = "trace_event"
    __table_args__ = (
        CheckConstraint(_in("kind", TRACE_EVENT_KINDS), name="kind"),
        Index("ix_trace_event_enterprise_date", "enterprise_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LegacyCode(Base):
    """An early pilot credit code that fails the check yet is legal (the office's allow-list)."""

    __tablename__ = "legacy_code"

    code: Mapped[str] = mapped_column(String(18), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- traceability platforms ------------------------------------------------

# The key data items of a traceability record (national standards for
# traceability records: subject, product, batch, transaction, time, place);
# a feed row's ``items`` is a bit mask over them, bit i for ITEMS[i].
TRACE_ITEMS = ("subject", "product", "batch", "transaction", "time", "place")


class Platform(Base):
    """A traceability platform enterprises report to (provincial, Xiangtan, national...)."""

    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class PlatformSector(Base):
    """A sector whose enterprises report to a platform."""

    __tablename__ = "platform_sector"

    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"), primary_key=True)


class PlatformUpload(Base):
    """What one enterprise uploaded to one platform on one day (from the platform's feed).

    One row per platform, enterprise and day: a later feed with the same key
    replaces the figures. ``items``: bit mask over ``TRACE_ITEMS`` of the key
    data items present in the day's records (None: the feed did not say).

    A bulk fact table (a day's feed is hundreds of thousands of rows): no
    foreign keys, whose per-row checks cost more than the rest of an ingest,
    and no surrogate id: the natural key (day, enterprise, platform) is the
    primary key and its only index (SQLite keeps the rows in that key's
    B-tree: ``WITHOUT ROWID``). Leading with the day, a new day's feed goes
    in at the index's right-hand end instead of touching nearly every page
    of it; look-ups by enterprise probe it day by day
    (``data.platform_store.latest_uploads``). Its only writer
    (``data.platform_store``'s merge) joins every row to ``enterprise`` and
    takes platform ids from ``platform``; neither table ever loses rows.
    """

    __tablename__ = "platform_upload"
    __table_args__ = (
        PrimaryKeyConstraint("day", "enterprise_id", "platform_id"),
        CheckConstraint("records >= 0", name="records"),
        CheckConstraint("batches IS NULL OR batches >= 0", name="batches"),
        {"sqlite_with_rowid": False},
    )

    platform_id: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column(Date)
    records: Mapped[int] = mapped_column(Integer)
    batches: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[int | None] = mapped_column(Integer)


# --- inspectors and random checks -------------------------------------------


class Inspector(Base):
    """A law-enforcement inspector of a department (执法检查人员)."""

    __tablename__ = "inspector"

    id: Mapped[int] = mapped_column(primary_key=True)
    cert_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    home_township_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Conflict(Base):
    """A declared conflict of interest: the inspector recuses from that enterprise."""

    __tablename__ = "conflict"
    __table_args__ = (UniqueConstraint("inspector_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_on: Mapped[dt.date | None] = mapped_column(Date)


class SamplingPlan(Base):
    """A department's yearly random-check plan: scope, check items, ratios, exclusions."""

    __tablename__ = "sampling_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    check_items: Mapped[list[Any]] = mapped_column(default=list)
    ratios: Mapped[dict[str, Any]] = mapped_column(default=dict)
    exclusions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    batches: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Draw(Base):
    """A public draw: committed (list and seed hashes published), then revealed and drawn."""

    __tablename__ = "draw"
    __table_args__ = (CheckConstraint(_in("status", ("committed", "drawn")), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_plan.id"))
    batch: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    seed_sha256: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(Text)
    candidates_sha256: Mapped[str] = mapped_column(String(64))
    frozen: Mapped[dict[str, Any]] = mapped_column(default=dict)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    committed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    committed_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[dt.datetime | None] = mapped_column()
    drawn_by: Mapped[str | None] = mapped_column(String(64))
    # each stratum's label and candidate ids in the frozen list's order, written at commit: what
    # the estimates read instead of decoding the frozen list; None for draws before 0012
    candidate_ids: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Assignment(Base):
    """One drawn enterprise of a draw, to be checked by its inspectors."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("draw_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    stratum: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    inclusion_probability: Mapped[float] = mapped_column(Float)
    due_on: Mapped[dt.date | None] = mapped_column(Date)


class AssignmentInspector(Base):
    """An inspector of an assignment (at least two per check)."""

    __tablename__ = "assignment_inspector"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Inspection(Base):
    """A check of an enterprise and its result (from a draw or recorded on its own)."""

    __tablename__ = "inspection"
    __table_args__ = (
        CheckConstraint("result IS NULL OR " + _in("result", INSPECTION_RESULTS), name="result"),
        Index("ix_inspection_enterprise_date", "enterprise_id", "checked_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    # a year's checks are read by date (the assessment, 年度考核): a tenth of the table, not all of it
    checked_on: Mapped[dt.date] = mapped_column(Date, index=True)
    check_items: Mapped[list[Any]] = mapped_column(default=list)
    result: Mapped[str | None] = mapped_column(String(32))
    findings: Mapped[str | None] = mapped_column(Text)
    major_hazard: Mapped[bool] = mapped_column(Boolean, default=False)
    rectification_due_on: Mapped[dt.date | None] = mapped_column(Date)
    rectified_on: Mapped[dt.date | None] = mapped_column(Date)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskModelRun(Base):
    """A trained risk model's validation report and the classes it assigned."""

    __tablename__ = "risk_model_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    trained_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    trained_by: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- blacklist and alerts ---------------------------------------------------


class BlacklistEntry(Base):
    """A quality-credit blacklist case (质量失信黑名单), from proposal to removal."""

    __tablename__ = "blacklist_entry"
    __table_args__ = (CheckConstraint(_in("state", BLACKLIST_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    grounds: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(String(200))
    remedies: Mapped[str | None] = mapped_column(Text)
    source_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"))
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    listed_on: Mapped[dt.date | None] = mapped_column(Date)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(Text)
    removal_authority: Mapped[str | None] = mapped_column(String(200))


class BlacklistEvent(Base):
    """One move of a blacklist entry: date, reason, basis, authority, who decided."""

    __tablename__ = "blacklist_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("blacklist_entry.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConsumerAlert(Base):
    """A consumer alert (消费提示): drafted, approved by another user, published, withdrawn."""

    __tablename__ = "consumer_alert"
    __table_args__ = (CheckConstraint(_in("state", ALERT_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id"))
    severity: Mapped[str] = mapped_column(String(16), default="info")
    state: Mapped[str] = mapped_column(String(16))
    drafted_by: Mapped[str] = mapped_column(String(64))
    drafted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[dt.datetime | None] = mapped_column()
    approved_on: Mapped[dt.date | None] = mapped_column(Date)  # the stated date; approved_at: recorded
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class AlertEnterprise(Base):
    """An enterprise an alert is about."""

    __tablename__ = "alert_enterprise"

    alert_id: Mapped[int] = mapped_column(ForeignKey("consumer_alert.id"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)


# --- work of departments and townships --------------------------------------


class Milestone(Base):
    """A department milestone of the plan (part 四): plan submitted, platform built, connected."""

    __tablename__ = "milestone"
    __table_args__ = (
        CheckConstraint(_in("kind", MILESTONE_KINDS), name="kind"),
        UniqueConstraint("department_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date] = mapped_column(Date)
    achieved_on: Mapped[dt.date | None] = mapped_column(Date)
    elements: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)


class PublicityActivity(Base):
    """A publicity activity held by a department or township (宣传活动)."""

    __tablename__ = "publicity_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    participants: Mapped[int | None] = mapped_column(Integer)


class ReportSubmission(Base):
    """A periodic progress report a unit owes the leading group's office, and when it came."""

    __tablename__ = "report_submission"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    period: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[dt.date] = mapped_column(Date)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)


class DutyRecord(Base):
    """An entry of a unit's work ledger (工作台账): one act done for one of the plan's duties.

    ``kind`` says what was done (资金拨付, 制度文件, 采购, 贷款 …); ``amount`` is in yuan
    where money is involved; ``enterprise_id`` names the enterprise concerned, if one is;
    ``document_no`` is the file number (文号) that proves it.
    """

    __tablename__ = "duty_record"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        Index("ix_duty_record_unit_date", "unit_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    duty_id: Mapped[int] = mapped_column(ForeignKey("duty.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(50))
    amount: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    document_no: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class CountyAdoption(Base):
    """A county's adoption rate for a year as 湘潭市 publishes it (to rank the city among its peers).

    ``rate`` is the share of important-product enterprises with IT-based traceability, 0–1.
    """

    __tablename__ = "county_adoption"
    __table_args__ = (
        UniqueConstraint("county", "year"),
        CheckConstraint("rate >= 0 AND rate <= 1", name="rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer)
    rate: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(200))


# --- annual assessment ------------------------------------------------------


class IndicatorSet(Base):
    """A year's indicator set for one kind of unit, as loaded from its file."""

    __tablename__ = "indicator_set"
    __table_args__ = (
        UniqueConstraint("year", "unit_kind", "sha256"),
        CheckConstraint(_in("unit_kind", ("department", "township")), name="unit_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AssessmentRun(Base):
    """One computation of a year's assessment; a locked run never changes."""

    __tablename__ = "assessment_run"
    __table_args__ = (
        UniqueConstraint("year", "version"),
        CheckConstraint(_in("status", ("draft", "locked")), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    department_set_id: Mapped[int] = mapped_column(ForeignKey("indicator_set.id"))
    township_set_id: Mapped[int] = mapped_column(ForeignKey("indicator_set.id"))
    inputs_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[dt.datetime | None] = mapped_column()
    locked_by: Mapped[str | None] = mapped_column(String(64))


class UnitScore(Base):
    """A unit's total score, grade and rank in an assessment run (no rank, NULL: not graded, 不予评定)."""

    __tablename__ = "unit_score"
    __table_args__ = (UniqueConstraint("run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_run.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int | None] = mapped_column(Integer)


class IndicatorScore(Base):
    """A unit's points on one indicator in a run, with the inputs and the explanation."""

    __tablename__ = "indicator_score"
    __table_args__ = (UniqueConstraint("run_id", "unit_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_run.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)  # as worded when saved (runs before 0008: English)
    explanation_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the 说明 is worded from
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- accounts and the audit trail -------------------------------------------


class User(Base):
    """An account. Passwords are stored only as argon2 hashes."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()


class AuditLog(Base):
    """Append-only, hash-chained record of every change: who, when, what, before → after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """A signed statement "the audit log's first ``rows`` rows end with hash ``head``, at ``at``".

    Written by the software in the same transaction as the audit rows it covers (rows
    ``first_row``..``rows``), so that rows added past the software are covered by none.
    ``signature`` is Ed25519 over :func:`traceboard.data.audit_checkpoint.statement`; the key
    lives outside the database. ``head_id`` only locates the head row; ids are not signed.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    first_row: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger, index=True)
    head: Mapped[str] = mapped_column(String(64))
    head_id: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(16))

    __table_args__ = (CheckConstraint("first_row >= 1 AND rows >= first_row", name="rows_covered"),)


class Setting(Base):
    """A small key/value store for facts about the database itself (e.g. the reference file)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditKeyRotation(Base):
    """A handover of the checkpoints' signing key (``traceboard audit rotate-key``).

    The old key signed every checkpoint up to ``after_rows`` rows (its last one sealed the
    rotation's own audit row); the new key signs every later one. Both keys sign the handover
    statement (:func:`traceboard.data.audit_rotation.handover_statement`), so the current key
    vouches for the old one and the old one for its successor: a key put here by someone who
    holds neither verifies nothing. Append-only at the database.
    """

    __tablename__ = "audit_key_rotation"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    after_rows: Mapped[int] = mapped_column(BigInteger)
    old_key_id: Mapped[str] = mapped_column(String(16))
    old_public_key: Mapped[str] = mapped_column(String(44))
    new_key_id: Mapped[str] = mapped_column(String(16))
    new_public_key: Mapped[str] = mapped_column(String(44))
    old_signature: Mapped[str] = mapped_column(String(128))
    new_signature: Mapped[str] = mapped_column(String(128))
    rotated_by: Mapped[str] = mapped_column(String(64))
