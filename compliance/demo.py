"""Demo data: two regions, their offices and users, contractors, owners and ~40 projects that show
every situation the compliance engine knows (domain.md part 0).

Kota Bekasi (32.75, Jawa Barat, WIB) and Kabupaten Tanah Bumbu (63.10, Kalimantan Selatan, WITA).
Dates are relative to an anchor day (today), so the demo always has overdue, due-soon and future
projects; given the same day the data is the same. Idempotent: every row is looked up by its
natural key (NPWP, KLPD + satker code, owner + SPK number, NIK, username) and only created when
missing; a project's history (registrations, payments, addenda, workers) is written once, when
the project is created. Companies, people, addresses, NPWPs, NIKs and KLPD/satker codes are
made up (in the real formats); every e-mail address is on example.org, so notifications never
reach a real inbox.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history
from stdnum import luhn

from accounts.models import Office, User
from projects.models import Contractor, ContractorMembership, Project, WorkUnit
from projects.services import mark_for_evaluation, record_amendment, save_project
from reference.models import Region
from workers.models import Enrollment, Worker

from .models import Payment, Registration, Tariff

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (published in the README; demo databases only)
BEKASI, TANBU = "32.75", "63.10"

Funding = Project.FundingSource
Status = Project.Status
Job = Enrollment.EmploymentType


def entity_npwp(taxpayer8: str, tax_office: str, branch: str = "000") -> str:
    """A 16-digit entity NPWP: 0 + 8 digits + their Luhn check digit + tax office + branch
    (domain.md §5; reference.identifiers.validate_npwp checks the same)."""
    return "0" + taxpayer8 + luhn.calc_check_digit(taxpayer8) + tax_office + branch


# --- Offices and users ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeSeed:
    key: str
    name: str
    region: str
    kind: str
    government: str
    agency: str
    city: str
    address: str
    phone: str
    head_name: str
    head_title: str
    head_nip: str


OFFICES = (
    OfficeSeed(
        "disnaker-bekasi",
        "Dinas Ketenagakerjaan Kota Bekasi",
        BEKASI,
        Office.Kind.LABOUR_OFFICE,
        "PEMERINTAH KOTA BEKASI",
        "DINAS KETENAGAKERJAAN",
        "Bekasi",
        "Jl. Ir. H. Juanda No. 100, Kel. Margahayu, Kec. Bekasi Timur, Kota Bekasi 17113",
        "(021) 8801234",
        "Drs. H. Ahmad Suryana, M.Si.",
        "Kepala Dinas Ketenagakerjaan Kota Bekasi",
        "197005121995031004",
    ),
    OfficeSeed(
        "disnakertrans-tanbu",
        "Dinas Tenaga Kerja dan Transmigrasi Kabupaten Tanah Bumbu",
        TANBU,
        Office.Kind.LABOUR_OFFICE,
        "PEMERINTAH KABUPATEN TANAH BUMBU",
        "DINAS TENAGA KERJA DAN TRANSMIGRASI",
        "Batulicin",
        "Jl. Dharma Praja, Gunung Tinggi, Kec. Batulicin, Kabupaten Tanah Bumbu 72271",
        "(0518) 6070123",
        "H. Muhammad Syahrani, S.Sos., M.AP.",
        "Kepala Dinas Tenaga Kerja dan Transmigrasi Kabupaten Tanah Bumbu",
        "197208141998031007",
    ),
    OfficeSeed(
        "disnakertrans-jabar",
        "Dinas Tenaga Kerja dan Transmigrasi Provinsi Jawa Barat",
        "32",
        Office.Kind.LABOUR_OFFICE,
        "PEMERINTAH DAERAH PROVINSI JAWA BARAT",
        "DINAS TENAGA KERJA DAN TRANSMIGRASI",
        "Bandung",
        "Jl. Soekarno-Hatta No. 532, Kota Bandung 40286",
        "(022) 7564321",
        "Dr. Ir. Dewi Kartika Sari, M.T.",
        "Kepala Dinas Tenaga Kerja dan Transmigrasi Provinsi Jawa Barat",
        "196911231994032002",
    ),
    OfficeSeed(
        "inspektorat-bekasi",
        "Inspektorat Kota Bekasi",
        BEKASI,
        Office.Kind.INSPECTORATE,
        "PEMERINTAH KOTA BEKASI",
        "INSPEKTORAT DAERAH",
        "Bekasi",
        "Jl. Ir. H. Juanda No. 100, Kel. Margahayu, Kec. Bekasi Timur, Kota Bekasi 17113",
        "(021) 8805678",
        "Hendra Gunawan, S.E., M.M.",
        "Inspektur Kota Bekasi",
        "197103031996031002",
    ),
    # The BPJS branch that serves Kota Bekasi: verifies registrations, sends no letters.
    OfficeSeed(
        "bpjs-bekasi",
        "BPJS Ketenagakerjaan Kantor Cabang Bekasi",
        BEKASI,
        Office.Kind.BPJS_BRANCH,
        "BPJS KETENAGAKERJAAN",
        "KANTOR CABANG BEKASI",
        "Bekasi",
        "Jl. Ahmad Yani No. 18, Kel. Marga Jaya, Kec. Bekasi Selatan, Kota Bekasi 17141",
        "(021) 8841234",
        "Kepala Kantor Cabang",
        "Kepala Kantor Cabang BPJS Ketenagakerjaan Bekasi",
        "",
    ),
)


@dataclass(frozen=True)
class UserSeed:
    username: str
    first_name: str
    last_name: str
    office: str = ""  # OfficeSeed.key
    role: str = ""
    contractor: str = ""  # ContractorSeed.key; the user is its company admin
    is_superuser: bool = False


USERS = (
    UserSeed("admin", "Admin", "Pantau Jakon", is_superuser=True),
    UserSeed("dinas.bekasi", "Rina", "Marlina", "disnaker-bekasi", User.OfficeRole.EDITOR),
    UserSeed("dinas.tanbu", "Rahmadi", "Noor", "disnakertrans-tanbu", User.OfficeRole.EDITOR),
    UserSeed("dinas.jabar", "Asep", "Permana", "disnakertrans-jabar", User.OfficeRole.EDITOR),
    UserSeed(
        "inspektorat.bekasi", "Yuli", "Astuti", "inspektorat-bekasi", User.OfficeRole.READ_ONLY
    ),
    UserSeed("bpjs.bekasi", "Dimas", "Prasetyo", "bpjs-bekasi", User.OfficeRole.EDITOR),
    UserSeed("kontraktor.a", "Bambang", "Wijaya", contractor="wkn"),
    UserSeed("kontraktor.b", "Fahrurrazi", "Ansyari", contractor="bbk"),
)
# Who verifies registrations of a region's projects.
VERIFIER = {BEKASI: "dinas.bekasi", TANBU: "dinas.tanbu"}


# --- Contractors and project owners --------------------------------------------------------------


@dataclass(frozen=True)
class ContractorSeed:
    key: str
    legal_name: str
    regency: str
    npwp: str
    nib: str
    npp: str
    qualification: str
    address: str
    contact_name: str
    phone: str
    source: str = Contractor.Source.OFFICE


Qual = Contractor.Qualification
CONTRACTORS = (
    # key, legal name, seat, NPWP, NIB, NPP, qualification, address, contact, phone[, source]
    ContractorSeed("wkn", "PT Wijaya Karsa Nusantara", BEKASI, entity_npwp("02413529", "407"),
                   "9120104372815", "15070955", Qual.LARGE,
                   "Jl. KH. Noer Ali No. 88, Kel. Pekayon Jaya, Kec. Bekasi Selatan, Kota Bekasi",
                   "Bambang Wijaya", "(021) 8864210", Contractor.Source.SIGN_UP),
    ContractorSeed("bbk", "PT Borneo Bumi Konstruksi", TANBU, entity_npwp("03187452", "733"),
                   "9120207754318", "16021874", Qual.MEDIUM,
                   "Jl. Raya Batulicin No. 27, Kel. Kampung Baru, Kec. Simpang Empat, Kabupaten Tanah Bumbu",
                   "Fahrurrazi Ansyari", "(0518) 70245", Contractor.Source.SIGN_UP),
    ContractorSeed("mkp", "CV Mitra Karya Patriot", BEKASI, entity_npwp("71652308", "432"),
                   "8120005231947", "", Qual.SMALL,
                   "Jl. Pramuka Raya No. 12, Kel. Jakasampurna, Kec. Bekasi Barat, Kota Bekasi",
                   "Dadang Sudrajat", "0812-8830-1142"),
    ContractorSeed("bbp", "PT Bekasi Beton Perkasa", BEKASI, entity_npwp("02876154", "407"),
                   "9120008815236", "15083321", Qual.MEDIUM,
                   "Jl. Raya Narogong Km. 7, Kel. Bojong Menteng, Kec. Rawalumbu, Kota Bekasi",
                   "Hendra Setiawan", "(021) 8261577"),
    ContractorSeed("sbm", "CV Sinar Batulicin Mandiri", TANBU, entity_npwp("81234097", "733"),
                   "8120107662459", "", Qual.SMALL,
                   "Jl. Transmigrasi No. 5, Desa Sejahtera, Kec. Simpang Empat, Kabupaten Tanah Bumbu",
                   "Zainal Arifin", "0821-5567-2301"),
    ContractorSeed("kja", "CV Kusan Jaya Abadi", TANBU, entity_npwp("82905613", "733"),
                   "8120203318764", "", Qual.SMALL,
                   "Jl. Pangeran Antasari No. 41, Kel. Pagatan, Kec. Kusan Hilir, Kabupaten Tanah Bumbu",
                   "Rusdi Hamdani", "0852-4811-0937"),
    ContractorSeed("gcb", "PT Graha Cipta Banua", "63.71", entity_npwp("02659841", "731"),
                   "9120306127703", "16010452", Qual.MEDIUM,
                   "Jl. A. Yani Km. 6 No. 19, Kec. Banjarmasin Timur, Kota Banjarmasin",
                   "Arif Hidayat", "(0511) 3256410", Contractor.Source.PROCUREMENT),
    ContractorSeed("atm", "CV Anugerah Teknik Mandiri", BEKASI, entity_npwp("76310842", "432"),
                   "8120009947120", "", Qual.SMALL,
                   "Jl. Cut Meutia No. 3, Kel. Margahayu, Kec. Bekasi Timur, Kota Bekasi",
                   "Irfan Maulana", "0813-1922-7745"),
    ContractorSeed("crk", "PT Cipta Rancang Konsultindo", BEKASI, entity_npwp("03542287", "407"),
                   "9120011503384", "15091206", Qual.CONSULTANT,
                   "Ruko Sentra Niaga Blok B No. 9, Kel. Harapan Baru, Kec. Bekasi Utara, Kota Bekasi",
                   "Teguh Nugroho, S.T.", "(021) 8897034"),
)  # fmt: skip
# The company admins' contractors must have projects in both regions (tests check it).
CONTRACTOR_USERS = {"wkn": "kontraktor.a", "bbk": "kontraktor.b"}


@dataclass(frozen=True)
class WorkUnitSeed:
    key: str
    name: str
    klpd_code: str  # LKPP style; the demo's codes are illustrative, not LKPP's real list
    satker_code: str  # Permendagri 90/2019 style for Pemda satker; 6 digits for APBN satker
    province: str
    regency: str | None
    spk_code: str  # the owner's part of its SPK numbers
    ppk_name: str


WORK_UNITS = (
    # key, name,
    #     KLPD code, satker code, province, regency, SPK code, PPK
    # Kota Bekasi (APBD kota); Permendagri 90/2019: 1.01 education, 1.02 health, 1.03 public works
    WorkUnitSeed("bks-bmsda", "Dinas Bina Marga dan Sumber Daya Air Kota Bekasi",
                 "D59", "1.03.0.00.0.00.01.0000", "32", BEKASI, "PPK-DBMSDA", "Agus Hermawan, S.T."),
    WorkUnitSeed("bks-perkim", "Dinas Perumahan, Kawasan Permukiman dan Pertanahan Kota Bekasi",
                 "D59", "1.04.2.10.0.00.01.0000", "32", BEKASI, "PPK-DISPERKIMTAN", "Wahyu Kurniawan, S.T., M.T."),
    WorkUnitSeed("bks-disdik", "Dinas Pendidikan Kota Bekasi",
                 "D59", "1.01.0.00.0.00.01.0000", "32", BEKASI, "PPK-DISDIK", "Neng Rohmah, S.Pd., M.M."),
    WorkUnitSeed("bks-dinkes", "Dinas Kesehatan Kota Bekasi",
                 "D59", "1.02.0.00.0.00.01.0000", "32", BEKASI, "PPK-DINKES", "dr. Irma Suryani, M.K.M."),
    WorkUnitSeed("bks-rsud", "RSUD dr. Chasbullah Abdulmadjid Kota Bekasi",
                 "D59", "1.02.0.00.0.00.01.0001", "32", BEKASI, "PPK-RSUD", "Firman Saputra, S.T."),
    WorkUnitSeed("bks-dlh", "Dinas Lingkungan Hidup Kota Bekasi",
                 "D59", "2.11.0.00.0.00.01.0000", "32", BEKASI, "PPK-DLH", "Rudi Ramdani, S.T."),
    WorkUnitSeed("bks-disdagperin", "Dinas Perdagangan dan Perindustrian Kota Bekasi",
                 "D59", "3.30.3.31.0.00.01.0000", "32", BEKASI, "PPK-DISDAGPERIN", "Heri Sopian, S.E."),
    WorkUnitSeed("jabar-bmpr", "Dinas Bina Marga dan Penataan Ruang Provinsi Jawa Barat",
                 "D10", "1.03.0.00.0.00.01.0000", "32", None, "PPK-DBMPR.JB", "Ir. Yusuf Gunadi, M.T."),
    WorkUnitSeed("bbws-cilcis", "Balai Besar Wilayah Sungai Ciliwung Cisadane",
                 "K33", "498077", "31", None, "PPK-SUNGAI.CC", "Ir. Teguh Prasetyo, M.Eng."),
    WorkUnitSeed("bks-gpp", "PT Griya Patriot Properti",
                 "", "", "32", BEKASI, "GPP-PRJ", "Ir. Joko Susilo"),
    WorkUnitSeed("bks-nurulhuda", "Yayasan Pendidikan Islam Nurul Huda Bekasi",
                 "", "", "32", BEKASI, "YPI-NH", "H. Saepul Anwar"),
    # Kabupaten Tanah Bumbu (APBD kabupaten)
    WorkUnitSeed("tbu-pupr", "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Tanah Bumbu",
                 "D347", "1.03.0.00.0.00.01.0000", "63", TANBU, "PPK-PUPR.TB", "Hasanuddin, S.T., M.T."),
    WorkUnitSeed("tbu-perkim", "Dinas Perumahan Rakyat dan Kawasan Permukiman Kabupaten Tanah Bumbu",
                 "D347", "1.04.0.00.0.00.01.0000", "63", TANBU, "PPK-PERKIM.TB", "Norhadi, S.T."),
    WorkUnitSeed("tbu-disdik", "Dinas Pendidikan Kabupaten Tanah Bumbu",
                 "D347", "1.01.0.00.0.00.01.0000", "63", TANBU, "PPK-DISDIK.TB", "Masliana, S.Pd., M.Pd."),
    WorkUnitSeed("tbu-dinkes", "Dinas Kesehatan Kabupaten Tanah Bumbu",
                 "D347", "1.02.0.00.0.00.01.0000", "63", TANBU, "PPK-DINKES.TB", "Fitriani, S.K.M., M.Kes."),
    WorkUnitSeed("tbu-rsud", "RSUD dr. H. Andi Abdurrahman Noor Kabupaten Tanah Bumbu",
                 "D347", "1.02.0.00.0.00.01.0001", "63", TANBU, "PPK-RSUD.TB", "Andi Baso Sulaiman, S.T."),
    WorkUnitSeed("tbu-dishub", "Dinas Perhubungan Kabupaten Tanah Bumbu",
                 "D347", "2.15.0.00.0.00.01.0000", "63", TANBU, "PPK-DISHUB.TB", "Jumberi, S.T."),
    WorkUnitSeed("tbu-perikanan", "Dinas Perikanan Kabupaten Tanah Bumbu",
                 "D347", "3.25.0.00.0.00.01.0000", "63", TANBU, "PPK-DISKAN.TB", "Yusran Effendi, S.Pi."),
    WorkUnitSeed("kalsel-pupr", "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
                 "D227", "1.03.0.00.0.00.01.0000", "63", None, "PPK-PUPR.KS", "Ir. H. Arsyad Mahmud, M.T."),
    WorkUnitSeed("bpjn-kalsel", "Balai Pelaksanaan Jalan Nasional Kalimantan Selatan",
                 "K33", "498372", "63", None, "PPK-PJN.II.KS", "Ir. Supriadi, M.T."),
    WorkUnitSeed("tbu-bal", "PT Borneo Agro Lestari",
                 "", "", "63", TANBU, "BAL-KBN", "Sugianto"),
)  # fmt: skip


# --- Projects -----------------------------------------------------------------------------------


class Cover(StrEnum):
    """What happened with the project's BPJS Ketenagakerjaan registration."""

    NONE = "none"  # never registered
    VERIFIED = "verified"  # paid in full, verified by the office
    SUBMITTED = "submitted"  # paid in full, awaiting verification
    UNPAID = "unpaid"  # registered ("mendaftar") but nothing paid: not covered
    INSTALLMENTS = "installments"  # paid in installments (termin), all of them, verified
    PARTIAL = "partial"  # first of two installments paid: covered, but underpaid
    REJECTED = "rejected"  # rejected with a reason, nothing new submitted
    RESUBMITTED = "resubmitted"  # rejected, then a new registration paid and awaiting


