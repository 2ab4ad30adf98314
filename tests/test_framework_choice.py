"""Frameworks detected alike: the one that serves pages and owns sign-in gets the widget; the
question is asked only when two real candidates remain (a Next.js app with a small API server
beside it is not two candidates)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import copy_fixture, run_json

API_SERVER = """\
const express = require("express");

const app = express();

app.get("/api/shows", (req, res) => {
  res.json([{ id: 1, title: "Opening night" }]);
});

app.listen(3001);
"""


def with_api_server(root: Path) -> Path:
    (root / "api-server.js").write_text(API_SERVER)
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"]["express"] = "^4.21.0"
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return root


def test_a_small_api_server_beside_a_nextjs_app_is_no_rival(tmp_path: Path) -> None:
    root = with_api_server(copy_fixture("nextjs-clerk", tmp_path))
    code, doc = run_json("inspect", root, "--api-key", "pk_test")
    assert code == 0
    assert doc["stack"]["framework"] == "nextjs"
    assert not [q for q in doc["questions"] if q["id"] == "framework"]
    [note] = [n for n in doc["notes"] if n["file"] == "api-server.js"]
    assert note["message"].startswith("Express is used here too (api-server.js:3)")
    assert "--framework express" in note["message"]
    code, planned = run_json("apply", root, "--dry-run", "--api-key", "pk_test")
    assert code == 0 and planned["status"] == "planned"
    assert "api-server.js" not in {e["path"] for e in planned["edits"]}


def test_two_apps_with_pages_and_sign_in_are_still_a_question(tmp_path: Path) -> None:
    root = copy_fixture("nextjs-clerk", tmp_path / "site")
    express = copy_fixture("express-passport-ejs", tmp_path)
    for path in express.rglob("*"):
        if path.is_file() and path.name != "package.json":
            target = root / "server" / path.relative_to(express)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    manifest = json.loads((root / "package.json").read_text())
    theirs = json.loads((express / "package.json").read_text())
    manifest["dependencies"].update(theirs["dependencies"])
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    code, doc = run_json("inspect", root, "--api-key", "pk_test")
    assert code == 0
    [question] = [q for q in doc["questions"] if q["id"] == "framework"]
    assert question["choices"] == ["express", "nextjs"]
