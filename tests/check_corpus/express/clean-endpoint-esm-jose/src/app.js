import express from "express";
import session from "express-session";

import api from "./routes/api.js";

const app = express();
app.use(express.json());
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));
app.use(express.static("public"));
app.use("/api", api);

export default app;
