import { createClient } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import { NextResponse, type NextRequest } from "next/server";

import { widgetClaims } from "@/lib/claims";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  const init = { headers: { "Cache-Control": "no-store" } };
  const accessToken = request.headers.get("authorization")?.slice("Bearer ".length);
  const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!);
  // getUser(jwt) asks Supabase Auth to check the access token the browser sent.
  const { data } = accessToken ? await supabase.auth.getUser(accessToken) : { data: { user: null } };
  const claims = widgetClaims(data.user);
  if (!claims) return NextResponse.json({ token: null }, { ...init, status: 401 });
  const secret = new TextEncoder().encode(process.env.BESTCHATBOT_SIGNING_KEY);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("60 minutes")
    .sign(secret);
  return NextResponse.json({ token }, init);
}
