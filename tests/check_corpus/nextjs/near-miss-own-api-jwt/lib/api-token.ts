import jwt from "jsonwebtoken";

// Our own mobile API's bearer tokens: not the chat widget's, and on purpose long-lived.
export function issueApiToken(user: { id: string; email: string }): string {
  return jwt.sign({ sub: user.id, email: user.email }, process.env.API_JWT_SECRET!, {
    expiresIn: "30d",
  });
}
