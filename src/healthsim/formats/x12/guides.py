"""The structure of the 5010 transactions pyx12 cannot check, from their implementation
guides: 270/271 eligibility (005010X279A1), 276/277 claim status (005010X212) and 278
services review (005010X217).

Each guide is a tree of HL levels (information source 20, receiver 21, service
provider 19, subscriber 22, patient event EV, service SS), and each level an
ordered list of segments and loops with their usage (R required, S situational),
maximum use, the elements the guide requires, the code lists they take and the
elements it marks not used. Segments that share an id (NM1, REF, DTP) are told
apart by their qualifier (first element), as the guides do. These tables were
written from the guides' loop and segment tables (cross-checked against the
element usage in pyx12's 277.5010.X212.xml and the loop models of the
LinuxForHealth x12 library) and are independent of the writers in x270.py,
x276.py and x278.py; checker.py walks a file against them.

Element specs: a tuple of allowed codes, or one of ANY (required, any value),
DATE (CCYYMMDD), TIME (HHMM[SS]), AMOUNT (decimal), DATE_OR_RANGE (CCYYMMDD or
CCYYMMDD-CCYYMMDD), or COMPONENT(codes): a composite whose first component is one
of the codes. Elements not listed are optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANY, DATE, TIME, AMOUNT, DATE_OR_RANGE = "any", "date", "time", "amount", "date-or-range"


@dataclass(frozen=True)
class Component:
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Seg:
    id: str
    usage: str = "R"
    max: int = 1
    elements: dict = field(default_factory=dict)
    unused: tuple[int, ...] = ()
    key: int | None = 1  # element whose codes identify this segment among others with the same id
    optional: tuple[int, ...] = ()  # listed elements checked only when present (situational)

    @property
    def first(self) -> Seg:
        return self


@dataclass(frozen=True)
class Loop:
    name: str
    items: tuple
    usage: str = "S"
    max: int = 99999

    @property
    def first(self) -> Seg:
        return self.items[0].first


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    parent: str | None
    items: tuple


@dataclass(frozen=True)
class Guide:
    set_id: str
    version: str
    functional_code: str
    bht: Seg
    levels: dict[str, Level]
    leaf: str  # the level every transaction must reach (the subscriber, or the service)


def codes(text: str) -> tuple[str, ...]:
    """A code list written as one space-separated string."""
    return tuple(text.split())


def _levels(*levels: Level) -> dict[str, Level]:
    return {lv.code: lv for lv in levels}


ENTITY_ID = ("24", "34", "46", "FI", "II", "MI", "NI", "PI", "PP", "SV", "XV", "XX")
# X12 code list 1365 (service type codes) as used by 270/271 and 278
SERVICE_TYPES = codes(
      "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 30 32 33 34 35 36 37 "
      "38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 "
      "70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 A0 A1 "
      "A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC AD AE AF AG AH AI AJ AK AL AM AN AO AQ AR B1 B2 B3 BA BB BC BD "
      "BE BF BG BH BI BJ BK BL BM BN BP BQ BR BS BT BU BV BW BX BY BZ C1 CA CB CC CD CE CF CG CH CI CJ "
      "CK CL CM CN CO CP CQ DG DM DS GF GN GY IC MH NI ON PT PU RN RT TC TN UC")
HL = {1: ANY, 3: ANY, 4: ("0", "1")}


def nm1(qualifiers: tuple[str, ...], id_codes=ENTITY_ID, usage="R", max_use=1, person=("1", "2")) -> Seg:
    return Seg("NM1", usage, max_use, {1: qualifiers, 2: person, 8: id_codes, 9: ANY})


def ref(qualifiers: tuple[str, ...] | None = None, usage="S", max_use=9) -> Seg:
    return Seg("REF", usage, max_use, {1: qualifiers or ANY, 2: ANY}, key=1 if qualifiers else None)


N3 = Seg("N3", "S", 1, {1: ANY}, key=None)
N4 = Seg("N4", "S", 1, {1: ANY}, key=None)
PRV = Seg("PRV", "S", 1, {1: ANY, 2: ("PXC",), 3: ANY}, key=None)
PER = Seg("PER", "S", 3, {1: ("IC",)})
DMG = Seg("DMG", "S", 1, {1: ("D8",), 2: DATE}, key=None)
AAA = Seg("AAA", "S", 9, {1: ("N", "Y")}, key=None)
INS = Seg("INS", "S", 1, {1: ("Y", "N")}, key=None)
HI_ANY = Seg("HI", "S", 1, {1: ANY}, key=None)
MSG = Seg("MSG", "S", 10, {1: ANY}, key=None)

# --- 270/271 eligibility (005010X279A1) ------------------------------------------------------
EB01 = codes("1 2 3 4 5 6 7 8 A B C CB D E F G H I J K L M MC N O P Q R S T U V W X Y")
EB02 = ("CHD", "DEP", "ECH", "EMP", "ESP", "FAM", "IND", "SPC", "SPO")
TIME_PERIODS = codes("6 7 13 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36")
DTP_271 = codes(
      "096 102 152 193 194 198 290 291 292 295 304 307 318 340 341 342 343 346 347 356 357 382 435 442 "
      "458 472 539 540 636 771")

G270 = Guide("270", "005010X279A1", "HS", Seg("BHT", "R", 1, {1: ("0022",), 2: ("13",), 3: ANY, 4: DATE, 5: TIME}),
             _levels(
                 Level("20", "2000A information source", None, (nm1(("2B", "36", "GP", "P5", "PR")),)),
                 Level("21", "2000B information receiver", "20", (
                     nm1(("1P", "2B", "36", "80", "FA", "GP", "P5", "PR")), ref(), N3, N4, PRV)),
                 Level("22", "2000C subscriber", "21", (
                     Seg("TRN", "S", 2, {1: ("1",), 2: ANY, 3: ANY}), nm1(("IL",), ("II", "MI"), person=("1",)),
                     ref(), N3, N4, PRV, DMG, INS, HI_ANY,
                     Seg("DTP", "S", 1, {1: ("291", "307", "435", "472", "636", "739"), 2: ("D8", "RD8"),
                                         3: DATE_OR_RANGE}),
                     Loop("2110C eligibility inquiry", (
                         Seg("EQ", "R", 1, {1: SERVICE_TYPES}), Seg("AMT", "S", 2, {1: ("R", "PB")}),
                         Seg("III", "S", 1, {1: ANY}, key=None), ref(("9F", "G1")),
                         Seg("DTP", "S", 1, {1: ("291",), 2: ("D8", "RD8"), 3: DATE_OR_RANGE})), "R", 99))),
             ), leaf="22")

G271 = Guide("271", "005010X279A1", "HB", Seg("BHT", "R", 1, {1: ("0022",), 2: ("06", "11"), 3: ANY, 4: DATE,
                                                              5: TIME}),
             _levels(
                 Level("20", "2000A information source", None, (
                     AAA, nm1(("2B", "36", "GP", "P5", "PR")), PER, AAA)),
                 Level("21", "2000B information receiver", "20", (
                     nm1(("1P", "2B", "36", "80", "FA", "GP", "P5", "PR")), ref(), AAA, PRV)),
                 Level("22", "2000C subscriber", "21", (
                     Seg("TRN", "S", 3, {1: ("1", "2"), 2: ANY, 3: ANY}),
                     nm1(("IL",), ("II", "MI"), person=("1",)), ref(), N3, N4, AAA, PRV, DMG, INS, HI_ANY,
                     Seg("DTP", "S", 9, {1: DTP_271, 2: ("D8", "RD8"), 3: DATE_OR_RANGE}),
                     Seg("MPI", "S", 1, {1: ANY}, key=None),
                     Loop("2110C eligibility or benefit", (
                         Seg("EB", "R", 1, {1: EB01, 2: EB02, 3: SERVICE_TYPES, 6: TIME_PERIODS, 7: AMOUNT,
                                            8: AMOUNT}, key=None, optional=(2, 3, 6, 7, 8)),
                         Seg("HSD", "S", 9, {1: ANY}, key=None), ref(), Seg("DTP", "S", 20, {1: DTP_271}),
                         AAA, MSG), "S", 99999))),
             ), leaf="22")

# --- 276/277 claim status (005010X212) ---------------------------------------------------------
STC_CATEGORIES = codes(
      "A0 A1 A2 A3 A4 A5 A6 A7 A8 D0 E0 E1 E2 E3 E4 F0 F1 F2 F3 F3F F3N F4 P0 P1 P2 P3 P4 P5 R0 R1 R3 "
      "R4 R5 R6 R7 R8 R9 R10 R11 R12 R13 R14 R15 R16 R17")
CLAIM_REFS = (ref(("1K",), max_use=1), ref(("BLT",), max_use=1), ref(("EJ",), max_use=1), ref(("XZ",), max_use=1),
              ref(("VV",), max_use=1), ref(("D9",), max_use=1))
DTP_SERVICE = Seg("DTP", "S", 1, {1: ("472",), 2: ("D8", "RD8"), 3: DATE_OR_RANGE})
SOURCE_NM1 = nm1(("PR",), ("PI", "XV"), person=("2",))
RECEIVER_NM1 = nm1(("41",), ("46",))
PROVIDER_NM1 = nm1(("1P",), ("FI", "SV", "XX"))
SUBSCRIBER_NM1 = nm1(("IL",), ("24", "II", "MI"))

G276 = Guide("276", "005010X212", "HR", Seg("BHT", "R", 1, {1: ("0010",), 2: ("13",), 3: ANY, 4: DATE, 5: TIME},
                                             unused=(6,)),
             _levels(
                 Level("20", "2000A information source", None, (SOURCE_NM1,)),
                 Level("21", "2000B information receiver", "20", (RECEIVER_NM1,)),
                 Level("19", "2000C service provider", "21", (PROVIDER_NM1,)),
                 Level("22", "2000D subscriber", "19", (
                     DMG, SUBSCRIBER_NM1,
                     Loop("2200D claim status tracking", (
                         Seg("TRN", "R", 1, {1: ("1",), 2: ANY}, unused=(3, 4)), *CLAIM_REFS,
                         Seg("AMT", "S", 1, {1: ("T3",), 2: AMOUNT}), DTP_SERVICE), "S"))),
             ), leaf="22")

STC = Seg("STC", "R", 99, {1: Component(STC_CATEGORIES), 2: DATE}, unused=(3, 7, 12), key=None)
G277 = Guide("277", "005010X212", "HN", Seg("BHT", "R", 1, {1: ("0010",), 2: ("08",), 3: ANY, 4: DATE, 5: TIME,
                                                            6: ("DG",)}),
             _levels(
                 Level("20", "2000A information source", None, (SOURCE_NM1, PER)),
                 Level("21", "2000B information receiver", "20", (
                     RECEIVER_NM1, Loop("2200B receiver trace", (Seg("TRN", "R", 1, {1: ("2",), 2: ANY}), STC),
                                        "S", 1))),
                 Level("19", "2000C service provider", "21", (
                     PROVIDER_NM1, Loop("2200C provider trace", (Seg("TRN", "R", 1, {1: ("1",), 2: ANY}), STC),
                                        "S", 1))),
                 Level("22", "2000D subscriber", "19", (
                     SUBSCRIBER_NM1,
                     Loop("2200D claim status tracking", (
                         Seg("TRN", "R", 1, {1: ("2",), 2: ANY}, unused=(3, 4)), STC, *CLAIM_REFS, DTP_SERVICE),
                         "S"))),
             ), leaf="22")

# --- 278 services review (005010X217) -----------------------------------------------------------
UM01 = ("AR", "HS", "SC", "IN")
UM02 = ("1", "2", "3", "4", "I", "N", "R", "S")
HCR01 = ("A1", "A2", "A3", "A4", "A6", "C", "CT", "D", "IP", "NA")
EVENT_DTP = Seg("DTP", "S", 3, {1: ("AAH", "435", "096", "439", "ABC", "484"), 2: ("D8", "RD8"), 3: DATE_OR_RANGE})
HI_278 = Seg("HI", "S", 1, {1: Component(("ABK", "ABF", "ABJ", "ABN", "BK", "BF", "BJ", "BN", "BR", "BQ", "BO",
                                          "ABR", "ABQ", "DR"))}, key=None)
SV1 = Seg("SV1", "S", 1, {1: Component(("HC", "IV", "N4", "ZZ"))}, key=None)
SV2 = Seg("SV2", "S", 1, {1: ANY}, key=None)
UMO_NM1 = nm1(("X3",), ("24", "46", "FI", "NI", "PI", "XV", "XX"))
REQUESTER_NM1 = nm1(("1P", "FA"), ("24", "34", "46", "XX"))
MEMBER_NM1 = nm1(("IL",), ("MI",), person=("1",))
EVENT_PROVIDER = Loop("2010EA patient event provider", (
    nm1(("71", "72", "73", "77", "AAJ", "DD", "DK", "DN", "FA", "G3", "P3", "QB", "QV", "SJ"), ENTITY_ID),
    N3, N4, PER, PRV), "S", 12)

G278_REQUEST = Guide(
    "278", "005010X217", "HI", Seg("BHT", "R", 1, {1: ("0007",), 2: ("13",), 3: ANY, 4: DATE, 5: TIME}),
    _levels(
        Level("20", "2000A utilization management organization", None, (UMO_NM1,)),
        Level("21", "2000B requester", "20", (REQUESTER_NM1, ref(), N3, N4, PER, PRV)),
        Level("22", "2000C subscriber", "21", (MEMBER_NM1, ref(), N3, N4, DMG, INS)),
        Level("EV", "2000E patient event", "22", (
            Seg("TRN", "S", 2, {1: ("1",), 2: ANY, 3: ANY}),
            Seg("UM", "R", 1, {1: UM01, 2: UM02}), ref(), EVENT_DTP, HI_278,
            Seg("CL1", "S", 1, {1: ANY}, key=None), MSG, EVENT_PROVIDER)),
        Level("SS", "2000F service", "EV", (
            Seg("TRN", "S", 2, {1: ("1",), 2: ANY}), Seg("UM", "R", 1, {1: ("HS", "SC"), 2: UM02}), ref(),
            Seg("DTP", "S", 1, {1: ("472",), 2: ("D8", "RD8"), 3: DATE_OR_RANGE}), SV1, SV2, MSG)),
    ), leaf="EV")

G278_RESPONSE = Guide(
    "278", "005010X217", "HI", Seg("BHT", "R", 1, {1: ("0007",), 2: ("11",), 3: ANY, 4: DATE, 5: TIME}),
    _levels(
        Level("20", "2000A utilization management organization", None, (AAA, UMO_NM1, PER, AAA)),
        Level("21", "2000B requester", "20", (REQUESTER_NM1, ref(), AAA, PRV)),
        Level("22", "2000C subscriber", "21", (MEMBER_NM1, ref(), AAA, DMG, INS)),
        Level("EV", "2000E patient event", "22", (
            Seg("TRN", "S", 3, {1: ("1", "2"), 2: ANY, 3: ANY}), AAA,
            Seg("UM", "R", 1, {1: UM01, 2: UM02}), Seg("HCR", "R", 1, {1: HCR01}), ref(), EVENT_DTP, HI_278,
            MSG, EVENT_PROVIDER)),
        Level("SS", "2000F service", "EV", (
            Seg("TRN", "S", 3, {1: ("1", "2"), 2: ANY}), AAA, Seg("UM", "R", 1, {1: ("HS", "SC"), 2: UM02}),
            Seg("HCR", "R", 1, {1: HCR01}), ref(),
            Seg("DTP", "S", 1, {1: ("472",), 2: ("D8", "RD8"), 3: DATE_OR_RANGE}), SV1, SV2, MSG)),
    ), leaf="EV")

GUIDES = {("270", "13"): G270, ("271", "11"): G271, ("271", "06"): G271, ("276", "13"): G276,
          ("277", "08"): G277, ("278", "13"): G278_REQUEST, ("278", "11"): G278_RESPONSE}
