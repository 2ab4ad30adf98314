import type { NextFunction, Request, Response } from "express";

export type SessionUser = { id: number; email: string; name?: string };

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (!req.session.user) {
    res.status(401).json({ error: "unauthenticated" });
    return;
  }
  next();
}
