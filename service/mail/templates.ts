// Account emails. Plain text first (it is what most clients preview), with a simple HTML twin.
import type { Email } from "./mailer.ts";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function verificationEmail(to: string, name: string, link: string): Email {
  return {
    to,
    subject: "Verify your email for Tatu",
    text: `Hi ${name},\n\nConfirm your email to finish setting up your Tatu account:\n\n${link}\n\nThe link works once and expires in 24 hours. If you did not sign up, ignore this email.\n`,
    html: `<p>Hi ${escapeHtml(name)},</p><p>Confirm your email to finish setting up your Tatu account:</p><p><a href="${escapeHtml(link)}">Verify my email</a></p><p>The link works once and expires in 24 hours. If you did not sign up, ignore this email.</p>`,
  };
}
