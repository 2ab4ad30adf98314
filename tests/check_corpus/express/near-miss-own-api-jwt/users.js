const bcrypt = require('bcryptjs');
const db = require('./db');

exports.check = async (email, password) => {
  const user = await db.users.findOne({ email: email.toLowerCase() });
  return user && (await bcrypt.compare(password, user.hash)) ? user : null;
};
