import "server-only";
import { SignJWT } from "jose";

const TOKEN_LIFETIME = "1h";

export type WidgetUser = { email: string; name?: string | null; id?: string | null };

export async function signWidgetToken(user: WidgetUser): Promise<string | null> {
  const secret = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!secret) {
    console.error("BESTCHATBOT_SIGNING_KEY is not set");
    return null;
  }
  return new SignJWT({
    email: user.email.trim().toLowerCase(),
    ...(user.name ? { name: user.name } : {}),
    ...(user.id ? { user_id: String(user.id) } : {}),
  })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(TOKEN_LIFETIME)
    .sign(new TextEncoder().encode(secret));
}
