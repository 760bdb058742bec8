"""Procurement import: plan what a file changes (the preview), then apply the plan.

plan_file() reads every row, keeps construction packages inside the user's region, and decides
per row: new project, matched (unchanged or changed), plan without a contract, rejected or
skipped, with the reason in words. What needs the database costs a few queries per batch of
rows (projects by code, by NPWP, companies, owners), never one per row. apply_plan() writes the
plan with bulk_create/bulk_update (and their history rows); the caller holds the transaction.
"""

import functools
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from projects.models import Amendment, Contractor, Project, WorkUnit
from projects.services import mark_for_evaluation, registration_due_date
from reference.calendar import holidays_between
from reference.identifiers import format_npwp
from reference.models import Region
from reference.rupiah import MAX_AMOUNT, MaxRupiahValidator, format_rupiah, value_before_ppn
from workers.importing import _insert_values, comparable_name

from . import reading
from .matching import best_candidate, gross_value, value_gap

BATCH_SIZE = 2000  # codes per lookup query; within SQLite's variable limit
MAX_ROWS = 200_000
MAX_BYTES = 100 * 1024 * 1024


class Outcome:
    NEW = "new"
    MATCHED = "matched"
    CHANGED = "changed"
    PLAN = "plan"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    ALL = (NEW, CHANGED, MATCHED, PLAN, REJECTED, SKIPPED)


@dataclass(slots=True)
class Row:
    row: int
    name: str = ""
    kd_rup: str = ""
    kd_tender: str = ""
    npwp: str = ""
    supplier: str = ""
    value: Decimal | None = None
    klpd_code: str = ""
    klpd_name: str = ""
    klpd_type: str = ""
    satker_code: str = ""
    satker_name: str = ""
    funding: str = ""
    spk_number: str = ""
    spk_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    bast_date: date | None = None
    regency: Region | None = None
    outcome: str = ""
    project_id: int | None = None
    project: dict | None = None  # the matched project's values, as read by the plan
    detail: str = ""
    changes: dict = field(default_factory=dict)

    @property
    def is_contracted(self) -> bool:
        """A contract date or an SPMK: the work is awarded (domain.md §7: "contracted")."""
        return self.spk_date is not None or self.start_date is not None

    @property
    def code(self) -> str:
        return self.kd_tender or self.kd_rup

    def reject(self, message: str) -> None:
        self.outcome, self.detail = Outcome.REJECTED, str(message)

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "code": self.code,
            "name": self.name[:200],
            "project": self.project_id,
            "detail": self.detail,
            "fields": sorted(self.changes),
        }


# --- Scope: where a row is, and whether the user may import it --------------------------------


class Scope:
    """The user's region (a kab/kota or a province; None for a superuser) and the kab/kota that
    rows without a location column belong to (a KLPD's export is its own region's)."""

    def __init__(self, *, region: Region | None, default_regency: Region | None = None):
        self.region = region
        self.matched_by: dict[int, int] = {}
        self.default_regency = default_regency
        regencies = list(Region.objects.regencies().select_related("parent"))
        self.by_code = {region.code: region for region in regencies}
        self.by_id = {region.pk: region for region in regencies}
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        for regency in regencies:
            full = comparable_name(regency.name)
            self.by_name[full].append(regency)
            bare = full.removeprefix("kabupaten ").removeprefix("kota ")
            if bare != full:
                self.by_name[bare].append(regency)

    def allows(self, regency: Region) -> bool:
        if self.region is None:
            return True
        if self.region.is_province:
            return regency.parent_id == self.region.pk
        return regency.pk == self.region.pk

    def locate(self, code, name) -> Region:
        """The row's kab/kota from a Kemendagri code (32.75 or 3275), else a name ("Kota
        Bekasi", "Kab. Tanah Bumbu", "Bekasi (Kota)"), else the upload's kab/kota."""
        if text := reading.cell_text(code):
            digits = text.replace(".", "")
            regency = self.by_code.get(f"{digits[:2]}.{digits[2:4]}") if len(digits) == 4 else None
            if regency is None:
                raise ValidationError(
                    _("%(code)s is not a Kemendagri kab/kota code (like 32.75).") % {"code": text}
                )
            return regency
        if text := reading.cell_text(name):
            key = comparable_name(text.replace("Kab.", "Kabupaten ").replace("kab.", "kabupaten "))
            for kind in ("kota", "kabupaten"):
                if key.endswith(f" {kind}"):  # "Bekasi (Kota)" -> "kota bekasi"
                    key = f"{kind} {key.removesuffix(f' {kind}')}"
            found = self.by_name.get(key, [])
            if len(found) == 1:
                return found[0]
            if found:
                raise ValidationError(
                    _('"%(name)s" may be %(choices)s: write the full name or the code.')
                    % {"name": text, "choices": _(" or ").join(r.name for r in found)}
                )
            raise ValidationError(_('"%(name)s" is not a known kab/kota.') % {"name": text})
        if self.default_regency is not None:
            return self.default_regency
        raise ValidationError(
            _("The row has no location: choose the kab/kota of the file when you upload it.")
        )


