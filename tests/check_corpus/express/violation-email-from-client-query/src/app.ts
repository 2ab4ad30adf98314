import express from "express";
import { engine } from "express-handlebars";
import session from "express-session";

import { requireUser } from "./auth/session";
import { config } from "./config";
import { account } from "./routes/account";

export const app = express();
app.engine("hbs", engine({ extname: ".hbs" }));
app.set("view engine", "hbs");
app.use(session({ secret: process.env.SESSION_SECRET ?? "", resave: false, saveUninitialized: false }));
app.use((req, res, next) => {
  res.locals.widgetApiKey = config.widget.apiKey;
  res.locals.signedIn = Boolean(req.session.user);
  next();
});
app.use("/account", requireUser, account);
app.get("/", (req, res) => res.render("home"));
