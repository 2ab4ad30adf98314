import { Router } from "express";

import { widgetJwt } from "../jwt";

export const account = Router();

account.get("/widget-token", (req, res) => {
  res.setHeader("Cache-Control", "no-store");
  const token = widgetJwt(req.session.user!);
  res.status(token ? 200 : 503).json({ token });
});