# --- Reading and checking each row -----------------------------------------------------------


def _cells(values: list, columns: dict) -> dict:
    """The row's non-empty cells by field name."""
    size = len(values)
    cells = {}
    for name, index in columns.items():
        if index < size:
            value = values[index]
            if value is not None and not (isinstance(value, str) and not value.strip()):
                cells[name] = value
    return cells


def clean_row(number: int, values: list, columns: dict, scope: Scope) -> Row:
    """One row as a Row; its outcome is already set when it is skipped or rejected."""
    get = _cells(values, columns).get
    row = Row(
        number,
        name=reading.cell_text(get("nama_paket"))[:500],
        kd_rup=reading.clean_code(get("kd_rup"))[:40],
        kd_tender=reading.clean_code(get("kd_tender"))[:40],
    )
    jenis = reading.cell_text(get("jenis_pengadaan"))
    if not reading.is_construction(jenis):
        row.outcome = Outcome.SKIPPED
        row.detail = (
            _('"%(type)s" is not a construction type.') % {"type": jenis}
            if jenis
            else _("No procurement type (jenis_pengadaan).")
        )
        return row
    problems = []
    if not row.name:
        problems.append(_("The package name (nama_paket) is empty."))
    if not row.code:
        problems.append(_("Neither kode RUP nor kode tender is filled."))
    try:
        row.npwp = _row_npwp(get("npwp_penyedia"), get("npwp_16_penyedia"))
    except ValidationError as error:
        problems.append(_("NPWP: %(reason)s") % {"reason": " ".join(error.messages)})
    for target, names in (
        ("spk_date", ("tgl_kontrak", "tgl_kontrak_awal")),
        ("start_date", ("tgl_spmk_spp", "tgl_mulai_pekerjaan")),
        ("end_date", ("tgl_selesai_pekerjaan", "tgl_kontrak_akhir")),
        ("bast_date", ("tgl_bast",)),
    ):
        for name in names:
            if (cell := get(name)) is None:
                continue
            try:
                setattr(row, target, reading.clean_any_date(cell))
            except ValidationError as error:
                problems.append(f"{name}: {' '.join(error.messages)}")
            break
    for name in reading.VALUE_COLUMNS:
        if (cell := get(name)) is None:
            continue
        try:
            row.value = reading.clean_money(cell)
            MaxRupiahValidator(MAX_AMOUNT)(row.value)  # projects_project_value_max
        except ValidationError as error:
            problems.append(f"{name}: {' '.join(error.messages)}")
        if row.value:
            break
    try:
        row.regency = scope.locate(get("kd_kabupaten"), get("nama_kabupaten"))
    except ValidationError as error:
        problems.append(" ".join(error.messages))
    if problems:
        row.reject(" ".join(str(p) for p in problems))
        return row
    if not scope.allows(row.regency):
        row.reject(
            _("%(regency)s is outside your region (%(region)s).")
            % {"regency": row.regency.name, "region": scope.region.name}
        )
        return row
    row.supplier = reading.cell_text(get("nama_penyedia"))[:255]
    row.klpd_code = reading.clean_code(get("kd_klpd"))[:20]
    row.klpd_name = reading.cell_text(get("nama_klpd"))
    row.klpd_type = reading.cell_text(get("jenis_klpd"))
    row.satker_code = reading.clean_code(get("kd_satker_str") or get("kd_satker"))[:40]
    row.satker_name = reading.cell_text(get("nama_satker"))[:255]
    row.funding = reading.cell_text(get("sumber_dana"))
    row.spk_number = reading.cell_text(get("no_kontrak") or get("no_sppbj"))[:120]
    if row.spk_date is None:
        row.spk_date = row.start_date  # an SPMK without the contract date
    if row.start_date is None:
        row.start_date = row.spk_date
    return row


