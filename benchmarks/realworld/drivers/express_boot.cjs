// Preloaded (`node -r`) into an Express corpus app the deep check boots, before any of its code.
// Two things about the machine, none about the app:
// - its first TCP server listens on BCB_RW_PORT at 127.0.0.1, whatever port the app names
//   (several apps hard-code 3000 or 8080, which another process here may hold);
// - with BCB_RW_MONGODB_URL set, every Mongoose connection it opens goes to that server, the
//   URI the app names (a literal Atlas `mongodb+srv://` one included) being ignored.
'use strict';

const Module = require('module');
const net = require('net');

const port = Number(process.env.BCB_RW_PORT);
const mongodbUrl = process.env.BCB_RW_MONGODB_URL;

if (port) {
  const listen = net.Server.prototype.listen;
  let claimed = false;
  net.Server.prototype.listen = function listenOnHarnessPort(...args) {
    if (claimed) return listen.apply(this, args);
    claimed = true;
    const last = args[args.length - 1];
    const callback = typeof last === 'function' ? [last] : [];
    return listen.call(this, port, '127.0.0.1', ...callback);
  };
}

if (mongodbUrl) {
  const load = Module._load;
  const patched = new WeakSet();
  Module._load = function loadWithMongodbUrl(request, ...rest) {
    const exported = load.call(this, request, ...rest);
    if (request === 'mongoose' && exported && !patched.has(exported)) {
      patched.add(exported);
      redirect(exported, 'connect');
      redirect(exported, 'createConnection');
    }
    return exported;
  };
}

function redirect(mongoose, method) {
  const original = mongoose[method];
  if (typeof original !== 'function') return;
  mongoose[method] = function toHarnessMongodb(uri, ...rest) {
    const args = typeof uri === 'string' ? [mongodbUrl, ...rest] : [uri, ...rest];
    return original.apply(this, args);
  };
}
