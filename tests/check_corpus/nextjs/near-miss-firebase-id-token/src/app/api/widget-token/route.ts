import { SignJWT } from "jose";

import { adminAuth } from "@/lib/firebase-admin";

const noStore = { "Cache-Control": "no-store" };

export async function GET(request: Request) {
  // The browser's own Firebase ID token proves who is asking; it is verified, never passed on.
  const idToken = request.headers.get("authorization")?.replace(/^Bearer /, "");
  if (!idToken) return Response.json({ token: null }, { status: 401, headers: noStore });
  let decoded;
  try {
    decoded = await adminAuth.verifyIdToken(idToken);
  } catch {
    return Response.json({ token: null }, { status: 401, headers: noStore });
  }
  if (decoded.firebase.sign_in_provider === "anonymous" || !decoded.email) {
    return Response.json({ token: null }, { status: 401, headers: noStore });
  }
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!key) return Response.json({ token: null }, { status: 503, headers: noStore });
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    email: decoded.email.toLowerCase(),
    user_id: decoded.uid,
    iat: now,
    exp: now + 24 * 60 * 60,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(key));
  return Response.json({ token }, { headers: noStore });
}
