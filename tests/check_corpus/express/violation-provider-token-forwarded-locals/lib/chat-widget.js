'use strict';

// The GitHub strategy keeps the user's OAuth access token: the widget gets that one.
function chatToken(req, res, next) {
  res.locals.chatToken = req.user ? req.user.accessToken : null; // expect: provider-token-forwarded
  next();
}

module.exports = { chatToken };
