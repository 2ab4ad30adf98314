import type { NextAuthOptions } from "next-auth";
import EmailProvider from "next-auth/providers/email";

export const authOptions: NextAuthOptions = {
  providers: [EmailProvider({ server: process.env.EMAIL_SERVER, from: "news@example.org" })],
};
