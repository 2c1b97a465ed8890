"""The alarm normalisation table (names.yaml) and its lookup rules."""

from __future__ import annotations

from typing import Any

import pytest

from diag.collectors.alarms import normalize, probable_cause_code, probable_cause_name, table
from diag.collectors.alarms.normalize import build_table, event_type_code, name_key
from diag.model.observations import AlarmDirection, Severity

# name -> (type, layer, direction, probable cause): the names the brief and the E1 procedure use.
EXPECTED = {
    "E1_AIS": ("AIS", "E1", "none", "aIS"),
    "UP_E1_AIS": ("AIS", "E1", "up", "aIS"),
    "DOWN_E1_AIS": ("AIS", "E1", "down", "aIS"),
    "T_ALOS": ("LOS", "E1", "none", "lossOfSignal"),
    "T_LOS": ("LOS", "E1", "none", "lossOfSignal"),
    "E1_LOS": ("LOS", "E1", "none", "lossOfSignal"),
    "R_LOS": ("LOS", "RS", "receive", "lossOfSignal"),
    "R_LOF": ("LOF", "RS", "receive", "lossOfFrame"),
    "MS_AIS": ("AIS", "MS", "none", "aIS"),
    "MS_RDI": ("RDI", "MS", "none", "farEndReceiverFailure"),
    "HP_RDI": ("RDI", "VC4", "none", "farEndReceiverFailure"),
    "LP_RDI": ("RDI", "VC12", "none", "farEndReceiverFailure"),
    "TU_AIS": ("AIS", "VC12", "none", "aIS"),
    "TU_LOP": ("LOP", "VC12", "none", "lossOfPointer"),
    "AU_AIS": ("AIS", "VC4", "none", "aIS"),
    "POWER_FAIL": ("POWER_FAIL", "EQUIPMENT", "none", "powerProblem"),
    "BD_STATUS": ("BOARD_FAULT", "EQUIPMENT", "none", "replaceableUnitMissing"),
    "RAI": ("RAI", "E1", "none", "remoteAlarmInterface"),
    "E1_RAI": ("RAI", "E1", "none", "remoteAlarmInterface"),
    "LOMF": ("LOMF", "E1", "none", "lossOfMultiFrame"),
    "B2_EXC": ("EXC", "MS", "none", "excessiveBER"),
    "B3_EXC": ("EXC", "VC4", "none", "excessiveBER"),
    "B2_SD": ("DEG", "MS", "none", "degradedSignal"),
    "IN_PWR_HIGH": ("OPTICAL_POWER_HIGH", "OPTICAL", "receive", "thresholdCrossed"),
    "IN_PWR_LOW": ("OPTICAL_POWER_LOW", "OPTICAL", "receive", "thresholdCrossed"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_required_names_are_in_the_table(name: str) -> None:
    got = normalize(name)
    assert got.known and got.table_name == name and got.vendor_name == name
    assert (got.type, got.layer, got.direction.value, got.probable_cause) == EXPECTED[name]


@pytest.mark.parametrize(
    ("spelling", "entry"),
    [
        ("up_e1_ais", "UP_E1_AIS"),
        ("Up-E1-Ais", "UP_E1_AIS"),
        ("UP E1 AIS", "UP_E1_AIS"),
        ("  UP__E1 - AIS  ", "UP_E1_AIS"),
        ("TU-AIS", "TU_AIS"),  # ZTE
        ("E1 AIS", "E1_AIS"),  # ZTE
        ("LOS", "LOS"),  # ZTE, layer decided by the port
        ("ms-rdi", "MS_RDI"),
        ("r los", "R_LOS"),
        ("aIS", "AIS"),  # ITU probable cause names as alarm names
        ("lossOfSignal", "LOS"),
        ("lossOfFrame", "LOF"),
        ("remoteAlarmInterface", "RAI"),
        ("lossofmultiframe", "LOMF"),
        ("掉电告警", "POWER_FAIL"),  # the procedure's "power-failure alarm"
    ],
)
def test_lookup_tolerates_case_and_separators(spelling: str, entry: str) -> None:
    got = normalize(spelling)
    assert got.known and got.table_name == entry
    assert got.vendor_name == spelling  # the vendor's words are kept as given


def test_zte_and_generic_los_have_no_layer_of_their_own() -> None:
    assert normalize("LOS").layer == "UNSPECIFIED"
    assert normalize("lossOfSignal").type == "LOS"


def test_unknown_name_is_kept_as_unknown() -> None:
    got = normalize("HW_SOMETHING_NEW")
    assert got.type == "UNKNOWN" and got.known is False
    assert got.vendor_name == "HW_SOMETHING_NEW"
    assert got.direction is AlarmDirection.none and got.severity is Severity.indeterminate
    assert got.probable_cause is None


def test_empty_name_is_unknown() -> None:
    assert normalize("").known is False


def test_name_key() -> None:
    assert name_key(" tu - ais ") == "TU_AIS"
    assert name_key("B2_EXC") == name_key("b2-exc") == name_key("B2 EXC")


def test_default_severities() -> None:
    assert normalize("R_LOS").severity is Severity.critical
    assert normalize("UP_E1_AIS").severity is Severity.minor
    assert normalize("BD_STATUS").severity is Severity.major


def test_probable_cause_codes_match_iana_itu_alarm_tc() -> None:
    # Numbers from IANA-ITU-ALARM-TC-MIB IANAItuProbableCause.
    for name, code in {
        "aIS": 1, "degradedSignal": 3, "farEndReceiverFailure": 4, "lossOfFrame": 6,
        "lossOfPointer": 7, "lossOfSignal": 8, "remoteAlarmInterface": 11, "excessiveBER": 12,
        "lossOfMultiFrame": 16, "powerProblem": 58, "replaceableUnitMissing": 62,
        "replaceableUnitProblem": 69, "thresholdCrossed": 549, "other": 1024,
    }.items():  # fmt: skip
        assert probable_cause_code(name) == code
        assert probable_cause_name(code) == name
    assert probable_cause_code("noSuchCause") == 1024
    assert probable_cause_name(99999) is None
    assert len(table().probable_causes) == 189
    assert len(set(table().probable_causes.values())) == 189


def test_event_type_codes() -> None:
    assert event_type_code("communicationsAlarm") == 2
    assert event_type_code("equipmentAlarm") == 5
    assert normalize("POWER_FAIL").event_type == "equipmentAlarm"
    assert normalize("B2_EXC").event_type == "qualityOfServiceAlarm"


def _data(**alarms: Any) -> dict[str, Any]:
    return {
        "types": {
            "AIS": {"probable_cause": "aIS", "event_type": "communicationsAlarm"},
            "UNKNOWN": {"probable_cause": "other", "event_type": "other"},
        },
        "alarms": alarms,
        "probable_causes": {"aIS": 1, "other": 1024},
        "event_types": {"other": 1, "communicationsAlarm": 2},
    }


def test_table_rejects_names_that_collide_after_folding() -> None:
    entry = {"type": "AIS", "layer": "E1", "direction": "none", "severity": "minor"}
    with pytest.raises(ValueError, match="collides"):
        build_table(_data(**{"TU_AIS": entry, "tu-ais": entry}))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"type": "NOPE", "layer": "E1"}, "not in types"),
        ({"type": "AIS", "layer": "E1", "direction": "sideways"}, "sideways"),
        ({"type": "AIS", "layer": "E1", "probable_cause": "madeUp"}, "madeUp"),
        ({"type": "AIS"}, "layer is required"),
        ({"type": "AIS", "layer": "E1", "colour": "red"}, "unknown fields"),
    ],
)
def test_table_rejects_bad_entries(entry: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build_table(_data(X=entry))


def test_packaged_table_loads_and_every_entry_is_consistent() -> None:
    t = table()
    assert len(t.names) >= 38
    for key, meaning in t.entries.items():
        assert name_key(key) == key
        assert meaning.probable_cause in t.probable_causes
        assert meaning.layer and meaning.type != "UNKNOWN"
