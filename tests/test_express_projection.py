"""Projections on passport's deserialize path that leave the email out of req.user (the corpus's
express-mongoose-demo: `User.load()` selecting 'name username'): the email is added where the
projection is written in the callback, or passed at the call where a helper lets its caller
choose; a projection fixed inside a shared helper, or one excluding the email, is a warning
with its place. Before / after pairs on the deserialize module, and the no-ops."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder import engine
from scaffolder.model import Answers
from scaffolder.writer import write_plan
from tests.test_express_detect import make, plan_files

APP = """\
    const express = require("express");
    const session = require("express-session");
    const passport = require("passport");
    const app = express();
    app.set("view engine", "ejs");
    require("./config/passport")(passport);
    app.use(session({ secret: "s" }));
    app.use(passport.session());
    module.exports = app;
"""
MONGOOSE_USER = """\
    const mongoose = require("mongoose");
    const userSchema = new mongoose.Schema({ email: String, name: String, username: String });
    module.exports = mongoose.model("User", userSchema);
"""
WITH_LOAD = """\
    const mongoose = require("mongoose");
    const userSchema = new mongoose.Schema({ email: String, name: String, username: String });
    userSchema.statics = {
      load(options, cb) {
        options.select = options.select || "name username";
        return this.findOne(options.criteria).select(options.select).exec(cb);
      },
    };
    mongoose.model("User", userSchema);
"""
WITH_FIXED_LOAD = """\
    const mongoose = require("mongoose");
    const userSchema = new mongoose.Schema({ email: String, name: String, username: String });
    userSchema.statics.load = function (criteria) {
      return this.findOne(criteria).select("name username");
    };
    mongoose.model("User", userSchema);
"""
SEQUELIZE_USER = """\
    const { DataTypes } = require("sequelize");
    module.exports = (sequelize) =>
      sequelize.define("User", {
        id: DataTypes.INTEGER,
        email: DataTypes.STRING,
        name: DataTypes.STRING,
      });
