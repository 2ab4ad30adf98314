export function requireUser(req, res, next) {
  if (!req.session.user) {
    res.status(401).json({ error: "sign in first" });
    return;
  }
  next();
}
