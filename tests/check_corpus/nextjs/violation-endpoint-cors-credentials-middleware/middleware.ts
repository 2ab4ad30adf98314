import { NextResponse, type NextRequest } from "next/server";

// The mobile web view and the docs site call the API with the visitor's session.
export function middleware(request: NextRequest) {
  const origin = request.headers.get("origin") ?? "";
  const response = NextResponse.next();
  response.headers.set("Access-Control-Allow-Origin", origin); // expect: endpoint-cors-credentials
  response.headers.set("Access-Control-Allow-Credentials", "true");
  response.headers.set("Vary", "Origin");
  return response;
}

export const config = { matcher: ["/api/:path*"] };
