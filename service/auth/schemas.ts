// Request schemas of the account API (also the source of the web forms' rules).
import { z } from "zod";

export const email = z
  .string({ message: "Email is required." })
  .trim()
  .toLowerCase()
  .max(254, "Email is too long.")
  .pipe(z.email({ message: "Enter a valid email address." }));

export const newPassword = z
  .string({ message: "Password is required." })
  .min(8, "Use at least 8 characters.")
  .max(200, "Use at most 200 characters.")
  .refine((p) => /[A-Za-z]/.test(p) && /[^A-Za-z]/.test(p), "Mix letters with at least one number or symbol.");

export const signupBody = z.object({
  email,
  password: newPassword,
  name: z
    .string({ message: "Name is required." })
    .trim()
    .min(1, "Name is required.")
    .max(100, "Use at most 100 characters."),
  role: z.enum(["customer", "artist"], { message: "Choose artist or customer." }),
});

export const loginBody = z.object({
  email,
  password: z.string({ message: "Password is required." }).min(1, "Password is required.").max(200),
});

export const resendBody = z.object({ email });
export const verifyQuery = z.object({
  token: z.string({ message: "The link has no token." }).min(1, "The link has no token.").max(200),
});

const token = z.string({ message: "The link has no token." }).min(1, "The link has no token.").max(200);
export const forgotPasswordBody = z.object({ email });
export const resetPasswordBody = z.object({ token, password: newPassword });
export const changePasswordBody = z.object({
  currentPassword: z
    .string({ message: "Enter your current password." })
    .min(1, "Enter your current password.")
    .max(200),
  newPassword,
});

export const deleteAccountBody = z.object({
  password: z
    .string({ message: "Enter your password to delete your account." })
    .min(1, "Enter your password to delete your account.")
    .max(200),
});

export type SignupBody = z.infer<typeof signupBody>;
