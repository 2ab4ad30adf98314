import { createHmac } from "node:crypto";

import { TOKEN_TTL_SECONDS, signingKey } from "./config";

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

type Claims = { email: string; name?: string; user_id?: string };

// A JWT by hand: header.payload.signature, HMAC-SHA256 over the first two parts.
export function signChatToken(claims: Claims): string | null {
  const secret = signingKey();
  if (!secret) return null;
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const exp = Math.floor(Date.now() / 1000) + TOKEN_TTL_SECONDS;
  const payload = base64url(JSON.stringify({ ...claims, exp }));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}
