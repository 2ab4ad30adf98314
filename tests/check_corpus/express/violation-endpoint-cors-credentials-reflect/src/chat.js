'use strict';

const jwt = require('jsonwebtoken');

/** GET /api/widget-token: the chat widget's token for the member signed in. */
function widgetToken(req, res) {
  res.set('Cache-Control', 'no-store');
  const member = req.session.member;
  if (!member) {
    res.status(401).json({ token: null });
    return;
  }
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!key) {
    res.status(503).json({ token: null });
    return;
  }
  const claims = { email: member.email.toLowerCase(), user_id: String(member.id) };
  res.json({ token: jwt.sign(claims, key, { algorithm: 'HS256', expiresIn: '1h' }) });
}

module.exports = { widgetToken };
