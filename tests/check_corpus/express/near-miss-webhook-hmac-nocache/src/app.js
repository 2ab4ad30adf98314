const express = require('express');
const nocache = require('nocache');

const app = express();
app.use('/api', nocache(), require('./routes/widget'));
app.use(require('./routes/webhooks'));

module.exports = app;
