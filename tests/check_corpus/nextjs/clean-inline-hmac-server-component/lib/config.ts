export const WIDGET_KEY_VAR = "BESTCHATBOT_SIGNING_KEY";
export const signingKey = () => process.env[WIDGET_KEY_VAR];
export const TOKEN_TTL_SECONDS = 60 * 60;