@dataclass(frozen=True)
class AmendmentSeed:
    after_start: int  # days after the start date when it was signed
    value_factor: Decimal | None = None  # new value = original value x factor
    extend_days: int | None = None
    extra_paid: bool = False  # extra contribution paid and coverage extended by BPJS


@dataclass(frozen=True)
class ProjectSeed:
    key: str
    contractor: str
    work_unit: str
    spk_no: int
    name: str
    district: str  # the kecamatan's last two digits
    street: str
    value: int  # rupiah, as in the contract
    funding: str
    spk_ago: int  # days before the anchor day
    start_ago: int  # negative: starts in the future
    duration: int  # days from start to end in the contract
    cover: Cover = Cover.NONE
    registered_ago: int | None = None  # default: 5 days after the SPK
    crew: int = 0
    planned_workforce: int | None = None
    rehire_from: str = ""  # the first workers come from this (finished) project
    rehired: int = 0
    parent: str = ""
    status: str = ""  # finished / terminated; otherwise planned or running by the dates
    amendment: AmendmentSeed | None = None
    rejection: str = ""
    ended_ago: int = 0  # terminated: days before the anchor day

    @property
    def regency(self) -> str:
        return BEKASI if self.key.startswith("bks") else TANBU

    @property
    def includes_ppn(self) -> bool:
        # Government contracts state the value with PPN; the private owners here without.
        return self.funding != Funding.PRIVATE


