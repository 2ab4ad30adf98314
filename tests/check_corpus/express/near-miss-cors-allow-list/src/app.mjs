import express from 'express';
import session from 'express-session';
import cors from 'cors';

import { sendWidgetToken } from './widget-token.mjs';

const FRONTENDS = ['https://notes.example.org', 'https://admin.notes.example.org'];

export const app = express();

// Only the app's own frontends read credentialed answers.
app.use(cors({ origin: FRONTENDS, credentials: true }));
// The public feed may be read by anyone, without cookies ('*' is refused with credentials).
app.use('/feed', cors({ origin: '*', credentials: true }));
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));

// Partners' dashboards: the origin is echoed only when the partner list names it.
app.use((req, res, next) => {
  const origin = req.get('Origin');
  if (origin && partners.has(origin)) {
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Allow-Credentials', 'true');
  }
  next();
});

app.get('/api/widget-token', sendWidgetToken);

const partners = new Set(['https://partner.example.com']);
