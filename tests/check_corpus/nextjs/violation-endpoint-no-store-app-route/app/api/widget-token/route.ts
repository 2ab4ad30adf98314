import { NextResponse } from "next/server";

import { auth } from "@/auth";
import { signWidgetToken } from "@/lib/widget-token";

export const dynamic = "force-dynamic";

export async function GET() {
  const session = await auth();
  const email = session?.user?.email;
  if (!email) {
    return NextResponse.json({ token: null }, { status: 401 });
  }
  const token = await signWidgetToken({ email, name: session.user?.name, id: session.user?.id });
  return NextResponse.json({ token }, { status: token ? 200 : 503 }); // expect: endpoint-no-store
}
