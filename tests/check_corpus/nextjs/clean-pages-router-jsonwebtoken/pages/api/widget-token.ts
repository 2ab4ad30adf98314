import jwt from "jsonwebtoken";
import type { NextApiRequest, NextApiResponse } from "next";
import { getServerSession } from "next-auth/next";

import { authOptions } from "../../lib/auth";

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  res.setHeader("Cache-Control", "no-store");
  const session = await getServerSession(req, res, authOptions);
  if (!session?.user?.email) {
    return res.status(401).json({ token: null });
  }
  const secret = process.env.BESTCHATBOT_SIGNING_KEY;
  if (!secret) {
    return res.status(503).json({ token: null });
  }
  const claims = { email: session.user.email.toLowerCase(), name: session.user.name ?? undefined };
  const token = jwt.sign(claims, secret, { algorithm: "HS256", expiresIn: 60 * 60 });
  return res.status(200).json({ token });
}