PROJECTS = (
    # ----- Kota Bekasi --------------------------------------------------------------------------
    ProjectSeed(
        "bks-01", "wkn", "bks-bmsda", 31, "Rehabilitasi Saluran Drainase Jl. Ahmad Yani", "04",
        "Jl. Jend. Ahmad Yani, Kel. Marga Jaya", 2_450_000_000, Funding.APBD_REGENCY,
        150, 143, 210, Cover.VERIFIED, crew=8, planned_workforce=10,
    ),
    ProjectSeed(
        "bks-02", "wkn", "bks-dinkes", 12, "Pembangunan Gedung Puskesmas Jatisampurna", "10",
        "Jl. Raya Kranggan, Kel. Jatisampurna", 6_800_000_000, Funding.DAK,
        200, 190, 240, Cover.VERIFIED, crew=12, planned_workforce=20,
        amendment=AmendmentSeed(120, Decimal("1.085"), 45, extra_paid=True),
    ),
    ProjectSeed(
        "bks-03", "wkn", "bks-bmsda", 44, "Peningkatan Jalan Raya Narogong Segmen Bantargebang",
        "07", "Jl. Raya Narogong, Kel. Bantargebang", 12_900_000_000, Funding.APBD_REGENCY,
        95, 88, 240, Cover.VERIFIED, crew=10, planned_workforce=16,
        amendment=AmendmentSeed(60, Decimal("1.07")),
    ),
    ProjectSeed(
        "bks-04", "wkn", "jabar-bmpr", 7, "Pembangunan Jembatan Kali Bekasi Teluk Pucung", "03",
        "Jl. Perjuangan, Kel. Teluk Pucung", 18_500_000_000, Funding.APBD_PROVINCE,
        120, 110, 300, Cover.VERIFIED, crew=10, planned_workforce=15,
    ),
    ProjectSeed(
        "bks-05", "atm", "jabar-bmpr", 8,
        "Pekerjaan Tiang Pancang Jembatan Kali Bekasi Teluk Pucung (Subkontrak)", "03",
        "Jl. Perjuangan, Kel. Teluk Pucung", 1_350_000_000, Funding.APBD_PROVINCE,
        100, 93, 120, crew=5, parent="bks-04",
    ),
    ProjectSeed(
        "bks-06", "mkp", "bks-disdik", 18, "Rehabilitasi Ruang Kelas SDN Jatiasih VII", "09",
        "Jl. Wibawa Mukti II, Kel. Jatiasih", 485_000_000, Funding.APBD_REGENCY,
        60, 46, 120, crew=4,
    ),
    ProjectSeed(
        "bks-07", "mkp", "bks-bmsda", 52, "Pembangunan Turap Saluran Kali Cakung Jatibening",
        "08", "Jl. Caman Raya, Kel. Jatibening", 780_000_000, Funding.APBD_REGENCY,
        40, 30, 150,
    ),
    ProjectSeed(
        "bks-08", "bbp", "bks-disdik", 21, "Pembangunan Gedung Tiga Lantai SMP Negeri 49 Bekasi",
        "11", "Jl. Mustikasari, Kel. Mustika Sari", 4_200_000_000, Funding.APBD_REGENCY,
        75, 61, 180, Cover.REJECTED, registered_ago=67, crew=9,
        rejection=(
            "Sertifikat kepesertaan tidak terbaca dan nomor proyek BPJS pada sertifikat tidak "
            "sama dengan nomor pada kuitansi. Unggah ulang sertifikat dan kuitansi yang sah."
        ),
    ),
    ProjectSeed(
        "bks-09", "bbp", "bks-perkim", 36, "Peningkatan Jalan Lingkungan Perumahan Wisma Asri",
        "03", "Perumahan Wisma Asri, Kel. Teluk Pucung", 320_000_000, Funding.APBD_REGENCY,
        130, 123, 150, Cover.RESUBMITTED, registered_ago=125, crew=6,
        rejection=(
            "Nilai kontrak yang didaftarkan (Rp320.000.000) masih termasuk PPN; iuran dihitung "
            "dari nilai sebelum PPN (Rp288.288.288). Perbaiki dan daftarkan ulang."
        ),
    ),
    ProjectSeed(
        "bks-10", "bbp", "bks-disdagperin", 3, "Rehabilitasi Pasar Kranji Baru", "02",
        "Jl. Sultan Agung, Kel. Kranji", 3_600_000_000, Funding.APBD_REGENCY,
        210, 196, 150, Cover.VERIFIED, crew=8, status=Status.FINISHED,
    ),
    ProjectSeed(
        "bks-11", "mkp", "bks-bmsda", 9, "Pemeliharaan Berkala Jalan Chairil Anwar", "01",
        "Jl. Chairil Anwar, Kel. Margahayu", 1_100_000_000, Funding.APBD_REGENCY,
        260, 250, 90, crew=5, status=Status.FINISHED,
    ),
    ProjectSeed(
        "bks-12", "wkn", "bbws-cilcis", 15, "Normalisasi Kali Bekasi Segmen Bekasi Utara", "03",
        "Bantaran Kali Bekasi, Kel. Perwira", 24_750_000_000, Funding.APBN,
        180, 166, 420, Cover.INSTALLMENTS, crew=16, planned_workforce=30,
    ),
    ProjectSeed(
        "bks-13", "bbp", "bks-bmsda", 47, "Pembangunan Rumah Pompa Perumahan Bumi Bekasi Baru",
        "05", "Perumahan Bumi Bekasi Baru, Kel. Bojong Rawalumbu", 2_900_000_000,
        Funding.APBD_REGENCY, 85, 75, 200, Cover.PARTIAL, crew=7,
        rehire_from="bks-10", rehired=4,
    ),
    ProjectSeed(
        "bks-14", "mkp", "bks-dinkes", 27, "Rehabilitasi Gedung Posyandu Kelurahan Jakasampurna",
        "02", "Jl. Jakasampurna, Kel. Jakasampurna", 95_000_000, Funding.APBD_REGENCY,
        12, 9, 60, Cover.SUBMITTED, registered_ago=10, crew=3,
    ),
    ProjectSeed(
        "bks-15", "bbp", "bks-bmsda", 58, "Pembangunan Saluran Drainase Jl. KH. Noer Ali", "04",
        "Jl. KH. Noer Ali, Kel. Pekayon Jaya", 1_850_000_000, Funding.APBD_REGENCY,
        3, -25, 150,
    ),
    ProjectSeed(
        "bks-16", "mkp", "bks-perkim", 41, "Pembangunan Gedung Serbaguna Kelurahan Mustikasari",
        "11", "Jl. Mustikasari Raya, Kel. Mustika Sari", 675_000_000, Funding.APBD_REGENCY,
        8, -1, 120,
    ),
    ProjectSeed(
        "bks-17", "wkn", "bks-gpp", 17, "Pembangunan Ruko Tiga Lantai Kawasan Niaga Patriot",
        "11", "Jl. Raya Mustikajaya, Kel. Mustika Jaya", 8_750_000_000, Funding.PRIVATE,
        70, 60, 300, Cover.UNPAID, registered_ago=50, crew=9, planned_workforce=12,
    ),
    ProjectSeed(
        "bks-18", "crk", "bks-bmsda", 45,
        "Jasa Konsultansi Pengawasan Peningkatan Jalan Raya Narogong", "07",
        "Jl. Raya Narogong, Kel. Bantargebang", 465_000_000, Funding.APBD_REGENCY,
        95, 88, 250, Cover.VERIFIED, crew=3,
    ),
    ProjectSeed(
        "bks-19", "bbk", "bks-dlh", 6, "Pembangunan Instalasi Pengolahan Air Lindi TPA Sumur Batu",
        "07", "Jl. Pangkalan V, Kel. Sumur Batu", 5_400_000_000, Funding.APBD_REGENCY,
        110, 100, 240, Cover.VERIFIED,
    ),
    ProjectSeed(
        "bks-20", "bbk", "bks-perkim", 39, "Rehabilitasi Gedung Kantor Kecamatan Medansatria",
        "06", "Jl. Pejuang Raya, Kel. Pejuang", 890_000_000, Funding.APBD_REGENCY,
        45, 38, 60, Cover.VERIFIED, crew=5,
        amendment=AmendmentSeed(30, extend_days=60),
    ),
    ProjectSeed(
        "bks-21", "atm", "bks-nurulhuda", 4, "Pembangunan Gedung Madrasah Yayasan Nurul Huda",
        "12", "Jl. Raya Jatiwaringin, Kel. Jatirahayu", 180_000_000, Funding.PRIVATE,
        30, 20, 90, crew=3,
    ),
    ProjectSeed(
        "bks-22", "mkp", "bks-bmsda", 55, "Pemeliharaan Rutin Saluran Drainase Kecamatan Pondokmelati",
        "12", "Jl. Raya Jatimakmur, Kel. Jatimelati", 240_000_000, Funding.APBD_REGENCY,
        20, 10, 120, crew=4,
    ),
    ProjectSeed(
        "bks-23", "bbp", "bks-rsud", 2, "Pembangunan Gedung Parkir RSUD dr. Chasbullah Abdulmadjid",
        "04", "Jl. Pramuka No. 55, Kel. Kayuringin Jaya", 9_200_000_000, Funding.APBD_REGENCY,
        240, 226, 365, Cover.VERIFIED, crew=8, status=Status.TERMINATED, ended_ago=20,
    ),
    # ----- Kabupaten Tanah Bumbu ----------------------------------------------------------------
    ProjectSeed(
        "tbu-01", "bbk", "tbu-pupr", 23, "Pembangunan Jembatan Desa Sungai Loban", "03",
        "Desa Sungai Loban", 3_950_000_000, Funding.APBD_REGENCY,
        140, 130, 240, Cover.VERIFIED, crew=9, planned_workforce=12,
    ),
    ProjectSeed(
        "tbu-02", "bbk", "tbu-pupr", 19, "Peningkatan Jalan Ruas Simpang Empat – Sarigadung", "06",
        "Desa Sarigadung", 7_350_000_000, Funding.APBD_REGENCY,
        160, 150, 210, Cover.VERIFIED, crew=11,
        amendment=AmendmentSeed(100, Decimal("1.12"), 60),
    ),
    ProjectSeed(
        "tbu-03", "bbk", "tbu-dishub", 5, "Pembangunan Dermaga Perahu Nelayan Desa Pagatan Besar",
        "02", "Desa Pagatan Besar", 2_200_000_000, Funding.APBD_REGENCY,
        55, 45, 180, crew=6,
    ),
    ProjectSeed(
        "tbu-04", "sbm", "tbu-disdik", 11, "Rehabilitasi Gedung SDN 2 Batulicin", "01",
        "Jl. Raya Batulicin, Kel. Batulicin", 780_000_000, Funding.DAK,
        100, 90, 150, Cover.VERIFIED, crew=5,
    ),
    ProjectSeed(
        "tbu-05", "sbm", "tbu-pupr", 31, "Pembangunan Saluran Irigasi Desa Karang Bintang", "07",
        "Desa Karang Bintang", 650_000_000, Funding.APBD_REGENCY,
        60, 50, 150,
    ),
    ProjectSeed(
        "tbu-06", "kja", "tbu-dinkes", 8, "Pembangunan Puskesmas Pembantu Desa Mantewe", "08",
        "Desa Mantewe", 1_450_000_000, Funding.DAK,
        35, 25, 180, Cover.SUBMITTED, registered_ago=4, crew=6,
    ),
    ProjectSeed(
        "tbu-07", "kja", "tbu-pupr", 44, "Pembangunan Jalan Usaha Tani Desa Sungai Dua", "06",
        "Desa Sungai Dua", 420_000_000, Funding.APBD_REGENCY,
        3, -20, 120,
    ),
    ProjectSeed(
        "tbu-08", "sbm", "tbu-pupr", 46, "Pembangunan Turap Sungai Kusan Kecamatan Kusan Hilir",
        "02", "Desa Pasar Baru", 1_200_000_000, Funding.APBD_REGENCY,
        9, -1, 150,
    ),
    ProjectSeed(
        "tbu-09", "gcb", "kalsel-pupr", 14, "Peningkatan Jalan Provinsi Ruas Batulicin – Sungai Danau",
        "04", "Ruas Batulicin – Sungai Danau, Desa Sungai Danau", 14_800_000_000,
        Funding.APBD_PROVINCE, 190, 176, 420, Cover.INSTALLMENTS, crew=15, planned_workforce=25,
    ),
    ProjectSeed(
        "tbu-10", "wkn", "bpjn-kalsel", 9, "Preservasi Jalan Nasional Ruas Batulicin – Pagatan",
        "02", "Ruas Batulicin – Pagatan", 21_600_000_000, Funding.APBN,
        170, 160, 400, Cover.VERIFIED, crew=14, planned_workforce=20,
    ),
    ProjectSeed(
        "tbu-11", "kja", "bpjn-kalsel", 10,
        "Pekerjaan Drainase dan Bahu Jalan Ruas Batulicin – Pagatan (Subkontrak)", "02",
        "Ruas Batulicin – Pagatan", 1_900_000_000, Funding.APBN,
        150, 143, 180, crew=6, parent="tbu-10",
    ),
    ProjectSeed(
        "tbu-12", "wkn", "tbu-pupr", 38, "Pembangunan Jembatan Gantung Desa Teluk Kepayang", "12",
        "Desa Teluk Kepayang", 1_750_000_000, Funding.APBD_REGENCY,
        65, 55, 180, crew=6,
    ),
    ProjectSeed(
        "tbu-13", "wkn", "tbu-rsud", 3,
        "Rehabilitasi Ruang Rawat Inap RSUD dr. H. Andi Abdurrahman Noor", "06",
        "Jl. Raya Provinsi Km. 164, Desa Sepunggur", 4_800_000_000, Funding.APBD_REGENCY,
        30, 20, 180, Cover.SUBMITTED, registered_ago=6, crew=7,
    ),
    ProjectSeed(
        "tbu-14", "bbk", "tbu-perikanan", 2, "Pembangunan Gedung Balai Benih Ikan Kusan Hulu", "05",
        "Desa Binawara", 980_000_000, Funding.APBD_REGENCY,
        300, 290, 150, Cover.VERIFIED, crew=6, status=Status.FINISHED,
    ),
    ProjectSeed(
        "tbu-15", "sbm", "tbu-perkim", 16, "Pembangunan Sarana Air Bersih Desa Angsana", "09",
        "Desa Angsana", 560_000_000, Funding.APBD_REGENCY,
        80, 70, 150, Cover.REJECTED, registered_ago=72, crew=4,
        rejection=(
            "Kuitansi iuran atas nama perusahaan lain dan nomor proyek BPJS tidak ditemukan di "
            "e-Jakon. Daftarkan proyek ini atas nama CV Sinar Batulicin Mandiri."
        ),
    ),
    ProjectSeed(
        "tbu-16", "bbk", "tbu-bal", 21, "Pembangunan Gudang dan Kantor Kebun Kelapa Sawit", "10",
        "Desa Kuranji", 3_100_000_000, Funding.PRIVATE,
        90, 80, 240, Cover.VERIFIED, crew=8, rehire_from="tbu-14", rehired=4,
    ),
    ProjectSeed(
        "tbu-17", "kja", "tbu-pupr", 12, "Pembangunan Drainase Kawasan Pasar Batulicin", "01",
        "Kawasan Pasar Batulicin, Kel. Batulicin", 185_000_000, Funding.APBD_REGENCY,
        400, 390, 90, crew=3, status=Status.FINISHED,
    ),
    ProjectSeed(
        "tbu-18", "gcb", "tbu-disdik", 25, "Pembangunan Ruang Kelas Baru SMP Negeri 1 Kuranji", "10",
        "Desa Giri Mulya", 1_380_000_000, Funding.DAK,
        70, 60, 150, Cover.UNPAID, registered_ago=55, crew=5,
    ),
    ProjectSeed(
        "tbu-19", "sbm", "tbu-perkim", 29, "Pemeliharaan Gedung Kantor Desa Sungai Loban", "03",
        "Desa Sungai Loban", 78_000_000, Funding.APBD_REGENCY,
        40, 35, 75, Cover.VERIFIED, crew=3,
    ),
)  # fmt: skip


