"""Signs a user in to a patched Flask, Django or FastAPI app through the app's own login, with
the app's own test client on SQLite, and prints what a visitor sees before sign-in, signed in
and after sign-out (the page's data-user-token and / or the token endpoint's answer).

Runs inside the app's own venv (any Python from 3.6), one JSON scenario on stdin:
    framework  flask | django | fastapi
    root       the app copy (working directory and first on sys.path)
    app        flask / fastapi: "module:attr" or "module:factory()"
    settings   django: the settings module
    config     flask: app.config overrides; django: settings overrides
    database   django: "settings" when the recipe's env chooses the database through the
               app's own env-driven settings (DATABASE_URL): SQLite, or PostgreSQL when the
               recipe runs it (services); else DATABASES is set to SQLite here
    services   the servers the recipe runs (services.py): "postgres", "redis", "mongodb"
               (every PyMongo client the app opens then goes to {mongodb_url}, whatever host
               it names, as drivers/express_boot.cjs does for Mongoose)
    orm        flask: "module:attr" of the Flask-SQLAlchemy object (its tables are created)
    setup      flask: optional "module:attr()" calls made in the app context once the tables
               exist, before the user is made: the app's own set-up step (seed rows its pages
               need, e.g. flask-base's Role.insert_roles(), which its `manage.py setup` runs)
    user       flask: {model, fields, password, hash, attributes, stamped}: the user made
               with the app's ORM (`password` names the model's setter method or property;
               `hash`: "module:attr" of the app's own password hasher, called with the
               password before it is set; `attributes` are set after construction, e.g. an
               email already confirmed; `stamped`: date-time attributes set to now, e.g. the
               moment the email was confirmed);
               django: {fields}: get_user_model().objects.create_user(**fields, password=...)
    signup     optional {url, json | form, admin?}: the app's own registration route; `admin`:
               a login step as below, of the administrator an admin backend without sign-up
               seeds, whose token authorizes the request that creates the user
    login      {url, form | json, bearer?, scheme?}: the app's own login (`bearer`: the
               dotted path of the access token in its JSON answer, sent as
               `Authorization: <scheme> <token>`, the scheme "Bearer" unless it names another)
    logout     optional {url, method, form?, form_page?}
    page       a page that renders the layout; endpoint: the token endpoint's path
Strings may hold {email}, {email_lower}, {password} and {db}, replaced before use (the
harness has already filled in its services' {postgres_url}, {redis_url}, {mongodb_url}...).
The answer is one JSON line on stdout; anything the app prints goes to stderr. Untyped on
purpose: it runs on the apps' own interpreters, down to Python 3.6.
"""

import datetime
import importlib
import json
import os
import re
import sys

TOKEN = re.compile(r'data-user-token="([^"]*)"')
HIDDEN = re.compile(r"<input[^>]*>", re.I)
ATTR = re.compile(r'(\w[\w-]*)\s*=\s*"([^"]*)"')


def fill(value, names):
    if isinstance(value, str):
        for key, text in names.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def load(ref):
    module, _, attr = ref.partition(":")
    call = attr.endswith("()")
    target = importlib.import_module(module)
    for part in attr[:-2].split(".") if call else attr.split("."):
        target = getattr(target, part)
    return target() if call else target


def hidden_fields(html):
    """The hidden inputs of the page's forms (CSRF tokens), as the browser would send them."""
    fields = {}
    for tag in HIDDEN.findall(html):
        attrs = dict(ATTR.findall(tag))
        if attrs.get("type", "").lower() == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def observe(get, scenario, headers):
    seen = {}
    if scenario.get("page"):
        status, text = get(scenario["page"], headers)
        found = TOKEN.search(text)
        seen["page"] = {"status": status, "token": found.group(1) if found else None}
    if scenario.get("endpoint"):
        status, text = get(scenario["endpoint"], headers)
        try:
            body = json.loads(text)
        except ValueError:
            body = {"unparsed": text[:200]}
        seen["endpoint"] = {"status": status, "body": body}
    return seen


class FlaskClient:
    def __init__(self, scenario):
        app = load(scenario["app"])
        app.config.update(scenario.get("config", {}))
        self.app = app
        self.client = app.test_client()
        with app.app_context():
            self.db = load(scenario["orm"])
            self.db.create_all()
            for step in scenario.get("setup", []):
                load(step)

    def create_user(self, user, password):
        db = self.db
        with self.app.app_context():
            model = load(user["model"])
            person = model(**user["fields"])
            via = user.get("password", "set_password")  # "": the fields carry it
            secret = load(user["hash"])(password) if user.get("hash") else password
            if via and callable(getattr(model, via, None)):
                getattr(person, via)(secret)
            elif via:
                setattr(person, via, secret)
            for name, value in user.get("attributes", {}).items():
                setattr(person, name, value)
            for name in user.get("stamped", []):
                setattr(person, name, datetime.datetime.utcnow())
            db.session.add(person)
            db.session.commit()

    def get(self, url, headers):
        answer = self.client.get(url, headers=headers, follow_redirects=True)
        return answer.status_code, answer.get_data(as_text=True)

    def send(self, method, url, form, json_body, headers):
        # Werkzeug before 0.15 (Flask 0.12) takes no `json` argument: pass it only when used.
        body = {"json": json_body} if json_body is not None else {"data": form}
        answer = self.client.open(
            url, method=method, headers=headers, follow_redirects=True, **body
        )
        return answer.status_code, answer.get_data(as_text=True)


