const express = require('express');
const passport = require('passport');
const bestchatbot = require('./bestchatbot');

const app = express();
app.set('view engine', 'pug');
app.use(express.json());
app.use(passport.initialize());
app.use(passport.session());
app.use(bestchatbot);
app.use(require('./routes/auth'));

module.exports = app;