def _row_npwp(npwp15, npwp16) -> str:
    """Both NPWP forms normalised to 16 digits; they must agree when both are given."""
    first = reading.clean_npwp(npwp16, length=16) if npwp16 is not None else ""
    second = reading.clean_npwp(npwp15, length=15) if npwp15 is not None else ""
    if first and second and first != second:
        raise ValidationError(_("npwp_penyedia and npwp_16_penyedia name different taxpayers."))
    return first or second


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class Plan:
    file_format: str = ""
    kind: str = ""
    rows: list[Row] = field(default_factory=list)
    new_contractor_npwps: set = field(default_factory=set)
    contractor_ids: dict = field(default_factory=dict)  # npwp -> id, for new projects
    work_unit_ids: dict = field(default_factory=dict)  # owner key -> id

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    def counts(self) -> dict:
        counted = defaultdict(int)
        for row in self.rows:
            counted[row.outcome] += 1
        return {
            "row_count": len(self.rows),
            "new_count": counted[Outcome.NEW],
            "matched_count": counted[Outcome.MATCHED],
            "changed_count": counted[Outcome.CHANGED],
            "plan_count": counted[Outcome.PLAN],
            "rejected_count": counted[Outcome.REJECTED],
            "skipped_count": counted[Outcome.SKIPPED],
            "new_contractor_count": len(self.new_contractor_npwps),
        }


def plan_file(fileobj, *, scope: Scope, max_rows: int = MAX_ROWS, progress=None) -> Plan:
    """What importing the file would do, row by row, without writing anything."""
    plan = Plan()
    scope.matched_by = {}  # project id -> the row that matched it: one row per project
    with ExitStack() as stack:
        source = reading.open_rows(fileobj, max_rows=max_rows, stack=stack)
        columns = reading.map_columns(source.header)
        plan.file_format, plan.kind = source.file_format, reading.detect_kind(columns)
        first_row_of: dict[tuple, int] = {}
        for number, values in source.rows:
            row = clean_row(number, values, columns, scope)
            if not row.outcome:
                _check_duplicate(row, first_row_of)
            plan.rows.append(row)
    if len(plan.rows) == 0:
        raise reading.ImportRefused(_("The file has no rows."))
    candidates = [row for row in plan.rows if not row.outcome]
    unmatched = []
    for start in range(0, len(candidates), BATCH_SIZE):
        unmatched.extend(_match_by_code(candidates[start : start + BATCH_SIZE], scope))
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(candidates)) // 3)
    # By NPWP over the whole file, a chunk of companies per query: each project read once.
    by_npwp = defaultdict(list)
    for row in unmatched:
        if row.npwp and row.value:
            by_npwp[row.npwp].append(row)
    npwps = list(by_npwp)
    for start in range(0, len(npwps), BATCH_SIZE):
        _match_by_npwp({npwp: by_npwp[npwp] for npwp in npwps[start : start + BATCH_SIZE]}, scope)
    texts = _texts(get_language())
    for row in unmatched:
        if not row.outcome:
            row.outcome = Outcome.NEW if row.is_contracted else Outcome.PLAN
            if not row.detail:
                row.detail = _code_miss(row, texts)
            if row.outcome == Outcome.PLAN:
                row.detail += " " + texts["plan"]
    _prepare_new(plan)
    return plan


def _check_duplicate(row: Row, first_row_of: dict) -> None:
    """The same package twice in a file (a join gone wrong, two exports pasted together): the
    same kode tender, or the same kode RUP for rows without one."""
    key = ("tender", row.kd_tender) if row.kd_tender else ("rup", row.kd_rup)
    if key in first_row_of:
        row.reject(
            _("The same package (%(code)s) is already on row %(row)d of this file.")
            % {"code": key[1], "row": first_row_of[key]}
        )
        return
    first_row_of[key] = row.row


_PROJECT_FIELDS = (
    "id",
    "name",
    "kode_rup",
    "kode_tender",
    "contract_value",
    "includes_ppn",
    "ppn_rate",
    "spk_date",
    "start_date",
    "end_date",
    "regency_id",
    "contractor__npwp",
    "current_base_value",
    "current_end_date",
)


def _project_rows(queryset) -> list[dict]:
    has_amendments = Exists(Amendment.objects.filter(project=OuterRef("pk")))
    rows = list(
        queryset.order_by()  # no sort: the rows go into dicts
        .annotate(has_amendments=has_amendments)
        .values(*_PROJECT_FIELDS, "has_amendments")
    )
    for project in rows:
        project["gross"] = gross_value(
            project["contract_value"],
            includes_ppn=project["includes_ppn"],
            ppn_rate=project["ppn_rate"],
        )
    return rows


