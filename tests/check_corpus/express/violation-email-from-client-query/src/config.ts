export const config = {
  port: Number(process.env.PORT ?? 3000),
  widget: {
    apiKey: "pk_field_notes",
    signingKey: process.env.BESTCHATBOT_SIGNING_KEY,
    lifetimeSeconds: 3600,
  },
};
