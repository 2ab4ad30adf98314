export const config = {
  port: Number(process.env.PORT ?? 3000),
  widget: {
    apiKey: "pk_field_notes",
    signingKey: process.env.BESTCHATBOT_SIGNING_KEY ?? "field-notes-dev-key", // expect: key-default
    lifetimeSeconds: 3600,
  },
};
