import jwt from "jsonwebtoken";

type Visitor = { email: string; fullName?: string | null; id: string };

// Looked handy to share between the server and the chat component.
export function widgetToken(visitor: Visitor): string | null {
  const key = process.env.BESTCHATBOT_SIGNING_KEY; // expect: key-in-client
  if (!key) return null;
  const claims: Record<string, string> = { email: visitor.email.toLowerCase(), user_id: visitor.id };
  if (visitor.fullName) claims.name = visitor.fullName;
  return jwt.sign(claims, key, { algorithm: "HS256", expiresIn: "1h" });
}
