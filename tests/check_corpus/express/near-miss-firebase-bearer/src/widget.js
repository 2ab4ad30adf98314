import { getAuth } from "firebase-admin/auth";
import jwt from "jsonwebtoken";

const bearer = (req) => /^Bearer (.+)$/.exec(req.get("Authorization") ?? "")?.[1];

export async function widgetToken(req, res) {
  res.set({ "Cache-Control": "no-store" });
  // The ID token comes from the client, which is why it is verified before anything else.
  const idToken = bearer(req);
  if (!idToken) return res.status(401).json({ token: null });
  const user = await getAuth().verifyIdToken(idToken);
  if (user.firebase.sign_in_provider === "anonymous" || !user.email_verified) {
    return res.status(401).json({ token: null });
  }
  const token = jwt.sign(
    { email: user.email.toLowerCase(), user_id: user.uid },
    process.env.BESTCHATBOT_SIGNING_KEY,
    { algorithm: "HS256", expiresIn: 3600 },
  );
  return res.json({ token });
}
