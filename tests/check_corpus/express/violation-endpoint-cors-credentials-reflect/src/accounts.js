'use strict';

const express = require('express');

const router = express.Router();
const members = new Map();

router.post('/login', (req, res) => {
  const member = members.get(String(req.body.email || '').toLowerCase());
  if (!member || member.password !== req.body.password) {
    res.status(401).json({ error: 'invalid credentials' });
    return;
  }
  req.session.member = { id: member.id, email: member.email };
  res.json({ ok: true });
});

router.post('/logout', (req, res) => {
  req.session.destroy(() => res.json({ ok: true }));
});

module.exports = router;