def _match_by_code(rows: list[Row], scope: Scope) -> list[Row]:
    """Match a batch by kode tender / kode RUP (one query); returns the rows left unmatched."""
    tenders = {row.kd_tender for row in rows if row.kd_tender}
    rups = {row.kd_rup for row in rows if row.kd_rup}
    by_tender, by_rup = {}, defaultdict(list)
    for project in _project_rows(
        Project.objects.filter(Q(kode_tender__in=tenders) | Q(kode_rup__in=rups))
    ):
        if project["kode_tender"]:
            by_tender[project["kode_tender"]] = project
        if project["kode_rup"]:
            by_rup[project["kode_rup"]].append(project)
    unmatched = []
    for row in rows:
        project, how = _code_match(row, by_tender, by_rup)
        if row.outcome:
            continue
        if project is None:
            unmatched.append(row)
            continue
        if not scope.allows(scope.by_id[project["regency_id"]]):
            row.reject(
                _("%(how)s names project #%(id)d, which is outside your region.")
                % {"how": how, "id": project["id"]}
            )
            continue
        _matched(row, project, how, scope)
    return unmatched


@functools.lru_cache(maxsize=8)
def _texts(language: str) -> dict:
    """The texts written on most rows, translated once per language, not once per row."""
    return {
        "rup": _("kode RUP %(code)s"),
        "tender": _("kode tender %(code)s"),
        "none": _("No project has %(codes)s."),
        "plan": _("No contract date or SPMK yet: listed, nothing created."),
    }


def _code_match(row: Row, by_tender: dict, by_rup: dict) -> tuple[dict | None, str]:
    tender_project = by_tender.get(row.kd_tender) if row.kd_tender else None
    if tender_project is not None:
        if row.kd_rup and tender_project["kode_rup"] not in ("", row.kd_rup):
            others = [p for p in by_rup.get(row.kd_rup, []) if p["id"] != tender_project["id"]]
            if others:
                row.reject(
                    _(
                        "Kode tender %(tender)s names project #%(first)d but kode RUP %(rup)s "
                        "names project #%(second)d: correct one of them first."
                    )
                    % {
                        "tender": row.kd_tender,
                        "first": tender_project["id"],
                        "rup": row.kd_rup,
                        "second": others[0]["id"],
                    }
                )
                return None, ""
        return tender_project, _("Kode tender %(code)s") % {"code": row.kd_tender}
    projects = by_rup.get(row.kd_rup, []) if row.kd_rup else []
    # A project with another kode tender is another tender of the same RUP package.
    projects = [p for p in projects if not (row.kd_tender and p["kode_tender"])]
    if len(projects) > 1 and row.npwp:
        projects = [p for p in projects if p["contractor__npwp"] == row.npwp] or projects
    if len(projects) == 1:
        return projects[0], _("Kode RUP %(code)s") % {"code": row.kd_rup}
    if len(projects) > 1:
        row.reject(
            _("Kode RUP %(code)s names %(count)d projects (%(ids)s): add the kode tender.")
            % {
                "code": row.kd_rup,
                "count": len(projects),
                "ids": ", ".join(f"#{p['id']}" for p in projects[:5]),
            }
        )
    return None, ""


def _code_miss(row: Row, texts: dict) -> str:
    codes = " / ".join(
        part
        for part in (
            row.kd_rup and texts["rup"] % {"code": row.kd_rup},
            row.kd_tender and texts["tender"] % {"code": row.kd_tender},
        )
        if part
    )
    return texts["none"] % {"codes": codes}


def _match_by_npwp(rows_by_npwp: dict[str, list[Row]], scope: Scope) -> None:
    """Rows that no code matched, against their company's projects in the scope (one query)."""
    projects = Project.objects.filter(contractor__npwp__in=list(rows_by_npwp))
    if scope.region is not None:
        field_name = "province" if scope.region.is_province else "regency"
        projects = projects.filter(**{field_name: scope.region})
    by_npwp = defaultdict(list)
    for project in _project_rows(projects):
        by_npwp[project["contractor__npwp"]].append(project)
    texts = _texts(get_language())
    rows = [row for npwp in rows_by_npwp if npwp in by_npwp for row in rows_by_npwp[npwp]]
    for row in rows:
        candidates = by_npwp.get(row.npwp, [])
        match, closest, ratio, gap = best_candidate(row, candidates)
        if match is not None:
            how = _("NPWP %(npwp)s, name %(ratio)d %% alike, value %(gap)s %% apart") % {
                "npwp": format_npwp(row.npwp),
                "ratio": round(ratio * 100),
                "gap": _pct(gap),
            }
            _matched(row, match, how, scope)
        elif closest is not None and ratio is None:
            row.detail = f"{_code_miss(row, texts)} " + _(
                "Closest value among the projects of NPWP %(npwp)s: #%(id)d, %(gap)s %% apart: "
                "not the same package."
            ) % {"npwp": format_npwp(row.npwp), "id": closest["id"], "gap": _pct(gap)}
        elif closest is not None:
            row.detail = f"{_code_miss(row, texts)} " + _(
                "Closest project of NPWP %(npwp)s: #%(id)d, name %(ratio)d %% alike, value "
                "%(gap)s %% apart: not the same package."
            ) % {
                "npwp": format_npwp(row.npwp),
                "id": closest["id"],
                "ratio": round(ratio * 100),
                "gap": _pct(gap),
            }


