import crypto from "crypto";

import { config } from "./config";

function encode(part: object): string {
  return Buffer.from(JSON.stringify(part)).toString("base64url");
}

export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const head = encode({ alg: "HS256", typ: "JWT" });
  const body = encode(payload);
  const mac = crypto.createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${mac}`;
}

export function widgetJwt(user: { id: number; email: string; name?: string }): string | null {
  const secret = config.widget.signingKey;
  if (!secret) return null;
  const now = Math.floor(Date.now() / 1000);
  return signHs256(
    {
      email: user.email.toLowerCase(),
      user_id: String(user.id),
      ...(user.name ? { name: user.name } : {}),
      iat: now,
      exp: now + config.widget.lifetimeSeconds,
    },
    secret,
  );
}
