const crypto = require('node:crypto');
const express = require('express');

const router = express.Router();

// Payment webhooks: an HMAC over the body, nothing to do with the chat widget.
router.post('/webhooks/payments', express.raw({ type: '*/*' }), (req, res) => {
  const expected = crypto
    .createHmac('sha512', process.env.PAYMENTS_WEBHOOK_SECRET || 'test-secret')
    .update(req.body)
    .digest('hex');
  if (expected !== req.get('x-signature')) return res.sendStatus(400);
  res.sendStatus(204);
});

module.exports = router;
