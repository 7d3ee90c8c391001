import { defineMeta } from "../kit/meta.ts";

export default defineMeta({
  id: "square",
  order: 140,
  label: "Square Appointments",
  kind: "calendar",
  ui: {
    form: {
      submit: "Connect Square",
      fields: [
        {
          name: "accessToken",
          label: "Square access token",
          type: "password",
          autoComplete: "off",
          hint: "Square Developer Dashboard → your app → Credentials → Access token.",
        },
      ],
    },
  },
});
