import { SignJWT } from 'jose';

export async function sendWidgetToken(req, res) {
  res.set('Cache-Control', 'no-store');
  const user = req.session.user;
  if (!user) {
    return res.status(401).json({ token: null });
  }
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!key) {
    return res.status(503).json({ token: null });
  }
  const token = await new SignJWT({ email: user.email.toLowerCase(), name: user.name })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(key));
  return res.json({ token });
}