def _pct(gap: Decimal) -> str:
    """A share in percent with one decimal, in the active language (2,5 or 2.5)."""
    return number_format((gap * 100).quantize(Decimal("0.1"), ROUND_HALF_UP), decimal_pos=1)


def _matched(row: Row, project: dict, how: str, scope: Scope) -> None:
    """The row names this project: list what the procurement data changes in it."""
    if (first := scope.matched_by.setdefault(project["id"], row.row)) != row.row:
        row.reject(
            _("%(how)s names project #%(id)d, which row %(row)d of this file already matched.")
            % {"how": how, "id": project["id"], "row": first}
        )
        return
    row.project_id, row.project = project["id"], project
    changes = {}
    if row.kd_rup and project["kode_rup"] != row.kd_rup:
        changes["kode_rup"] = (project["kode_rup"], row.kd_rup)
    if row.kd_tender and project["kode_tender"] != row.kd_tender:
        changes["kode_tender"] = (project["kode_tender"], row.kd_tender)
    if row.is_contracted:
        for name in ("spk_date", "start_date", "end_date"):
            new = getattr(row, name)
            if new is not None and new != project[name]:
                changes[name] = (project[name], new)
        if row.value and value_gap(row.value, project["gross"]) > 0:
            changes["contract_value"] = (project["gross"], row.value)
    if project["has_amendments"]:
        # Addenda recorded in Pantau Jakon are newer than the contract in the export.
        changes.pop("contract_value", None)
        changes.pop("end_date", None)
    spk = changes.get("spk_date", (0, project["spk_date"]))[1]
    start = changes.get("start_date", (0, project["start_date"]))[1]
    end = changes.get("end_date", (0, project["end_date"]))[1]
    if not spk <= start <= end:
        row.reject(
            _("%(how)s names project #%(id)d, but its dates would then be out of order.")
            % {"how": how, "id": project["id"]}
        )
        return
    row.changes = changes
    row.outcome = Outcome.CHANGED if changes else Outcome.MATCHED
    row.detail = _("%(how)s → project #%(id)d.") % {"how": how, "id": project["id"]}
    if changes:
        row.detail += " " + _("Changes: %(changes)s.") % {
            "changes": "; ".join(
                f"{_labels_in(get_language())[name]}: {_shown(old)} → {_shown(new)}"
                for name, (old, new) in changes.items()
            )
        }


@functools.lru_cache(maxsize=8)
def _labels_in(language: str) -> dict:
    return {
        "kode_rup": _("kode RUP"),
        "kode_tender": _("kode tender"),
        "spk_date": _("contract date"),
        "start_date": _("start (SPMK)"),
        "end_date": _("end date"),
        "contract_value": _("contract value"),
    }


def _shown(value) -> str:
    if value in (None, ""):
        return "–"
    if isinstance(value, Decimal):
        return format_rupiah(value)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


# --- New projects: who, for whom -------------------------------------------------------------


def _owner_key(row: Row) -> tuple[str, str, str]:
    if row.satker_code:
        return (row.klpd_code, row.satker_code, "")
    return (row.klpd_code, "", comparable_name(row.satker_name or row.klpd_name))


def _prepare_new(plan: Plan) -> None:
    """Check what a new project needs, and look up its company and owner (a query per batch)."""
    new_rows = [row for row in plan.rows if row.outcome == Outcome.NEW]
    for row in new_rows:
        if not (row.npwp and row.value and row.end_date and (row.satker_name or row.klpd_name)):
            missing = [
                label
                for label, present in (
                    (_("the supplier's NPWP"), row.npwp),
                    (_("the contract value"), row.value),
                    (_("the end date"), row.end_date),
                    (_("the owner (satker or KLPD name)"), row.satker_name or row.klpd_name),
                )
                if not present
            ]
            row.reject(
                _("A contracted package, but a project needs %(missing)s.")
                % {"missing": ", ".join(str(m) for m in missing)}
            )
        elif not row.spk_date <= row.start_date <= row.end_date:
            row.reject(_("The contract, start and end dates are out of order."))
    new_rows = [row for row in new_rows if row.outcome == Outcome.NEW]
    for start in range(0, len(new_rows), BATCH_SIZE):
        batch = new_rows[start : start + BATCH_SIZE]
        npwps = {row.npwp for row in batch}
        plan.contractor_ids.update(
            Contractor.objects.filter(npwp__in=npwps).values_list("npwp", "pk")
        )
        satkers = {row.satker_code for row in batch if row.satker_code}
        names = {row.satker_name or row.klpd_name for row in batch if not row.satker_code}
        for unit in WorkUnit.objects.filter(
            Q(satker_code__in=satkers) | Q(satker_code="", name__in=names)
        ).values("pk", "klpd_code", "satker_code", "name"):
            key = (
                (unit["klpd_code"], unit["satker_code"], "")
                if unit["satker_code"]
                else (unit["klpd_code"], "", comparable_name(unit["name"]))
            )
            plan.work_unit_ids[key] = unit["pk"]
    _check_spk_numbers(new_rows, plan)


