import { currentUser } from "@clerk/nextjs/server";
import { NextResponse } from "next/server";

import { issueApiToken } from "@/lib/api-token";

export async function POST(request: Request) {
  const { deviceName } = await request.json();
  const user = await currentUser();
  if (!user) return NextResponse.json({ error: "sign in first" }, { status: 401 });
  const email = user.primaryEmailAddress?.emailAddress ?? "";
  return NextResponse.json({ accessToken: issueApiToken({ id: user.id, email }), deviceName });
}
