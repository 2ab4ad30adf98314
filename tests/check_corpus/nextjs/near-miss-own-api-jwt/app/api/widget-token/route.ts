import { auth, currentUser } from "@clerk/nextjs/server";

import { widgetToken } from "@/lib/widget-token";

export async function GET() {
  const headers = new Headers({ "Cache-Control": "no-store, max-age=0" });
  const { userId } = await auth();
  const user = userId ? await currentUser() : null;
  const email = user?.primaryEmailAddress?.emailAddress;
  if (!user || !email) return Response.json({ token: null }, { status: 401, headers });
  const token = widgetToken(email, user.fullName, user.id);
  return Response.json({ token }, { status: token ? 200 : 503, headers });
}