def _check_spk_numbers(rows: list[Row], plan: Plan) -> None:
    """An owner has one project per SPK number (projects_project_unique_spk_per_owner)."""
    for row in rows:
        row.spk_number = row.spk_number or _("Kode tender %(code)s") % {"code": row.code}
    taken = {}
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        unit_ids = {plan.work_unit_ids.get(_owner_key(row)) for row in batch} - {None}
        taken.update(
            ((unit_id, number), pk)
            for unit_id, number, pk in Project.objects.filter(
                work_unit_id__in=unit_ids, spk_number__in={row.spk_number for row in batch}
            ).values_list("work_unit_id", "spk_number", "pk")
        )
    first_row_of = {}
    for row in rows:
        unit_id = plan.work_unit_ids.get(_owner_key(row))
        if (unit_id, row.spk_number) in taken:
            row.reject(
                _(
                    "Its owner already has project #%(id)d with contract number %(number)s, "
                    "which does not match this package: check both."
                )
                % {"id": taken[(unit_id, row.spk_number)], "number": row.spk_number}
            )
            continue
        key = (_owner_key(row), row.spk_number)
        if key in first_row_of:
            row.reject(
                _("Row %(row)d has the same owner and contract number %(number)s.")
                % {"row": first_row_of[key], "number": row.spk_number}
            )
            continue
        first_row_of[key] = row.row
    plan.new_contractor_npwps = {row.npwp for row in rows if row.outcome == Outcome.NEW} - set(
        plan.contractor_ids
    )


# --- Applying the plan --------------------------------------------------------------------------


