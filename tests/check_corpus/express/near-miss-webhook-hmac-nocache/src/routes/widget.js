const express = require('express');
const { ensureLoggedIn } = require('connect-ensure-login');
const { SignJWT } = require('jose');

const router = express.Router();
router.use(ensureLoggedIn('/login'));

const encoder = new TextEncoder();

router.get('/widget-token', async (req, res) => {
  const { email, name, id } = req.user;
  const token = await new SignJWT({ email: email.toLowerCase(), name, user_id: String(id) })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 15 * 60)
    .sign(encoder.encode(process.env.BESTCHATBOT_SIGNING_KEY));
  res.json({ token });
});

module.exports = router;