# --- Workers ------------------------------------------------------------------------------------

NAMES = {
    BEKASI: {
        "men": (
            "Ahmad", "Budi", "Dedi", "Asep", "Ujang", "Agus", "Rudi", "Hendra", "Wahyu", "Iwan",
            "Dadang", "Yusuf", "Slamet", "Joko", "Eko", "Teguh", "Rahmat", "Saepul", "Irfan",
            "Firman", "Heri", "Sutrisno", "Mulyadi", "Cecep",
        ),
        "women": ("Siti", "Sri", "Dewi", "Nur", "Euis", "Yuli", "Neng", "Rina", "Lilis", "Ani"),
        "family": (
            "Santoso", "Hidayat", "Saputra", "Suryana", "Kurniawan", "Setiawan", "Nugroho",
            "Permana", "Gunawan", "Maulana", "Sopian", "Ramdani", "Hermawan", "Firmansyah",
            "Sudrajat", "Hasanah", "Rohmawati", "Wulandari",
        ),
    },
    TANBU: {
        "men": (
            "Muhammad", "Ahmad", "Rahmadi", "Syahrani", "Fahrurrazi", "Abdul", "Rusdi", "Zainal",
            "Norhadi", "Jumberi", "Hasanuddin", "Andi", "Arif", "Sugianto", "Supriadi",
            "Hamdani", "Gusti", "Basri", "Mardani", "Syamsul",
        ),
        "women": ("Siti", "Noor", "Rusmiati", "Fitri", "Masliana", "Nurul", "Hj. Aisyah", "Rina"),
        "family": (
            "Rahman", "Hidayat", "Noor", "Fauzi", "Saleh", "Ansyari", "Effendi", "Arsyad",
            "Mahmud", "Yusran", "Baso", "Sulaiman", "Wahyudi", "Rasyid", "Hairani", "Jannah",
        ),
    },
}  # fmt: skip