def apply_plan(plan: Plan, *, user, now: datetime, progress=None) -> list[int]:
    """Write the plan: new companies and owners, new projects, changed projects, with their
    history rows, all marked for evaluation. Returns the ids of the projects written."""
    new_rows = [row for row in plan.rows if row.outcome == Outcome.NEW]
    changed_rows = [row for row in plan.rows if row.outcome == Outcome.CHANGED]
    _create_contractors(new_rows, plan, user=user, now=now)
    _create_work_units(new_rows, plan, user=user, now=now)
    holidays = _holidays_for(new_rows + changed_rows)
    created = _create_projects(new_rows, plan, user=user, now=now, holidays=holidays)
    if progress is not None:
        progress(len(plan.rows) * 3 // 4)
    updated = _update_projects(changed_rows, user=user, now=now, holidays=holidays)
    written = created + updated
    if written:
        # One UPDATE for all of them, and one nudge of the engine after commit.
        mark_for_evaluation(Project.objects.filter(needs_evaluation_at=now).values("pk"))
    return written


def _holidays_for(rows: list[Row]) -> set[date]:
    dates = [row.spk_date for row in rows if row.spk_date]
    if not dates:
        return set()
    days = settings.PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS
    return holidays_between(min(dates), max(dates) + timedelta(days=days * 2 + 60))


def _create_contractors(rows: list[Row], plan: Plan, *, user, now) -> None:
    """Companies unknown by NPWP: unconfirmed, source procurement, seated (until someone
    claims the company and says otherwise) in the kab/kota of their first package."""
    first_of = {}
    for row in rows:
        if row.npwp in plan.new_contractor_npwps:
            first_of.setdefault(row.npwp, row)
    contractors = [
        {
            "legal_name": row.supplier or format_npwp(row.npwp),
            "npwp": row.npwp,
            "province_id": row.regency.parent_id,
            "regency_id": row.regency.pk,
            "source": Contractor.Source.PROCUREMENT,
        }
        for row in first_of.values()
    ]
    insert_rows(Contractor, contractors, now=now)
    for npwps in _chunks(list(first_of)):
        ids = dict(Contractor.objects.filter(npwp__in=npwps).values_list("npwp", "pk"))
        plan.contractor_ids.update(ids)
        write_history(Contractor, list(ids.values()), "+", user=user, now=now)


def _create_work_units(rows: list[Row], plan: Plan, *, user, now) -> None:
    first_of = {}
    for row in rows:
        key = _owner_key(row)
        if key not in plan.work_unit_ids:
            first_of.setdefault(key, row)
    if not first_of:
        return
    units = [
        WorkUnit(
            name=row.satker_name or row.klpd_name,
            klpd_code=row.klpd_code,
            satker_code=row.satker_code,
            province_id=row.regency.parent_id,
            regency=row.regency,
        )
        for row in first_of.values()
    ]
    for unit in bulk_create_with_history(units, WorkUnit, default_user=user):
        plan.work_unit_ids[_owner_key_of_unit(unit)] = unit.pk


def _owner_key_of_unit(unit: WorkUnit) -> tuple[str, str, str]:
    if unit.satker_code:
        return (unit.klpd_code, unit.satker_code, "")
    return (unit.klpd_code, "", comparable_name(unit.name))


def funding_source(row: Row) -> str:
    """sumber_dana (APBN, APBD, DAK, BLUD …) in our funding sources; an APBD package of a
    province's KLPD is APBD provinsi."""
    text = comparable_name(row.funding)
    if "dak" in text.split():
        return Project.FundingSource.DAK
    if "apbn" in text or "phln" in text:
        return Project.FundingSource.APBN
    if "apbd" in text or "blud" in text:
        klpd = comparable_name(row.klpd_type or row.klpd_name)
        if "provinsi" in klpd:
            return Project.FundingSource.APBD_PROVINCE
        return Project.FundingSource.APBD_REGENCY
    if "bumn" in text or "bumd" in text:
        return Project.FundingSource.BUMN_BUMD
    return Project.FundingSource.OTHER


def _create_projects(rows, plan: Plan, *, user, now, holidays) -> list[int]:
    today = timezone.localdate(now)
    derive = Deriver(holidays)
    projects = []
    for row in rows:
        if row.bast_date and row.bast_date >= row.start_date:
            status = Project.Status.FINISHED
        elif row.start_date <= today:
            status = Project.Status.RUNNING
        else:
            status = Project.Status.PLANNED
        base, due = derive(row.value, True, DEFAULT_PPN_RATE, row.spk_date, row.start_date)
        projects.append(
            {
                "contractor_id": plan.contractor_ids[row.npwp],
                "work_unit_id": plan.work_unit_ids[_owner_key(row)],
                "name": row.name,
                "spk_number": row.spk_number,
                "spk_date": row.spk_date,
                "start_date": row.start_date,
                "end_date": row.end_date,
                "status": status,
                "bast_date": row.bast_date if status == Project.Status.FINISHED else None,
                "contract_value": row.value,
                "includes_ppn": True,  # LKPP publishes contract values with PPN
                "funding_source": funding_source(row),
                "province_id": row.regency.parent_id,
                "regency_id": row.regency.pk,
                "kode_rup": row.kd_rup,
                "kode_tender": row.kd_tender or None,
                "source": Project.Source.PROCUREMENT,
                "created_by_id": user.pk if user is not None else None,
                "current_base_value": base,
                "current_end_date": row.end_date,
                "registration_due_on": due,
                "needs_evaluation_at": now,
            }
        )
    insert_rows(Project, projects, now=now)
    ids = []
    # projects_project_unique_spk_per_owner makes (owner, SPK number) a key of the new rows.
    for chunk in _chunks(rows):
        found = {
            (unit_id, number): pk
            for unit_id, number, pk in Project.objects.filter(
                work_unit_id__in={plan.work_unit_ids[_owner_key(row)] for row in chunk},
                spk_number__in={row.spk_number for row in chunk},
            ).values_list("work_unit_id", "spk_number", "pk")
        }
        for row in chunk:
            row.project_id = found[(plan.work_unit_ids[_owner_key(row)], row.spk_number)]
        chunk_ids = [row.project_id for row in chunk]
        write_history(Project, chunk_ids, "+", user=user, now=now)
        ids.extend(chunk_ids)
    return ids


DEFAULT_PPN_RATE = Project._meta.get_field("ppn_rate").default


class Deriver:
    """projects.services.refresh_derived_fields for many projects: (DPP, due date) from the
    values, without a query per project; due dates computed once per (SPK, start) pair."""

    def __init__(self, holidays: set[date]):
        self.holidays = holidays
        self.due_dates: dict[tuple[date, date], date] = {}

    def __call__(self, value, includes_ppn, ppn_rate, spk_date, start_date) -> tuple:
        base = value_before_ppn(value, includes_ppn=includes_ppn, ppn_rate=ppn_rate)
        key = (spk_date, start_date)
        if key not in self.due_dates:
            self.due_dates[key] = registration_due_date(
                spk_date, start_date, holidays=self.holidays
            )
        return base, self.due_dates[key]


_UPDATED_FIELDS = (
    "kode_rup",
    "kode_tender",
    "spk_date",
    "start_date",
    "end_date",
    "contract_value",
    "includes_ppn",
    "current_base_value",
    "current_end_date",
    "registration_due_on",
    "needs_evaluation_at",
    "updated_at",
)


def _update_projects(rows, *, user, now, holidays) -> list[int]:
    """Each changed project's procurement fields and derived columns, from the values read
    in the plan: one UPDATE … FROM (VALUES …) per chunk, then its history rows."""
    derive = Deriver(holidays)
    values = []
    for row in rows:
        project = dict(row.project)
        for name, (_old, new) in row.changes.items():
            project[name] = new
        if "contract_value" in row.changes:
            project["includes_ppn"] = True
        if not project["has_amendments"]:
            project["current_end_date"] = project["end_date"]  # else the addenda decide
        base, due = derive(
            project["contract_value"],
            project["includes_ppn"],
            project["ppn_rate"],
            project["spk_date"],
            project["start_date"],
        )
        if project["has_amendments"]:
            base = project["current_base_value"]
        project.update(
            current_base_value=base,
            registration_due_on=due,
            needs_evaluation_at=now,
            updated_at=now,
        )
        values.append((project["id"], *(project[name] for name in _UPDATED_FIELDS)))
    update_rows(Project, _UPDATED_FIELDS, values)
    ids = [row.project_id for row in rows]
    for chunk in _chunks(ids):
        write_history(Project, chunk, "~", user=user, now=now)
    return ids


# --- Set-based writes -------------------------------------------------------------------------


def insert_rows(model, rows: list[dict], *, now) -> None:
    """Rows given as {attname: value} (the others take their defaults) in multi-row statements
    (COPY on PostgreSQL), through the worker import's writer: building model instances and
    bulk_create's SQL took most of the import's time (see bench/README.md)."""
    if not rows:
        return
    columns = [column for column in model._meta.concrete_fields if not column.primary_key]
    defaults = {}
    for column in columns:
        stamped = getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False)
        defaults[column.attname] = now if stamped else column.get_default()
    # Only datetimes need the backend's adaptation (naive UTC on SQLite); the drivers take
    # dates, decimals and text as they are.
    adapted = {None: None}  # the same few datetimes (now) on every row: adapted once

    def adapt(value):
        if value not in adapted:
            adapted[value] = connection.ops.adapt_datetimefield_value(value)
        return adapted[value]

    is_datetime = [column.get_internal_type() == "DateTimeField" for column in columns]
    names = [column.attname for column in columns]
    values = []
    for row in rows:
        merged = {**defaults, **row}
        values.append(
            tuple(
                adapt(merged[name]) if stamp else merged[name]
                for name, stamp in zip(names, is_datetime, strict=True)
            )
        )
    _insert_values(model, [column.name for column in columns], values)


