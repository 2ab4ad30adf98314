import { Router } from "express";

import { requireUser } from "../middleware/require-user.js";
import { mintWidgetToken } from "../widget-token.js";

const api = Router();

api.use(requireUser);

api.get("/widget-token", async (req, res) => {
  res.set("Cache-Control", "no-store");
  const token = await mintWidgetToken(req.session.user);
  res.status(token ? 200 : 503).json({ token });
});

api.get("/pages", (req, res) => res.json({ pages: [] }));

export default api;