CREW_JOBS = (
    ("Mandor", Job.PKWT),
    ("Tukang Batu", Job.BORONGAN),
    ("Pekerja", Job.HARIAN_LEPAS),
    ("Tukang Besi", Job.BORONGAN),
    ("Pekerja", Job.HARIAN_LEPAS),
    ("Tukang Kayu", Job.BORONGAN),
    ("Operator Ekskavator", Job.PKWT),
    ("Pekerja", Job.HARIAN_LEPAS),
    ("Tukang Las", Job.BORONGAN),
    ("Petugas K3", Job.PKWT),
    ("Pekerja", Job.HARIAN_LEPAS),
    ("Sopir Dump Truck", Job.HARIAN_LEPAS),
)
CONSULTANT_JOBS = (
    ("Site Engineer", Job.PKWT),
    ("Inspektor Lapangan", Job.PKWT),
    ("Juru Ukur", Job.PKWT),
)


@dataclass(frozen=True)
class WorkerSeed:
    nik: str
    full_name: str
    birth_date: date
    sex: str


def demo_worker(regency: str, index: int) -> WorkerSeed:
    """The index-th worker of a region: a NIK issued in one of its kecamatan (domain.md §4.1:
    region, birth date DDMMYY with women's day + 40, serial), with a matching birth date and sex."""
    names = NAMES[regency]
    is_female = index % 8 == 3
    birth = date(1968 + (index * 7) % 37, (index * 5) % 12 + 1, (index * 11) % 28 + 1)
    district = regency.replace(".", "") + f"{(index * 5) % 12 + 1:02d}"
    day = birth.day + (40 if is_female else 0)
    nik = f"{district}{day:02d}{birth:%m%y}{index + 1:04d}"
    first = names["women" if is_female else "men"]
    family = names["family"]
    full_name = f"{first[index % len(first)]} {family[(index * 7 + index // 3) % len(family)]}"
    return WorkerSeed(nik, full_name, birth, "F" if is_female else "M")


