import jwt from "jsonwebtoken";
import { NextResponse } from "next/server";

import { createClient } from "@/lib/supabase/server";

const HOUR = 60 * 60;

export async function GET() {
  const headers = { "Cache-Control": "private, no-store" };
  const supabase = await createClient();
  const {
    data: { user },
  } = await supabase.auth.getUser();
  if (!user || user.is_anonymous || !user.email) {
    return NextResponse.json({ token: null }, { status: 401, headers });
  }
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!key) {
    return NextResponse.json({ token: null }, { status: 503, headers });
  }
  const token = jwt.sign(
    {
      email: user.email.toLowerCase(),
      user_id: user.id,
      exp: Math.floor(Date.now() / 1000) + HOUR,
    },
    key,
    { algorithm: "HS256" },
  );
  return NextResponse.json({ token }, { headers });
}
