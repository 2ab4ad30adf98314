'use strict';

const path = require('path');
const express = require('express');
const session = require('express-session');
const passport = require('passport');

const { chatToken } = require('./lib/chat-widget');
const indexRouter = require('./routes/index');

const app = express();
app.set('views', path.join(__dirname, 'views'));
app.set('view engine', 'ejs');
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());
app.use(chatToken);
app.use('/', indexRouter);

module.exports = app;