def update_rows(model, fields: tuple[str, ...], values: list[tuple]) -> None:
    """UPDATE … FROM (VALUES (pk, f1, f2 …), …): many rows, each its own values, per statement.
    The VALUES columns are column1, column2 … on SQLite and PostgreSQL alike."""
    if not values:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    assignments = []
    for number, column in enumerate(model_fields, start=2):
        source = f"v.column{number}"
        if connection.vendor == "postgresql":  # parameters of NULL have no type there
            source = f"CAST({source} AS {column.db_type(connection)})"
        assignments.append(f"{quote(column.column)} = {source}")
    width = len(fields) + 1
    per_statement = max(
        1, min(BATCH_SIZE, (connection.features.max_query_params or 65535) // width)
    )
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    pk_type = "bigint" if connection.vendor == "postgresql" else "integer"
    key = f"CAST(v.column1 AS {pk_type})"
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            params = []
            for row in chunk:
                params.append(row[0])
                params.extend(
                    column.get_db_prep_save(value, connection)
                    for column, value in zip(model_fields, row[1:], strict=True)
                )
            # Table and column names come from _meta; every value is a bound parameter.
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v "
                f"WHERE {quote(meta.db_table)}.{quote(meta.pk.column)} = {key}",
                params,
            )


def write_history(model, ids: list[int], history_type: str, *, user, now) -> None:
    """The rows simple_history writes on save() ("+" created, "~" changed), for many rows in
    one statement, with the import as the reason."""
    if not ids:
        return
    history = model.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608
        f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} IN ({placeholders})"
    )
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                connection.ops.adapt_datetimefield_value(now),
                "Procurement import",
                history_type,
                user_id,
                *ids,
            ],
        )


def _chunks(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]
