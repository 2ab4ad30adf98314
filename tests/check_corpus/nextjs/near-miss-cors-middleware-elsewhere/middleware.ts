import { NextResponse, type NextRequest } from "next/server";

const EMBEDDERS = new Set(["https://docs.harbour.example", "https://m.harbour.example"]);

// The public embed API is read with the visitor's session from the app's own sites only;
// the open status feed answers everyone, but it carries nobody's data.
export function middleware(request: NextRequest) {
  const origin = request.headers.get("origin");
  const response = NextResponse.next();
  if (request.nextUrl.pathname.startsWith("/status")) {
    response.headers.set("Access-Control-Allow-Origin", origin ?? "*");
    response.headers.set("Access-Control-Allow-Credentials", "true");
  } else if (origin && EMBEDDERS.has(origin)) {
    response.headers.set("Access-Control-Allow-Origin", origin);
    response.headers.set("Access-Control-Allow-Credentials", "true");
  }
  return response;
}

export const config = { matcher: ["/embed/:path*", "/status/:path*"] };
