'use strict';

const jwt = require('jsonwebtoken');

function claimsFor(user) {
  const claims = { email: user.email.toLowerCase(), user_id: String(user.id) };
  if (user.displayName) claims.name = user.displayName;
  return claims;
}

function signFor(user) {
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!key) return null;
  return jwt.sign(claimsFor(user), key, { algorithm: 'HS256' }); // expect: exp-missing
}

// res.locals.chatToken for the layout's widget tag; nothing for guests.
function chatToken(req, res, next) {
  res.locals.chatToken = req.isAuthenticated() ? signFor(req.user) : null;
  next();
}

module.exports = { chatToken };
