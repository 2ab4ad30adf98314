// Runs a patched Next.js app's generated token route under node: the route is transpiled in
// memory (TypeScript's transpileModule, CommonJS), the JWT library (`jose` or `jsonwebtoken`)
// and `next/server` are the app's real packages, and every other module the route imports is
// replaced by a double of the auth provider's server function, answering as a signed-in user or
// as nobody.
// argv[2]: {root, file, typescript, provider, person}. Prints one JSON line:
// [{case, status, cacheControl, body}] for the cases "signed-in" and "anonymous".
"use strict";
const Module = require("module");
const path = require("path");
const fs = require("fs");

const config = JSON.parse(process.argv[2]);
const ts = require(config.typescript);
const person = config.person;
const REAL = new Set(["jose", "jsonwebtoken", "next/server"]);
const state = { signed: false };

const PROVIDERS = {
  clerk: (name) => {
    const user = () =>
      state.signed
        ? {
            id: person.id,
            fullName: person.name,
            firstName: person.name.split(" ")[0],
            lastName: person.name.split(" ").slice(1).join(" "),
            primaryEmailAddress: { id: "idn_primary", emailAddress: person.email },
            // v4's User has no getters: the primary address is found by its id
            primaryEmailAddressId: "idn_primary",
            emailAddresses: [
              { id: "idn_other", emailAddress: "someone-else@example.com" },
              { id: "idn_primary", emailAddress: person.email },
            ],
          }
        : null;
    if (name === "currentUser") return async () => user();
    if (name === "auth") return async () => ({ userId: state.signed ? person.id : null });
    return undefined;
  },
  "next-auth": (name) => {
    const session = () =>
      state.signed
        ? { user: { id: person.id, name: person.name, email: person.email }, expires: "2999" }
        : null;
    if (name === "auth" || name === "getServerSession") return async () => session();
    if (name === "authOptions") return {};
    // the project's own current-user helper (`getCurrentUser()`): the session's user
    if (/^get\w*User$/.test(name)) return async () => session()?.user;
    return undefined;
  },
  auth0: (name) => {
    const getSession = async () =>
      state.signed ? { user: { sub: person.id, name: person.name, email: person.email } } : null;
    return name === "getSession" ? getSession : { getSession };
  },
  supabase: (name) => {
    if (name !== "createClient" && name !== "createServerClient") return undefined;
    const user = () =>
      state.signed
        ? { id: person.id, email: person.email, user_metadata: { full_name: person.name } }
        : null;
    const auth = { getUser: async () => ({ data: { user: user() }, error: null }) };
    // the client itself, as a synchronous factory returns it (`await` takes it as it is too)
    return () => ({ auth });
  },
  firebase: (name) => {
    const decoded = () => ({
      uid: person.id,
      email: person.email,
      email_verified: true,
      name: person.name,
      // what firebase-admin puts in every decoded ID token
      firebase: { sign_in_provider: "password", identities: { email: [person.email] } },
    });
    const verify = async (token) => {
      if (state.signed && token === "firebase-id-token") return decoded();
      throw new Error("invalid ID token");
    };
    const auth = { verifyIdToken: verify, verifySessionCookie: verify };
    const doubles = {
      getAuth: () => auth,
      getApps: () => [],
      getApp: () => ({}),
      initializeApp: () => ({}),
      cert: () => ({}),
      applicationDefault: () => ({}),
      // next/headers, for a route reading the app's session cookie
      cookies: async () => ({ get: () => ({ value: "firebase-id-token" }) }),
    };
    // the project's own firebase-admin App accessor (`getFirebaseAdminApp()`)
    if (!(name in doubles) && /^get\w*App$/.test(name)) return () => ({});
    return doubles[name];
  },
};

const provider = PROVIDERS[config.provider];
if (!provider) {
  console.error(`no double for the auth provider ${config.provider}`);
  process.exit(2);
}
const doubled = [];
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const builtin = Module.builtinModules.includes(request.replace(/^node:/, ""));
  if (parent && parent.id === "route" && !REAL.has(request) && !builtin) {
    doubled.push(request);
    return new Proxy(
      {},
      { get: (_, name) => (name === "__esModule" ? true : provider(String(name))) },
    );
  }
  return load.call(this, request, parent, isMain);
};

function loadRoute() {
  const filename = path.join(config.root, config.file);
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      jsx: ts.JsxEmit.ReactJSX,
      esModuleInterop: true,
    },
  });
  const m = new Module("route", module);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(path.dirname(filename));
  m._compile(outputText, filename);
  return m.exports;
}

const HEADERS = { authorization: "Bearer firebase-id-token", cookie: "__session=firebase-id-token" };

async function callApp(route) {
  const request = new Request("http://localhost/api/widget-token", { headers: HEADERS });
  const response = await route.GET(request);
  return {
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    body: await response.json(),
  };
}

async function callPages(route) {
  const res = {
    statusCode: 200,
    headers: {},
    body: undefined,
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = value;
      return this;
    },
    status(code) {
      this.statusCode = code;
      return this;
    },
    json(body) {
      this.body = body;
      return this;
    },
  };
  const req = { method: "GET", headers: HEADERS, cookies: {}, query: {}, url: "/api/widget-token" };
  await route.default(req, res);
  return { status: res.statusCode, cacheControl: res.headers["cache-control"], body: res.body };
}

(async () => {
  const route = loadRoute();
  const call = typeof route.GET === "function" ? callApp : callPages;
  const results = [];
  for (const signed of [true, false]) {
    state.signed = signed;
    results.push({ case: signed ? "signed-in" : "anonymous", ...(await call(route)) });
  }
  console.log(JSON.stringify({ doubled: [...new Set(doubled)], results }));
})().catch((error) => {
  console.error(String(error && error.stack ? error.stack : error).split("\n")[0]);
  process.exit(1);
});