def crew_plan(seeds=PROJECTS) -> dict[str, list[int]]:
    """Which workers (indexes per region) each project employs: fresh ones from a running count,
    after those rehired from an earlier project of the same contractor."""
    next_index: Counter[str] = Counter()
    plan: dict[str, list[int]] = {}
    for seed in seeds:
        crew = plan[seed.rehire_from][: seed.rehired] if seed.rehire_from else []
        while len(crew) < seed.crew:
            crew.append(next_index[seed.regency])
            next_index[seed.regency] += 1
        plan[seed.key] = crew
    return plan


# --- Builders -----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)
    users_created: list[str] = field(default_factory=list)


@dataclass
class _Context:
    today: date
    result: SeedResult
    regions: dict[str, Region]
    users: dict[str, User] = field(default_factory=dict)
    offices: dict[str, Office] = field(default_factory=dict)
    contractors: dict[str, Contractor] = field(default_factory=dict)
    work_units: dict[str, WorkUnit] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    password_hash: str = ""

    def at(self, day: date, hour: int = 9) -> datetime:
        """An aware instant on `day`, never later than now (the demo's past stays in the past)."""
        return min(timezone.make_aware(datetime.combine(day, time(hour))), timezone.now())

    def user(self, username: str) -> User | None:
        return self.users.get(username)


@transaction.atomic
def seed_demo(*, today: date) -> SeedResult:
    """Create whatever part of the demo is missing; a second run changes nothing."""
    codes = {"31", "32", "63", "63.71", BEKASI, TANBU}
    regions = {
        r.code: r
        for r in Region.objects.filter(
            Q(code__in=codes) | Q(parent__code__in=[BEKASI, TANBU])
        ).select_related("parent")
    }
    context = _Context(today=today, result=SeedResult(), regions=regions)
    for seed in OFFICES:
        context.offices[seed.key] = _office(context, seed)
    for seed in USERS:
        context.users[seed.username] = _user(context, seed)
    for seed in CONTRACTORS:
        context.contractors[seed.key] = _contractor(context, seed)
    for seed in USERS:
        if seed.contractor:
            _membership(context, seed)
    for seed in WORK_UNITS:
        context.work_units[seed.key] = _work_unit(context, seed)
    plan = crew_plan()
    created_ids = []
    # The services nudge the engine after every write; for a few hundred rows written at once
    # that would queue as many identical tasks, so the new projects are marked and the engine
    # nudged once at the end instead. (A command runs alone in its process: changing the
    # setting here affects nobody else.)
    with override_settings(PANTAU_NUDGE_ENGINE_ON_COMMIT=False):
        for index, seed in enumerate(PROJECTS):
            project, created = _project(context, seed, index)
            context.projects[seed.key] = project
            if created:
                _history(context, seed, index, project, plan[seed.key])
                created_ids.append(project.pk)
    if created_ids:
        mark_for_evaluation(created_ids)
    return context.result


def _count(context: _Context, label: str, created: bool) -> None:
    if created:
        context.result.created[label] += 1


def _office(context: _Context, seed: OfficeSeed) -> Office:
    office, created = Office.objects.get_or_create(
        region=context.regions[seed.region],
        kind=seed.kind,
        name=seed.name,
        defaults={
            "letterhead_government": seed.government,
            "letterhead_agency": seed.agency,
            "letter_city": seed.city,
            "address": seed.address,
            "phone": seed.phone,
            "email": f"{seed.key}@example.org",
            "head_name": seed.head_name,
            "head_title": seed.head_title,
            "head_nip": seed.head_nip,
        },
    )
    _count(context, "offices", created)
    return office


