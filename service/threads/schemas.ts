// The booking thread API's input, shared with the web app's message form.
import { z } from "zod";

export const threadMessageBody = z.object({
  text: z
    .string()
    .trim()
    .min(1, "Write a message before sending.")
    .max(5_000, "Keep the message under 5,000 characters."),
});