class DjangoClient:
    def __init__(self, scenario):
        os.environ["DJANGO_SETTINGS_MODULE"] = scenario["settings"]
        import django
        from django.conf import settings

        if scenario.get("database") == "settings":
            engine = settings.DATABASES["default"]["ENGINE"]
            served = scenario.get("services", [])
            chosen = ["sqlite3"] + (["postgresql"] if "postgres" in served else [])
            if not engine.rsplit(".", 1)[-1].startswith(tuple(chosen)):  # postgresql_psycopg2
                raise SystemExit("the app's settings chose " + engine + ", not " + "/".join(chosen))
        else:
            settings.DATABASES = {
                "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": scenario["db"]}
            }
        settings.ALLOWED_HOSTS = ["*"]
        for key, value in scenario.get("config", {}).items():
            setattr(settings, key, value)
        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
        self.client = Client()

    def create_user(self, user, password):
        from django.conf import settings
        from django.contrib.auth import get_user_model

        person = get_user_model().objects.create_user(password=password, **user["fields"])
        if "allauth.account" in settings.INSTALLED_APPS:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(
                user=person, email=person.email, verified=True, primary=True
            )

    def get(self, url, headers):
        answer = self.client.get(url, follow=True, **self._meta(headers))
        return answer.status_code, answer.content.decode("utf-8", "replace")

    def send(self, method, url, form, json_body, headers):
        call = getattr(self.client, method.lower())
        if json_body is not None:
            answer = call(
                url,
                json.dumps(json_body),
                content_type="application/json",
                follow=True,
                **self._meta(headers),
            )
        else:
            answer = call(url, form or {}, follow=True, **self._meta(headers))
        return answer.status_code, answer.content.decode("utf-8", "replace")

    @staticmethod
    def _meta(headers):
        return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}


class FastAPIClient:
    def __init__(self, scenario):
        from fastapi.testclient import TestClient

        self.client = TestClient(load(scenario["app"]))
        self.client.__enter__()  # runs the app's lifespan (table creation)

    def close(self):
        # The app's shutdown (a connection pool closed); the thread serving its event loop
        # ends, which the interpreter otherwise waits for at exit.
        self.client.__exit__(None, None, None)

    def create_user(self, user, password):
        raise SystemExit("fastapi scenarios sign up through the app's own route (signup)")

    def get(self, url, headers):
        answer = self.client.get(url, headers=headers)
        return answer.status_code, answer.text

    def send(self, method, url, form, json_body, headers):
        answer = self.client.request(method, url, data=form, json=json_body, headers=headers)
        return answer.status_code, answer.text


CLIENTS = {"flask": FlaskClient, "django": DjangoClient, "fastapi": FastAPIClient}


def redirect_mongodb(url):
    """Points PyMongo's clients (Motor's wrap them) at the harness's server: apps hard-code
    `mongodb://localhost:27017`, which another process here may hold."""
    import pymongo

    classes = [pymongo.MongoClient] + [
        getattr(pymongo, name) for name in ("AsyncMongoClient",) if hasattr(pymongo, name)
    ]
    for cls in classes:
        cls.__init__ = _to(url, cls.__init__)


def _to(url, original):
    def init(self, host=None, *args, **kwargs):
        original(self, url, *args, **kwargs)

    return init


def submit(client, step, headers):
    """GET the form first when it is one (cookies, CSRF token), then send it. `form_page`:
    the page holding the form when it is not at its own URL (a sign-out button in the layout)."""
    form = step.get("form")
    if form is not None and step.get("method", "POST") == "POST":
        _, html = client.get(step.get("form_page", step["url"]), headers)
        form = dict(hidden_fields(html), **form)
    return client.send(step.get("method", "POST"), step["url"], form, step.get("json"), headers)


def authorization(step, text):
    """The header carrying the access token a login step answered."""
    token = json.loads(text)
    for part in step["bearer"].split("."):
        token = token[part]
    return {"Authorization": step.get("scheme", "Bearer") + " " + str(token)}


def main():
    raw = json.load(sys.stdin)
    names = {k: raw[k] for k in ("email", "email_lower", "password", "db")}
    scenario = fill(raw, names)
    os.chdir(scenario["root"])
    sys.path.insert(0, scenario["root"])
    stdout, sys.stdout = sys.stdout, sys.stderr  # the app's prints must not mix with the answer
    if "mongodb" in scenario.get("services", []):
        redirect_mongodb(scenario["mongodb_url"])
    client = CLIENTS[scenario["framework"]](scenario)
    out = {"anonymous": observe(client.get, scenario, {})}
    if scenario.get("user"):
        client.create_user(scenario["user"], scenario["password"])
    signup = scenario.get("signup")
    if signup:
        headers = {}
        if signup.get("admin"):
            headers = authorization(signup["admin"], submit(client, signup["admin"], {})[1])
        out["signup"] = submit(client, signup, headers)[0]
    status, text = submit(client, scenario["login"], {})
    out["login"] = status
    headers = {}
    if scenario["login"].get("bearer"):
        try:
            headers = authorization(scenario["login"], text)
        except (ValueError, KeyError, TypeError):
            out["login_error"] = text[:200]
    out["signed_in"] = observe(client.get, scenario, headers)
    if scenario.get("logout"):
        submit(client, scenario["logout"], headers)
        out["logged_out"] = observe(client.get, scenario, {})
    stdout.write(json.dumps(out) + "\n")
    stdout.flush()
    if hasattr(client, "close"):
        client.close()


if __name__ == "__main__":
    main()
