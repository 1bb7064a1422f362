"""The engine on its own: ``python -m corridor.scheduling.cli``, without Django."""

import json
import subprocess
import sys

from corridor.scheduling.cli import main

from .conftest import instance_data


def test_solve_and_check_in_a_plain_python(tmp_path):
    instance = tmp_path / "i.json"
    instance.write_text(
        json.dumps(instance_data({"a": ["s1"], "b": ["s1", "s2"]}, [("r1", "a", "b")]))
    )
    out = tmp_path / "r.json"
    # ``import corridor`` loads the Celery app (and Django with it); what the engine
    # itself loads on top of that must not be Django.
    code = (
        "import sys, corridor; before = set(sys.modules); "
        "import corridor.scheduling.cli as c; rc = c.main(sys.argv[1:]); "
        "new = [m for m in set(sys.modules) - before if m.split('.')[0] == 'django']; "
        "assert not new, new; sys.exit(rc)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "solve", str(instance), "--out", str(out), "--seed", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "placed 1 of 1 requests" in run.stdout
    assert json.loads(out.read_text())["meetings"] == [{"request": "r1", "slot": "s1", "table": 1}]
    assert main(["check", str(instance), str(out)]) == 0


def test_no_module_of_the_engine_imports_django():
    import ast
    from pathlib import Path

    import corridor.scheduling

    for path in Path(corridor.scheduling.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "django" for n in names), path.name


def test_errors_exit_with_2_and_write_nothing(tmp_path, capsys):
    instance = tmp_path / "i.json"
    instance.write_text(json.dumps(instance_data({"a": ["s1"]}, [("r1", "a", "a")])))
    out = tmp_path / "r.json"
    assert main(["solve", str(instance), "--out", str(out)]) == 2
    assert "oneself" in capsys.readouterr().err
    assert not out.exists()


def test_check_exits_with_1_on_violations(tmp_path, capsys):
    instance = tmp_path / "i.json"
    instance.write_text(json.dumps(instance_data({"a": ["s1"], "b": ["s2"]}, [("r1", "a", "b")])))
    result = tmp_path / "r.json"
    result.write_text(
        json.dumps(
            {
                "meetings": [{"request": "r1", "slot": "s1", "table": 1}],
                "unplaced": [],
                "value": 1,
                "upper_bound": 1,
                "status": "optimal",
            }
        )
    )
    assert main(["check", str(instance), str(result)]) == 1
    assert "availability" in capsys.readouterr().out
