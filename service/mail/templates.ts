// Account emails. Plain text first (it is what most clients preview), with a simple HTML twin.
import type { Email } from "./mailer.ts";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function verificationEmail(to: string, name: string, link: string): Email {
  return {
    to,
    subject: "Verify your email for Tatu",
    text: `Hi ${name},\n\nConfirm your email to finish setting up your Tatu account:\n\n${link}\n\nOpening it confirms the password chosen at that signup. The link works once and expires in 24 hours. If you did not sign up, do not open it: ignore this email.\n`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>Confirm your email to finish setting up your Tatu account:</p><p><a href="${escapeHtml(link)}">Verify my email</a></p><p>Opening it confirms the password chosen at that signup. The link works once and expires in 24 hours. If you did not sign up, do not open it: ignore this email.</p>`,
  };
}

export function passwordResetEmail(to: string, name: string, link: string, reason?: "several-signups"): Email {
  const intro =
    reason === "several-signups"
      ? "More than one signup used this email address, so we can't tell which password is yours. Choose your password to finish setting up your Tatu account:"
      : "Someone (hopefully you) asked to reset the password of your Tatu account. Choose a new password here:";
  const outro =
    "The link works once and expires in 1 hour. Using it signs out every device. If you did not ask for this, ignore this email: your password stays as it is.";
  return {
    to,
    subject: reason === "several-signups" ? "Choose your Tatu password" : "Reset your Tatu password",
    text: `Hi ${name},\n\n${intro}\n\n${link}\n\n${outro}\n`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(link)}">Choose a new password</a></p><p>${escapeHtml(outro)}</p>`,
  };
}
