import express from "express";

import { widgetToken } from "./widget.js";

const app = express();
app.use(express.static("public"));
app.get("/api/widget-token", widgetToken);
app.listen(process.env.PORT ?? 8080);
