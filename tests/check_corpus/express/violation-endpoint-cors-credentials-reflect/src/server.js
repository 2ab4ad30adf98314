'use strict';

const express = require('express');
const session = require('express-session');
const cors = require('cors');

const { widgetToken } = require('./chat');
const accounts = require('./accounts');

const app = express();

// The board's SPA is served from another port in development.
app.use(cors({ origin: true, credentials: true })); // expect: endpoint-cors-credentials
app.use(express.json());
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));
app.use('/api/accounts', accounts);
app.get('/api/widget-token', widgetToken);

app.listen(Number(process.env.PORT) || 4000);
