const express = require('express');
const jwt = require('jsonwebtoken');
const users = require('../users');

const router = express.Router();

// The mobile app's own login: its bearer token is not the widget's (and lives a week).
router.post('/api/login', async (req, res) => {
  const user = await users.check(req.body.email, req.body.password);
  if (!user) return res.status(401).json({ error: 'wrong email or password' });
  const accessToken = jwt.sign({ sub: user.id, email: req.body.email }, process.env.JWT_SECRET, {
    expiresIn: '7d',
  });
  res.json({ accessToken });
});

module.exports = router;
