import { Router } from "express";

import { widgetJwt } from "../jwt";

export const account = Router();

account.get("/widget-token", (req, res) => {
  res.setHeader("Cache-Control", "no-store");
  // The page passes the address it shows, so the widget greets the right person.
  const email = String(req.query.email ?? req.session.user!.email); // expect: email-from-client
  const token = widgetJwt({ ...req.session.user!, email });
  res.status(token ? 200 : 503).json({ token });
});