"""
LAYOUT = "<html><body>\n  <%- body %>\n</body></html>\n"


def de(callback: str) -> str:
    """`passport.deserializeUser(<callback>);` as the config module writes it."""
    return f"  passport.deserializeUser({callback});\n"


def passport_module(deserialize: str, model: str = "../models/user") -> str:
    return (
        f'const User = require("{model}");\n'
        "module.exports = function (passport) {\n"
        "  passport.serializeUser((user, done) => done(null, user.id));\n"
        f"{deserialize}"
        "};\n"
    )


def project(tmp_path: Path, deserialize: str, model: str = MONGOOSE_USER) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    files = {
        "app.js": APP,
        "config/passport.js": passport_module(deserialize),
        "models/user.js": model,
        "views/layout.ejs": LAYOUT,
    }
    return make(tmp_path, files)


FIXES = [
    pytest.param(
        de('(id, done) => User.findById(id).select("name username").exec(done)'),
        '.select("name username email")',
        MONGOOSE_USER,
        id="select-string-in-the-callback",
    ),
    pytest.param(
        de("async (id, done) => done(null, await User.findById(id, 'name'))"),
        "User.findById(id, 'name email')",
        MONGOOSE_USER,
        id="findById-projection-argument",
    ),
    pytest.param(
        "  passport.deserializeUser((id, done) => {\n"
        "    User.findById(id).select({ name: 1, username: 1 }).then((u) => done(null, u), done);\n"
        "  });\n",
        ".select({ name: 1, username: 1, email: 1 })",
        MONGOOSE_USER,
        id="select-object",
    ),
    pytest.param(
        "  passport.deserializeUser((id, done) => {\n"
        "    User.findById(id)\n"
        "      .select({\n"
        "        name: true,\n"
        "        username: true,\n"
        "      })\n"
        "      .then((u) => done(null, u), done);\n"
        "  });\n",
        "        username: true,\n        email: true,\n      })",
        MONGOOSE_USER,
        id="select-object-one-field-a-line",
    ),
    pytest.param(
        "  passport.deserializeUser(async (id, done) => {\n"
        '    done(null, await User.findByPk(id, { attributes: ["id", "name"] }));\n'
        "  });\n",
        'attributes: ["id", "name", "email"]',
        SEQUELIZE_USER,
        id="sequelize-attributes",
    ),
    pytest.param(
        "  passport.deserializeUser(async (id, done) => {\n"
        "    const where = { id };\n"
        "    const user = await User.findUnique({ where, select: { id: true, name: true } });\n"
        "    done(null, user);\n"
        "  });\n",
        "select: { id: true, name: true, email: true }",
        MONGOOSE_USER,
        id="prisma-style-select-option",
    ),
    pytest.param(
        "  passport.deserializeUser(async (id, done) => {\n"
        "    done(null, await User.findOne({ _id: id }, { projection: { name: 1 } }));\n"
        "  });\n",
        "projection: { name: 1, email: 1 }",
        MONGOOSE_USER,
        id="mongodb-driver-projection-option",
    ),
    pytest.param(
        de("(id, cb) =>\n    User.load({ criteria: { _id: id } }, cb)\n  "),
        'User.load({ criteria: { _id: id }, select: "name username email" }, cb)',
        WITH_LOAD,
        id="helper-default-passed-at-the-call",
    ),
    pytest.param(
        de('(id, cb) => User.load({ criteria: { _id: id }, select: "name" }, cb)'),
        'User.load({ criteria: { _id: id }, select: "name email" }, cb)',
        WITH_LOAD,
        id="helper-option-passed-without-the-email",
    ),
]


@pytest.mark.parametrize(("deserialize", "after", "model"), FIXES)
def test_projection_gets_the_email(
    tmp_path: Path, deserialize: str, after: str, model: str
) -> None:
    root = project(tmp_path, deserialize, model)
    insp = engine.inspect(root, Answers(api_key="pk"))[1]
    assert any("leaves `email` out" in n.message for n in insp.notes)
    planned = plan_files(root, api_key="pk")
    assert after in planned["config/passport.js"]
    assert "models/user.js" not in planned  # the model and the helper's other callers unchanged
    write_plan(root, engine.plan(root, Answers(api_key="pk")).plan)
    again = engine.plan(root, Answers(api_key="pk"))
    assert not again.plan.edits and not again.plan.warnings
    assert not any("leaves `email` out" in n.message for n in again.inspection.notes)


def test_nested_email_path(tmp_path: Path) -> None:
    """passport-local's `local.email`: the path goes into the projection, and selecting the
    whole `local` group loads it already."""
    model = MONGOOSE_USER.replace(
        "{ email: String, name: String, username: String }",
        "{ local: { email: String, password: String }, name: String }",
    )
    root = project(
        tmp_path,
        de('(id, done) => User.findById(id).select("name").exec(done)'),
        model,
    )
    assert '.select("name local.email")' in plan_files(root, api_key="pk")["config/passport.js"]
    whole = project(
        tmp_path / "whole",
        de('(id, done) => User.findById(id).select("name local").exec(done)'),
        model,
    )
    assert "config/passport.js" not in plan_files(whole, api_key="pk")


@pytest.mark.parametrize(
    ("deserialize", "model"),
    [
        pytest.param(
            de("(id, done) => User.findById(id, done)"),
            MONGOOSE_USER,
            id="no-projection",
        ),
        pytest.param(
            de('(id, done) => User.findById(id).select("-password").exec(done)'),
            MONGOOSE_USER,
            id="exclusion-of-other-fields",
        ),
        pytest.param(
            de('(id, done) => User.findById(id).select("+password").exec(done)'),
            MONGOOSE_USER,
            id="a-hidden-field-added",
        ),
        pytest.param(
            de('(id, done) => User.findById(id, "name email", done)'),
            MONGOOSE_USER,
            id="email-selected",
        ),
        pytest.param(
            de("async (id, done) => done(null, await User.findByPk(id, { raw: true }))"),
            SEQUELIZE_USER,
            id="query-options-are-no-projection",
        ),
        pytest.param(
            de('(id, cb) => User.load({ criteria: { _id: id }, select: "name email" }, cb)'),
            WITH_LOAD,
            id="helper-option-passed-with-the-email",
        ),
    ],
)
def test_projection_noop(tmp_path: Path, deserialize: str, model: str) -> None:
    root = project(tmp_path, deserialize, model)
    result = engine.plan(root, Answers(api_key="pk"))
    assert "config/passport.js" not in {e.path for e in result.plan.edits}
    assert not any("leaves `email` out" in w for w in result.plan.warnings)
    assert not any("leaves `email` out" in n.message for n in result.inspection.notes)


@pytest.mark.parametrize(
    ("deserialize", "model", "place", "why"),
    [
        pytest.param(
            de('(id, done) => User.findById(id).select("-email -password").exec(done)'),
            MONGOOSE_USER,
            "config/passport.js:4",
            "it excludes the email on purpose",
            id="email-excluded",
        ),
        pytest.param(
            de("(id, done) => User.load({ _id: id }).then((u) => done(null, u), done)"),
            WITH_FIXED_LOAD,
            "models/user.js:4",
            "User.load() fixes it for every caller",
            id="helper-fixed-projection",
        ),
        pytest.param(
            "  passport.deserializeUser(async (id, done) => {\n"
            '    done(null, await User.findByPk(id, { attributes: { exclude: ["email"] } }));\n'
            "  });\n",
            SEQUELIZE_USER,
            "config/passport.js:5",
            "it excludes the email on purpose",
            id="sequelize-exclude",
        ),
    ],
)
def test_projection_without_a_safe_edit(
    tmp_path: Path, deserialize: str, model: str, place: str, why: str
) -> None:
    """No edit: the deserialize module and the model stay byte-identical, a warning names the
    projection's place and why, and a next step says what to change."""
    root = project(tmp_path, deserialize, model)
    result = engine.plan(root, Answers(api_key="pk"))
    edited = {e.path for e in result.plan.edits}
    assert "config/passport.js" not in edited and "models/user.js" not in edited
    warning = next(w for w in result.plan.warnings if "leaves `email` out" in w)
    assert warning.startswith(place + ":") and why in warning
    assert any(place in s and "deserializeUser" in s for s in result.plan.next_steps)


def test_answered_email_is_not_the_projected_one(tmp_path: Path) -> None:
    """--email-expr naming another field: the projection of `email` is not the plan's concern."""
    root = project(
        tmp_path,
        de('(id, done) => User.findById(id).select("name").exec(done)'),
    )
    planned = plan_files(root, api_key="pk", email_expr="user.contactEmail")
    assert "config/passport.js" not in planned


def test_lean_deserialize_reads_the_object_id(tmp_path: Path) -> None:
    """A `.lean()` query hands deserializeUser a plain object: `_id`, not the `id` getter."""
    root = project(
        tmp_path,
        "  passport.deserializeUser((id, done) => {\n"
        "    User.findById(id).lean().then((u) => done(null, u), done);\n"
        "  });\n",
    )
    insp = engine.inspect(root, Answers(api_key="pk"))[1]
    assert insp.auth.user_id is not None and insp.auth.user_id.expr == "req.user._id"
    hydrated = project(tmp_path / "docs", de("(id, done) => User.findById(id, done)"))
    insp = engine.inspect(hydrated, Answers(api_key="pk"))[1]
    assert insp.auth.user_id is not None and insp.auth.user_id.expr == "req.user.id"