def _user(context: _Context, seed: UserSeed) -> User:
    user = User.objects.filter(username=seed.username).first()
    if user is not None:
        return user
    office = context.offices[seed.office] if seed.office else None
    fields = {
        "email": f"{seed.username}@example.org",
        "first_name": seed.first_name,
        "last_name": seed.last_name,
        "office": office,
        "office_role": seed.role,
    }
    # Hashed once for all users: the password is public anyway, and each hash costs ~0.3 s.
    context.password_hash = context.password_hash or make_password(DEMO_PASSWORD)
    user = User(
        username=seed.username,
        password=context.password_hash,
        is_staff=seed.is_superuser,
        is_superuser=seed.is_superuser,
        **fields,
    )
    user.full_clean()
    user.save()
    context.result.users_created.append(seed.username)
    return user


def _membership(context: _Context, seed: UserSeed) -> None:
    """The contractor user is its company's admin (a user of an office never gets one)."""
    user = context.users[seed.username]
    if user.office_id or ContractorMembership.objects.filter(user=user).exists():
        return
    ContractorMembership.objects.create(
        user=user, contractor=context.contractors[seed.contractor], is_company_admin=True
    )
    _count(context, "memberships", True)


def _contractor(context: _Context, seed: ContractorSeed) -> Contractor:
    contractor = Contractor.objects.filter(npwp=seed.npwp).first()
    if contractor is not None:
        return contractor
    regency = context.regions[seed.regency]
    contractor = Contractor(
        legal_name=seed.legal_name,
        npwp=seed.npwp,
        nib=seed.nib,
        npp=seed.npp,
        qualification=seed.qualification,
        address=seed.address,
        province=regency.parent,
        regency=regency,
        contact_name=seed.contact_name,
        email=f"{seed.key}@example.org",
        phone=seed.phone,
        source=seed.source,
    )
    if seed.source != Contractor.Source.PROCUREMENT:  # an imported one waits for confirmation
        contractor.confirmed_at = context.at(context.today - timedelta(days=400))
        contractor.confirmed_by = context.user(VERIFIER.get(seed.regency, ""))
    contractor.full_clean()
    contractor.save()
    _count(context, "contractors", True)
    return contractor


def _work_unit(context: _Context, seed: WorkUnitSeed) -> WorkUnit:
    province = context.regions[seed.province]
    regency = context.regions[seed.regency] if seed.regency else None
    # Government owners are known by KLPD + satker code (the procurement import's key);
    # private owners have none, so by name and place.
    lookup = (
        {"klpd_code": seed.klpd_code, "satker_code": seed.satker_code}
        if seed.satker_code
        else {"name": seed.name, "province": province, "regency": regency, "satker_code": ""}
    )
    work_unit, created = WorkUnit.objects.get_or_create(
        **lookup,
        defaults={
            "name": seed.name,
            "klpd_code": seed.klpd_code,
            "province": province,
            "regency": regency,
            "ppk_name": seed.ppk_name,
            "ppk_email": f"ppk.{seed.key}@example.org",
        },
    )
    _count(context, "work units", created)
    return work_unit


def _weekday_on_or_before(day: date) -> date:
    return day - timedelta(days=max(day.weekday() - 4, 0))


def _weekday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() > 4 else 0)


def spk_number(seed: ProjectSeed) -> str:
    """Date-free, so the natural key (owner, SPK number) is the same whatever day the demo runs."""
    work_unit = next(w for w in WORK_UNITS if w.key == seed.work_unit)
    kind = "SUBKON" if seed.parent else "SPK"
    # Pemda letters open with an archive classification code; 602.1 is common on construction
    # SPKs (illustrative, like the other codes here).
    prefix = "602.1/" if work_unit.satker_code else ""
    return f"{prefix}{seed.spk_no:03d}/{kind}/{work_unit.spk_code}"


def project_dates(seed: ProjectSeed, today: date) -> dict:
    """SPK on a weekday, start (SPMK) on a weekday not before it, status from the dates."""
    spk_date = _weekday_on_or_before(today - timedelta(days=seed.spk_ago))
    start_date = max(_weekday_on_or_after(today - timedelta(days=seed.start_ago)), spk_date)
    end_date = start_date + timedelta(days=seed.duration)
    status = seed.status or (Status.RUNNING if start_date <= today else Status.PLANNED)
    return {
        "spk_date": spk_date,
        "start_date": start_date,
        "end_date": end_date,
        "status": status,
        "bast_date": end_date - timedelta(days=3) if status == Status.FINISHED else None,
    }


def _procurement_codes(seed: ProjectSeed, index: int) -> dict:
    """Kode RUP for public packages; a kode tender only from Rp200 jt (below it, pengadaan
    langsung without a tender)."""
    if seed.funding == Funding.PRIVATE:
        return {"kode_rup": "", "kode_tender": None}
    digits = seed.regency[:2]
    tendered = seed.value >= 200_000_000
    return {
        "kode_rup": f"5{digits}{index + 1:05d}",
        "kode_tender": f"1{digits}{index + 1:04d}015" if tendered else None,
    }


def _entered_by(context: _Context, seed: ProjectSeed) -> tuple[str, User | None]:
    """The two demo companies enter their own projects; the procurement import brought one
    contractor's; the office entered the rest."""
    if seed.contractor in CONTRACTOR_USERS:
        return Project.Source.CONTRACTOR, context.user(CONTRACTOR_USERS[seed.contractor])
    if seed.contractor == "gcb":
        return Project.Source.PROCUREMENT, None
    return Project.Source.OFFICE, context.user(VERIFIER[seed.regency])


def _project(context: _Context, seed: ProjectSeed, index: int) -> tuple[Project, bool]:
    work_unit = context.work_units[seed.work_unit]
    number = spk_number(seed)
    existing = Project.objects.filter(work_unit=work_unit, spk_number=number).first()
    if existing is not None:
        return existing, False
    regency = context.regions[seed.regency]
    district = context.regions[f"{seed.regency}.{seed.district}"]
    source, creator = _entered_by(context, seed)
    project = Project(
        contractor=context.contractors[seed.contractor],
        work_unit=work_unit,
        parent=context.projects[seed.parent] if seed.parent else None,
        name=seed.name,
        spk_number=number,
        contract_value=Decimal(seed.value),
        includes_ppn=seed.includes_ppn,
        funding_source=seed.funding,
        province=regency.parent,
        regency=regency,
        district=district,
        address=f"{seed.street}, Kec. {district.name}, {regency.name}",
        planned_workforce=seed.planned_workforce,
        source=source,
        **project_dates(seed, context.today),
        **_procurement_codes(seed, index),
    )
    save_project(project=project, user=creator)
    _count(context, "projects", True)
    return project, True


def _history(context, seed: ProjectSeed, index: int, project: Project, crew: list[int]) -> None:
    """What happened to a new project: registration and payments, addendum, workers."""
    registration = _register(context, seed, index, project)
    if seed.amendment:
        _amend(context, seed, index, project, registration)
    _enroll(context, seed, project, crew)


