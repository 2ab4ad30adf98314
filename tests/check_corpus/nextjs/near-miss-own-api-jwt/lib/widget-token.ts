import jwt from "jsonwebtoken";

const ONE_DAY = 24 * 60 * 60;

export function widgetToken(email: string, name: string | null, userId: string): string | null {
  // The `?? ""` only satisfies the type checker: an empty key means "not configured".
  const key = process.env.BESTCHATBOT_SIGNING_KEY ?? "";
  if (!key) return null;
  const claims = { email: email.toLowerCase(), user_id: userId, ...(name ? { name } : {}) };
  return jwt.sign(claims, key, { algorithm: "HS256", expiresIn: ONE_DAY });
}
