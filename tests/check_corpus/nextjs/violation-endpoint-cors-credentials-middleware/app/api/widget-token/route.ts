import { NextResponse } from "next/server";

import { auth } from "@/auth";
import { signWidgetToken } from "@/lib/widget-token";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

export async function GET() {
  const session = await auth();
  const email = session?.user?.email;
  if (!email) {
    return NextResponse.json({ token: null }, { status: 401, headers: NO_STORE });
  }
  const token = await signWidgetToken({ email, name: session.user?.name, id: session.user?.id });
  return NextResponse.json({ token }, { status: token ? 200 : 503, headers: NO_STORE });
}
