// /api/auth/* — the routes the runbook's signup smoke checklist exercises.
import { Router } from "express";
import type { AppContext } from "../context.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import {
  changePassword,
  forgotPassword,
  login,
  resendVerification,
  resetPassword,
  signup,
  verifyEmail,
} from "./accounts.ts";
import {
  changePasswordBody,
  deleteAccountBody,
  forgotPasswordBody,
  loginBody,
  resendBody,
  resetPasswordBody,
  signupBody,
  verifyQuery,
} from "./schemas.ts";
import { deleteAccount } from "./delete-account.ts";
import { clearSessionCookies, endSession, isAdminAccount, revokeSessions, startSession } from "./sessions.ts";

export function authRoutes(ctx: AppContext): Router {
  const r = Router();

  r.post("/signup", requireJsonBody, async (req, res) => {
    await ctx.limits.signup.hit(req.ip ?? "unknown", "Too many signups from this network. Try again later.");
    const result = await signup(ctx, parse(signupBody, req.body));
    res.status(201).json(result);
  });

  r.get("/verify-email", async (req, res) => {
    const { token } = parse(verifyQuery, req.query);
    const { email } = await verifyEmail(ctx, token);
    res.json({ verified: true, email });
  });

  r.post("/resend-verification", requireJsonBody, async (req, res) => {
    const { email } = parse(resendBody, req.body);
    await resendVerification(ctx, email);
    res.status(202).json({ accepted: true, message: "If an account needs verifying, a new link is on its way." });
  });

  r.post("/login", requireJsonBody, async (req, res) => {
    const body = parse(loginBody, req.body);
    const user = await login(ctx, body.email, body.password, req.ip ?? "unknown");
    const csrfToken = await startSession(ctx, req, res, user.id);
    res.json({
      user: { id: user.id, email: user.email, name: user.name, role: user.role, isAdmin: isAdminAccount(ctx, user) },
      csrfToken,
    });
  });

  r.post("/logout", requireUser, async (req, res) => {
    await endSession(ctx, res, req.sessionId!);
    res.json({ ok: true });
  });

  r.post("/forgot-password", requireJsonBody, async (req, res) => {
    const { email } = parse(forgotPasswordBody, req.body);
    await forgotPassword(ctx, email, req.ip ?? "unknown");
    res.status(202).json({
      accepted: true,
      message: "If an account exists for that address, a link to choose a new password is on its way.",
    });
  });

  r.post("/reset-password", requireJsonBody, async (req, res) => {
    const body = parse(resetPasswordBody, req.body);
    const { email } = await resetPassword(ctx, body.token, body.password);
    // This browser's own session (if any) was revoked with the others.
    if (req.sessionId) clearSessionCookies(ctx, res);
    res.json({
      ok: true,
      email,
      message: "Your password is set. Every device was signed out: log in with the new password.",
    });
  });

  r.post("/change-password", requireUser, requireJsonBody, async (req, res) => {
    const body = parse(changePasswordBody, req.body);
    await changePassword(ctx, { userId: req.user!.id, sessionId: req.sessionId!, ip: req.ip ?? "unknown", ...body });
    res.json({ ok: true, message: "Password changed. Your other devices were signed out." });
  });

  r.get("/sessions", requireUser, async (req, res) => {
    const rows = await ctx.db.session.findMany({
      where: { userId: req.user!.id, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { lastSeenAt: "desc" },
      select: { id: true, createdAt: true, lastSeenAt: true, userAgent: true, ip: true },
    });
    res.set("Cache-Control", "no-store");
    res.json({ sessions: rows.map((s) => ({ ...s, current: s.id === req.sessionId })) });
  });

  /** "Sign out everywhere": every session of the caller, this one included, and their sockets. */
  r.post("/sessions/revoke-all", requireUser, async (req, res) => {
    const ids = await revokeSessions(ctx, { userId: req.user!.id });
    clearSessionCookies(ctx, res);
    res.json({ ok: true, revoked: ids.length });
  });

  r.get("/me", requireUser, (req, res) => {
    res.json({ user: req.user, csrfToken: req.csrfToken });
  });

  /** Deletes the caller's own account (password required); see delete-account.ts for what goes. */
  r.delete("/me", requireUser, requireJsonBody, async (req, res) => {
    const { password } = parse(deleteAccountBody, req.body);
    await deleteAccount(ctx, { userId: req.user!.id, ip: req.ip ?? "unknown", password });
    clearSessionCookies(ctx, res);
    res.json({ deleted: true, message: "Your account and its data are deleted. Every device was signed out." });
  });

  return r;
}
