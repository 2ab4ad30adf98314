const jwt = require('jsonwebtoken');

const { BESTCHATBOT_SIGNING_KEY: signingKey = '' } = process.env;

function widgetToken(user) {
  if (!user || !signingKey) return null;
  return jwt.sign(
    { email: `${user.email}`.toLowerCase(), name: user.fullName || undefined, user_id: `${user.id}` },
    signingKey,
    { algorithm: 'HS256', expiresIn: '1h' },
  );
}

module.exports = (req, res, next) => {
  res.locals.widgetToken = widgetToken(req.user);
  next();
};