def _register(context, seed: ProjectSeed, index: int, project: Project) -> Registration | None:
    if seed.cover == Cover.NONE:
        return None
    today = context.today
    registered_ago = seed.spk_ago - 5 if seed.registered_ago is None else seed.registered_ago
    registered_on = max(today - timedelta(days=registered_ago), project.spk_date)
    number = f"{registered_on:%y}000{seed.regency[:2]}{index + 1:06d}"
    if seed.cover in (Cover.REJECTED, Cover.RESUBMITTED):
        _registration(
            context,
            seed,
            project,
            number,
            registered_on,
            status=Registration.Status.REJECTED,
            decided_on=registered_on + timedelta(days=4),
            rejection_reason=seed.rejection,
        )
        if seed.cover == Cover.REJECTED:
            return None
        # Corrected and submitted again ten days later, under a new number, and paid.
        registered_on += timedelta(days=10)
        number = f"{registered_on:%y}000{seed.regency[:2]}{index + 501:06d}"
    verified = seed.cover in (Cover.VERIFIED, Cover.INSTALLMENTS, Cover.PARTIAL)
    registration = _registration(
        context,
        seed,
        project,
        number,
        registered_on,
        status=Registration.Status.VERIFIED if verified else Registration.Status.SUBMITTED,
        decided_on=registered_on + timedelta(days=3) if verified else None,
    )
    due = registration.contribution_assessed
    if seed.cover in (Cover.VERIFIED, Cover.SUBMITTED, Cover.RESUBMITTED):
        _pay(context, registration, due, registered_on, Payment.Kind.FULL, index, 1)
    elif seed.cover == Cover.INSTALLMENTS:
        # Three termins, 45 days apart (Perdir 22/2022: covered from the first one).
        part = (due / 3).quantize(Decimal("1"))
        for number_, amount in enumerate((part, part, due - 2 * part), start=1):
            paid_on = registered_on + timedelta(days=45 * (number_ - 1))
            _pay(context, registration, amount, paid_on, Payment.Kind.INSTALLMENT, index, number_)
    elif seed.cover == Cover.PARTIAL:
        half = (due / 2).quantize(Decimal("1"))
        _pay(context, registration, half, registered_on, Payment.Kind.INSTALLMENT, index, 1)
    return registration


def _registration(
    context, seed, project, number, registered_on, *, status, decided_on=None, rejection_reason=""
):
    """Written directly, not through compliance.services: the demo records decisions taken in
    the past (verified_at, created_at), which the services stamp with the current time."""
    tariff = Tariff.objects.in_force_on(project.spk_date)
    contractor_user = CONTRACTOR_USERS.get(seed.contractor)
    registration = Registration(
        project=project,
        bpjs_project_number=number,
        registered_on=registered_on,
        coverage_start=project.start_date,
        coverage_end=project.current_end_date,
        tariff=tariff,
        assessed_base_value=project.current_base_value,
        contribution_assessed=tariff.contribution_for_value(project.current_base_value).total,
        status=status,
        rejection_reason=rejection_reason,
        verified_by=context.user(VERIFIER[project.regency.code]) if decided_on else None,
        verified_at=context.at(decided_on, 10) if decided_on else None,
        submitted_by=context.user(contractor_user) if contractor_user else None,
    )
    registration.full_clean()
    registration.save()
    # The unverified rule measures the wait from created_at: the day it was recorded.
    Registration.objects.filter(pk=registration.pk).update(created_at=context.at(registered_on))
    _count(context, "registrations", True)
    return registration


def _pay(context, registration, amount, paid_on, kind, index, sequence) -> Payment:
    paid_on = min(paid_on, context.today)
    payment = Payment(
        registration=registration,
        kind=kind,
        amount=amount,
        paid_on=paid_on,
        receipt_number=f"{paid_on:%y%m}{registration.project.regency.code[:2]}{index + 1:04d}"
        f"{sequence:05d}",
        recorded_by=registration.submitted_by,
    )
    payment.full_clean()
    payment.save()
    Payment.objects.filter(pk=payment.pk).update(created_at=context.at(paid_on, 11))
    _count(context, "payments", True)
    return payment


def _amend(context, seed: ProjectSeed, index: int, project: Project, registration) -> None:
    """An addendum (domain.md §3.5). Extra paid: BPJS assessed f(new) - f(old) and extended the
    coverage. Not paid: the project shows as underpaid and/or with a coverage gap."""
    amendment = seed.amendment
    old_value = project.current_base_value
    record_amendment(
        project=project,
        signed_on=min(project.start_date + timedelta(days=amendment.after_start), context.today),
        document_number=f"ADD.01/{project.spk_number}",
        new_contract_value=(
            (Decimal(seed.value) * amendment.value_factor).quantize(Decimal("1000"))
            if amendment.value_factor
            else None
        ),
        new_end_date=(
            project.current_end_date + timedelta(days=amendment.extend_days)
            if amendment.extend_days
            else None
        ),
    )
    project.refresh_from_db()
    _count(context, "amendments", True)
    if amendment.extra_paid and registration is not None:
        tariff = registration.tariff
        extra = (
            tariff.contribution_for_value(project.current_base_value).total
            - tariff.contribution_for_value(old_value).total
        )
        paid_on = project.start_date + timedelta(days=amendment.after_start + 7)
        _pay(context, registration, extra, paid_on, Payment.Kind.ADDENDUM, index, 9)
        registration.coverage_end = project.current_end_date
        registration.save(update_fields=["coverage_end", "updated_at"])


def _enroll(context, seed: ProjectSeed, project: Project, crew: list[int]) -> None:
    """The project's crew. Each new worker is validated as workers.services.enroll_worker does
    (Worker.clean(): the NIK agrees with the birth date and sex) and a worker already known by
    NIK is reused unchanged, but the rows are written in bulk with their history: a few hundred
    service calls would take seconds. A finished or terminated project's workers have left."""
    if not crew or project.start_date > context.today:
        return
    people = [demo_worker(seed.regency, index) for index in crew]
    workers = {w.nik: w for w in Worker.objects.filter(nik__in=[p.nik for p in people])}
    new = [Worker(**vars(p)) for p in people if p.nik not in workers]
    for worker in new:
        worker.clean()
    creator = context.user(CONTRACTOR_USERS.get(seed.contractor, ""))
    for worker in bulk_create_with_history(new, Worker, default_user=creator):
        workers[worker.nik] = worker
    enrollments = [
        _enrollment(context, seed, project, position, workers[person.nik], creator)
        for position, person in enumerate(people)
    ]
    bulk_create_with_history(enrollments, Enrollment, default_user=creator)
    context.result.created["workers"] += len(new)
    context.result.created["enrollments"] += len(enrollments)


def _enrollment(context, seed, project, position: int, worker: Worker, creator) -> Enrollment:
    contractor = context.contractors[seed.contractor]
    jobs = CONSULTANT_JOBS if contractor.qualification == Qual.CONSULTANT else CREW_JOBS
    job_title, employment_type = jobs[position % len(jobs)]
    if worker.sex == Worker.Sex.FEMALE and job_title not in ("Pekerja", "Petugas K3", "Juru Ukur"):
        job_title, employment_type = "Administrasi Lapangan", Job.PKWT
    started_on = min(project.start_date + timedelta(days=position % 4 * 3), context.today)
    ended_on = {
        Status.FINISHED: project.bast_date,
        Status.TERMINATED: context.today - timedelta(days=seed.ended_ago),
    }.get(project.status)
    return Enrollment(
        project=project,
        worker=worker,
        job_title=job_title,
        employment_type=employment_type,
        started_on=started_on,
        planned_end_on=project.current_end_date,
        ended_on=max(ended_on, started_on) if ended_on else None,
        created_by=creator,
    )
