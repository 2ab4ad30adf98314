import { SignJWT } from "jose";

const secret = () => {
  const value = process.env.BESTCHATBOT_SIGNING_KEY;
  return value ? new TextEncoder().encode(value) : null;
};

export async function mintWidgetToken({ email, name, id }) {
  const key = secret();
  if (!key) return null;
  return await new SignJWT({ email: email.toLowerCase(), name, user_id: `${id}` })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("2h")
    .sign(key);
}
