"""``corridor schedule solve|check``: files in, a checked schedule out, clear errors."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.scheduling.conftest import instance_data


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def instance_file(tmp_path):
    data = instance_data(
        {"ana": ["s1", "s2"], "bo": (["s1", "s2", "s3"], 1), "chen": ["s2", "s3"], "dee": ["s3"]},
        [("r1", "ana", "bo", 2), ("r2", "ana", "chen"), ("r3", "bo", "chen"), ("r4", "ana", "dee")],
        tables=2,
    )
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    return path


def solve(capsys, *args):
    call_command("schedule", "solve", *map(str, args))
    return capsys.readouterr().out


def test_solve_writes_a_checked_result(instance_file, tmp_path, capsys):
    out = tmp_path / "result.json"
    printed = solve(capsys, instance_file, "--time-limit", "5", "--out", out, "--seed", "3")
    result = json.loads(out.read_text())
    assert {m["request"] for m in result["meetings"]} == {"r1", "r2"}
    assert {u["request"]: u["reason"] for u in result["unplaced"]} == {
        "r3": "cap_reached",
        "r4": "no_common_slot",
    }
    assert result["value"] == 3 and result["upper_bound"] == 3 and result["status"] == "optimal"
    assert "placed 2 of 4 requests" in printed and "1 cap_reached" in printed
    call_command("schedule", "check", str(instance_file), str(out))
    assert "valid" in capsys.readouterr().out


def test_greedy_method(instance_file, tmp_path, capsys):
    out = tmp_path / "greedy.json"
    solve(capsys, instance_file, "--method", "greedy", "--out", out)
    assert json.loads(out.read_text())["solver"] == "greedy"


def test_previous_result_keeps_published_meetings(instance_file, tmp_path, capsys):
    previous = tmp_path / "published.json"
    previous.write_text(json.dumps({"meetings": [{"request": "r2", "slot": "s2", "table": 2}]}))
    out = tmp_path / "result.json"
    printed = solve(capsys, instance_file, "--out", out, "--previous", previous)
    result = json.loads(out.read_text())
    assert {"request": "r2", "slot": "s2", "table": 2} in result["meetings"]
    assert result["changes"]["kept"] == 1
    assert "1 of 1 meetings kept" in printed


def test_check_reports_a_tampered_result(instance_file, tmp_path, capsys):
    out = tmp_path / "result.json"
    solve(capsys, instance_file, "--out", out)
    result = json.loads(out.read_text())
    result["meetings"].append({"request": "r3", "slot": "s2", "table": 1})
    out.write_text(json.dumps(result))
    with pytest.raises(CommandError, match="breaks"):
        call_command("schedule", "check", str(instance_file), str(out))
    printed = capsys.readouterr().out
    assert "cap:" in printed and "table:" in printed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["requests"].append({"id": "x", "a": "ana", "b": "ana"}), "oneself"),
        (lambda d: d["requests"].append({"id": "x", "a": "ana", "b": "zed"}), "'zed'"),
        (lambda d: d["participants"][0].update(max_meetings=-2), "max_meetings"),
        (lambda d: d["participants"][0]["available"].append("s7"), "'s7'"),
        (lambda d: d["requests"].append(dict(d["requests"][0])), "duplicate request id 'r1'"),
        (lambda d: d["slots"][1].update(start="2026-05-12T09:10"), "overlaps"),
        (
            lambda d: d["locked"].extend(
                [{"request": "r1", "slot": "s1"}, {"request": "r3", "slot": "s2"}]
            ),
            "'bo'",
        ),
    ],
)
def test_invalid_instance_is_refused_and_nothing_written(
    instance_file, tmp_path, capsys, change, message
):
    data = json.loads(instance_file.read_text())
    change(data)
    instance_file.write_text(json.dumps(data))
    out = tmp_path / "result.json"
    with pytest.raises(CommandError, match="invalid") as caught:
        solve(capsys, instance_file, "--out", out)
    assert message in str(caught.value)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [instance_file]  # no temporary file left either


def test_bad_files_are_refused(tmp_path, instance_file, capsys):
    out = tmp_path / "result.json"
    with pytest.raises(CommandError, match="no such file"):
        solve(capsys, tmp_path / "missing.json", "--out", out)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        solve(capsys, broken, "--out", out)
    with pytest.raises(CommandError, match="does not exist"):
        solve(capsys, instance_file, "--out", tmp_path / "nowhere" / "r.json")
    with pytest.raises(CommandError, match="positive"):
        solve(capsys, instance_file, "--out", out, "--time-limit", "0")
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps({"meetings": [{"request": "r1"}]}))
    with pytest.raises(CommandError, match="previous result"):
        solve(capsys, instance_file, "--out", out, "--previous", previous)
    with pytest.raises(CommandError, match="--previous needs"):
        solve(capsys, instance_file, "--out", out, "--previous", previous, "--method", "greedy")
    assert not out.exists()
